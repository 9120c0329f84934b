"""Production settings pass Django's deployment checklist; the web process stays free of model runtimes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7$Lq9!vR2#mZ4@pW8&nT6^kY1*hJ3(sD5)fG0-aB=cE+uI_oP~lK",
    "DJANGO_ALLOWED_HOSTS": "closet.example.com",
    "DJANGO_HTTPS": "1",
}


def server_env(changes: dict) -> dict:
    # Only what a server would have: nothing test-only leaks in from this process.
    env = {name: value for name, value in os.environ.items()
           if name in ("PATH", "HOME", "LANG", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")}
    return {**env, **changes}


def run_check(env_changes: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=server_env(env_changes), capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_check({**PRODUCTION_ENV, "WARDROBE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_check_does_fail_on_debug_settings(tmp_path):
    result = run_check({**PRODUCTION_ENV, "DJANGO_DEBUG": "1", "DJANGO_HTTPS": "0", "WARDROBE_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr + result.stdout


def test_the_web_process_loads_no_model_runtime(tmp_path):
    # Everything a web request can import: the WSGI app (it sets up the admin), every URL's
    # view, and the task module that uploads enqueue to. Model runtimes belong to the worker.
    script = (
        "import sys; from wardrobe.wsgi import application; from django.urls import get_resolver; "
        "get_resolver().url_patterns; import inference.tasks; "
        "print(sorted(m for m in ('onnxruntime', 'torch', 'torchvision', 'cv2', 'ultralytics', 'transformers') "
        "if m in sys.modules))"
    )
    env = server_env({"DJANGO_SETTINGS_MODULE": "wardrobe.settings", "WARDROBE_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
