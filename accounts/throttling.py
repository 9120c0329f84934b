"""Login throttling: too many failed attempts on one username, or from one address,
lock further attempts for a while; password-reset mails are limited the same way (per
address asked for, and per asking address), so the form cannot be used to flood a mailbox.
Counted in the shared cache, so every web process sees the same counts."""

import math
import time

from django.conf import settings
from django.core.cache import cache


def _limits(username: str, address: str) -> dict[str, int]:
    # An address may be shared by many people (NAT), so it gets a higher limit.
    return {
        f"login-failures:user:{username.strip().lower()}": settings.LOGIN_FAILURE_LIMIT,
        f"login-failures:ip:{address}": settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    }


def is_locked(*, username: str, address: str) -> bool:
    limits = _limits(username, address)
    counts = cache.get_many(list(limits))
    return any(counts.get(key, 0) >= limit for key, limit in limits.items())


def _start_window(key: str, window: int) -> bool:
    if not cache.add(key, 1, timeout=window):
        return False
    cache.set(f"{key}:ends", time.time() + window, timeout=window)
    return True


def _bump(key: str, window: int) -> int:
    """The count in this window, this one included."""
    if _start_window(key, window):
        return 1
    # add() starts the window. incr() keeps the expiry on Redis and in local memory, but the
    # file and database caches store the new count with the cache's default timeout (5
    # minutes), so the rest of the window is put back with touch().
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        _start_window(key, window)
        return 1
    ends = cache.get(f"{key}:ends")
    cache.touch(key, window if ends is None else max(1, math.ceil(ends - time.time())))
    return count


def record_failure(*, username: str, address: str) -> None:
    for key in _limits(username, address):
        _bump(key, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def may_send_reset_mail(*, email: str, address: str) -> bool:
    """Counts one more reset asked for; False when this address or this asker had their share."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    to_email = _bump(f"reset-mails:email:{email.strip().lower()}", window)
    from_address = _bump(f"reset-mails:ip:{address}", window)
    return (to_email <= settings.PASSWORD_RESET_MAILS_PER_EMAIL
            and from_address <= settings.PASSWORD_RESET_MAILS_PER_ADDRESS)


def clear_failures(*, username: str) -> None:
    """After a successful login; the address count stays, or one good account would
    let an attacker reset it."""
    key = f"login-failures:user:{username.strip().lower()}"
    cache.delete_many([key, f"{key}:ends"])
