"""Login throttling: too many failed attempts on one username, or from one address,
lock further attempts for a while. Counted in the shared cache, so every web process
sees the same counts."""

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


def record_failure(*, username: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _limits(username, address):
        # add() starts the window. incr() keeps the expiry on Redis and in local memory,
        # but the file and database caches store the new count with the cache's default
        # timeout (5 minutes), so the rest of the window is put back with touch().
        if _start_window(key, window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            _start_window(key, window)
            continue
        ends = cache.get(f"{key}:ends")
        cache.touch(key, window if ends is None else max(1, math.ceil(ends - time.time())))


def clear_failures(*, username: str) -> None:
    """After a successful login; the address count stays, or one good account would
    let an attacker reset it."""
    key = f"login-failures:user:{username.strip().lower()}"
    cache.delete_many([key, f"{key}:ends"])
