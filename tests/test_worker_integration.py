"""Upload -> broker -> a real worker process -> ready, with the services of the environment:
Redis and PostgreSQL in CI (.ci/run), a broker in files and SQLite on a bare machine."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import photo_bytes, upload
from wardrobe.models import Item, Prediction

pytestmark = pytest.mark.worker


def test_broker_and_database_are_the_ones_ci_asks_for():
    import os

    if os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_BROKER_URL == os.environ["CELERY_BROKER_URL"]
    if os.environ.get("REQUIRE_SERVICES") == "1":
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_uploaded_photos_become_ready_through_a_real_worker(celery_worker_process, client, make_user, media_storage):
    user = make_user("walker")
    client.force_login(user)
    response = client.post(reverse("upload"), {"photos": [
        upload("hat.jpg", photo_bytes("hat")), upload("pants.jpg", photo_bytes("pants"))]},
        headers={"HX-Request": "true"})
    assert response.status_code == 200
    items = list(Item.objects.filter(owner=user))
    assert len(items) == 2

    def all_ready():
        statuses = set(Item.objects.filter(owner=user).values_list("status", flat=True))
        assert Item.Status.FAILED not in statuses, list(Item.objects.values_list("failure_reason", flat=True))
        return statuses == {Item.Status.READY}

    celery_worker_process.wait_for(all_ready, timeout=240, what="both photos to be ready")
    for item in Item.objects.filter(owner=user):
        assert item.category and item.category_confidence is not None and item.colors
        assert item.thumb_small and (media_storage / item.thumb_small.name).exists()
        steps = set(Prediction.objects.filter(item=item).values_list("step", flat=True))
        assert steps == {"normalize", "segment", "colors", "phash", "garment", "pattern", "defects", "grade",
                         "caption"}
        assert item.grade in ("reuse", "recycle", "dispose")
    card = client.get(reverse("item-status", args=[items[0].pk]), {"known": "queued"})
    assert card.status_code == 200 and "status-ready" in card.content.decode()
    assert "inference.tasks.process_photos" in celery_worker_process.output()
