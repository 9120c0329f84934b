"""The garment classifier: category probabilities and an embedding per photo (ONNX)."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from inference.garment_view import model_views, to_model_array
from inference.runtime import file_digest, onnx_session
from inference.segmenter import Segmentation

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "garment"


@dataclass(frozen=True)
class GarmentPrediction:
    probabilities: np.ndarray  # one per class, in the classifier's class order
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
        self.session = onnx_session(model_path)
        self.version = file_digest(model_path)

    def views(self, image: Image.Image, segmentation: Segmentation | None) -> list[Image.Image]:
        return model_views(image, segmentation, self.input_mode)

    def predict(self, photos: Sequence[Sequence[Image.Image]], batch_size: int = 16) -> list[GarmentPrediction]:
        """One prediction per photo, from its views (see `views`): their probabilities and
        embeddings are averaged."""
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
            row = probabilities[start:start + len(views)].mean(axis=0)
            embedding = embeddings[start:start + len(views)].mean(axis=0)
            start += len(views)
            best = np.argsort(-row)[:3]
            predictions.append(GarmentPrediction(
                probabilities=row,
                top=[(self.classes[i], round(float(row[i]), 4)) for i in best],
                embedding=(embedding / max(float(np.linalg.norm(embedding)), 1e-6)).astype(np.float32),
            ))
        return predictions


@functools.cache
def load(weights_dir: str | None = None) -> GarmentClassifier:
    """One classifier per process; `weights_dir` of None means the weights shipped in the repo."""
    return GarmentClassifier(weights_dir or DEFAULT_WEIGHTS_DIR)
