"""Shared start for the benchmarks: Django on a throwaway database unless DATABASE_URL is set."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def django_with_scratch_database() -> None:
    sys.path.insert(0, str(ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="wardrobe-bench-"))
    os.environ.setdefault("WARDROBE_VAR_DIR", str(scratch))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_ROOT", str(scratch / "static"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    import gc

    gc.freeze()  # as the web and worker processes do once started


def django_app() -> None:
    """Django with the app's own settings and database, for benchmarks of the models alone."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    import django

    django.setup()


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
