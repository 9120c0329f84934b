"""Liveness and readiness for load balancers and orchestrators: cheap enough to poll
every few seconds, and public (they say nothing about anyone's closet)."""

from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

BROKER_TIMEOUT_SECONDS = 2


@require_safe  # uptime checkers often ask with HEAD
@never_cache
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from wardrobe.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def _storage() -> None:
    default_storage.exists("readyz-probe")  # one HEAD on S3, one stat on disk


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}


@require_safe
@never_cache
def readyz(request):
    """Database, broker and storage reachable: 200; else 503 naming what failed."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure means: not ready; say which and why
            results[name] = f"failed: {type(error).__name__}"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
