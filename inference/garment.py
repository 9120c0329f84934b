"""The garment classifier: category probabilities and an embedding per photo (ONNX)."""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from inference.garment_view import model_views, to_model_array
from inference.runtime import file_digest, onnx_session
from inference.segmenter import Segmentation

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "garment"


@dataclass(frozen=True)
class GarmentPrediction:
    probabilities: np.ndarray  # one per class, in the classifier's class order (calibrated)
    top: list[tuple[str, float]]  # the three likeliest classes, best first
    embedding: np.ndarray  # float32, L2-normalised

    @property
    def category(self) -> str:
        return self.top[0][0]

    @property
    def confidence(self) -> float:
        return self.top[0][1]


class GarmentClassifier:
    def __init__(self, weights_dir: str | Path):
        weights_dir = Path(weights_dir)
        self.metadata = json.loads((weights_dir / "metadata.json").read_text())
        model_path = weights_dir / "garment.onnx"
        self.name = self.metadata["name"]
        self.classes: list[str] = self.metadata["classes"]
        self.input_mode: str = self.metadata["input_mode"]
        self.image_size: int = self.metadata["image_size"]
        self.duplicate_similarity: float = self.metadata.get("duplicate_similarity", {}).get("threshold", 0.97)
        # Temperature scaling (inference/training/calibration.py, MODEL_CARD.md "Calibration"):
        # the network's averaged probabilities p become p ** (1 / T), renormalised.
        self.temperature: float = float(self.metadata.get("temperature", 1.0))
        # Mirrored views too (MODEL_CARD.md "Cross-validation"): probabilities only, so
        # embeddings stay comparable with those stored before.
        self.mirror: bool = bool(self.metadata.get("test_time_mirror", False))
        self.session = onnx_session(model_path)
        digest = file_digest(model_path)
        self.version = model_version(digest, self.metadata)
        self.embedding_version = digest  # the temperature and mirroring leave the embeddings as they are

    def views(self, image: Image.Image, segmentation: Segmentation | None) -> list[Image.Image]:
        return model_views(image, segmentation, self.input_mode)

    def predict(self, photos: Sequence[Sequence[Image.Image]], batch_size: int = 16,
                temperature: float | None = None) -> list[GarmentPrediction]:
        """One prediction per photo, from its views (see `views`): their probabilities and
        embeddings are averaged, then the probabilities are scaled by the temperature
        (the model's own unless `temperature` is given: 1.0 gives the network's output)."""
        temperature = self.temperature if temperature is None else temperature
        if self.mirror:
            photos = [[*views, *(ImageOps.mirror(view) for view in views)] for views in photos]
        flat = [view for views in photos for view in views]
        probabilities, embeddings = [], []
        for start in range(0, len(flat), batch_size):
            pixels = np.stack([to_model_array(view, self.image_size) for view in flat[start:start + batch_size]])
            batch_probabilities, batch_embeddings = self.session.run(
                None, {"pixels": pixels.transpose(0, 3, 1, 2).astype(np.float32)})
            probabilities.append(batch_probabilities)
            embeddings.append(batch_embeddings)
        probabilities = np.concatenate(probabilities) if flat else np.zeros((0, len(self.classes)))
        embeddings = np.concatenate(embeddings) if flat else np.zeros((0, 0))
        predictions, start = [], 0
        for views in photos:
            row = apply_temperature(probabilities[start:start + len(views)].mean(axis=0), temperature)
            plain_views = len(views) // 2 if self.mirror else len(views)
            embedding = embeddings[start:start + plain_views].mean(axis=0)
            start += len(views)
            best = np.argsort(-row)[:3]
            predictions.append(GarmentPrediction(
                probabilities=row,
                top=[(self.classes[i], round(float(row[i]), 4)) for i in best],
                embedding=(embedding / max(float(np.linalg.norm(embedding)), 1e-6)).astype(np.float32),
            ))
        return predictions


def model_version(digest: str, metadata: dict, *, temperature: float | None = None) -> str:
    """The weights file's digest, then `-mirror` and `-T<temperature>` when they apply: another
    temperature or mirroring gives other confidences from the same file, so another version.
    `temperature` overrides the metadata's (1.0: the network's own probabilities)."""
    temperature = float(metadata.get("temperature", 1.0)) if temperature is None else temperature
    return (digest + ("-mirror" if metadata.get("test_time_mirror") else "")
            + (f"-T{temperature:g}" if temperature != 1.0 else ""))


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """p ** (1 / T), renormalised along the last axis (the softmax of log p / T)."""
    if temperature == 1.0:
        return np.asarray(probabilities)
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, None)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class NeighbourBlend:
    """How an owner's confirmed items move a new photo's probabilities (wardrobe/personalize.py).

    The `neighbours` confirmed items most like the photo (cosine of embeddings) vote for
    their categories, each with weight max(0, similarity) ** `power`; the vote is blended
    with the model's probabilities, p = (1 - w) p_model + w p_vote, where
    w = `max_weight` * s / (s + `prior`) and s is the sum of the votes' weights: more and
    closer confirmed items count more. The defaults are the ones the simulation in
    inference/training/calibration.py chose for the shipped model (MODEL_CARD.md,
    "Personalisation"); metadata.json's "personalisation" holds the model's own.
    """

    neighbours: int = 1
    power: float = 2.0
    prior: float = 0.25
    max_weight: float = 0.7

    @classmethod
    def of(cls, metadata: dict) -> "NeighbourBlend":
        chosen = metadata.get("personalisation", {}).get("parameters", {})
        return cls(**{name: chosen[name] for name in ("neighbours", "power", "prior", "max_weight") if name in chosen})

    def vote(self, similarities: np.ndarray, votes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """similarities: Q x R (each query against the R confirmed items), votes: R x C
        (one-hot categories). Returns each query's vote share per category (Q x C), the sum
        of its neighbours' weights (Q) and how many neighbours it had (Q)."""
        similarities = np.asarray(similarities, dtype=np.float64)
        queries, confirmed = similarities.shape
        if confirmed == 0 or self.neighbours <= 0:
            return np.zeros((queries, votes.shape[1])), np.zeros(queries), np.zeros(queries, dtype=int)
        count = min(self.neighbours, confirmed)
        nearest = np.argpartition(-similarities, count - 1, axis=1)[:, :count]
        weights = np.clip(np.take_along_axis(similarities, nearest, axis=1), 0, None) ** self.power
        strength = weights.sum(axis=1)
        shares = np.einsum("qk,qkc->qc", weights, np.asarray(votes, dtype=np.float64)[nearest])
        shares = shares / np.where(strength > 0, strength, 1.0)[:, None]
        return shares, strength, np.full(queries, count, dtype=int)

    def weight(self, strength: np.ndarray) -> np.ndarray:
        strength = np.asarray(strength, dtype=np.float64)
        return self.max_weight * strength / (strength + self.prior)

    def blend(self, probabilities: np.ndarray, similarities: np.ndarray, votes: np.ndarray):
        """probabilities: Q x C (the model's); returns the blended Q x C, the weights w (Q)
        and the neighbour counts (Q)."""
        shares, strength, counts = self.vote(similarities, votes)
        weight = self.weight(strength)
        blended = (1 - weight[:, None]) * np.asarray(probabilities, dtype=np.float64) + weight[:, None] * shares
        return blended, weight, counts


@functools.cache
def load(weights_dir: str | None = None) -> GarmentClassifier:
    """One classifier per process; `weights_dir` of None means the weights shipped in the repo."""
    return GarmentClassifier(weights_dir or DEFAULT_WEIGHTS_DIR)
