"""One-click links in "today's outfit" mails: "wore it", "like", "dislike".

Each link is signed (django.core.signing) with a salt of its own purpose, so a "like"
link cannot be used as a "wore it" one; it expires; and its first use is recorded (a
digest of the token, unique), so a second click changes nothing. It does that one thing
for that one outfit of that one person: no session, no other page, nothing else.
Opening a link only asks (`check`); the page's button does it (`use`).
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from wardrobe import outfits as outfit_services
from wardrobe.models import OneClickUse, Outfit

PURPOSES = ("wear", "like", "dislike")
SALT = "wardrobe.daily-outfit.{purpose}"


class LinkInvalid(Exception):
    """Tampered with, made for another purpose, or its outfit is gone."""


class LinkExpired(Exception):
    pass


@dataclass(frozen=True)
class Used:
    outfit: Outfit
    first_time: bool  # False: the link was used before, nothing changed now


def make_token(*, purpose: str, outfit: Outfit, on: date) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return signing.dumps({"u": outfit.owner_id, "o": str(outfit.pk), "d": on.isoformat()},
                         salt=SALT.format(purpose=purpose))


def link(*, purpose: str, outfit: Outfit, on: date) -> str:
    token = make_token(purpose=purpose, outfit=outfit, on=on)
    return settings.SITE_URL + reverse("daily-one-click", kwargs={"purpose": purpose, "token": token})


def _read(purpose: str, token: str) -> dict:
    if purpose not in PURPOSES:
        raise LinkInvalid
    try:
        return signing.loads(token, salt=SALT.format(purpose=purpose),
                             max_age=settings.DAILY_LINK_MAX_AGE_HOURS * 3600)
    except signing.SignatureExpired:
        raise LinkExpired
    except signing.BadSignature:
        raise LinkInvalid


@dataclass(frozen=True)
class Link:
    outfit: Outfit
    on: date
    used: bool


def check(*, purpose: str, token: str) -> Link:
    """What the link would do, changing nothing: mail scanners open every link they see,
    so opening one only asks; the page's button does it. LinkInvalid or LinkExpired otherwise."""
    payload = _read(purpose, token)
    return Link(outfit=_outfit(payload), on=date.fromisoformat(payload["d"]),
                used=OneClickUse.objects.filter(digest=_digest(token)).exists())


def _outfit(payload: dict) -> Outfit:
    outfit = Outfit.objects.filter(pk=payload.get("o"), owner_id=payload.get("u")).select_related("owner").first()
    if outfit is None:
        raise LinkInvalid
    return outfit


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def use(*, purpose: str, token: str) -> Used:
    """Does what the link says, once. LinkInvalid or LinkExpired otherwise."""
    payload = _read(purpose, token)
    with transaction.atomic():
        outfit = _outfit(payload)
        try:
            with transaction.atomic():
                OneClickUse.objects.create(digest=_digest(token), purpose=purpose)
        except IntegrityError:
            return Used(outfit=outfit, first_time=False)
        if purpose == "wear":
            outfit_services.wear_outfit(outfit=outfit, on=date.fromisoformat(payload["d"]))
        else:
            outfit_services.give_feedback(outfit=outfit, liked=purpose == "like")
    return Used(outfit=outfit, first_time=True)
