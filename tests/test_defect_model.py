"""The defect detector's commands: the evaluation's contract (folder layout, --json keys)
and a tiny end-to-end training run that writes what the product loads."""

import json
import shutil

import pytest
from django.core.management import call_command

from tests.conftest import photo_path

CONTRACT_KEYS = {"map50", "map50_95", "precision", "recall", "image_recall", "clean_flag_rate"}


def yolo_folder(root, labelled: dict, clean: list):
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for name, lines in labelled.items():
        shutil.copy(photo_path(name), root / "images" / f"{name}.jpg")
        (root / "labels" / f"{name}.txt").write_text("".join(f"{line}\n" for line in lines))
    for name in clean:  # no label file: a clean photo
        shutil.copy(photo_path(name), root / "images" / f"{name}.jpg")
    return root


def test_evaluate_reads_the_yolo_layout_and_ends_with_the_json_contract(tmp_path, capsys, tiny_detector):
    data = yolo_folder(tmp_path / "data", {"tshirt": ["0 0.5 0.5 0.1 0.1"]}, ["hat", "pants"])
    call_command("evaluate_defect_model", "--data", str(data), "--model-dir", str(tiny_detector), "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert CONTRACT_KEYS <= set(report)
    assert (report["images"], report["stained_images"], report["clean_images"]) == (3, 1, 2)
    assert set(report["per_class"]) == {"stain", "hole", "tear"}
    assert report["per_class"]["stain"]["truths"] == 1
    assert any(line.startswith("stain") for line in lines[:-1])  # the readable table comes first


def test_evaluate_refuses_a_folder_without_images(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no images/"):
        call_command("evaluate_defect_model", "--data", str(tmp_path))


@pytest.mark.slow
def test_a_tiny_training_run_writes_a_model_the_pipeline_loads(tiny_detector):
    out = tiny_detector
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["classes"] == ["stain", "hole", "tear"] and metadata["image_size"] == 64
    assert metadata["architecture"] == "efficientnet-lite0"  # the default
    assert metadata["command"].startswith("python manage.py train_defect_model")
    assert 0.25 <= metadata["confidence_threshold"] <= 0.95  # chosen on the validation photos
    assert CONTRACT_KEYS <= set(metadata["metrics"]["validation"])
    assert (out / "contact_sheet.jpg").stat().st_size > 0
    import onnx

    graph = onnx.load(str(out / "defects.onnx")).graph  # weights stored as float16: half the file
    assert any(initializer.data_type == onnx.TensorProto.FLOAT16 for initializer in graph.initializer)
    card = (out / "MODEL_CARD.md").read_text()
    assert "## Metrics" in card
    # The fine-tuning stage: one epoch at most, chosen by two folds, each measured at epochs 0 and 1.
    stage = metadata["finetune"]
    assert stage["epochs"] in (0, 1) and [[row["epoch"] for row in rows] for rows in stage["folds"]] == [[0, 1]] * 2
    options = metadata["command"].split(" --")[1:]
    assert "finetune-epochs 1" in options and "finetune-folds 2" in options and "## Fine-tuning" in card
    assert "dirty_marks_heldout" in metadata["metrics"]
    from PIL import Image

    from inference.defects import DefectDetector

    detector = DefectDetector(out)
    assert len(detector.predict([Image.open(photo_path("hat")), Image.open(photo_path("pants"))])) == 2


FINETUNE_CHECK = """
import sys
from pathlib import Path

import torch

from inference.training.defect_data import DefectDataConfig
from inference.training.defects import DefectTrainConfig, _fit

cache, out = Path(sys.argv[1]), Path(sys.argv[2])
start = next(p for p in (cache / "defect-runs" / "defects" / "weights").glob("*.pt"))
data = DefectDataConfig(clothing_dir=Path("."), dirty_marks_dir=Path("."), out_dir=cache / "defect-data",
                        cache_dir=cache, serve_size=64, tile_size=64)
config = DefectTrainConfig(data=data, out_dir=out, image_size=64, batch_size=4, finetune_epochs=1,
                           finetune_learning_rate=0.0)
end = _fit(str(start), config, data_dir=cache / "defect-data" / "finetune", runs=out, name="check", finetune_epochs=1)

def head(path):
    checkpoint = torch.load(path, weights_only=False)
    return dict((checkpoint["ema"] or checkpoint["model"]).named_parameters())["model.17.cv3.0.2.weight"]

print("same" if torch.equal(head(start), head(end)) else "different")
"""


@pytest.mark.slow
def test_fine_tuning_starts_from_the_main_stages_weights(tiny_detector, tmp_path):
    """At a learning rate of 0 the fine-tuned detector's head is the main stage's: the stage
    loads the checkpoint rather than training its architecture from scratch."""
    import os
    import subprocess
    import sys

    from tests.conftest import FIXTURES

    script = tmp_path / "check.py"
    script.write_text(FINETUNE_CHECK)
    result = subprocess.run(  # its own process, as in tiny_detector: ultralytics patches PIL
        [sys.executable, str(script), str(tiny_detector.parent / "cache"), str(tmp_path / "runs")],
        cwd=FIXTURES.parent.parent, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "wardrobe.settings", "PYTHONPATH": str(FIXTURES.parent.parent)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "same"
