"""Decoding photos the way the whole product does: HEIC aware, EXIF upright, RGB."""

import functools
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps


@functools.cache
def register_formats() -> None:
    """Teach Pillow HEIC/HEIF, the format of most phone photos."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def open_rgb(source: bytes | str | Path) -> Image.Image:
    """Decode fully, turn upright by EXIF, flatten transparency onto white."""
    register_formats()
    image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit grey: Pillow's own conversion clips at 255, which turns every tone white.
        # Its colour key (tRNS) is a 16-bit value: the alpha is taken before the tones shrink.
        values = np.asarray(image, dtype=np.float64)
        grey = Image.fromarray((values / 257).round().clip(0, 255).astype(np.uint8))
        key = image.info.get("transparency")
        if isinstance(key, int):
            alpha = Image.fromarray(np.where(values == key, 0, 255).astype(np.uint8))
            image = Image.merge("LA", (grey, alpha))
        else:
            image = grey
    # "transparency" is a palette entry or, in RGB and grey PNGs, a colour key (tRNS).
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def fit_within(image: Image.Image, longest_side: int) -> Image.Image:
    """A copy no longer than `longest_side` on either side (never upscaled)."""
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.LANCZOS)
    return copy


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()
