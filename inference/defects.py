"""Stains and damage: a YOLO detector (trained with ultralytics, see train_defect_model),
served from ONNX on onnxruntime. Load once per process, predict a batch, report a version.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from inference.runtime import file_digest, onnx_session

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights" / "defects"
PAD_VALUE = 114  # ultralytics' letterbox grey


@dataclass(frozen=True)
class Detection:
    type: str  # one of the model's classes: stain, hole, tear
    confidence: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the photo

    def as_dict(self) -> dict:
        return {"type": self.type, "confidence": round(self.confidence, 4), "box": [round(v, 4) for v in self.box]}


def letterbox(image: Image.Image, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """The photo scaled to fit size x size, padded grey: CHW float32 0..1, scale, (pad x, pad y)."""
    scale = size / max(image.width, image.height)
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    canvas = np.full((size, size, 3), PAD_VALUE, np.uint8)
    left, top = (size - width) // 2, (size - height) // 2
    canvas[top:top + height, left:left + width] = np.asarray(image.convert("RGB").resize((width, height), Image.BILINEAR))
    return canvas.transpose(2, 0, 1).astype(np.float32) / 255.0, scale, (left, top)


def _areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> list[int]:
    order, keep = np.argsort(-scores), []
    while len(order):
        best, order = order[0], order[1:]
        keep.append(int(best))
        if not len(order):
            break
        x0 = np.maximum(boxes[best, 0], boxes[order, 0])
        y0 = np.maximum(boxes[best, 1], boxes[order, 1])
        x1 = np.minimum(boxes[best, 2], boxes[order, 2])
        y1 = np.minimum(boxes[best, 3], boxes[order, 3])
        overlap = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        iou = overlap / np.maximum(_areas(boxes[best]) + _areas(boxes[order]) - overlap, 1e-9)
        order = order[iou < iou_threshold]
    return keep


class DefectDetector:
    name = "defects-yolo"

    def __init__(self, weights_dir: str | Path):
        weights_dir = Path(weights_dir)
        self.metadata = json.loads((weights_dir / "metadata.json").read_text())
        self.classes: list[str] = self.metadata["classes"]
        self.image_size: int = self.metadata["image_size"]
        self.confidence_threshold: float = self.metadata["confidence_threshold"]
        self.iou_threshold: float = self.metadata.get("iou_threshold", 0.5)
        self.session = onnx_session(weights_dir / "defects.onnx")
        self.input_name = self.session.get_inputs()[0].name
        # The thresholds decide which boxes are kept (and so the grade): they are part of the version.
        self.version = (f"{file_digest(weights_dir / 'defects.onnx')}"
                        f"-c{self.confidence_threshold:g}-iou{self.iou_threshold:g}")

    def predict(self, images: Sequence[Image.Image]) -> list[list[Detection]]:
        """Detections per photo, strongest first, anywhere on the photo. The garment mask
        is no filter: on close-ups of fabric the segmenter takes a ruler or a label for
        the subject (README in weights/defects); clean backgrounds are what the
        confidence threshold is chosen on instead."""
        if not images:
            return []
        prepared = [letterbox(image, self.image_size) for image in images]
        batch = np.stack([array for array, _, _ in prepared])
        outputs = self.session.run(None, {self.input_name: batch})[0]  # B x (4 + classes) x anchors
        return [self._decode(output, image, scale, pad) for output, image, (_, scale, pad) in zip(outputs, images, prepared)]

    def _decode(self, output, image, scale, pad) -> list[Detection]:
        scores = output[4:].T  # anchors x classes
        classes, confidences = scores.argmax(axis=1), scores.max(axis=1)
        chosen = confidences >= self.confidence_threshold
        if not chosen.any():
            return []
        cx, cy, w, h = output[:4, chosen]
        boxes = np.stack([cx - w / 2 - pad[0], cy - h / 2 - pad[1], cx + w / 2 - pad[0], cy + h / 2 - pad[1]], 1) / scale
        boxes = np.clip(boxes, 0, [image.width, image.height, image.width, image.height])
        classes, confidences = classes[chosen], confidences[chosen]
        detections = []
        for cls in np.unique(classes):
            same = np.flatnonzero(classes == cls)
            for index in same[non_max_suppression(boxes[same], confidences[same], self.iou_threshold)]:
                x0, y0, x1, y1 = boxes[index]
                detections.append(Detection(
                    self.classes[int(cls)], float(confidences[index]),
                    (x0 / image.width, y0 / image.height, x1 / image.width, y1 / image.height)))
        return sorted(detections, key=lambda d: -d.confidence)


@functools.cache
def load(weights_dir: str | None = None) -> DefectDetector:
    """One detector per process; None means the shipped weights."""
    return DefectDetector(weights_dir or DEFAULT_WEIGHTS_DIR)
