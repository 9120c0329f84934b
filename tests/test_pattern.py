"""The pattern model: texture measures, the shipped model through the pipeline, storing and
editing the field, and the train/evaluate commands on the fixture."""

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageDraw

from inference import pattern, pipeline, taxonomy
from inference.training import pattern as training
from tests.conftest import FIXTURES, photo_bytes
from tests.factories import fake_result, make_item
from wardrobe import services
from wardrobe.models import Item, Prediction

PATTERN_FIXTURE = FIXTURES / "patterns"


def _garment(draw_pattern) -> tuple[Image.Image, np.ndarray]:
    image = Image.new("RGB", (300, 300), (240, 240, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 40, 240, 260), fill=(200, 40, 40))
    draw_pattern(draw)
    mask = np.zeros((300, 300), dtype=bool)
    mask[40:261, 60:241] = True
    return image, mask


def _stripes(draw):
    for y in range(40, 260, 20):
        draw.rectangle((60, y, 240, y + 9), fill=(250, 250, 250))


def test_texture_measures_tell_stripes_from_plain_and_ignore_the_outline():
    plain = pattern.texture_features(*_garment(lambda draw: None))
    striped = pattern.texture_features(*_garment(_stripes))
    assert plain.shape == striped.shape and plain.dtype == np.float32
    assert plain[0] < 0.01  # the outline is left out: a plain garment has no gradient inside
    assert striped[0] > 10 * max(plain[0], 1e-3)
    assert striped[5] > 0.8  # horizontal stripes: the strength sits in one orientation bin


def test_the_shipped_model_predicts_from_the_garment_steps_embedding():
    model = pattern.load()
    assert tuple(model.classes) == tuple(term.code for term in taxonomy.PATTERNS)
    steps = [pipeline.NormalizeStep(), pipeline.SegmentStep(), pipeline.GarmentStep(), pipeline.PatternStep()]
    results = pipeline.run_batch([photo_bytes("shirt"), photo_bytes("pants")], steps)
    for result in results:
        assert result.fields["pattern"] in model.classes
        assert 0 < result.fields["pattern_confidence"] <= 1
        assert sum(result.fields["pattern_probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        assert result.model_versions["pattern"] == f"pattern-logreg@{model.version}"
        assert result.confidences["pattern"] == result.fields["pattern_confidence"]


def test_a_photo_embedded_by_another_garment_model_gets_no_pattern():
    step = pipeline.PatternStep()
    image, mask = _garment(_stripes)
    photo = pipeline.Photo(source=b"", image=image)
    photo.embedding = pipeline.Embedding(np.ones(256, np.float32) / 16, "garment-other@0000", 0.97)
    if not step.model.needs_embedding:
        pytest.skip("the shipped model reads no embedding")
    assert step.run_batch([photo]) == [{"pattern": "", "pattern_confidence": None}]  # no answer, said so


@pytest.mark.django_db
def test_the_step_stores_the_pattern_and_its_model_version(user):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(pattern="striped"))
    item.refresh_from_db()
    assert (item.pattern, item.pattern_confidence) == ("striped", 0.8)
    assert item.pattern_term.ko == "스트라이프"
    stored = Prediction.objects.get(item=item, step="pattern")
    assert stored.model_version == "pat-test" and stored.value["pattern"] == "striped"


@pytest.mark.django_db
def test_the_owners_pattern_wins_over_later_model_runs(user):
    item = make_item(user, status=Item.Status.READY, pattern="plain", pattern_confidence=0.6)
    services.update_item(item=item, changes={"pattern": "checked"})
    services.reprocess_items(items=[item])
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(pattern="floral"))
    item.refresh_from_db()
    assert item.pattern == "checked" and "pattern" in item.user_edited_fields
    assert item.pattern_confidence == 0.8  # the model's own figure is still recorded


@pytest.mark.django_db
def test_the_item_page_shows_the_pattern_and_the_closet_filters_by_it(client, user):
    striped = make_item(user, pattern="striped", pattern_confidence=0.83)
    make_item(user, pattern="plain")
    client.force_login(user)
    page = client.get(reverse("item-detail", args=[striped.pk])).content.decode()
    assert "Striped" in page and "confidence 0.83" in page and 'name="pattern"' in page
    closet = client.get(reverse("closet"), {"pattern": "striped"})
    assert [item.pk for item in closet.context["page"]] == [striped.pk]


def test_scores_count_macro_f1_over_the_classes_present():
    targets = np.array([0, 0, 1, 1])
    report = training.scores(targets, np.array([0, 1, 1, 1]))
    assert report["accuracy"] == 0.75 and report["count"] == 4
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)


def test_the_softmax_regression_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 3))
    targets = (vectors[:, 0] > 0).astype(int) * 3  # plain or dotted
    fitted = training.fit(vectors, targets, l2=0.01, balanced=True)
    assert (fitted.probabilities(vectors).argmax(axis=1) == targets).mean() > 0.95


def test_evaluate_prints_json_of_the_documented_shape(capsys):
    call_command("evaluate_pattern_model", "--data", str(PATTERN_FIXTURE),
                 "--labels", str(PATTERN_FIXTURE / "patterns.csv"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["count"] == 12 and report["skipped"] == 0
    assert 0 <= report["accuracy"] <= 1 and 0 <= report["macro_f1"] <= 1
    assert set(report["per_class"]) == set(training.CLASSES)
    assert report["model_version"].startswith("pattern-logreg@")


def test_train_writes_weights_the_step_loads_and_a_card(tmp_path, capsys):
    out = tmp_path / "model"
    call_command("train_pattern_model", "--data", str(PATTERN_FIXTURE),
                 "--labels", str(PATTERN_FIXTURE / "patterns.csv"), "--out", str(out),
                 "--folds", "3", "--cache-dir", str(tmp_path / "cache"))
    assert "cross-validation: accuracy" in capsys.readouterr().out
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["count"] == 12 and len(metadata["cross_validation"]["chosen"]) == 3
    assert "## Cross-validation" in (out / "README.md").read_text()
    step = pipeline.PatternStep(str(out))
    assert step.model.temperature == pytest.approx(metadata["calibration"]["temperature"], rel=1e-4)
    steps = [pipeline.NormalizeStep(), pipeline.SegmentStep(), pipeline.GarmentStep(), step]
    assert pipeline.run(photo_bytes("hat"), steps).fields["pattern"] in training.CLASSES
