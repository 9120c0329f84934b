"""The app's settings with test-only changes; services still come from the environment
(DATABASE_URL, CELERY_BROKER_URL), so CI tests against PostgreSQL and Redis."""

import os
from pathlib import Path

# Everything the tests write lives apart from a developer's own var/.
os.environ.setdefault("WARDROBE_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from wardrobe.settings import *  # noqa: E402,F403
from wardrobe.settings import DATABASES, STORAGES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: worker processes started by tests must see the test database.
    # Named per run, so two test runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# In-process tests hold one transaction open; a heartbeat thread's second connection
# would wait on it. Tests of the heartbeat set their own interval.
CLAIM_HEARTBEAT_SECONDS = 3600
