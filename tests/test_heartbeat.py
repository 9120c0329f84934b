"""A slow worker keeps its batch by beating; a silent one loses it. Real threads and
connections, so the heartbeat's own database connection is exercised."""

import threading
import time

import pytest

from inference import pipeline
from inference.tasks import process_photos
from tests.factories import fake_result, make_item
from wardrobe import services
from wardrobe.models import Item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_heartbeat(settings):
    settings.CLAIM_HEARTBEAT_SECONDS = 0.2
    settings.CLAIM_STALE_SECONDS = 1.0
    return settings


def test_a_slow_worker_keeps_beating_and_the_sweep_leaves_its_batch_alone(user, quick_heartbeat, monkeypatch):
    item = make_item(user, status=Item.Status.QUEUED)
    sweeps, running = [], threading.Event()

    def slow_batch(sources, steps=None):
        running.set()
        time.sleep(quick_heartbeat.CLAIM_STALE_SECONDS * 3)  # far longer than a silent claim may last
        return [fake_result() for _ in sources]

    def sweep_while_it_runs():
        running.wait(10)
        for _ in range(4):
            time.sleep(quick_heartbeat.CLAIM_STALE_SECONDS * 0.6)
            sweeps.append(services.sweep_processing(queue_depth=lambda: 0))
        from django.db import connections

        connections.close_all()

    monkeypatch.setattr(pipeline, "run_batch", slow_batch)
    sweeper = threading.Thread(target=sweep_while_it_runs)
    sweeper.start()
    assert process_photos.apply(args=["closet", str(item.pk)]).get() == 1
    sweeper.join()
    assert [sweep["reclaimed"] for sweep in sweeps] == [0, 0, 0, 0]
    item.refresh_from_db()
    assert (item.status, item.attempts) == (Item.Status.READY, 1)


def test_a_claim_whose_worker_stopped_beating_is_taken_back(user, quick_heartbeat):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    assert claim.items
    time.sleep(quick_heartbeat.CLAIM_STALE_SECONDS + 0.2)  # nobody renews it: its worker is dead
    assert services.sweep_processing(queue_depth=lambda: 0)["reclaimed"] == 1
    assert services.apply_results(item_id=item.pk, token=claim.token, result=fake_result()) is None
    assert Item.objects.get(pk=item.pk).status == Item.Status.QUEUED
