"""Private media on S3: django-storages against a real S3-compatible HTTP server.

moto's standalone server runs as a subprocess on 127.0.0.1, and the storage settings
come from wardrobe/settings.py itself (executed with the AWS_* variables set), so these
tests check the configuration that production uses, not a copy of it.

Known limit of moto: it does not verify presigned signatures or their expiry (any URL
carrying a signature is served), so the tests check the URL's shape and lifetime, that
it returns the object, and that the same URL without its signature is refused.
"""

import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit, urlunsplit

import boto3
import pytest
from botocore.config import Config
from django.urls import reverse

import wardrobe.settings as app_settings_module
from tests.conftest import photo_bytes, require_services, stored_media, upload
from tests.factories import fake_result
from tests.test_closet_views import ready_item
from wardrobe.models import Item
from wardrobe.views import MEDIA_KINDS

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
MAX_URL_LIFETIME = 300
STARTUP_TIMEOUT = 60  # the machine may be busy; moto imports Flask and every backend lazily

# Straight to 127.0.0.1, whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str):
    try:
        with _opener.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _unavailable(reason: str):
    if require_services():
        pytest.fail(f"S3 test server unavailable (REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(f"S3 test server unavailable: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path) -> str:
    try:
        return path.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """A moto server on a free port, for the whole session; stopped at the end."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto-server.log"
    with open(log_path, "wb") as log:
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        except OSError as error:
            _unavailable(f"could not start moto.server: {error}")
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                _unavailable(f"moto.server exited with {process.returncode}:\n{_log_tail(log_path)}")
            try:
                if fetch(f"{endpoint}/moto-api/")[0] == 200:
                    break
            except OSError:  # URLError included: not listening yet
                pass
            if time.monotonic() > deadline:
                _unavailable(f"moto.server did not answer on {endpoint} within {STARTUP_TIMEOUT}s:\n"
                             f"{_log_tail(log_path)}")
            time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_client(s3_endpoint):
    return boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


class Bucket:
    def __init__(self, client, name: str, endpoint: str):
        self.client, self.name, self.endpoint = client, name, endpoint

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {entry["Key"] for page in pages for entry in page.get("Contents", [])}

    def objects(self) -> dict[str, bytes]:
        return {key: self.read(key) for key in self.keys()}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3_media(s3_endpoint, s3_client, media_storage, settings, monkeypatch) -> Bucket:
    """A fresh bucket, and the app's default storage pointed at it as wardrobe/settings.py does.

    Requests `media_storage` so this override comes after the autouse local one.
    """
    name = f"wardrobe-test-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    environment = {
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_ADDRESSING_STYLE": "path",
        # Keep the settings module's side effects (folders, secret file) inside tmp_path.
        "MEDIA_ROOT": str(media_storage),
        "DJANGO_SECRET_KEY": "test-only",
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_QUERYSTRING_EXPIRE", raising=False)  # the default lifetime is under test
    app_settings = runpy.run_path(app_settings_module.__file__)
    default = app_settings["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": default}  # resets default_storage
    return Bucket(s3_client, name, s3_endpoint)


def assert_short_lived_signature(query: dict[str, list[str]]):
    if "X-Amz-Signature" in query:  # SigV4
        assert query["X-Amz-Signature"][0] and query["X-Amz-Credential"][0].startswith(ACCESS_KEY)
        assert 0 < int(query["X-Amz-Expires"][0]) <= MAX_URL_LIFETIME
    else:  # SigV2: what botocore presigns with in us-east-1 unless told otherwise
        assert query["Signature"][0] and query["AWSAccessKeyId"] == [ACCESS_KEY]
        assert 0 < int(query["Expires"][0]) - time.time() <= MAX_URL_LIFETIME


def test_upload_stores_the_original_in_the_bucket_and_nothing_on_disk(
        alice_client, user, s3_media, media_storage, django_capture_on_commit_callbacks):
    data = photo_bytes("shirt")
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(reverse("upload"), {"photos": [upload("shirt.jpg", data)]},
                                     headers={"HX-Request": "true"})
    assert response.status_code == 200
    item = Item.objects.get(owner=user)
    assert item.original.name.startswith(f"items/{user.pk}/{item.pk}/")
    assert s3_media.objects() == {item.original.name: data}
    head = s3_media.client.head_object(Bucket=s3_media.name, Key=item.original.name)
    assert head["ContentType"] == "image/jpeg"
    assert stored_media(media_storage) == []
    assert len(callbacks) == 1  # processing is still queued after commit


def test_processing_results_are_written_to_the_bucket(user, s3_media, media_storage):
    item = ready_item(user)
    artifacts = fake_result().artifacts
    expected = {"original": artifacts["image"], **artifacts}  # make_item's original is the same JPEG
    stored = s3_media.objects()
    assert set(stored) == set(item.stored_files()) and len(stored) == 7
    for field in Item.MEDIA_FIELDS:
        name = getattr(item, field).name
        assert name.startswith(f"items/{user.pk}/{item.pk}/")
        assert stored[name] == expected[field], field
    assert stored_media(media_storage) == []


def test_owner_is_redirected_to_a_short_lived_presigned_url_of_a_private_object(alice_client, user, s3_media):
    item = ready_item(user)
    for kind, field in MEDIA_KINDS.items():
        name = getattr(item, field).name
        response = alice_client.get(reverse("item-media", args=[item.pk, kind]))
        assert response.status_code == 302, kind
        assert "private" in response["Cache-Control"]
        url = urlsplit(response["Location"])
        assert f"{url.scheme}://{url.netloc}" == s3_media.endpoint
        assert url.path == f"/{s3_media.name}/{name}"
        assert_short_lived_signature(parse_qs(url.query))

        status, headers, body = fetch(response["Location"])
        assert status == 200, kind
        assert body == s3_media.read(name)
        expected_type = {".png": "image/png", ".webp": "image/webp"}.get(name[name.rindex("."):], "image/jpeg")
        assert headers["Content-Type"] == expected_type

        # Without the signature the same object is refused: nothing is public-read.
        status, _, body = fetch(urlunsplit(url._replace(query="")))
        assert status == 403, kind
        assert body != s3_media.read(name)
        grants = s3_media.client.get_object_acl(Bucket=s3_media.name, Key=name)["Grants"]
        assert not [grant for grant in grants if "URI" in grant["Grantee"]], grants


def test_the_original_downloads_under_its_uploaded_name(alice_client, user, s3_media):
    item = ready_item(user)
    response = alice_client.get(reverse("item-media", args=[item.pk, "original"]))
    assert response.status_code == 302
    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == s3_media.read(item.original.name)
    disposition = headers["Content-Disposition"] or ""
    assert disposition.startswith("attachment") and 'filename="photo.jpg"' in disposition


def test_other_people_get_404_for_every_kind_of_media(client, user, other_user, s3_media):
    item = ready_item(user)
    client.force_login(other_user)
    for kind, field in MEDIA_KINDS.items():
        assert getattr(item, field), kind
        response = client.get(reverse("item-media", args=[item.pk, kind]))
        assert response.status_code == 404, kind
        assert not response.has_header("Location")
    client.logout()
    response = client.get(reverse("item-media", args=[item.pk, "image"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_deleting_an_item_removes_its_objects_from_the_bucket(
        alice_client, user, s3_media, django_capture_on_commit_callbacks):
    item = ready_item(user)
    kept = ready_item(user)
    assert s3_media.keys() == set(item.stored_files()) | set(kept.stored_files())
    assert len(set(item.stored_files())) == 7
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("item-delete", args=[item.pk]))
    assert response.status_code == 302
    assert not Item.objects.filter(pk=item.pk).exists()
    assert s3_media.keys() == set(kept.stored_files())
