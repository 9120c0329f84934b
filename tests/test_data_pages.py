"""Your data's pages: download my closet, an import uploaded on My page, and every new URL
needs a login and answers 404 to anyone but its owner."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tests.conftest import stored_media
from tests.test_portability import export_zip, make_full_closet, save_zip
from wardrobe import portability
from wardrobe.models import ClosetExport, ClosetImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_closet(user, sent_tasks):
    return make_full_closet(user)


@pytest.fixture
def run_data_tasks(monkeypatch):
    from wardrobe import tasks

    for task in (tasks.build_export, tasks.run_import):
        monkeypatch.setattr(task, "apply_async", lambda args, _task=task, **options: _task.apply(args=args))


def test_download_my_closet_from_my_page(alice_client, user, full_closet, run_data_tasks,
                                         django_capture_on_commit_callbacks):
    page = alice_client.get(reverse("my-page")).content.decode()
    for name in ("export-start", "import-start", "daily-settings", "account-delete"):  # all of it on My page
        assert reverse(name) in page, name
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("export-start"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    export = ClosetExport.objects.get(owner=user)
    assert export.status == ClosetExport.Status.READY and export.file.name.startswith(f"exports/{user.pk}/")
    assert export.expires_at > timezone.now() + timedelta(hours=71)
    panel = alice_client.get(reverse("export-panel")).content.decode()
    link = reverse("export-download", args=[export.pk])
    assert link in panel
    response = alice_client.get(link)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(json.loads(archive.read("closet.json"))["items"]) == 4
    # It expires: the link stops working and the sweep deletes the file.
    name = export.file.name
    ClosetExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert alice_client.get(link).status_code == 410
    assert portability.sweep_data()["expired"] == 1
    assert not default_storage.exists(name) and ClosetExport.objects.get().status == "expired"


def test_an_import_uploaded_on_my_page(alice_client, user, other_user, full_closet, run_data_tasks, tmp_path,
                                       django_capture_on_commit_callbacks, media_storage):
    data = (save_zip(tmp_path / "a.zip", export_zip(user))).read_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    alice_client.force_login(other_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("import-start"), {
            "archive": SimpleUploadedFile("closet.zip", data, "application/zip")})
    assert response.status_code == 302
    job = ClosetImport.objects.get(owner=other_user)
    assert job.status == ClosetImport.Status.DONE and job.report["created"]["items"] == 4
    assert job.file.name == "" and not [p for p in stored_media(media_storage) if "imports" in str(p)]
    page = alice_client.get(response.url).content.decode()
    assert "Imported" in page and "items: 4" in page
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("import-start"), {"archive": SimpleUploadedFile("x.zip", b"junk")})
    refused = ClosetImport.objects.filter(owner=other_user).first()
    assert refused.status == ClosetImport.Status.REFUSED and "not a zip" in refused.message
    assert "not a zip" in alice_client.get(reverse("import-detail", args=[refused.pk])).content.decode()


DATA_URLS = [("get", "my-data", False), ("get", "export-panel", False), ("post", "export-start", False),
             ("get", "export-download", True), ("post", "import-start", False), ("get", "import-detail", True),
             ("post", "daily-settings", False), ("get", "account-delete", False)]


@pytest.mark.parametrize("method, name, owned", DATA_URLS, ids=[name for _, name, _ in DATA_URLS])
def test_data_urls_need_a_login_and_belong_to_their_owner(client, user, other_user, method, name, owned):
    export = ClosetExport.objects.create(owner=user, status="ready", file="exports/x/closet.zip",
                                         expires_at=timezone.now() + timedelta(hours=1))
    job = ClosetImport.objects.create(owner=user, status="done")
    kwargs = {"export-download": {"export_id": export.pk}, "import-detail": {"import_id": job.pk}}.get(name, {})
    url = reverse(name, kwargs=kwargs)
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    if owned:
        client.force_login(other_user)
        assert getattr(client, method)(url).status_code == 404


def test_an_import_whose_worker_died_ends_failed_with_its_archive_deleted(user, sent_tasks, media_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    job = portability.start_import(owner=user, upload=SimpleUploadedFile("a.zip", b"PK not much"))
    assert [path for path in stored_media(media_storage) if "imports" in str(path)]
    claimed = timezone.now() - timedelta(hours=3)  # claimed by a worker that was killed then
    ClosetImport.objects.filter(pk=job.pk).update(finished_at=claimed, enqueued_at=claimed)
    assert portability.run_import(import_id=job.pk) is None  # the redelivered task finds it claimed
    assert portability.sweep_data()["dead_imports"] == 1
    job.refresh_from_db()
    assert job.status == ClosetImport.Status.FAILED and "Importing the archive again is safe" in job.message
    assert not [path for path in stored_media(media_storage) if "imports" in str(path)]
