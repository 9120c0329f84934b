"""An upload when a service is away, and the per-owner limits: nothing lost, nothing half-saved."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from inference.tasks import process_photos
from tests.conftest import image_bytes, photo_bytes, stored_media, upload
from tests.factories import make_item
from wardrobe.models import Item

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()


@pytest.fixture
def broker_down(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(process_photos, "apply_async", refuse)
    return attempts


# In autocommit, as a request runs, the publish happens before the response is written.
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_upload_succeeds_and_the_photos_wait_in_the_outbox(
        alice_client, user, media_storage, broker_down, caplog):
    response = alice_client.post(reverse("upload"), {"photos": [
        upload("a.jpg", photo_bytes("hat")), upload("b.jpg", photo_bytes("pants"))]}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "analysis starts by itself when it is back" in body and 'class="error"' not in body
    items = list(Item.objects.filter(owner=user))
    assert len(items) == 2
    assert {(item.status, item.enqueued_at) for item in items} == {(Item.Status.QUEUED, None)}
    assert all((media_storage / item.original.name).exists() for item in items)
    assert len(broker_down) == 1  # the first refusal stops the others from waiting on it too
    assert "outbox" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_korean_pages_say_it_in_korean(alice_client, user, broker_down):
    user.language = "ko"
    user.save()
    response = alice_client.post(reverse("upload"), {"photos": [upload("a.jpg", photo_bytes("hat"))]}, headers=HTMX)
    assert "사진은 저장되었습니다" in response.content.decode()


class UnreachableStorage(FileSystemStorage):
    def _save(self, name, content):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9/bucket")


def test_with_the_storage_down_the_upload_answers_503_and_saves_nothing(alice_client, settings, media_storage):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "tests.test_upload_faults.UnreachableStorage", "OPTIONS": {"location": str(media_storage)}}}
    response = alice_client.post(reverse("upload"), {"photos": [upload("a.jpg", photo_bytes("hat"))]}, headers=HTMX)
    assert response.status_code == 503
    assert "Photo storage cannot be reached" in response.content.decode()
    assert not Item.objects.exists() and stored_media(media_storage) == []
    page = alice_client.post(reverse("upload"), {"photos": [upload("a.jpg", photo_bytes("hat"))]})
    assert page.status_code == 503 and "Try again in a minute" in page.content.decode()


def test_a_closet_at_its_item_quota_refuses_more_with_a_reason(alice_client, user, settings):
    settings.MAX_ITEMS_PER_USER = 2
    make_item(user)
    response = alice_client.post(reverse("upload"), {"photos": [
        upload("a.jpg", image_bytes()), upload("b.jpg", image_bytes())]}, headers=HTMX)
    assert Item.objects.filter(owner=user).count() == 2
    assert "b.jpg: Your closet is full: it holds at most 2 items" in response.content.decode()


def test_stored_bytes_count_against_the_owners_storage_quota_only(alice_client, user, other_user, settings):
    photo = photo_bytes("hat")
    settings.MAX_STORAGE_BYTES_PER_USER = 2 * len(photo) + 10
    make_item(other_user, stored_bytes=10 * len(photo))  # someone else's photos do not count
    response = alice_client.post(reverse("upload"), {"photos": [
        upload(f"{n}.jpg", photo) for n in range(3)]}, headers=HTMX)
    assert Item.objects.filter(owner=user).count() == 2
    assert "2.jpg: Your photos would use more than your" in response.content.decode()
    assert sum(Item.objects.filter(owner=user).values_list("stored_bytes", flat=True)) == 2 * len(photo)


def test_uploads_per_hour_are_limited_per_owner(client, make_user, settings):
    settings.UPLOADS_PER_HOUR = 2
    first, second = make_user(), make_user()
    client.force_login(first)
    for name in ("a", "b", "c"):
        response = client.post(reverse("upload"), {"photos": [upload(f"{name}.jpg", image_bytes())]}, headers=HTMX)
    assert "c.jpg: You have added 2 photos in the last hour, the most allowed" in response.content.decode()
    assert Item.objects.filter(owner=first).count() == 2
    client.force_login(second)
    client.post(reverse("upload"), {"photos": [upload("d.jpg", image_bytes())]}, headers=HTMX)
    assert Item.objects.filter(owner=second).count() == 1


def test_storage_errors_that_mean_away_are_transient_and_others_are_not():
    from botocore.exceptions import ClientError

    from inference.transient import is_storage_unavailable, is_transient

    def answer(status: int, code: str) -> ClientError:
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")

    assert is_storage_unavailable(answer(503, "SlowDown")) and is_transient(answer(500, "InternalError"))
    assert is_storage_unavailable(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert not is_storage_unavailable(answer(403, "AccessDenied"))
    assert not is_transient(answer(404, "NoSuchKey"))


def test_the_storage_message_is_in_the_pages_language(client, make_user, settings, media_storage):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "tests.test_upload_faults.UnreachableStorage", "OPTIONS": {"location": str(media_storage)}}}
    client.force_login(make_user(language="ko"))
    response = client.post(reverse("upload"), {"photos": [upload("a.jpg", photo_bytes("hat"))]}, headers=HTMX)
    assert response.status_code == 503 and "사진 저장소에 연결할 수 없어" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [True, False])
def test_more_photos_than_a_request_may_carry_are_refused_with_the_limit(user, settings, sent_tasks, htmx):
    """Django stops reading such a request before any view (here in the CSRF check, as for a
    browser): the page still says how many photos one upload takes, and nothing is saved."""
    from django.test import Client

    settings.MAX_PHOTOS_PER_UPLOAD = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get(reverse("closet"))
    token = browser.cookies["csrftoken"].value
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    response = browser.post(reverse("upload"), {"photos": [upload(f"{n}.jpg", image_bytes()) for n in range(3)]},
                            headers=headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "At most 2 photos at a time." in page
    assert ("These photos were not added" in page) is not htmx  # the partial has no page title
    assert not Item.objects.exists() and not sent_tasks
