import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GARMENT_DATA = FIXTURES / "garments"
GARMENT_PHOTOS = sorted((GARMENT_DATA / "images").glob("*.jpg"))


def require_services() -> bool:
    """In CI (REQUIRE_SERVICES=1) a missing service is a failure, never a skip."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


def photo_path(prefix: str) -> Path:
    return next(path for path in GARMENT_PHOTOS if path.name.startswith(prefix))


def photo_bytes(prefix: str = "tshirt") -> bytes:
    return photo_path(prefix).read_bytes()


def image_bytes(image_format: str = "JPEG", size=(64, 48), color=(200, 30, 40), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def default_language():
    """A request activates its page's language and Django leaves it active in the thread, so a
    Korean page in one test would make the next test's messages Korean."""
    from django.utils import translation

    with translation.override(None):
        yield


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Each test writes media into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def make_user(db, django_user_model):
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, **extra):
        number = next(counter)
        username = username or f"user{number}"
        defaults = {"email": f"{username}@example.com", "nickname": f"Nick {number}", "language": "en"}
        return django_user_model.objects.create_user(username=username, password="a-long-passphrase-1",
                                                     **{**defaults, **extra})

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def alice_client(client, user):
    client.force_login(user)
    return client


def stored_media(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


@pytest.fixture
def celery_worker_process(transactional_db, media_storage, tmp_path):
    """A real worker (prefork, both queues) on the test's broker and database."""
    from tests.worker import WorkerProcess

    worker = WorkerProcess(media_root=media_storage, log_path=tmp_path / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture
def sent_tasks(monkeypatch) -> list[str]:
    """Keys of the processing tasks sent to the broker (none really is)."""
    from inference.tasks import process_photos

    keys = []
    monkeypatch.setattr(process_photos, "apply_async", lambda args, **options: keys.append(args[1]))
    return keys


def write_dirty_marks(folder: Path, sources: int = 4) -> Path:
    """A dirty-mark folder in the shared set's layout: the fixture photos, one box each,
    every source photo under two Roboflow names."""
    (folder / "train" / "images").mkdir(parents=True)
    (folder / "train" / "labels").mkdir(parents=True)
    for index in range(sources):
        photo = GARMENT_PHOTOS[index % len(GARMENT_PHOTOS)]
        for copy in ("", "-"):
            name = f"Dirt-Mark-{index}{copy}_jpg.rf.{index}{len(copy)}"
            (folder / "train" / "images" / f"{name}.jpg").write_bytes(photo.read_bytes())
            (folder / "train" / "labels" / f"{name}.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    return folder


@pytest.fixture(scope="session")
def tiny_detector(tmp_path_factory):
    """A stain detector trained here in seconds (1 epoch, 64 px, six photos, then a
    fine-tuning epoch on four dirty-mark photos): real weights through the real training,
    export and loading code, not a useful model."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("ultralytics") is None:  # finding, not importing: see below
        pytest.skip("ultralytics is not installed (scripts/setup requirements-train.txt)")
    root = tmp_path_factory.mktemp("detector")
    dirty = write_dirty_marks(root / "dirty-marks", sources=8)
    # Its own process: importing ultralytics patches PIL's Image.open for the whole process.
    result = subprocess.run(
        [sys.executable, "manage.py", "train_defect_model", "--data", str(GARMENT_DATA), "--dirty-marks", str(dirty),
         "--out", str(root / "model"), "--cache-dir", str(root / "cache"), "--train-photos", "6",
         "--val-photos", "4", "--image-size", "64", "--tile-size", "64", "--epochs", "1", "--batch-size", "4",
         "--dirty-marks-repeats", "1", "--finetune-epochs", "1"],
        cwd=FIXTURES.parent.parent, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "wardrobe.settings", "WARDROBE_VAR_DIR": str(root / "var")})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root / "model"


@pytest.fixture
def with_detector(tiny_detector, settings):
    """The pipeline with the tiny detector as its defects step."""
    from inference import pipeline

    settings.DEFECT_MODEL_DIR = str(tiny_detector)
    pipeline._process_steps.cache_clear()
    yield tiny_detector
    pipeline._process_steps.cache_clear()
