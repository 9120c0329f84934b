"""/healthz says the process is up; /readyz checks database, broker and storage."""

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from tests.processes import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head(reverse("healthz")).status_code == 200  # uptime checkers often ask with HEAD
    assert client.post(reverse("healthz")).status_code == 405


def test_readyz_is_ready_when_every_service_answers(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}
    assert client.head(reverse("readyz")).status_code == 200


def test_readyz_names_the_broker_when_it_is_down(client, monkeypatch):
    from wardrobe.celery import app

    # Nothing listens on a fresh port: as a stopped Redis. (Celery reads the variable first.)
    dead = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    monkeypatch.setitem(app.conf, "broker_url", dead)
    monkeypatch.setitem(app.conf, "broker_transport_options", {"socket_connect_timeout": 1})
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"].startswith("failed") and checks["database"] == "ok" and checks["storage"] == "ok"


class StorageAway(FileSystemStorage):
    def exists(self, name):
        raise ConnectionError("storage endpoint unreachable")


def test_readyz_names_the_storage_when_it_fails(client, settings, media_storage):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "tests.test_health.StorageAway", "OPTIONS": {"location": str(media_storage)}}}
    response = client.get(reverse("readyz"))
    assert response.status_code == 503 and response.json()["checks"]["storage"] == "failed: ConnectionError"
