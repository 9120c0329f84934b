"""Perceptual hash (DCT of a 32x32 grey image, 8x8 lowest frequencies against their median).

Re-encoding, resizing and small edits move few bits; a different photo moves about half.
"""

import functools

import numpy as np
from PIL import Image

VERSION = "dct-64-1"


@functools.cache
def _dct_matrix(size: int) -> np.ndarray:
    n = np.arange(size)
    matrix = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / (2 * size)) * np.sqrt(2 / size)
    matrix[0] /= np.sqrt(2)
    return matrix


def phash(image: Image.Image) -> int:
    """Unsigned 64-bit hash."""
    grey = np.asarray(image.convert("L").resize((32, 32), Image.LANCZOS), dtype=np.float64)
    dct = _dct_matrix(32) @ grey @ _dct_matrix(32).T
    low = dct[:8, :8]
    bits = (low > np.median(low)).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def to_signed(value: int) -> int:
    """Fits a 64-bit database integer."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def distance(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()
