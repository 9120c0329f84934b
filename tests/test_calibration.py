"""Temperature scaling of the garment model, the review threshold's table, and the
simulation that chose how an owner's confirmed items count."""

import json
import shutil

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image, ImageOps

from inference.garment import DEFAULT_WEIGHTS_DIR, GarmentClassifier, apply_temperature
from inference.training import calibration as cal
from tests.conftest import GARMENT_DATA


def synthetic(n=2000, classes=5, sharpness=0.4, seed=0):
    """Probabilities whose argmax is right ~80% of the time, squashed (sharpness < 1:
    underconfident, > 1: overconfident)."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, classes, n)
    logits = rng.normal(0, 1, (n, classes))
    logits[np.arange(n), targets] += 2.0
    p = np.exp(logits * sharpness)
    return p / p.sum(axis=1, keepdims=True), targets


@pytest.mark.parametrize("sharpness, direction", [(0.4, "sharper"), (3.0, "softer")])
def test_temperature_scaling_lowers_the_calibration_error(sharpness, direction):
    p, y = synthetic(sharpness=sharpness)
    t = cal.fit_temperature(p, y)
    assert (t < 1) if direction == "sharper" else (t > 1)
    calibrated = cal.temper(p, t)
    assert cal.ece(calibrated, y) < cal.ece(p, y) / 2
    assert cal.nll(calibrated, y) < cal.nll(p, y)
    # Scaling never changes which class wins.
    assert (calibrated.argmax(axis=1) == p.argmax(axis=1)).all()


def test_temperature_of_one_changes_nothing_and_a_fitted_one_is_the_nll_minimum():
    p, y = synthetic()
    assert np.array_equal(apply_temperature(p, 1.0), p)
    t = cal.fit_temperature(p, y)
    assert cal.nll(cal.temper(p, t), y) <= min(cal.nll(cal.temper(p, t * 0.9), y), cal.nll(cal.temper(p, t * 1.1), y))


def test_ece_of_a_perfectly_calibrated_toy():
    # Two bins' worth: confidence 0.75 right 3 times out of 4, confidence 1.0 always right.
    p = np.array([[0.75, 0.25]] * 4 + [[1.0, 0.0]] * 4)
    y = np.array([0, 0, 0, 1, 0, 0, 0, 0])
    assert cal.ece(p, y) == pytest.approx(0.0)
    assert cal.ece(p, np.array([1] * 8)) == pytest.approx(0.875)


def test_sender_folds_keep_each_sender_in_one_fold_and_balance_photos():
    senders = np.array([f"s{i % 23}" for i in range(500)] + ["big"] * 60)
    folds = cal.sender_folds(senders, 5)
    for sender in set(senders):
        assert len(set(folds[senders == sender])) == 1
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= 60


def test_cross_validation_fits_on_other_senders_and_scores_the_held_out_fold():
    p, y = synthetic(n=600)
    senders = np.array([f"s{i % 30}" for i in range(600)])
    features = cal.Features([str(i) for i in range(600)], senders, np.array(["x"] * 600), y, p,
                            np.zeros((600, 4), np.float32), [str(i) for i in range(5)], "digest")
    cv = cal.cross_validate_temperature(features, 5)
    assert len(cv["folds"]) == 5 and sum(row["photos"] for row in cv["folds"]) == 600
    assert cv["summary"]["ece_after"]["mean"] < cv["summary"]["ece_before"]["mean"]
    assert cv["crossfit"].shape == p.shape


def test_the_review_table_and_the_rule():
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.55, 0.45], [0.52, 0.48], [0.95, 0.05]])
    y = np.array([0, 1, 1, 0, 0])  # wrong: the 0.8 and the 0.55
    table = cal.review_table(p, y, thresholds=(0.5, 0.6, 0.85))
    assert [row["sent"] for row in table] == [0.0, 0.4, 0.6]
    assert [row["errors_caught"] for row in table] == [0.0, 0.5, 1.0]
    chosen = cal.choose_threshold(table, budget=0.5)
    assert chosen["threshold"] == 0.6 and not chosen["meets_errors_aim"]


def test_reveals_are_seeded_and_senders_with_too_few_photos_sit_out():
    senders = np.array(["a"] * 12 + ["b"] * 4 + ["c"] * 2)
    draws = cal.reveal_draws(senders, reveals=(0, 3, 10), repeats=2, seed=0)
    assert {(d.sender, d.reveal) for d in draws} == {("a", 0), ("a", 3), ("a", 10), ("b", 0), ("b", 3), ("c", 0)}
    for draw in draws:
        assert len(draw.revealed) == draw.reveal and not set(draw.revealed) & set(draw.queries)
        assert set(senders[np.concatenate([draw.revealed, draw.queries])]) == {draw.sender}
    again = cal.reveal_draws(senders, reveals=(0, 3, 10), repeats=2, seed=0)
    assert all(np.array_equal(d.revealed, e.revealed) for d, e in zip(draws, again))


def test_the_simulation_finds_the_gain_of_owners_who_own_alike_things():
    # Each sender owns garments of two classes, photographed alike; the model confuses them.
    rng = np.random.default_rng(0)
    rows, senders, targets = [], [], []
    for s in range(12):
        for i in range(16):
            c = (s + i % 2) % 4
            senders.append(f"s{s}")
            targets.append(c)
            vector = np.eye(8)[c] + rng.normal(0, 0.2, 8)
            rows.append(vector / np.linalg.norm(vector))
    targets = np.array(targets)
    p = np.full((len(targets), 4), 0.1)
    p[np.arange(len(targets)), targets] = 0.35
    p[np.arange(len(targets)), (targets + 1) % 4] = 0.45  # the model is wrong, but not by much
    features = cal.Features([str(i) for i in range(len(targets))], np.array(senders), np.array(["x"] * len(targets)),
                            targets, p, np.array(rows, np.float32), [str(i) for i in range(4)], "digest")
    result = cal.simulate_personalisation(features, p, folds=3, repeats=2, log=lambda _: None)
    assert result["held_out"]["0"]["gain"]["mean"] == 0
    assert result["held_out"]["3"]["gain"]["mean"] > 0.5
    assert result["held_out"]["10"]["top1_blend"]["mean"] > result["held_out"]["10"]["top1_model"]["mean"]


def model_copy(tmp_path, temperature=None, mirror=False):
    folder = tmp_path / f"model-{temperature}-{mirror}"
    folder.mkdir()
    (folder / "garment.onnx").symlink_to(DEFAULT_WEIGHTS_DIR / "garment.onnx")
    metadata = json.loads((DEFAULT_WEIGHTS_DIR / "metadata.json").read_text())
    metadata.pop("temperature", None)
    metadata["test_time_mirror"] = mirror
    # As a model trained with a validation split (the shipped one trained on every photo).
    metadata["train_config"]["val_share"] = 0.2
    if temperature is not None:
        metadata["temperature"] = temperature
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


def test_the_classifier_applies_its_temperature_and_its_version_says_so(tmp_path):
    plain = GarmentClassifier(model_copy(tmp_path))
    scaled = GarmentClassifier(model_copy(tmp_path, 0.5))
    image = Image.open(next((GARMENT_DATA / "images").iterdir())).convert("RGB")
    views = [plain.views(image, None)]
    p1, p2 = plain.predict(views)[0], scaled.predict(views)[0]
    expected = p1.probabilities.astype(np.float64) ** 2
    assert p2.probabilities == pytest.approx(expected / expected.sum(), abs=1e-6)
    assert p2.category == p1.category and p2.confidence > p1.confidence
    assert np.array_equal(p1.embedding, p2.embedding)  # the embedding does not change
    assert scaled.predict(views, temperature=1.0)[0].probabilities == pytest.approx(p1.probabilities)
    assert plain.version != scaled.version and scaled.version == f"{plain.version}-T0.5"
    assert GarmentClassifier(model_copy(tmp_path, 0.6)).version != scaled.version


def test_mirrored_views_average_into_the_probabilities_but_not_the_embedding(tmp_path):
    plain = GarmentClassifier(model_copy(tmp_path))
    mirrored = GarmentClassifier(model_copy(tmp_path, mirror=True))
    image = Image.open(next((GARMENT_DATA / "images").iterdir())).convert("RGB")
    views = plain.views(image, None)
    flipped = plain.predict([[ImageOps.mirror(view) for view in views]])[0]
    straight, both = plain.predict([views])[0], mirrored.predict([views])[0]
    assert not np.allclose(flipped.probabilities, straight.probabilities, atol=1e-4)
    assert both.probabilities == pytest.approx((straight.probabilities + flipped.probabilities) / 2, abs=1e-5)
    assert np.array_equal(both.embedding, straight.embedding)
    assert mirrored.version == f"{plain.version}-mirror" and mirrored.embedding_version == plain.embedding_version


def test_the_shipped_model_carries_its_fitted_temperature():
    metadata = json.loads((DEFAULT_WEIGHTS_DIR / "metadata.json").read_text())
    temperature = metadata["temperature"]
    assert temperature != 1.0
    assert metadata["calibration"]["cross_validated"]["ece_after"]["mean"] < \
        metadata["calibration"]["cross_validated"]["ece_before"]["mean"]


def test_the_command_fits_writes_the_temperature_and_draws_the_plot(tmp_path, capsys):
    model_dir = model_copy(tmp_path)
    call_command("calibrate_garment_model", "--data", str(GARMENT_DATA), "--model-dir", str(model_dir),
                 "--cache-dir", str(tmp_path / "cache"), "--folds", "2", "--repeats", "1", "--json")
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])
    metadata = json.loads((model_dir / "metadata.json").read_text())
    assert metadata["temperature"] == report["temperature"] > 0
    assert metadata["calibration"]["review"]["table"] and "parameters" in metadata["personalisation"]
    assert Image.open(model_dir / "reliability.png").size[0] > 500
    assert any(line.startswith("threshold") for line in out)
    # The card is written from what was recorded: a rewritten card keeps these sections.
    call_command("train_garment_model", "--out", str(model_dir), "--card-only")
    card = (model_dir / "MODEL_CARD.md").read_text()
    assert f"**T = {report['temperature']}**" in card and "## Review threshold" in card
    chosen = metadata["calibration"]["review"]["chosen"]["threshold"]
    assert f"Chosen: **{chosen:.2f}**" in card and "## Personalisation" in card
    # A second run reads the photos' outputs from the cache and fits the same.
    call_command("calibrate_garment_model", "--data", str(GARMENT_DATA), "--model-dir", str(model_dir),
                 "--cache-dir", str(tmp_path / "cache"), "--folds", "2", "--repeats", "1", "--dry-run", "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["temperature"] == report["temperature"]
    shutil.rmtree(tmp_path / "cache")
