"""Items and pipeline results for tests that are not about the models themselves."""

import numpy as np
from django.core.files.base import ContentFile

from inference.pipeline import Embedding, PipelineResult, StepRecord
from tests.conftest import image_bytes
from wardrobe.models import Item


def make_item(owner, *, status=Item.Status.READY, **fields) -> Item:
    item = Item(owner=owner, status=status, original_name="photo.jpg", **fields)
    item.original.save("original.jpg", ContentFile(image_bytes()), save=False)
    item.save()
    return item


def unit_vector(*values, dim: int = 8) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def fake_result(*, category="hoodie", confidence=0.9, colors=None, phash="0f0f0f0f0f0f0f0f",
                embedding=None, duplicate_similarity=0.95, defects=(), pattern=None) -> PipelineResult:
    """What the pipeline would return, without running any model (`defects`: detections as
    the defects step gives them; the grade is the shipped policy's; `pattern`: a pattern
    step's answer, with confidence 0.8)."""
    from django.conf import settings

    from inference.grade import GradePolicy, grade

    colors = colors if colors is not None else [{"name": "navy", "hex": "#1e2850", "share": 0.8}]
    graded = grade(list(defects), garment_area=0.64, garment_box=[0.1, 0.1, 0.9, 0.9],
                   policy=GradePolicy(**settings.GRADE_POLICY))
    grade_field = {"label": graded["label"], "probabilities": graded["probabilities"],
                   "reason": graded["reason_text"], "reason_parts": graded["reason"]}
    fields = {
        "width": 64, "height": 48, "source_bytes": len(image_bytes()),  # make_item's original
        "garment_box": [0.1, 0.1, 0.9, 0.9], "garment_found": True, "garment_coverage": 0.64,
        "colors": colors, "phash": phash, "category": category, "category_confidence": confidence,
        "category_top3": [[category, confidence], ["jacket", 0.05], ["outerwear", 0.03]],
        "defects": list(defects), "grade": grade_field,
    }
    from inference.captions import compose

    fields["caption"] = compose(category=category, colors=colors, defects=defects, garment_box=fields["garment_box"])
    steps = {
        "normalize": StepRecord("pillow", "1"),
        "segment": StepRecord("u2netp", "test"),
        "colors": StepRecord("colors", "test"),
        "phash": StepRecord("phash", "test"),
        "garment": StepRecord("garment-test", "v-test"),
        "defects": StepRecord("defects-test", "d-test"),
        "grade": StepRecord("grade-policy", "p-test+d-test"),
        "caption": StepRecord("caption-compose", "c-test"),
    }
    outputs = {
        "normalize": {"width": 64, "height": 48},
        "segment": {"garment_box": fields["garment_box"], "garment_found": True},
        "colors": {"colors": colors},
        "phash": {"phash": phash},
        "garment": {"category": category, "category_confidence": confidence,
                    "category_top3": fields["category_top3"]},
        "defects": {"defects": list(defects)},
        "grade": {"grade": grade_field},
        "caption": {"caption": fields["caption"]},
    }
    if pattern:
        outputs["pattern"] = {"pattern": pattern, "pattern_confidence": 0.8}
        fields.update(outputs["pattern"])
        steps["pattern"] = StepRecord("pattern-test", "pat-test")
    jpeg, png, webp = image_bytes("JPEG"), image_bytes("PNG"), image_bytes("WEBP")
    return PipelineResult(
        fields=fields,
        artifacts={"image": jpeg, "thumb_small": jpeg, "thumb_medium": jpeg, "cutout": webp, "cutout_small": webp, "mask": png},
        embedding=Embedding(embedding if embedding is not None else unit_vector(1, 0),
                            "garment-test@v-test", duplicate_similarity),
        steps=steps, step_outputs=outputs, confidences={"garment": confidence},
        timings_ms={name: 1.0 for name in steps},
    )
