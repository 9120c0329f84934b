"""The garment's pattern (plain, striped, checked, dotted, floral, printed): a logistic
regression over the garment model's embedding, a few texture measures of the garment, or
both, as cross-validation chose (the model card, inference/weights/pattern/README.md).

It reuses the embedding the garment step already computed, so it costs no network: a
matrix product, and the texture measures when the model reads them. Trained by
`manage.py train_pattern_model` (inference/training/pattern.py); weights and model card
in inference/weights/pattern/.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from inference.runtime import file_digest

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "pattern"
# The texture measures are taken on the garment's box at this size: enough for stripes
# and dots of a phone photo, cheap to compute.
TEXTURE_SIDE = 160
ORIENTATION_BINS = 8
TEXTURE_VERSION = "1"


def texture_features(image: Image.Image, mask: np.ndarray | None) -> np.ndarray:
    """Measures of the garment's surface, float32: how much and how sharply it changes, in
    which directions, how regularly, and how many colours it holds. Pixels near the mask's
    edge are left out, so the garment's outline does not count as pattern."""
    import cv2

    rgb = np.asarray(image.convert("RGB"))
    if mask is None or not mask.any():
        mask = np.ones(rgb.shape[:2], dtype=bool)
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    scale = TEXTURE_SIDE / max(y1 - y0, x1 - x0)
    size = (max(8, round((x1 - x0) * scale)), max(8, round((y1 - y0) * scale)))
    crop = cv2.resize(rgb[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
    inside = cv2.resize(mask[y0:y1, x0:x1].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    inner = cv2.erode(inside, np.ones((7, 7), np.uint8)).astype(bool)
    if inner.sum() < 64:
        inner = inside.astype(bool) if inside.sum() >= 64 else np.ones(inside.shape, dtype=bool)
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    grey = lab[..., 0] / 255.0
    features = []
    for blur in (0, 2):
        level = cv2.GaussianBlur(grey, (0, 0), blur) if blur else grey
        gx = cv2.Sobel(level, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(level, cv2.CV_32F, 0, 1, ksize=3)
        magnitude = np.hypot(gx, gy)[inner]
        features += [magnitude.mean(), np.percentile(magnitude, 50), np.percentile(magnitude, 90),
                     (magnitude > 0.1).mean(), (magnitude > 0.3).mean()]
        # Orientation histogram weighted by strength, sorted: stripes put it in one bin,
        # checks in two, prints and flowers spread it out.
        angle = (np.arctan2(gy, gx)[inner] % np.pi) / np.pi * ORIENTATION_BINS
        histogram = np.bincount(np.minimum(angle.astype(int), ORIENTATION_BINS - 1), weights=magnitude,
                                minlength=ORIENTATION_BINS)
        histogram = np.sort(histogram / max(histogram.sum(), 1e-6))[::-1]
        features += list(histogram[:3]) + [histogram[-1]]
    features += list(_spectrum(grey, inner))
    # Colour spread over the garment, and how many colours hold a real share of it.
    pixels = lab[inner]
    features += list(pixels.std(axis=0) / 255.0)
    bins = (pixels[:, 0] // 64) * 16 + (pixels[:, 1] // 32) * 4 + pixels[:, 2] // 64
    shares = np.bincount(bins.astype(int), minlength=64) / len(bins)
    features += [(shares > 0.05).sum() / 10.0, 1.0 - np.sort(shares)[-1], -(shares[shares > 0] * np.log(shares[shares > 0])).sum()]
    return np.asarray(features, dtype=np.float32)


def _spectrum(grey: np.ndarray, inner: np.ndarray) -> list[float]:
    """Energy of the garment's brightness by spatial frequency band, and how concentrated
    it is in a few peaks (a repeated pattern) rather than spread (a print, a wrinkle)."""
    filled = np.where(inner, grey, grey[inner].mean())
    filled = filled - filled.mean()
    window = np.outer(np.hanning(filled.shape[0]), np.hanning(filled.shape[1]))
    power = np.abs(np.fft.fftshift(np.fft.fft2(filled * window))) ** 2
    h, w = power.shape
    yy, xx = np.mgrid[0:h, 0:w]
    radius = np.hypot((yy - h // 2) / h, (xx - w // 2) / w)
    total = power[radius > 0.01].sum() + 1e-9
    bands = [power[(radius > low) & (radius <= high)].sum() / total
             for low, high in ((0.01, 0.05), (0.05, 0.12), (0.12, 0.25), (0.25, 0.75))]
    ring = power[(radius > 0.03) & (radius <= 0.35)]
    peaks = np.sort(ring)[::-1]
    return bands + [float(np.log1p(peaks[:4].mean() / (ring.mean() + 1e-9))),
                    float(peaks[:16].sum() / (ring.sum() + 1e-9)), float(np.log1p(total))]


def feature_vector(features: str, embedding: np.ndarray | None, texture: np.ndarray | None) -> np.ndarray:
    """The model's input: the embedding, the texture measures or both ("embedding+texture")."""
    parts = {"embedding": embedding, "texture": texture}
    return np.concatenate([np.asarray(parts[name], dtype=np.float32) for name in features.split("+")])


def softmax_probabilities(vectors, coef, intercept, mean, scale, temperature: float = 1.0) -> np.ndarray:
    logits = (((np.asarray(vectors, dtype=np.float64) - mean) / scale) @ coef + intercept) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class PatternPrediction:
    pattern: str
    confidence: float
    probabilities: dict[str, float]


class PatternModel:
    """Softmax regression over the standardised [embedding, texture measures]."""

    def __init__(self, weights_dir: str | Path):
        weights_dir = Path(weights_dir)
        self.metadata = json.loads((weights_dir / "metadata.json").read_text())
        weights_path = weights_dir / "pattern.npz"
        with np.load(weights_path) as weights:
            self.coef, self.intercept = weights["coef"], weights["intercept"]
            self.mean, self.scale = weights["mean"], weights["scale"]
            # Temperature scaling fitted on cross-validation's out-of-fold outputs (the model
            # card): the class-weighted fit alone gives flat probabilities.
            self.temperature = float(weights["temperature"]) if "temperature" in weights else 1.0
        self.name = self.metadata["name"]
        self.classes: list[str] = self.metadata["classes"]
        self.features: str = self.metadata["features"]  # "embedding", "texture" or "embedding+texture"
        # The embedding the weights were fitted on (the pipeline's Embedding.version): another
        # garment model's is another space.
        self.embedding_version: str = self.metadata["embedding_version"]
        self.needs_embedding = "embedding" in self.features.split("+")
        self.needs_texture = "texture" in self.features.split("+")
        self.version = file_digest(weights_path)

    def feature_vector(self, embedding: np.ndarray | None, texture: np.ndarray | None) -> np.ndarray:
        return feature_vector(self.features, embedding, texture)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax_probabilities(vectors, self.coef, self.intercept, self.mean, self.scale, self.temperature)

    def predict(self, vectors: Sequence[np.ndarray]) -> list[PatternPrediction]:
        """One prediction per feature vector (see `feature_vector`)."""
        if not len(vectors):
            return []
        predictions = []
        for row in self.probabilities(np.stack(vectors)):
            best = int(np.argmax(row))
            predictions.append(PatternPrediction(
                pattern=self.classes[best], confidence=round(float(row[best]), 4),
                probabilities={code: round(float(p), 4) for code, p in zip(self.classes, row)}))
        return predictions


@functools.cache
def load(weights_dir: str | None = None) -> PatternModel:
    """One model per process; `weights_dir` of None means the weights shipped in the repo."""
    return PatternModel(weights_dir or DEFAULT_WEIGHTS_DIR)
