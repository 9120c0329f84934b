"""What the garment model looks at: the full photo, the garment's box, its cut-out,
or both the full photo and the cut-out (the model then averages what it says of each).

Training, evaluation and the product all build the model's input here, so the
choice recorded in the model card is the one the product makes.
"""

import numpy as np
from PIL import Image

from inference.segmenter import Segmentation

INPUT_MODES = ("full", "crop", "cutout", "full+cutout")
BOX_MARGIN = 0.08
CUTOUT_BACKGROUND = (128, 128, 128)


def model_views(image: Image.Image, segmentation: Segmentation | None, mode: str) -> list[Image.Image]:
    """The views of one photo the model sees under an input mode."""
    return [garment_view(image, segmentation, part) for part in mode.split("+")]


def garment_view(image: Image.Image, segmentation: Segmentation | None, mode: str) -> Image.Image:
    if mode == "full" or segmentation is None or not segmentation.found:
        return image
    if mode == "cutout":
        background = Image.new("RGB", image.size, CUTOUT_BACKGROUND)
        image = Image.composite(image, background, Image.fromarray(segmentation.alpha))
    elif mode != "crop":
        raise ValueError(f"unknown input mode {mode!r}")
    return image.crop(_margin_box(segmentation.box, image.size))


def _margin_box(box, size):
    x0, y0, x1, y1 = box
    width, height = size
    pad_x = int((x1 - x0) * BOX_MARGIN)
    pad_y = int((y1 - y0) * BOX_MARGIN)
    return (max(0, x0 - pad_x), max(0, y0 - pad_y), min(width, x1 + pad_x), min(height, y1 + pad_y))


def to_model_array(view: Image.Image, size: int) -> np.ndarray:
    """HxWx3 uint8 of the view squashed to size x size (the whole garment stays in)."""
    return np.asarray(view.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.uint8)
