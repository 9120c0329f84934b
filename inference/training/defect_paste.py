"""Real dirt marks carried onto other garments: copy-paste augmentation for a detector with
few real photos.

A mark is lifted from a fine-tuning dirty-mark photo as the change it makes to its own fabric:
the photo divided by the fabric's light around the box (a plane per channel fitted to a ring
outside it). Multiplied into another garment, inside its mask, it darkens that fabric as it
darkened the shirt it came from, so the detector sees real marks' faintness and speckle on
many garments, not only on the few shirts they were photographed on.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from inference.training.defect_synthesis import STAIN, Defect

MARGIN = 0.5  # of the box's longer side, the ring around it that gives the fabric's light
MAX_RING_UNEVENNESS = 0.08  # a ring brighter or darker than its plane by more (a ruler, an edge) is no fabric
MIN_CONTRAST = 4.0  # mean change (0..255) in the box: the real marks are fainter than the drawn ones


@dataclass(frozen=True)
class Mark:
    ratio: np.ndarray  # h x w x 3 float32: the mark's factor on its fabric's light (1: no change)
    box: tuple[int, int, int, int]  # the labelled box inside the patch, in pixels


def _plane(values: np.ndarray, ys: np.ndarray, xs: np.ndarray, height: int, width: int) -> np.ndarray:
    """Per channel, the least-squares plane through the ring's values, over the whole patch."""
    design = np.stack([np.ones_like(xs), xs, ys], axis=1).astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(design, values.astype(np.float64), rcond=None)
    grid_y, grid_x = np.mgrid[0:height, 0:width]
    full = np.stack([np.ones(height * width), grid_x.ravel(), grid_y.ravel()], axis=1)
    return (full @ coefficients).reshape(height, width, 3)


def lift_marks(image: Image.Image, lines: list[str]) -> list[Mark]:
    """The marks of one labelled photo (YOLO lines), given at its serving scale; a mark whose
    ring is not plain fabric (a ruler, the shirt's edge, another mark) is left out."""
    pixels = np.asarray(image, np.float32)
    height, width = pixels.shape[:2]
    marks = []
    for line in lines:
        _, cx, cy, w, h = map(float, line.split()[:5])
        x0, y0, x1, y1 = (cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height
        margin = MARGIN * max(x1 - x0, y1 - y0) + 3
        left, top = int(max(0, x0 - margin)), int(max(0, y0 - margin))
        right, bottom = int(min(width, x1 + margin)), int(min(height, y1 + margin))
        patch = pixels[top:bottom, left:right]
        # The box's pixels, not one more where a fraction times the size lands a hair past a whole number.
        box = (int(np.floor(x0 - left + 1e-6)), int(np.floor(y0 - top + 1e-6)),
               int(np.ceil(x1 - left - 1e-6)), int(np.ceil(y1 - top - 1e-6)))
        ys, xs = np.mgrid[0:patch.shape[0], 0:patch.shape[1]]
        ring = (xs < box[0]) | (xs >= box[2]) | (ys < box[1]) | (ys >= box[3])
        if ring.sum() < 50 or box[2] - box[0] < 3 or box[3] - box[1] < 3:
            continue
        light = _plane(patch[ring], ys[ring], xs[ring], *patch.shape[:2])
        if light.min() < 20:
            continue
        ratio = patch / light
        if np.abs(ratio[ring] - 1).mean() > MAX_RING_UNEVENNESS:
            continue
        marks.append(Mark(np.clip(ratio, 0.2, 1.3).astype(np.float32), box))
    return marks


def _feather(height: int, width: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """1 on the box, falling to 0 at the patch's edge: the ring's own texture fades out."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    dx = np.maximum(np.maximum(box[0] - xs, xs - (box[2] - 1)), 0) / max(1, box[0], width - box[2])
    dy = np.maximum(np.maximum(box[1] - ys, ys - (box[3] - 1)), 0) / max(1, box[1], height - box[3])
    return np.clip(1 - np.maximum(dx, dy), 0, 1)


def _transformed(mark: Mark, rng: np.random.Generator, size: float) -> Mark:
    """The mark scaled by `size`, turned by a random quarter turn and maybe mirrored."""
    import cv2

    height, width = mark.ratio.shape[:2]
    new_w, new_h = max(4, round(width * size)), max(4, round(height * size))
    ratio = cv2.resize(mark.ratio, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    box = tuple(round(v * size) for v in mark.box)
    if rng.random() < 0.5:
        ratio = ratio[:, ::-1]
        box = (new_w - box[2], box[1], new_w - box[0], box[3])
    for _ in range(int(rng.integers(4))):  # a quarter turn counter-clockwise
        ratio = np.rot90(ratio)
        height_now = ratio.shape[0]
        box = (box[1], height_now - box[2], box[3], height_now - box[0])
    return Mark(np.ascontiguousarray(ratio), box)


def paste_marks(image: np.ndarray, mask: np.ndarray, marks: list[Mark], rng: np.random.Generator, *,
                count: int, serve_size: int) -> tuple[np.ndarray, list[Defect]]:
    """Up to `count` of `marks` multiplied into `image` (HxWx3 uint8) with their boxes wholly
    on the garment `mask`, each the size in pixels it had when served, within a factor of 1.4
    either way; a mark the fabric hides (under MIN_CONTRAST) is neither pasted nor labelled."""
    height, width = mask.shape
    out = image.astype(np.float32)
    defects = []
    to_serving = serve_size / max(height, width)
    for _ in range(count):
        mark = _transformed(marks[int(rng.integers(len(marks)))], rng, rng.uniform(1 / 1.4, 1.4) / to_serving)
        patch_h, patch_w = mark.ratio.shape[:2]
        if patch_h >= height or patch_w >= width:
            continue
        for _attempt in range(20):
            top, left = int(rng.integers(0, height - patch_h)), int(rng.integers(0, width - patch_w))
            x0, y0, x1, y1 = left + mark.box[0], top + mark.box[1], left + mark.box[2], top + mark.box[3]
            if mask[y0:y1, x0:x1].all():
                break
        else:
            continue
        alpha = (_feather(patch_h, patch_w, mark.box) * mask[top:top + patch_h, left:left + patch_w])[..., None]
        region = out[top:top + patch_h, left:left + patch_w]
        changed = region * (1 + alpha * (mark.ratio - 1))
        inside = (slice(mark.box[1], mark.box[3]), slice(mark.box[0], mark.box[2]))
        if np.abs(changed[inside] - region[inside]).mean() < MIN_CONTRAST:
            continue
        out[top:top + patch_h, left:left + patch_w] = changed
        defects.append(Defect(STAIN, "real-mark", (x0, y0, x1, y1)))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), defects
