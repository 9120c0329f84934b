"""The garment model's data handling, metrics, commands and review loop."""

import csv
import json
from collections import Counter

import numpy as np
import pytest
from PIL import Image
from django.core.management import CommandError, call_command

from inference.training import labels
from inference.training.data import Photo, read_photos, split_by_fold, split_by_sender
from inference.training.metrics import classification_report, confusion_matrix, per_class_scores
from tests.conftest import GARMENT_DATA
from tests.factories import make_item
from inference import taxonomy
from wardrobe import selectors, services
from wardrobe.models import Item


def test_label_map_follows_the_model_card():
    expected = {
        "T-Shirt": "short_sleeve_top", "Polo": "short_sleeve_top", "Longsleeve": "long_sleeve_top",
        "Shirt": "blouse_shirt", "Blouse": "blouse_shirt", "Pants": "long_pants", "Shorts": "short_pants",
        "Outwear": "outerwear", "Dress": "dress", "Skirt": "skirt", "Hoodie": "hoodie", "Blazer": "blazer",
        "Shoes": "shoes", "Hat": "hat", "Undershirt": "sleeveless_top", "Top": "sleeveless_top", "Body": "other",
    }
    assert labels.DATASET_LABEL_TO_CLASS == expected
    for unusable in ("Not sure", "Other", "Skip", "Spacesuit"):
        assert labels.class_for_label(unusable) is None


def test_every_model_class_is_a_closet_category_and_coarse_classes_are_marked():
    for code in labels.MODEL_CLASSES:
        assert code in taxonomy.CATEGORY_BY_CODE
    assert taxonomy.CATEGORY_BY_CODE["skirt"].is_coarse and taxonomy.CATEGORY_BY_CODE["outerwear"].is_coarse


def test_closet_categories_map_to_the_class_that_covers_them():
    assert labels.class_for_label("long_skirt") == "skirt"
    assert labels.class_for_label("parka") == "outerwear"
    assert labels.class_for_label("jeans") == "long_pants"
    assert labels.class_for_label("hoodie") == "hoodie"
    assert all(labels.class_for_label(c.code) for c in taxonomy.CATEGORIES)


def _photos(per_sender):
    return [Photo(f"{sender}-{i}", None, sender, "T-Shirt", "short_sleeve_top")
            for sender, count in per_sender.items() for i in range(count)]


def test_split_keeps_each_sender_on_one_side():
    photos = _photos({str(s): 5 + s % 7 for s in range(60)})
    train, val = split_by_sender(photos, val_share=0.2, seed=0)
    assert {p.sender for p in train}.isdisjoint({p.sender for p in val})
    assert len(train) + len(val) == len(photos)
    assert 0.2 <= len(val) / len(photos) < 0.3
    again_train, again_val = split_by_sender(photos, val_share=0.2, seed=0)
    assert [p.image_id for p in again_val] == [p.image_id for p in val]
    _, other_val = split_by_sender(photos, val_share=0.2, seed=1)
    assert {p.sender for p in other_val} != {p.sender for p in val}


def test_metrics_on_a_known_confusion():
    classes = ["a", "b", "c"]
    true = [0, 0, 0, 0, 1, 1, 2, 2]
    predicted = [0, 0, 0, 1, 1, 2, 2, 2]
    matrix = confusion_matrix(true, predicted, 3)
    assert matrix.tolist() == [[3, 1, 0], [0, 1, 1], [0, 0, 2]]
    scores = per_class_scores(matrix, classes)
    assert scores["a"] == {"precision": 1.0, "recall": 0.75, "f1": 0.8571, "support": 4}
    assert scores["b"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert scores["c"]["precision"] == pytest.approx(0.6667, abs=1e-4) and scores["c"]["recall"] == 1.0
    probabilities = np.eye(3)[predicted] * 0.6 + 0.1
    probabilities[3] = [0.45, 0.5, 0.05]  # true "a" second
    probabilities[5] = [0.3, 0.2, 0.5]  # true "b" third
    report = classification_report(true, probabilities, classes, subset=[True] * 4 + [False] * 4)
    assert report["top1"] == 0.75
    assert report["top3"] == 1.0
    assert report["top1_main10"] == 0.75 and report["top3_main10"] == 1.0
    assert report["macro_f1"] == pytest.approx((0.8571 + 0.5 + 0.8) / 3, abs=1e-3)
    top2 = classification_report(true, probabilities, classes)
    assert "top1_main10" not in top2


def test_folds_keep_each_sender_in_one_fold_and_cover_every_photo():
    photos = _photos({str(s): 5 + s % 7 for s in range(60)})
    validation = [split_by_fold(photos, folds=3, fold=k, seed=0)[1] for k in range(3)]
    assert sorted(p.image_id for fold in validation for p in fold) == sorted(p.image_id for p in photos)
    for k, fold in enumerate(validation):
        train, _ = split_by_fold(photos, folds=3, fold=k, seed=0)
        assert {p.sender for p in train}.isdisjoint({p.sender for p in fold})
        assert abs(len(fold) - len(photos) / 3) <= 11  # balanced within one sender's photos


def test_cross_validation_trains_one_model_per_fold_and_resumes(tmp_path, capsys):
    out = tmp_path / "cv"
    arguments = ["cross_validate_garment_model", "--data", str(GARMENT_DATA), "--out", str(out),
                 "--cache-dir", str(tmp_path / "cache"), "--folds", "2", "--epochs", "1",
                 "--image-size", "64", "--train-size", "64", "--batch-size", "4", "--augmentation", "photo", "--json"]
    call_command(*arguments)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(report) == {"plain", "mirror"} and 0 <= report["mirror"]["top1"] <= 1
    held_out = []
    for fold in range(2):
        outputs = np.load(out / f"fold-{fold}" / "validation_outputs.npz")
        metadata = json.loads((out / f"fold-{fold}" / "metadata.json").read_text())
        assert metadata["train_config"]["folds"] == 2 and metadata["train_config"]["fold"] == fold
        assert metadata["train_config"]["augmentation"] == "photo"
        assert outputs["probabilities"].shape == outputs["probabilities_mirror"].shape
        held_out += outputs["image_ids"].tolist()
    assert sorted(held_out) == sorted(p.image_id for p in read_photos(GARMENT_DATA))
    summary = json.loads((out / "cv.json").read_text())
    assert len(summary["variants"]["plain"]["per_fold"]) == 2 and summary["photos"] == len(held_out)
    trained_at = (out / "fold-0" / "garment.onnx").stat().st_mtime_ns
    call_command(*arguments)
    assert "already trained" in capsys.readouterr().out
    assert (out / "fold-0" / "garment.onnx").stat().st_mtime_ns == trained_at
    # Calibration can fit on every photo's out-of-fold outputs.
    call_command("calibrate_garment_model", "--data", str(GARMENT_DATA), "--model-dir", str(out / "fold-0"),
                 "--from-cv", str(out), "--folds", "2", "--repeats", "1", "--dry-run", "--json")
    calibration = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["calibration"]
    assert calibration["photos"] == len(held_out) and calibration["model_file"] == "cross-validation of 2 folds"
    # Another recipe on one of the same folds, against the recorded cross-validation.
    with pytest.raises(CommandError, match="needs --against"):
        call_command(*arguments[:-1], "--only-folds", "1")
    trial_dir = tmp_path / "trial"
    call_command("cross_validate_garment_model", "--data", str(GARMENT_DATA), "--out", str(trial_dir),
                 "--cache-dir", str(tmp_path / "cache"), "--folds", "2", "--epochs", "1", "--image-size", "64",
                 "--train-size", "64", "--batch-size", "4", "--backbone-lr-scale", "0.5", "--only-folds", "1",
                 "--against", str(out / "cv.json"), "--json")
    trial = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert not (trial_dir / "fold-0").exists() and not (trial_dir / "cv.json").exists()
    [row] = trial["per_fold"]
    assert row["fold"] == 1 and row["mirror"]["baseline"] == summary["variants"]["mirror"]["per_fold"][1]["top1_main10"]
    assert row["plain"]["gain"] == pytest.approx(row["plain"]["trial"] - row["plain"]["baseline"], abs=1e-4)
    assert trial["command"].endswith("--only-folds 1") and "--augmentation basic" in trial["command"]
    assert "--backbone-lr-scale 0.5 --label-smoothing 0.1" in trial["command"]
    assert json.loads((trial_dir / "fold-1" / "metadata.json").read_text())["train_config"]["backbone_lr_scale"] == 0.5
    # A model trained by that recipe is calibrated on the fold it was tried on.
    call_command("calibrate_garment_model", "--data", str(GARMENT_DATA), "--model-dir", str(trial_dir / "fold-1"),
                 "--from-cv", str(trial_dir), "--cv-folds", "1", "--folds", "2", "--repeats", "1", "--dry-run",
                 "--json")
    calibration = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["calibration"]
    assert calibration["model_file"] == "fold 1 of a cross-validation"
    assert calibration["photos"] == summary["per_fold"][1]["photos"]
    # The shipped model then trains on every photo; its card carries the cross-validation
    # and the recipes tried against it.
    final = tmp_path / "final"
    final.mkdir()
    (final / "cross_validation.json").write_text((out / "cv.json").read_text())
    (final / "recipe_trials.json").write_text(json.dumps({"trials": [{**trial, "note": "One fold only."}]}))
    call_command("train_garment_model", "--data", str(GARMENT_DATA), "--out", str(final),
                 "--cache-dir", str(tmp_path / "cache"), "--epochs", "1", "--image-size", "64",
                 "--train-size", "64", "--batch-size", "4", "--label-smoothing", "0.05", "--val-share", "0")
    metadata = json.loads((final / "metadata.json").read_text())
    assert metadata["train_config"]["label_smoothing"] == 0.05 and "--label-smoothing 0.05" in metadata["command"]
    assert metadata["train_count"] == len(held_out) and metadata["val_count"] == 0 and "validation" not in metadata
    assert metadata["duplicate_similarity"]["measured_on"] == "training photos"
    assert set(metadata["history"][0]) == {"epoch", "loss", "train_top1", "seconds"}
    card = (final / "MODEL_CARD.md").read_text()
    assert "## Cross-validation (sender-grouped)" in card and f"None: trained on all {len(held_out)} photos" in card
    assert summary["command"] in card and "## Validation metrics" not in card
    assert "--augmentation photo" in summary["command"] and "white-balance" not in card
    assert "## Recipes tried by cross-validation" in card and f"| `{trial['command']}` | 1 |" in card
    assert "One fold only." in card


def test_the_white_balance_shift_scales_each_channel_by_its_own_gain():
    import torch

    from inference.training.garment import white_balance_jitter

    torch.manual_seed(0)
    grey = torch.full((3, 8, 8), 100, dtype=torch.uint8)
    shifted = white_balance_jitter(0.08)(grey)
    assert shifted.dtype == torch.uint8 and shifted.shape == grey.shape
    means = shifted.float().mean(dim=(1, 2))
    assert len(set(means.tolist())) == 3  # the channels part: a grey is no longer grey
    assert (shifted == shifted[:, :1, :1]).all()  # one gain a channel, the same over the image
    assert white_balance_jitter(0.0)(grey).equal(grey)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, django_db_blocker):
    """A model trained for one epoch on the twelve fixture photos: proves the command runs end to end."""
    out = tmp_path_factory.mktemp("garment-model")
    with django_db_blocker.unblock():
        call_command("train_garment_model", "--data", str(GARMENT_DATA), "--out", str(out),
                     "--cache-dir", str(tmp_path_factory.mktemp("cache")), "--epochs", "1",
                     "--image-size", "64", "--train-size", "64", "--batch-size", "4", "--val-share", "0.3")
    return out


def test_training_writes_the_model_its_metadata_and_a_model_card(tiny_model):
    metadata = json.loads((tiny_model / "metadata.json").read_text())
    assert metadata["classes"] == list(labels.MODEL_CLASSES)
    assert metadata["input_mode"] == "full+cutout" and metadata["image_size"] == 64
    assert metadata["train_count"] + metadata["val_count"] == 12
    assert {"top1", "top3", "per_class", "confusion_matrix"} <= set(metadata["validation"])
    card = (tiny_model / "MODEL_CARD.md").read_text()
    assert "python manage.py train_garment_model --input-mode full+cutout --epochs 1" in card
    assert "confusion matrix" in card and "| Body | `other` | other |" in card
    assert (tiny_model / "garment.onnx").stat().st_size < 25_000_000


def test_evaluate_prints_per_class_scores_and_ends_with_json(tiny_model, capsys):
    call_command("evaluate_garment_model", "--data", str(GARMENT_DATA), "--model-dir", str(tiny_model), "--json")
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])
    assert {"top1", "top3", "macro_f1", "top1_main10", "top3_main10", "per_class", "confusion_matrix"} <= set(report)
    assert report["count"] == 12 and report["count_main10"] == 11  # all but the hoodie
    assert sum(map(sum, report["confusion_matrix"])) == 12
    assert any(line.startswith("class") and "precision" in line for line in out)


@pytest.mark.django_db
def test_review_queue_holds_failed_and_unsure_items_oldest_first(user, admin_user, settings):
    settings.REVIEW_CONFIDENCE_THRESHOLD = 0.6
    unsure = make_item(user, category="hoodie", category_confidence=0.41)
    sure = make_item(user, category="hoodie", category_confidence=0.93)
    failed = make_item(user, status=Item.Status.FAILED, failure_reason="broken")
    reviewed = make_item(user, category="dress", category_confidence=0.2)
    services.review_item(item=reviewed, reviewer=admin_user, category="dress")
    queue = list(selectors.review_queue())
    assert queue == [unsure, failed]
    assert sure not in queue


@pytest.mark.django_db
def test_export_writes_reviewed_and_owner_confirmed_items_as_a_dataset(user, admin_user, tmp_path):
    from tests.test_closet_views import ready_item

    confirmed = ready_item(user, category="hoodie")
    services.confirm_category(item=confirmed)
    corrected = ready_item(user, category="long_sleeve_top")
    services.review_item(item=corrected, reviewer=admin_user, category="sweater")
    ready_item(user, category="dress")  # nobody vouched for it
    call_command("export_training_data", "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "images.csv")))
    assert {(row["image"], row["label"], row["source"]) for row in rows} == {
        (str(confirmed.pk), "hoodie", "owner"), (str(corrected.pk), "sweater", "admin")}
    assert {row["sender_id"] for row in rows} == {f"user-{user.pk}"}
    photos = read_photos(tmp_path)
    assert Counter(p.target for p in photos) == Counter({"hoodie": 1, "long_sleeve_top": 1})


@pytest.mark.django_db
def test_export_takes_a_failed_items_upload_and_skips_a_photo_that_is_gone(user, admin_user, tmp_path, capsys):
    from django.core.files.storage import default_storage

    from tests.factories import make_item
    from tests.test_closet_views import ready_item
    from wardrobe.models import Item

    failed = make_item(user, status=Item.Status.FAILED, failure_reason="no garment")
    assert not failed.image and failed.original
    services.review_item(item=failed, reviewer=admin_user, category="hoodie")  # labelled from the queue
    gone = ready_item(user, category="dress")
    services.review_item(item=gone, reviewer=admin_user, category="dress")
    default_storage.delete(gone.image.name)  # deleted while the export ran, say
    call_command("export_training_data", "--out", str(tmp_path))
    rows = list(csv.DictReader(open(tmp_path / "images.csv")))
    assert [(row["image"], row["label"]) for row in rows] == [(str(failed.pk), "hoodie")]
    assert Image.open(tmp_path / "images" / f"{failed.pk}.jpg").format == "JPEG"
    assert f"skipped 1 whose photo is gone or unreadable: {gone.pk}" in capsys.readouterr().out


def test_the_loader_keeps_labelled_photos_it_can_find(tmp_path):
    (tmp_path / "images").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "images" / f"{name}.jpg").write_bytes(b"jpeg bytes")
    (tmp_path / "images.csv").write_text(
        "image,sender_id,label,kids\n"
        "a,7,Polo,False\n"
        "b,7,Not sure,False\n"  # not a label
        "c,9,long_skirt,False\n"  # a closet category, as export_training_data writes
        "gone,9,Hat,False\n"  # no such file
    )
    photos = read_photos(tmp_path)
    assert [(p.image_id, p.sender, p.label, p.target) for p in photos] == [
        ("a", "7", "Polo", "short_sleeve_top"), ("c", "9", "long_skirt", "skirt")]
    assert photos[0].path == tmp_path / "images" / "a.jpg"


def test_the_fixture_dataset_reads_with_the_dataset_labels():
    photos = read_photos(GARMENT_DATA)
    assert len(photos) == 12
    assert Counter(p.target for p in photos)["short_sleeve_top"] == 2


def test_an_input_mode_comparison_is_recorded_and_shown_on_the_card(tiny_model, tmp_path):
    import shutil

    out = tmp_path / "model"
    shutil.copytree(tiny_model, out)
    call_command("train_garment_model", "--data", str(GARMENT_DATA), "--out", str(out),
                 "--cache-dir", str(tmp_path / "cache"), "--epochs", "1", "--image-size", "64",
                 "--train-size", "64", "--batch-size", "4", "--val-share", "0.3", "--compare-input-modes", "full")
    recorded = json.loads((out / "input_modes.json").read_text())
    assert recorded["epochs"] == 1 and set(recorded["results"]) == {"full"}
    assert {"top1_main10", "top3_main10", "macro_f1"} <= set(recorded["results"]["full"])
    call_command("train_garment_model", "--out", str(out), "--card-only")
    card = (out / "MODEL_CARD.md").read_text()
    assert "| `full` |" in card and "--compare-input-modes full --epochs 1" in card


@pytest.mark.parametrize("cutout_top3, claimed", [(0.90, True), (0.99, False)])
def test_the_card_names_the_measured_winner_and_claims_only_what_the_figures_show(
        tiny_model, tmp_path, cutout_top3, claimed):
    import shutil

    out = tmp_path / "model"
    shutil.copytree(tiny_model, out)
    scores = dict(top1=0.8, top3=0.9, macro_f1=0.7, top1_main10=0.8, top3_main10=0.9)
    results = {"full": scores, "cutout": {**scores, "top3": cutout_top3},
               "full+cutout": {metric: value + 0.05 for metric, value in scores.items()}}
    (out / "input_modes.json").write_text(json.dumps({"epochs": 4, "results": results, "commands": []}))
    call_command("train_garment_model", "--out", str(out), "--card-only")
    card = (out / "MODEL_CARD.md").read_text()
    assert "Best: `full+cutout`" in card
    assert ("beat either of them alone on every figure" in card) is claimed


def test_the_card_shows_the_earlier_run_that_set_the_number_of_epochs(tiny_model, tmp_path):
    import shutil

    out = tmp_path / "model"
    shutil.copytree(tiny_model, out)
    history = [dict(epoch=epoch, train_top1=0.5 + epoch / 10, top1=0.8, top3=0.9, macro_f1=0.7,
                    top1_main10=0.85 + epoch / 100, top3_main10=top3)
               for epoch, top3 in ((1, 0.95), (2, 0.99), (3, 0.97))]
    run = {"command": "python manage.py train_garment_model --epochs 3", "model_version": "abc",
           "training_seconds": 600, "history": history}
    (out / "earlier_runs.json").write_text(json.dumps({"runs": [run]}))
    call_command("train_garment_model", "--out", str(out), "--card-only")
    card = (out / "MODEL_CARD.md").read_text()
    assert "best main-10 top-3, 0.99, at epoch 2 and ended at 0.97" in card
    assert "(0.7 to 0.8)" in card and "figures on that split have seen the choice" in card
    assert "| 3 | 0.8 | 0.8 | 0.9 | 0.7 | 0.88 | 0.97 |" in card


def test_a_recipe_trial_is_kept_only_when_it_gains_on_every_fold_it_was_measured_on():
    from inference.training import garment_cv

    classes = np.array(labels.MODEL_CLASSES)
    index = {name: i for i, name in enumerate(labels.MODEL_CLASSES)}
    main = sorted(labels.MAIN_LABELS)[:4]
    targets = np.array([index[labels.DATASET_LABEL_TO_CLASS[label]] for label in main])

    def outputs(right: int):
        """Probabilities naming the first `right` photos' classes and the rest wrongly."""
        probabilities = np.full((len(targets), len(classes)), 0.01)
        for row, target in enumerate(targets):
            probabilities[row, target if row < right else (target + 1) % len(classes)] = 0.9
        return {"classes": classes, "targets": targets, "labels": np.array(main),
                "probabilities": probabilities, "probabilities_mirror": probabilities}

    def recorded(*per_fold):
        return {variant: {"per_fold": [{"top1_main10": value} for value in per_fold]}
                for variant in garment_cv.VARIANTS}

    baseline = {"command": "python manage.py cross_validate_garment_model --folds 3 --seed 0",
                "variants": recorded(0.5, 0.5, 0.5)}
    better = garment_cv.compare([outputs(3), outputs(3)], [0, 2], baseline)
    assert [row["fold"] for row in better["per_fold"]] == [0, 2]
    assert better["per_fold"][1]["mirror"] == {"baseline": 0.5, "trial": 0.75, "gain": 0.25}
    assert better["mean_gain"] == {"plain": 0.25, "mirror": 0.25}
    mixed = garment_cv.compare([outputs(3), outputs(2)], [0, 1], baseline)
    assert mixed["mean_gain"]["plain"] == 0.125
    lines = garment_cv.trial_section([{"command": "better", **better}, {"command": "mixed", **mixed}])
    kept = {line.split("|")[1].strip(): line.split("|")[5].strip() for line in lines if line.startswith("| `")}
    assert kept == {"`better`": "yes", "`mixed`": "no"}


@pytest.mark.parametrize("trial_gain, measured", [(0.05, True), (-0.01, False)])
def test_the_card_says_when_the_shipped_recipe_is_not_the_cross_validated_one(tiny_model, tmp_path, trial_gain, measured):
    import shutil

    from inference.training.garment_cv import REPORTED, VARIANTS

    out = tmp_path / "model"
    shutil.copytree(tiny_model, out)
    metadata = json.loads((out / "metadata.json").read_text())
    config, epochs = metadata["train_config"], metadata["train_config"]["epochs"]

    def command(epochs, only=""):
        return (f"python manage.py cross_validate_garment_model --folds 2 --epochs {epochs} --image-size "
                f"{metadata['image_size']} --train-size {config['train_size']} --batch-size {config['batch_size']} "
                f"--augmentation basic --learning-rate {config['learning_rate']} --seed {config['seed']}{only}")

    figures = {"mean": dict.fromkeys(REPORTED, 0.8), "std": dict.fromkeys(REPORTED, 0.01),
               "per_fold": [{"top1_main10": 0.8}, {"top1_main10": 0.7}]}
    (out / "cross_validation.json").write_text(json.dumps({
        "command": command(epochs + 2), "folds": 2, "photos": 10, "epochs": [],
        "per_fold": [{"fold": fold, "photos": 5, "senders": 2, "training_seconds": 60} for fold in (0, 1)],
        "variants": dict.fromkeys(VARIANTS, figures)}))
    rows = [{"fold": fold, **{variant: {"baseline": base, "trial": base + trial_gain, "gain": trial_gain}
                              for variant in VARIANTS}} for fold, base in ((0, 0.8), (1, 0.7))]
    trial = {"command": command(epochs, " --only-folds 0 1"), "per_fold": rows,
             "mean_gain": dict.fromkeys(VARIANTS, trial_gain)}
    (out / "recipe_trials.json").write_text(json.dumps({"trials": [trial]}))
    history = [dict(epoch=1, train_top1=0.5, top1=0.8, top3=0.9, macro_f1=0.7, top1_main10=0.85, top3_main10=0.9)]
    (out / "earlier_runs.json").write_text(json.dumps({"runs": [
        {"command": "earlier", "model_version": "abc", "training_seconds": 60, "chosen_epochs": epochs + 2,
         "history": history}]}))
    call_command("train_garment_model", "--out", str(out), "--card-only")
    card = (out / "MODEL_CARD.md").read_text()
    assert f"The shipped model's recipe differs from this one: `--epochs {epochs}` (here {epochs + 2})" in card
    assert (f"its folds are the trial `{trial['command']}` below" in card) is measured
    assert ("no cross-validation of it is recorded" in card) is not measured
    assert f"{epochs + 2} epochs were chosen from that curve" in card
    assert (f"then tried {epochs} epochs against {epochs + 2} on 2 folds" in card) is measured
    mean = 0.75 + trial_gain
    assert f"| | trial, mean ± sd | {mean:.4f} ± 0.0707 | {mean:.4f} ± 0.0707 | |" in card
