"""The processing task in-process: batching, idempotency, permanent and transient errors."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError

from inference import pipeline, services as processing
from inference.tasks import process_photos
from tests.conftest import photo_bytes
from tests.factories import fake_result
from wardrobe.celery import app
from wardrobe.models import Item
from wardrobe.tasks import sweep_processing

pytestmark = pytest.mark.django_db


def queued_item(owner, data: bytes) -> Item:
    item = Item(owner=owner, original_name="photo.jpg")
    item.original.save("original.jpg", ContentFile(data), save=False)
    item.save()
    return item


def test_one_task_processes_a_batch_and_the_others_tasks_do_nothing(user, settings):
    settings.PROCESSING_BATCH_SIZE = 8
    items = [queued_item(user, photo_bytes(name)) for name in ("hat", "pants", "shoes")]
    assert process_photos.apply(args=["closet", str(items[1].pk)]).get() == 3
    assert set(Item.objects.values_list("status", flat=True)) == {Item.Status.READY}
    assert process_photos.apply(args=["closet", str(items[0].pk)]).get() == 0  # idempotent: already done
    for item in Item.objects.all():
        assert item.category and item.thumb_small and item.embedding_version.startswith("garment-")


def test_an_undecodable_photo_fails_with_a_reason_and_the_rest_of_the_batch_is_fine(user):
    good = queued_item(user, photo_bytes("dress"))
    broken = queued_item(user, b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    process_photos.apply(args=["closet", str(good.pk)])
    good.refresh_from_db()
    broken.refresh_from_db()
    assert good.status == Item.Status.READY
    assert broken.status == Item.Status.FAILED and "could not be decoded" in broken.failure_reason


def test_a_missing_original_fails_the_item(user):
    item = queued_item(user, photo_bytes("hat"))
    default_storage.delete(item.original.name)
    process_photos.apply(args=["closet", str(item.pk)])
    item.refresh_from_db()
    assert item.status == Item.Status.FAILED and "missing" in item.failure_reason


def test_a_model_crash_on_one_photo_fails_only_that_photo(user, monkeypatch):
    fine = queued_item(user, photo_bytes("hat"))
    poison = queued_item(user, photo_bytes("pants"))
    poison_bytes = photo_bytes("pants")

    def run_batch(sources, steps=None):
        if poison_bytes in sources:
            raise ValueError("model exploded")
        return [fake_result() for _ in sources]

    monkeypatch.setattr(pipeline, "run_batch", run_batch)
    process_photos.apply(args=["closet", str(fine.pk)])
    fine.refresh_from_db()
    poison.refresh_from_db()
    assert fine.status == Item.Status.READY
    assert poison.status == Item.Status.FAILED and "internal error" in poison.failure_reason


def test_a_transient_error_puts_the_batch_back_and_is_raised_for_a_retry(user, monkeypatch):
    items = [queued_item(user, photo_bytes("hat")), queued_item(user, photo_bytes("shoes"))]

    def database_gone(sources, steps=None):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pipeline, "run_batch", database_gone)
    with pytest.raises(OperationalError):
        processing.process_batch(consumer="closet", key=str(items[0].pk))
    assert set(Item.objects.values_list("status", flat=True)) == {Item.Status.QUEUED}
    assert set(Item.objects.values_list("claim_token", flat=True)) == {None}


def test_the_task_is_reliable_by_configuration():
    assert process_photos.acks_late and process_photos.reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.amqp.router.route({}, process_photos.name)["queue"].name == "gpu"
    assert app.amqp.router.route({}, sweep_processing.name)["queue"].name == "default"
    assert app.conf.beat_schedule["sweep-processing"]["schedule"] <= 10


def test_a_transient_error_makes_the_task_retry_and_the_retry_finishes_the_batch(user, monkeypatch):
    item = queued_item(user, photo_bytes("hat"))
    real_run_batch, calls = pipeline.run_batch, []

    def flaky(sources, steps=None):
        calls.append(len(sources))
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return real_run_batch(sources, steps)

    monkeypatch.setattr(pipeline, "run_batch", flaky)
    # Eager tasks run their retries in place: the first attempt fails, the second one stores.
    outcome = process_photos.apply(args=["closet", str(item.pk)])
    assert outcome.successful(), outcome.traceback
    item.refresh_from_db()
    assert item.status == Item.Status.READY and item.attempts == 1
    assert calls == [1, 1]


def test_a_bad_photo_is_not_retried_as_if_a_service_were_down(user, monkeypatch):
    from inference.transient import is_transient

    assert not is_transient(OSError("image file is truncated"))
    assert not is_transient(FileNotFoundError("gone"))
    assert is_transient(OperationalError("the database system is starting up"))


def test_a_near_identical_photo_gets_the_duplicate_warning_and_a_different_one_does_not(user):
    from inference.images import encode, open_rgb

    original = queued_item(user, photo_bytes("dress"))
    process_photos.apply(args=["closet", str(original.pk)])
    image = open_rgb(photo_bytes("dress"))
    width, height = image.size
    reshot = image.crop((8, 6, width - 5, height - 9)).resize((int(width * 0.9), int(height * 0.9)))
    again = queued_item(user, encode(reshot, "JPEG", quality=70))
    other = queued_item(user, photo_bytes("pants"))
    process_photos.apply(args=["closet", str(again.pk)])
    again.refresh_from_db()
    other.refresh_from_db()
    assert again.duplicate_of_id == original.pk
    assert other.status == Item.Status.READY and other.duplicate_of_id is None


@pytest.fixture
def unfrozen():
    import gc

    gc.unfreeze()
    yield gc
    gc.unfreeze()


def test_web_and_worker_processes_keep_their_startup_objects_out_of_full_collections(unfrozen):
    import importlib

    from celery import signals

    import wardrobe.wsgi

    importlib.reload(wardrobe.wsgi)
    assert unfrozen.get_freeze_count() > 0

    unfrozen.unfreeze()
    signals.worker_process_init.send(sender=None)
    assert unfrozen.get_freeze_count() > 0


# --- Connections the database server drops (PostgreSQL: a server to drop them is needed) ----

@pytest.fixture
def postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a database server that drops connections is needed (PostgreSQL)")


def drop_sessions(*, own: bool):
    """Ends the test database's sessions on the server, this thread's (own) or the others'."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    own_pid = connection.connection.info.backend_pid if connection.connection else None
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                           "AND (pid = %s) = %s", [own_pid, own])
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_while_the_batch_ran_is_replaced_before_the_results_are_stored(
        user, postgresql, monkeypatch):
    items = [queued_item(user, photo_bytes("hat")), queued_item(user, photo_bytes("shoes"))]

    def run_past_an_idle_timeout(sources, steps=None):
        drop_sessions(own=True)
        return [fake_result() for _ in sources]

    monkeypatch.setattr(pipeline, "run_batch", run_past_an_idle_timeout)
    assert processing.process_batch(consumer="closet", key=str(items[0].pk)) == 2
    assert set(Item.objects.values_list("status", "attempts")) == {(Item.Status.READY, 1)}


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_store_lost_the_database_is_given_back_on_a_new_connection(user, postgresql, monkeypatch):
    from wardrobe import services as closet

    items = [queued_item(user, photo_bytes("hat")), queued_item(user, photo_bytes("shoes"))]
    real_apply_results = closet.apply_results

    def store_as_the_database_goes(**kwargs):
        drop_sessions(own=True)
        return real_apply_results(**kwargs)

    monkeypatch.setattr(pipeline, "run_batch", lambda sources, steps=None: [fake_result() for _ in sources])
    monkeypatch.setattr(closet, "apply_results", store_as_the_database_goes)
    with pytest.raises(OperationalError):
        processing.process_batch(consumer="closet", key=str(items[0].pk))
    # Back on the queue at once, the attempt not spent: no waiting for the sweep.
    assert set(Item.objects.values_list("status", "claim_token", "attempts")) == {
        (Item.Status.QUEUED, None, 0)}


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_after_the_database_dropped_its_connection(user, postgresql, settings, monkeypatch):
    import time

    settings.CLAIM_HEARTBEAT_SECONDS = 0.05
    item = queued_item(user, photo_bytes("hat"))

    def beats_seen(timeout=10.0) -> bool:
        before = Item.objects.get(pk=item.pk).heartbeat_at
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if Item.objects.get(pk=item.pk).heartbeat_at != before:
                return True
            time.sleep(0.05)
        return False

    beating = []

    def slow_batch(sources, steps=None):
        beating.append(beats_seen())
        drop_sessions(own=False)  # the heartbeat thread's session
        time.sleep(4 * settings.CLAIM_HEARTBEAT_SECONDS)  # a beat or two fail on the dropped connection
        beating.append(beats_seen())
        return [fake_result() for _ in sources]

    monkeypatch.setattr(pipeline, "run_batch", slow_batch)
    assert processing.process_batch(consumer="closet", key=str(item.pk)) == 1
    assert beating == [True, True]


def test_a_batch_the_database_was_too_far_gone_to_take_back_is_given_back_by_the_retry(user, monkeypatch):
    from wardrobe import services as closet

    item = queued_item(user, photo_bytes("hat"))
    real_apply_results, real_release = closet.apply_results, closet.release_claim
    stores, releases = [], []

    def store_once_the_database_is_back(**kwargs):
        stores.append(kwargs["token"])
        if len(stores) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_apply_results(**kwargs)

    def release_once_the_database_is_back(*, token, retried_key):
        releases.append(token)
        if len(releases) == 1:
            raise OperationalError("could not connect to server")
        return real_release(token=token, retried_key=retried_key)

    monkeypatch.setattr(pipeline, "run_batch", lambda sources, steps=None: [fake_result() for _ in sources])
    monkeypatch.setattr(closet, "apply_results", store_once_the_database_is_back)
    monkeypatch.setattr(closet, "release_claim", release_once_the_database_is_back)
    outcome = process_photos.apply(args=["closet", str(item.pk)])  # eager: the retry runs in place
    assert outcome.successful(), outcome.traceback
    item.refresh_from_db()
    # The retry gave back the first claim, then claimed and stored: one attempt spent, not two.
    assert (item.status, item.attempts) == (Item.Status.READY, 1)
    assert releases == [stores[0], stores[0]] and stores[1] != stores[0]


def test_a_retry_after_part_of_the_batch_was_stored_leaves_no_photo_without_a_message(user, monkeypatch,
                                                                                        sent_tasks):
    from wardrobe import services as closet

    first, second = queued_item(user, photo_bytes("hat")), queued_item(user, photo_bytes("shoes"))
    real_apply_results, stores = closet.apply_results, []

    def run_batch(sources, steps=None):
        # Meanwhile another worker takes `second`'s own message: the batch holds it, so it does nothing.
        assert processing.process_batch(consumer="closet", key=str(second.pk)) == 0
        return [fake_result() for _ in sources]

    def store(**kwargs):
        stores.append(kwargs["item_id"])
        if kwargs["item_id"] == str(second.pk) and stores.count(str(second.pk)) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_apply_results(**kwargs)

    monkeypatch.setattr(pipeline, "run_batch", run_batch)
    monkeypatch.setattr(closet, "apply_results", store)
    outcome = process_photos.apply(args=["closet", str(first.pk)])  # eager: the retry runs in place
    assert outcome.successful(), outcome.traceback
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Item.Status.READY
    # The retry brought `first` again (done already); `second` waits in the outbox, which the sweep sends.
    assert (second.status, second.enqueued_at) == (Item.Status.QUEUED, None)
    sent_tasks.clear()
    Item.objects.filter(pk=second.pk).update(status_changed_at=second.status_changed_at - timedelta(minutes=5))
    closet.sweep_processing(queue_depth=lambda: 4)  # a busy queue
    assert str(second.pk) in sent_tasks


def test_a_photo_the_storage_refuses_fails_alone(user, monkeypatch, settings):
    from django.core.files.storage import FileSystemStorage

    settings.PROCESSING_BATCH_SIZE = 8
    refused, good = queued_item(user, photo_bytes("hat")), queued_item(user, photo_bytes("shoes"))
    real_open = FileSystemStorage.open

    def open_(storage, name, mode="rb"):
        if name == refused.original.name:
            raise PermissionError(13, "Permission denied", name)
        return real_open(storage, name, mode)

    monkeypatch.setattr(FileSystemStorage, "open", open_)
    monkeypatch.setattr(pipeline, "run_batch", lambda sources, steps=None: [fake_result() for _ in sources])
    process_photos.apply(args=["closet", str(refused.pk)])
    good.refresh_from_db()
    refused.refresh_from_db()
    assert (good.status, refused.status) == (Item.Status.READY, Item.Status.FAILED)
    assert refused.failure_reason == "The original photo cannot be read."
