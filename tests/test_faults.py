"""Fault drills on the real processes: gunicorn, one Celery worker for both queues with the
scheduler inside it, a private redis-server on a spare port (never the machine's own),
and, for storage, moto's S3 server behind a proxy that can cut it off.

Each drill breaks one service while photos are uploaded or processed, then asserts that no
photo is lost, that every item ends ready (or failed with a reason), and prints how long
recovery took, with the default settings.
"""

import time
import uuid

import pytest
from django.db import connection

from tests.conftest import GARMENT_PHOTOS, require_services
from tests.processes import REDIS_SERVER, RedisServer, TcpProxy, Visitor, WebServer, wait_until
from tests.test_storage_s3 import ACCESS_KEY, REGION, SECRET_KEY, s3_client, s3_endpoint  # noqa: F401 (fixtures)
from tests.worker import WorkerProcess, database_url
from wardrobe.models import Item, Prediction

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-1"  # make_user's
RECOVERY_LIMIT_SECONDS = 90  # the promise, with the default settings
STEPS = {"normalize", "segment", "colors", "phash", "garment", "pattern", "defects", "grade", "caption"}


@pytest.fixture
def redis_server(tmp_path):
    if not REDIS_SERVER:
        if require_services():
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis")
    yield server
    server.kill()


class Stack:
    """Web and worker on the test database, with one broker and one storage."""

    def __init__(self, tmp_path, media_root, broker_url: str, storage_env: dict | None = None,
                 worker_database_url: str | None = None):
        from django.conf import settings

        self.tmp_path, self.media_root = tmp_path, media_root
        self.env = {
            "DATABASE_URL": database_url(), "WARDROBE_VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(media_root), "CELERY_BROKER_URL": broker_url,
            "UPLOADS_PER_HOUR": "100000", **(storage_env or {}),
        }
        import os

        self.web = WebServer({**os.environ, **self.env, "DJANGO_SETTINGS_MODULE": "tests.settings"},
                             tmp_path / "web.log")
        self.worker_env = {**self.env, "DATABASE_URL": worker_database_url or self.env["DATABASE_URL"]}
        self.worker = None

    def start_worker(self):
        if self.worker is None:
            self.worker = WorkerProcess(self.media_root, self.tmp_path / "worker.log",
                                        extra_env=self.worker_env, beat=True)
        else:
            self.worker.start()
        return self.worker

    def visitor(self, user) -> Visitor:
        visitor = Visitor(self.web.url)
        visitor.log_in(user.username, PASSWORD)
        return visitor

    def stop(self):
        if self.worker:
            self.worker.stop()
        self.web.stop()


@pytest.fixture
def stacks(tmp_path, media_storage):
    started = []

    def start(**options) -> Stack:
        stack = Stack(tmp_path, media_storage, **options)
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.stop()


def photo(number: int) -> tuple[str, bytes]:
    path = GARMENT_PHOTOS[number % len(GARMENT_PHOTOS)]
    return f"{number}-{path.name}", path.read_bytes()


def settled(user) -> bool:
    return not Item.objects.filter(owner=user, status__in=[Item.Status.QUEUED, Item.Status.PROCESSING]).exists()


def wait_settled(stack: Stack, user, *, since: float, what: str) -> float:
    stack.worker.wait_for(lambda: settled(user), timeout=RECOVERY_LIMIT_SECONDS + 30, what=what)
    return time.monotonic() - since


def assert_every_photo_whole(user, uploaded: int, media_root=None):
    items = list(Item.objects.filter(owner=user))
    assert len(items) == uploaded, f"{uploaded} photos accepted, {len(items)} items"
    failed = [(item.original_name, item.failure_reason) for item in items if item.status != Item.Status.READY]
    assert not failed, f"items not ready: {failed}"
    for item in items:
        assert set(Prediction.objects.filter(item=item).values_list("step", flat=True)) == STEPS
        if media_root is not None:  # one set of files each: no second run left its own behind
            files = {p.relative_to(media_root).as_posix() for p in (media_root / "items").rglob(f"*/{item.pk}/*")}
            assert files == set(item.stored_files()), item.original_name


def test_broker_killed_and_restarted_during_uploads(stacks, redis_server, make_user, media_storage):
    stack = stacks(broker_url=redis_server.url)
    stack.start_worker()
    user = make_user()
    visitor = stack.visitor(user)
    statuses = []
    for number in range(3):
        statuses.append(visitor.upload(*photo(number)).status_code)
    redis_server.kill()
    for number in range(3, 9):  # the broker is away: every upload must still be kept
        response = visitor.upload(*photo(number))
        statuses.append(response.status_code)
        assert "analysis starts by itself when it is back" in response.text
    time.sleep(5)
    redis_server.start()
    back = time.monotonic()
    assert statuses == [200] * 9
    recovery = wait_settled(stack, user, since=back, what="every photo to be ready after the broker came back")
    print(f"\nbroker drill: 9 photos, 6 uploaded while the broker was down; all ready {recovery:.1f} s "
          f"after it came back")
    assert_every_photo_whole(user, 9, media_storage)
    assert recovery <= RECOVERY_LIMIT_SECONDS


def test_worker_killed_mid_batch(stacks, redis_server, make_user, media_storage):
    stack = stacks(broker_url=redis_server.url)
    user = make_user()
    visitor = stack.visitor(user)
    for number in range(10):
        assert visitor.upload(*photo(number)).status_code == 200
    worker = stack.start_worker()  # after the uploads, so its first batch is a full one
    wait_until(lambda: Item.objects.filter(owner=user, status=Item.Status.PROCESSING).exists(),
               timeout=60, what="the worker to claim a batch")
    worker.kill()
    in_flight = Item.objects.filter(owner=user, status=Item.Status.PROCESSING).count()
    assert in_flight, "the kill came too late to be mid-batch"
    worker.start()
    alive = time.monotonic()
    recovery = wait_settled(stack, user, since=alive, what="the dead worker's batch to be ready")
    print(f"\nworker drill: killed with {in_flight} photos in its batch; all 10 ready {recovery:.1f} s "
          f"after a worker was started again")
    assert_every_photo_whole(user, 10, media_storage)
    assert recovery <= RECOVERY_LIMIT_SECONDS
    # The live worker's batches were never taken over: each item was claimed at most twice
    # (once by the killed worker, once after it), never by a sweep racing a live worker.
    assert max(Item.objects.filter(owner=user).values_list("attempts", flat=True)) <= 2


@pytest.fixture
def s3_behind_proxy(s3_endpoint, s3_client):  # noqa: F811
    bucket = f"wardrobe-faults-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=bucket)
    proxy = TcpProxy(int(s3_endpoint.rsplit(":", 1)[1]))
    env = {
        "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
        "AWS_S3_REGION_NAME": REGION, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_ADDRESSING_STYLE": "path",
    }

    def keys() -> set[str]:
        pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {entry["Key"] for page in pages for entry in page.get("Contents", [])}

    yield proxy, env, keys
    proxy.close()


def test_storage_down_at_upload_and_during_processing(stacks, redis_server, s3_behind_proxy, make_user):
    proxy, storage_env, bucket_keys = s3_behind_proxy
    stack = stacks(broker_url=redis_server.url, storage_env=storage_env)
    user = make_user()
    visitor = stack.visitor(user)

    proxy.cut()
    refused = visitor.upload(*photo(0))
    assert refused.status_code == 503 and "Photo storage cannot be reached" in refused.text
    assert not Item.objects.filter(owner=user).exists() and bucket_keys() == set()  # nothing half-saved
    proxy.restore()

    for number in range(1, 5):
        assert visitor.upload(*photo(number)).status_code == 200
    proxy.cut()  # the worker starts while the storage is away: reading the originals fails
    worker = stack.start_worker()
    worker.wait_for(lambda: "Retry in" in worker.output(), timeout=60, what="the task to retry")
    assert Item.objects.filter(owner=user, status=Item.Status.FAILED).count() == 0
    proxy.restore()
    back = time.monotonic()
    recovery = wait_settled(stack, user, since=back, what="the photos to be ready once storage was back")
    print(f"\nstorage drill: upload refused with 503 while away; 4 photos ready {recovery:.1f} s after "
          f"storage came back")
    assert_every_photo_whole(user, 4)
    stored = bucket_keys()
    for item in Item.objects.filter(owner=user):
        assert set(item.stored_files()) == {key for key in stored if f"/{item.pk}/" in key}


def test_database_unreachable_while_the_worker_processes(stacks, redis_server, make_user, media_storage):
    if connection.vendor != "postgresql":
        pytest.skip("a database server to cut off is needed (PostgreSQL; SQLite is a local file)")
    proxy = TcpProxy(int(connection.settings_dict["PORT"] or 5432))
    worker_url = database_url().replace(f":{connection.settings_dict['PORT'] or 5432}/", f":{proxy.port}/")
    try:
        stack = stacks(broker_url=redis_server.url, worker_database_url=worker_url)
        user = make_user()
        visitor = stack.visitor(user)
        for number in range(8):
            assert visitor.upload(*photo(number)).status_code == 200
        stack.start_worker()
        wait_until(lambda: Item.objects.filter(owner=user, status=Item.Status.PROCESSING).exists(),
                   timeout=60, what="the worker to claim a batch")
        proxy.cut()
        time.sleep(5)
        proxy.restore()
        back = time.monotonic()
        recovery = wait_settled(stack, user, since=back, what="the batch to be ready after the database came back")
        print(f"\ndatabase drill: cut for 5 s mid-batch; 8 photos ready {recovery:.1f} s after it came back")
        assert_every_photo_whole(user, 8, media_storage)
        assert recovery <= RECOVERY_LIMIT_SECONDS
    finally:
        proxy.close()
