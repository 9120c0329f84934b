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
    assert "## Metrics" in (out / "MODEL_CARD.md").read_text()
    from PIL import Image

    from inference.defects import DefectDetector

    detector = DefectDetector(out)
    assert len(detector.predict([Image.open(photo_path("hat")), Image.open(photo_path("pants"))])) == 2
