from django.db import transaction

from accounts.models import User


@transaction.atomic
def create_user(*, username: str, email: str, password: str, nickname: str, language: str) -> User:
    user = User(username=username, email=email, nickname=nickname, language=language)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def update_profile(*, user: User, nickname: str, email: str, language: str, city: str,
                   show_photos: bool = False) -> User:
    user.nickname, user.email, user.language, user.city = nickname, email, language, city
    user.show_photos = show_photos
    user.full_clean(exclude=["password"])
    user.save(update_fields=["nickname", "email", "language", "city", "show_photos"])
    return user


def set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Deleting an account ---------------------------------------------------------------------
# The person confirms with their password; the account stops working at once (inactive),
# and a task on the "default" queue deletes every file it owns in storage, then every row,
# then mails a confirmation. A record without a key to the user stays (wardrobe.AccountDeletion).

def request_account_deletion(*, user: User, password: str):
    """Returns the deletion under way, or None when the password is wrong."""
    if not user.check_password(password):
        return None
    return start_account_deletion(user=user)


def start_account_deletion(*, user: User):
    """The account stops working at once and a task deletes its files, then its rows (the
    person's own request, or an admin's deletion: the admin's cascade alone left the files)."""
    from wardrobe.models import AccountDeletion, DailyOutfitSubscription

    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        DailyOutfitSubscription.objects.filter(owner=user).update(enabled=False)
        deletion = AccountDeletion.objects.create(user_id=user.pk, email=user.email, username=user.username,
                                                  language=user.language)
        transaction.on_commit(lambda: publish_deletions([deletion.pk]))
    return deletion


def publish_deletions(ids) -> bool:
    from accounts.tasks import delete_account as task
    from wardrobe.models import AccountDeletion
    from wardrobe.portability import send_with_outbox

    return send_with_outbox(task, AccountDeletion, list(ids))


def delete_account(*, deletion_id) -> bool:
    """Files first (so no file outlives its rows' deletion unnoticed), then rows, then the
    files a worker stored meanwhile, then the mail. Safe to run again after a failure."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from wardrobe import storage_files
    from wardrobe.models import AccountDeletion

    deletion = AccountDeletion.objects.filter(pk=deletion_id, finished_at__isnull=True).first()
    if deletion is None:
        return False
    deleted = 0
    user = User.objects.filter(pk=deletion.user_id).first()
    if user is not None:
        deleted += storage_files.delete_files(storage_files.owned_files(user.pk))
        with transaction.atomic():
            user.delete()
    deleted += storage_files.delete_files(
        {name for folder in storage_files.owner_folders(deletion.user_id) for name in storage_files.walk(folder)})
    if deletion.email:
        with translation.override(deletion.language or None):
            EmailMessage(_("Your AI Wardrobe account is deleted"),
                         render_to_string("wardrobe/email/account_deleted.txt", {"username": deletion.username}),
                         to=[deletion.email], headers={"Content-Language": translation.get_language()}).send()
    AccountDeletion.objects.filter(pk=deletion.pk).update(
        finished_at=timezone.now(), email="", username="", files_deleted=deletion.files_deleted + deleted)
    return True


def sweep_deletions(*, now=None) -> int:
    """Sends deletions the broker missed, and ones whose worker died (a run is safe to repeat)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from wardrobe.models import AccountDeletion

    now = now or timezone.now()
    ids = list(AccountDeletion.objects.filter(finished_at__isnull=True).filter(
        Q(enqueued_at__isnull=True, requested_at__lt=now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS))
        | Q(enqueued_at__lt=now - timedelta(minutes=30))).values_list("pk", flat=True)[:100])
    if ids:
        publish_deletions(ids)
    return len(ids)
