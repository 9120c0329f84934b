"""A real Chromium page for the browser tests (Debian's chromium, driven by Playwright)."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import require_services

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@contextmanager
def phone_page(monkeypatch, *, width: int, height: int):
    """A touch page `width` CSS pixels wide; skipped without Chromium, except in CI."""
    if not Path(CHROMIUM).exists():
        if require_services():
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM checks are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2,
                                      locale="en-US", is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        # Inside sync_playwright the test runs in a greenlet whose database connections
        # Django's teardown does not see; left open, they keep PostgreSQL from dropping
        # the test database.
        connections.close_all()
        context.close()
        browser.close()
