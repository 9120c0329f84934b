"""Deleting an account: with the password, in the background, every row and every file it
owns (local disk and the S3 test server), then a confirmation mail; and the sweep of files
no row points to."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from tests.conftest import image_bytes, stored_media
from tests.factories import make_item
from tests.test_closet_views import ready_item
from tests.test_storage_s3 import s3_client, s3_endpoint, s3_media  # noqa: F401  (fixtures)
from wardrobe import outfits, portability
from wardrobe.catalog.models import ShopSearch
from wardrobe.models import AccountDeletion, ClosetExport, ClosetImport, Item, Outfit, OutfitItem, Wear

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_deletions(monkeypatch):
    from accounts.tasks import delete_account

    monkeypatch.setattr(delete_account, "apply_async", lambda args, **options: delete_account.apply(args=args))


def owned_everything(owner) -> list[str]:
    """Items with every file, an outfit worn, an export, an import waiting, a shop search."""
    shirt, jeans = ready_item(owner, category="blouse_shirt"), ready_item(owner, category="jeans")
    make_item(owner, status=Item.Status.QUEUED)
    outfit = Outfit.objects.create(owner=owner)
    OutfitItem.objects.create(outfit=outfit, slot="top", item=shirt)
    OutfitItem.objects.create(outfit=outfit, slot="bottom", item=jeans)
    outfits.wear_outfit(outfit=outfit)
    export = portability.start_export(owner=owner)
    portability.build_export(export_id=export.pk)
    job = ClosetImport(owner=owner)
    job.file.save("archive.zip", ContentFile(b"PK"), save=True)
    search = ShopSearch(owner=owner)
    search.photo.save("photo.jpg", ContentFile(image_bytes()), save=True)
    names = set()
    for item in Item.objects.filter(owner=owner):
        names |= set(item.stored_files())
    names |= {ClosetExport.objects.get(owner=owner).file.name, job.file.name, search.photo.name}
    assert all(default_storage.exists(name) for name in names)
    return sorted(names)


def test_a_wrong_password_deletes_nothing(alice_client, user):
    ready_item(user)
    response = alice_client.post(reverse("account-delete"), {"password": "not it", "confirm": "on"})
    assert response.status_code == 400 and "not your password" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and Item.objects.filter(owner=user).exists() and not AccountDeletion.objects.exists()
    response = alice_client.post(reverse("account-delete"), {"password": PASSWORD})  # the box not ticked
    assert response.status_code == 400 and not AccountDeletion.objects.exists()


def test_deleting_the_account_removes_every_row_and_file(client, user, other_user, media_storage, settings,
                                                         run_deletions, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user.language = "ko"
    user.save()
    mine = owned_everything(user)
    theirs = owned_everything(other_user)
    client.force_login(user)
    assert 'name="password"' in client.get(reverse("account-delete")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account-delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response.url == reverse("account-deleted")
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Item, Outfit, Wear, ClosetExport, ClosetImport, ShopSearch):
        assert not model.objects.filter(owner_id=user.pk).exists(), model
    assert not any(default_storage.exists(name) for name in mine)
    files = [str(path.relative_to(media_storage)) for path in stored_media(media_storage)]
    assert not [name for name in files if f"/{user.pk}/" in f"/{name}"], files
    assert sorted(files) == theirs  # the other account keeps everything
    [confirmation] = mail.outbox
    assert confirmation.to == [user.email] and confirmation.extra_headers["Content-Language"] == "ko"
    assert user.username in confirmation.body
    deletion = AccountDeletion.objects.get()
    assert deletion.finished_at and deletion.email == "" and deletion.files_deleted >= len(mine)
    # The session is gone and the account cannot sign in again.
    assert client.get(reverse("closet")).status_code == 302
    assert not client.login(username=user.username, password=PASSWORD)
    # Running the task again (a redelivered message) does nothing more.
    assert not account_services.delete_account(deletion_id=deletion.pk)
    assert len(mail.outbox) == 1


def test_files_a_worker_stores_meanwhile_are_swept_too(user, media_storage):
    ready_item(user)
    deletion = account_services.request_account_deletion(user=user, password=PASSWORD)
    user.refresh_from_db()
    assert not user.is_active
    late = default_storage.save(f"items/{user.pk}/late/cutout.webp", ContentFile(b"x"))  # no row names it
    assert account_services.delete_account(deletion_id=deletion.pk)
    assert not default_storage.exists(late) and stored_media(media_storage) == []


def test_unsent_deletions_are_sent_by_the_sweep(user, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tasks import delete_account

    sent = []
    monkeypatch.setattr(delete_account, "apply_async", lambda args, **options: sent.append(args))
    deletion = account_services.request_account_deletion(user=user, password=PASSWORD)  # not committed: no send
    AccountDeletion.objects.filter(pk=deletion.pk).update(requested_at=timezone.now() - timedelta(minutes=1))
    assert account_services.sweep_deletions() == 1 and sent == [[str(deletion.pk)]]


def test_deleting_an_account_on_s3_leaves_nothing_of_it_in_the_bucket(user, other_user, s3_media, settings,  # noqa: F811
                                                                       run_deletions,
                                                                       django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mine = owned_everything(user)
    theirs = owned_everything(other_user)
    assert s3_media.keys() == set(mine) | set(theirs)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.request_account_deletion(user=user, password=PASSWORD)
    keys = s3_media.keys()
    assert keys == set(theirs)
    assert not [key for key in keys if f"/{user.pk}/" in key]
    assert not User.objects.filter(pk=user.pk).exists() and len(mail.outbox) == 1


def _orphans(prefixes):
    return [default_storage.save(f"{prefix}/orphan.jpg", ContentFile(image_bytes())) for prefix in prefixes]


def test_sweep_orphan_files_reports_and_removes_files_no_row_points_to(user, capsys):
    kept = ready_item(user)
    from tests.test_catalog import make_product

    product = make_product("sku-1")
    orphans = _orphans([f"items/{user.pk}/gone", "products/gone", f"searches/{user.pk}", f"exports/{user.pk}/x",
                        f"imports/{user.pk}/y"])
    call_command("sweep_orphan_files", "--min-age-minutes", "0")
    out = capsys.readouterr().out
    assert all(name in out for name in orphans) and f"{len(orphans)} orphan files (run with --delete" in out
    assert not any(name in out for name in kept.stored_files() + [product.original.name])
    call_command("sweep_orphan_files")  # younger than an hour: left alone
    assert "0 orphan files" in capsys.readouterr().out
    call_command("sweep_orphan_files", "--delete", "--min-age-minutes", "0")
    assert f"{len(orphans)} orphan files deleted" in capsys.readouterr().out
    assert not any(default_storage.exists(name) for name in orphans)
    assert all(default_storage.exists(name) for name in kept.stored_files() + [product.original.name])


def test_sweep_orphan_files_on_s3(user, s3_media, capsys):  # noqa: F811
    kept = ready_item(user)
    orphans = _orphans([f"items/{user.pk}/gone", "exports/9/x"])
    call_command("sweep_orphan_files", "--delete", "--min-age-minutes", "0")
    assert "2 orphan files deleted" in capsys.readouterr().out
    assert s3_media.keys() == set(kept.stored_files())
    del orphans
