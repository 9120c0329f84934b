"""Synthetic stains and damage drawn onto real garment photos, with YOLO labels.

There is no public whole-garment stain set, so the detector learns from real photos of
clothes (the shared clothing set) with defects drawn only inside the garment mask:

- stains: irregular blobs, rings (a darker rim where the liquid dried), drips (a run with
  drops below), splashes (a blob with satellite drops), and diffuse yellowing; colours of
  dirt, oil, food, ink, make-up, yellowing, and bleach spots (which lighten instead). They
  are blended multiplicatively, so the fabric's texture, folds and shading show through,
  with soft edges and opacities from faint to strong; sizes from a fingertip to a palm.
- damage: holes, irregular openings that show what lies behind the garment (a dark
  shadow or the background of the photo) with a frayed rim; tears, a jagged narrow line
  that shows the dark behind and is pulled slightly open.

Every photo gets a seeded generator of its own, so a data set is reproducible by its seed.
"""

from dataclasses import dataclass, field

import numpy as np

CLASSES = ("stain", "hole", "tear")
STAIN, HOLE, TEAR = range(3)

# name -> list of RGB colours (what a stain of that kind tints the fabric toward)
STAIN_COLOURS = {
    "dirt": [(96, 82, 64), (120, 104, 84), (70, 66, 60)],
    "oil": [(60, 52, 40), (84, 74, 52)],
    "food": [(150, 60, 30), (180, 110, 40), (110, 50, 30), (170, 40, 40)],
    "ink": [(30, 40, 110), (20, 20, 30), (60, 30, 100)],
    "makeup": [(200, 120, 110), (190, 60, 80), (210, 160, 130)],
    "yellowing": [(200, 170, 70), (190, 160, 90)],
    "bleach": [(255, 250, 240)],
}


@dataclass(frozen=True)
class SynthesisSettings:
    max_defects: int = 3
    damage_share: float = 0.3  # of defects that are holes or tears
    min_size: float = 0.03  # of the garment's width: a fingertip on a shirt...
    max_size: float = 0.18  # ...to a palm
    min_opacity: float = 0.35
    max_opacity: float = 0.9
    min_visible_alpha: float = 0.2  # where a defect's box ends
    min_contrast: float = 8.0  # mean change (0..255) a labelled defect makes: no labels for the invisible


@dataclass
class Defect:
    cls: int
    kind: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels

    def yolo_line(self, width: int, height: int) -> str:
        x0, y0, x1, y1 = self.box
        return (f"{self.cls} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
                f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")


@dataclass
class Synthesized:
    image: np.ndarray  # HxWx3 uint8
    defects: list[Defect] = field(default_factory=list)


def _blob(rng, shape, centre, radius, *, roughness=0.35, lobes=7) -> np.ndarray:
    """A soft irregular blob (0..1) from a radius that wobbles with the angle."""
    height, width = shape
    stretch = rng.uniform(0.6, 1.4)
    phases = [(rng.uniform(-roughness, roughness) / harmonic, harmonic, rng.uniform(0, 6.3))
              for harmonic in range(2, 2 + lobes)]
    blob = np.zeros(shape, np.float32)
    # Only the blob's own neighbourhood is computed: the rest of the photo stays zero.
    reach = int(radius * 2.5 * max(stretch, 1 / stretch)) + 2
    x0, x1 = max(0, int(centre[0]) - reach), min(width, int(centre[0]) + reach)
    y0, y1 = max(0, int(centre[1]) - reach), min(height, int(centre[1]) + reach)
    if x1 <= x0 or y1 <= y0:
        return blob
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = xs - centre[0], ys - centre[1]
    angle = np.arctan2(dy, dx)
    wobble = np.ones_like(angle)
    for amplitude, harmonic, phase in phases:
        wobble += amplitude * np.cos(harmonic * angle + phase)
    distance = np.sqrt((dx * stretch) ** 2 + (dy / stretch) ** 2) / np.maximum(radius * wobble, 1.0)
    blob[y0:y1, x0:x1] = np.clip((1.0 - distance) * 3.0, 0.0, 1.0)
    return blob


def _soften(alpha: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    size = max(3, int(sigma * 4) | 1)
    return cv2.GaussianBlur(alpha, (size, size), sigma)


def _stain_alpha(rng, shape, centre, radius, shape_kind):
    if shape_kind == "ring":
        outer = _blob(rng, shape, centre, radius)
        inner = _blob(rng, shape, centre, radius * rng.uniform(0.6, 0.8), roughness=0.2)
        return np.clip(0.35 * outer + 0.9 * np.clip(outer - inner, 0, 1) * 2, 0, 1)
    if shape_kind == "drip":
        alpha = _blob(rng, shape, centre, radius * 0.7)
        run_length = radius * rng.uniform(1.5, 3.0)
        for step in np.linspace(0, 1, 8):
            point = (centre[0] + rng.normal(0, radius * 0.05), centre[1] + step * run_length)
            alpha = np.maximum(alpha, _blob(rng, shape, point, radius * (0.35 - 0.2 * step), roughness=0.1, lobes=3))
        drop = (centre[0], centre[1] + run_length + radius * 0.3)
        return np.maximum(alpha, _blob(rng, shape, drop, radius * 0.25, roughness=0.1, lobes=3))
    if shape_kind == "splash":
        alpha = _blob(rng, shape, centre, radius * 0.7, roughness=0.5)
        for _ in range(int(rng.integers(3, 9))):
            angle, reach = rng.uniform(0, 6.3), radius * rng.uniform(0.9, 1.6)
            point = (centre[0] + np.cos(angle) * reach, centre[1] + np.sin(angle) * reach)
            alpha = np.maximum(alpha, _blob(rng, shape, point, radius * rng.uniform(0.08, 0.22), lobes=3))
        return alpha
    return _blob(rng, shape, centre, radius)


def _apply_stain(rng, image, alpha, kind):
    colour = np.array(STAIN_COLOURS[kind][int(rng.integers(len(STAIN_COLOURS[kind])))], np.float32) / 255.0
    a = alpha[..., None]
    base = image.astype(np.float32) / 255.0
    if kind == "bleach":  # lightens and takes the dye out
        grey = base.mean(axis=2, keepdims=True)
        faded = np.clip(0.5 * base + 0.5 * grey + 0.35, 0, 1)
        out = base * (1 - a) + faded * a
    else:  # the fabric's shading stays: a multiplicative tint
        out = base * (1 - a) + base * colour * 1.15 * a
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _behind(rng, image, mask) -> np.ndarray:
    """What a hole shows: the photo's background, or the dark inside of the garment."""
    if rng.random() < 0.5 and (~mask).sum() > 0.05 * mask.size:
        colour = np.median(image[~mask], axis=0)
    else:
        colour = np.array([rng.uniform(15, 55)] * 3)
    noise = rng.normal(0, 6, image.shape)
    return np.clip(colour + noise, 0, 255)


def _tear_alpha(rng, shape, start, length, angle):
    import cv2

    canvas = np.zeros(shape, np.float32)
    points, point = [], np.array(start, np.float32)
    steps = 10
    for _ in range(steps + 1):
        points.append(point.copy())
        angle += rng.normal(0, 0.35)
        point += np.array([np.cos(angle), np.sin(angle)]) * length / steps
    width = max(2, int(rng.uniform(0.012, 0.03) * length * 4))
    cv2.polylines(canvas, [np.array(points, np.int32)], False, 1.0, thickness=width, lineType=cv2.LINE_AA)
    return canvas


def _box_of(alpha, threshold) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(alpha >= threshold)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _inside_point(rng, mask, margin: int):
    import cv2

    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0
    ys, xs = np.nonzero(inner if inner.any() else mask)
    index = int(rng.integers(len(xs)))
    return float(xs[index]), float(ys[index])


def synthesize(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
               settings: SynthesisSettings = SynthesisSettings()) -> Synthesized:
    """Draws 1..max_defects defects inside `mask` (HxW bool) of `image` (HxWx3 uint8)."""
    height, width = mask.shape
    ys, xs = np.nonzero(mask)
    garment_width = max(8, int(xs.max() - xs.min())) if len(xs) else width
    out = image.copy()
    defects = []
    # Soft towards the garment's edge, and nothing at all beyond it.
    soft_mask = _soften(mask.astype(np.float32), 1.5) * mask
    for _ in range(int(rng.integers(1, settings.max_defects + 1))):
        before = out
        size = rng.uniform(settings.min_size, settings.max_size) * garment_width
        centre = _inside_point(rng, mask, margin=max(1, int(size * 0.5)))
        if rng.random() < settings.damage_share:
            if rng.random() < 0.5:
                cls, kind = HOLE, "hole"
                alpha = _blob(rng, mask.shape, centre, size * rng.uniform(0.2, 0.45), roughness=0.5)
            else:
                cls, kind = TEAR, "tear"
                alpha = _tear_alpha(rng, mask.shape, centre, size * rng.uniform(1.0, 2.0), rng.uniform(0, 6.3))
            alpha = _soften(alpha, 0.8) * soft_mask
            behind = _behind(rng, image, mask)
            rim = (np.clip(_soften(alpha, 2.0) - alpha, 0, 1) * mask)[..., None] * 0.5  # frayed, shadowed edge
            a = alpha[..., None]
            blended = out.astype(np.float32) * (1 - a) + behind * a
            out = np.clip(blended * (1 - rim) + blended * 0.55 * rim, 0, 255).astype(np.uint8)
        else:
            cls = STAIN
            kind = str(rng.choice(list(STAIN_COLOURS)))
            if kind == "yellowing":
                shape_kind, size = "blob", size * 1.3
            else:
                shape_kind = str(rng.choice(["blob", "ring", "drip", "splash"]))
            alpha = _stain_alpha(rng, mask.shape, centre, size * 0.5, shape_kind)
            sigma = size * (0.12 if kind == "yellowing" else rng.uniform(0.02, 0.07))
            opacity = rng.uniform(settings.min_opacity, settings.max_opacity)
            alpha = _soften(alpha, max(0.8, sigma)) * opacity * soft_mask
            out = _apply_stain(rng, out, alpha, kind)
            kind = f"{kind}-{shape_kind}"
        peak = float(alpha.max())
        box = _box_of(alpha, max(settings.min_visible_alpha * peak, 0.05))
        if box is None or (box[2] - box[0]) < 3 or (box[3] - box[1]) < 3:
            continue
        region = alpha >= 0.3 * peak
        change = np.abs(out[region].astype(np.float32) - before[region].astype(np.float32)).mean()
        if change < settings.min_contrast:
            out = before  # a stain dark fabric hides: neither drawn nor labelled
            continue
        defects.append(Defect(cls, kind, box))
    return Synthesized(out, defects)
