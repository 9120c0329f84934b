"""One photo's way through the models, as a sequence of steps.

Every step has a `name`, a `model_name` and `version`, and `run_batch(photos)`, which
returns the fields it worked out for each photo. Steps run on a batch so a model can
see several photos at once; each step's time is measured and divided per photo.
The worker, `manage.py analyze`, the evaluations and the benchmarks all call `run_batch`.
"""

import functools
import importlib
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from PIL import Image

from inference import colors, phash
from inference.images import encode, fit_within, open_rgb

IMAGE_SIDE = 1600
THUMB_SMALL_SIDE = 400
THUMB_MEDIUM_SIDE = 1000


class PhotoError(Exception):
    """This photo cannot be processed (the next attempt would fail the same way)."""


@dataclass(frozen=True)
class Embedding:
    vector: np.ndarray  # L2-normalised
    version: str  # embeddings of different models are not comparable
    duplicate_similarity: float  # the model's measured "same shot" threshold


@dataclass
class Photo:
    """A photo on its way through the steps."""

    source: bytes
    image: Image.Image | None = None
    segmentation: object = None
    embedding: Embedding | None = None
    artifacts: dict[str, bytes] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)
    step_outputs: dict[str, dict] = field(default_factory=dict)
    confidences: dict[str, float] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class StepRecord:
    model_name: str
    version: str


@dataclass
class PipelineResult:
    fields: dict
    artifacts: dict[str, bytes]
    embedding: Embedding | None
    steps: dict[str, StepRecord]  # step name -> model that ran
    step_outputs: dict[str, dict]  # step name -> the fields it produced
    confidences: dict[str, float]
    timings_ms: dict[str, float]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def model_versions(self) -> dict[str, str]:
        return {name: f"{record.model_name}@{record.version}" for name, record in self.steps.items()}

    def summary(self) -> dict:
        """The JSON-able part: what `analyze --json` prints."""
        summary = {**self.fields, "model_versions": self.model_versions, "timings_ms": self.timings_ms}
        if self.error:
            summary["error"] = self.error
        return summary


class Step:
    name = ""
    model_name = ""

    @property
    def version(self) -> str:
        raise NotImplementedError

    def run_batch(self, photos: Sequence[Photo]) -> list[dict | None]:
        """Fields per photo; None, with `photo.error` set, for a photo this step cannot take."""
        outputs = []
        for photo in photos:
            try:
                outputs.append(self.run(photo))
            except PhotoError as error:
                photo.error = str(error)
                outputs.append(None)
        return outputs

    def run(self, photo: Photo) -> dict:
        raise NotImplementedError


class NormalizeStep(Step):
    """Decode, turn upright, and write the JPEG and thumbnails the pages show."""

    name = "normalize"
    model_name = "pillow"
    version = "1"

    def run(self, photo):
        try:
            image = open_rgb(photo.source)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise PhotoError(f"The photo could not be decoded ({error}).") from error
        photo.image = fit_within(image, IMAGE_SIDE)
        photo.artifacts["image"] = encode(photo.image, "JPEG", quality=88, optimize=True)
        photo.artifacts["thumb_medium"] = encode(fit_within(photo.image, THUMB_MEDIUM_SIDE), "JPEG", quality=85)
        photo.artifacts["thumb_small"] = encode(fit_within(photo.image, THUMB_SMALL_SIDE), "JPEG", quality=80)
        return {"width": photo.image.width, "height": photo.image.height, "source_bytes": len(photo.source)}


class ModelStep(Step):
    """A step around one model module of inference/ (`load(location)` once per process;
    the model has `name`, `version` and `predict(batch)`). The model loads on first use."""

    module = ""

    def __init__(self, location: str = ""):
        self.location = location or None

    @functools.cached_property
    def model(self):
        return importlib.import_module(self.module).load(self.location)

    @property
    def model_name(self):
        return self.model.name

    @property
    def version(self):
        return self.model.version


class SegmentStep(ModelStep):
    """Background removal: the garment's mask, box and a transparent cut-out."""

    name = "segment"
    module = "inference.segmenter"

    def run_batch(self, photos):
        segmentations = self.model.predict([photo.image for photo in photos])
        outputs = []
        for photo, segmentation in zip(photos, segmentations):
            photo.segmentation = segmentation
            cutout = photo.image.copy()
            cutout.putalpha(Image.fromarray(segmentation.alpha))
            # WebP keeps the alpha lossless at a tenth of a PNG's size, and encodes 30x faster.
            photo.artifacts["cutout"] = encode(fit_within(cutout, THUMB_MEDIUM_SIDE), "WEBP", quality=85)
            photo.artifacts["cutout_small"] = encode(fit_within(cutout, THUMB_SMALL_SIDE), "WEBP", quality=80)
            mask = Image.fromarray(segmentation.mask.astype(np.uint8) * 255)
            photo.artifacts["mask"] = encode(fit_within(mask, THUMB_MEDIUM_SIDE), "PNG")
            outputs.append({
                "garment_box": segmentation.box_fraction(),
                "garment_found": segmentation.found,
                "garment_coverage": segmentation.coverage,
            })
        return outputs


class ColorsStep(Step):
    name = "colors"
    model_name = "colors"
    version = colors.VERSION

    def run(self, photo):
        mask = photo.segmentation.mask if photo.segmentation is not None else None
        return {"colors": colors.dominant_colors(photo.image, mask)}


class PhashStep(Step):
    name = "phash"
    model_name = "phash"
    version = phash.VERSION

    def run(self, photo):
        return {"phash": "%016x" % phash.phash(photo.image)}


class GarmentStep(ModelStep):
    """Category with its confidence and top three, and the embedding for look-alikes."""

    name = "garment"
    module = "inference.garment"

    def run_batch(self, photos):
        views = [self.model.views(photo.image, photo.segmentation) for photo in photos]
        outputs = []
        for photo, prediction in zip(photos, self.model.predict(views)):
            # The embedding does not depend on the calibration temperature: the weights file names it.
            photo.embedding = Embedding(prediction.embedding, f"{self.model_name}@{self.model.embedding_version}",
                                        self.model.duplicate_similarity)
            photo.confidences[self.name] = prediction.confidence
            outputs.append({
                "category": prediction.category,
                "category_confidence": prediction.confidence,
                "category_top3": [[code, probability] for code, probability in prediction.top],
                "category_probabilities": {
                    code: round(float(p), 4) for code, p in zip(self.model.classes, prediction.probabilities)},
            })
        return outputs


class PatternStep(ModelStep):
    """Plain, striped, checked, dotted, floral or printed, from the embedding the garment
    step left on the photo (no second network) and, if the model reads them, texture
    measures of the garment."""

    name = "pattern"
    module = "inference.pattern"

    def run_batch(self, photos):
        from inference.pattern import texture_features

        # Weights fitted on one garment model's embedding mean nothing on another's: those
        # photos get no pattern.
        usable = [photo for photo in photos if not self.model.needs_embedding or (
            photo.embedding is not None and photo.embedding.version == self.model.embedding_version)]
        vectors = []
        for photo in usable:
            mask = photo.segmentation.mask if photo.segmentation is not None else None
            embedding = photo.embedding.vector if photo.embedding is not None else None
            texture = texture_features(photo.image, mask) if self.model.needs_texture else None
            vectors.append(self.model.feature_vector(embedding, texture))
        predicted = dict(zip(map(id, usable), self.model.predict(vectors)))
        outputs = []
        for photo in photos:
            prediction = predicted.get(id(photo))
            if prediction is None:
                # No answer this time, said so: an earlier model's pattern must not stay beside
                # a caption composed without it.
                outputs.append({"pattern": "", "pattern_confidence": None})
                continue
            photo.confidences[self.name] = prediction.confidence
            outputs.append({"pattern": prediction.pattern, "pattern_confidence": prediction.confidence,
                            "pattern_probabilities": prediction.probabilities})
        return outputs


class DefectsStep(ModelStep):
    """Stains and damage on the garment: kind, confidence and box (fractions of the photo)."""

    name = "defects"
    module = "inference.defects"

    def run_batch(self, photos):
        outputs = []
        for photo, detections in zip(photos, self.model.predict([photo.image for photo in photos])):
            photo.confidences[self.name] = max((d.confidence for d in detections), default=0.0)
            outputs.append({"defects": [detection.as_dict() for detection in detections]})
        return outputs


class GradeStep(Step):
    """Reuse, recycle or dispose from the defects, by the policy in inference/grade.py."""

    name = "grade"
    model_name = "grade-policy"

    def __init__(self, policy, defects_step: DefectsStep):
        self.policy, self.defects_step = policy, defects_step

    @property
    def version(self):
        # The same policy over another detector is another grade.
        return f"{self.policy.version}+{self.defects_step.version}"

    def run(self, photo):
        from inference.grade import grade

        segmentation = photo.segmentation
        result = grade(photo.fields.get("defects", []),
                       garment_area=segmentation.coverage if segmentation is not None else 1.0,
                       garment_box=segmentation.box_fraction() if segmentation is not None else [0, 0, 1, 1],
                       policy=self.policy)
        photo.confidences[self.name] = result["probabilities"][result["label"]]
        return {"grade": {"label": result["label"], "probabilities": result["probabilities"],
                          "reason": result["reason_text"], "reason_parts": result["reason"]}}


class CaptionStep(Step):
    """A sentence in Korean and English from the steps before it (inference/captions.py);
    with an image-to-text model (inference/captioner.py), the model writes the sentence of
    its language and the other one is composed."""

    name = "caption"

    def __init__(self, model_location: str = "", *, model_language: str = "en", prompt: str = ""):
        self.model_location, self.model_language, self.prompt = model_location, model_language, prompt

    @functools.cached_property
    def model(self):
        if not self.model_location:
            return None
        from inference import captioner

        return captioner.load(self.model_location, self.model_language)

    @property
    def model_name(self):
        return f"{self.model.name}+compose" if self.model else "caption-compose"

    @property
    def version(self):
        from inference.captions import VERSION

        return f"{self.model.version}+{VERSION}" if self.model else VERSION

    def run_batch(self, photos):
        from inference.captions import compose

        captions = [
            compose(category=photo.fields.get("category", ""), colors=photo.fields.get("colors", ()),
                    pattern=photo.fields.get("pattern", ""), defects=photo.fields.get("defects", ()),
                    garment_box=photo.fields.get("garment_box"))
            for photo in photos
        ]
        if self.model:
            written = self.model.predict([photo.image for photo in photos], prompt=self.prompt)
            for caption, text in zip(captions, written):
                if text:
                    caption[self.model.language] = text
        return [{"caption": caption} for caption in captions]


def default_steps() -> list[Step]:
    from django.conf import settings

    from inference.defects import DEFAULT_WEIGHTS_DIR
    from inference.grade import GradePolicy

    steps = [
        NormalizeStep(),
        SegmentStep(settings.SEGMENTATION_MODEL_PATH),
        ColorsStep(),
        PhashStep(),
        GarmentStep(settings.GARMENT_MODEL_DIR),
        PatternStep(settings.PATTERN_MODEL_DIR),
    ]
    # The stain detector runs when there is one: a DEFECT_MODEL_DIR, or the weights shipped
    # in inference/weights/defects.
    detector_dir = settings.DEFECT_MODEL_DIR or (
        str(DEFAULT_WEIGHTS_DIR) if (DEFAULT_WEIGHTS_DIR / "defects.onnx").exists() else "")
    if detector_dir:
        defects = DefectsStep(detector_dir)
        steps += [defects, GradeStep(GradePolicy(**settings.GRADE_POLICY), defects)]
    return steps + [CaptionStep(settings.CAPTION_MODEL, model_language=settings.CAPTION_MODEL_LANGUAGE,
                                prompt=settings.CAPTION_PROMPT)]


@functools.cache
def _process_steps() -> tuple[Step, ...]:
    """The steps, built once per process: each loads its model on first use."""
    return tuple(default_steps())


def run_batch(sources: Sequence[bytes], steps: Sequence[Step] | None = None) -> list[PipelineResult]:
    """Runs every step over the photos; a photo that fails a step drops out with its error."""
    steps = _process_steps() if steps is None else steps
    photos = [Photo(source=source) for source in sources]
    records = {}
    for step in steps:
        alive = [photo for photo in photos if not photo.error]
        if not alive:
            break
        started = time.perf_counter()
        outputs = step.run_batch(alive)
        per_photo_ms = round((time.perf_counter() - started) * 1000 / len(alive), 1)
        records[step.name] = StepRecord(step.model_name, step.version)
        for photo, output in zip(alive, outputs):
            photo.timings_ms[step.name] = per_photo_ms
            if output is None:
                continue
            photo.fields.update(output)
            photo.step_outputs[step.name] = output
    return [
        PipelineResult(
            fields=photo.fields, artifacts=photo.artifacts, embedding=photo.embedding,
            steps={name: record for name, record in records.items() if name in photo.timings_ms},
            step_outputs=photo.step_outputs, confidences=photo.confidences,
            timings_ms=photo.timings_ms, error=photo.error,
        )
        for photo in photos
    ]


def run(source: bytes, steps: Sequence[Step] | None = None) -> PipelineResult:
    return run_batch([source], steps)[0]
