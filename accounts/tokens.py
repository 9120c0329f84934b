"""Personal access tokens: made and revoked by their owner on My page, used by the API."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalAccessToken, User

TOKEN_PREFIX = "wdr_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active_tokens(user: User):
    return PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True)


@transaction.atomic
def create_token(*, user: User, name: str) -> tuple[PersonalAccessToken, str]:
    """The new token and its secret: the only time the secret exists outside its owner's hands."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time per user
    if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
        raise TokenRefused(_("You have %(count)d tokens, the most allowed; revoke one first.")
                           % {"count": MAX_ACTIVE_TOKENS})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(user=user, name=name.strip()[:80], prefix=secret[:SHOWN_PREFIX_LENGTH],
                                               key_hash=hash_secret(secret))
    return token, secret


def revoke_token(*, user: User, token_id: int) -> bool:
    """Revokes one of the user's own tokens; False when they have no such token."""
    return bool(active_tokens(user).filter(pk=token_id).update(revoked_at=timezone.now()))


def authenticate(secret: str) -> PersonalAccessToken | None:
    """The live token for this secret (its user active), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (PersonalAccessToken.objects.select_related("user")
             .filter(key_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
