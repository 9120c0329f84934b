"""On the phone: the app is installable (manifest, icons, theme colour, standalone), the
upload offers the camera, and the closet and item pages fit a 360 px screen (nothing wider
than the screen, the main controls in view). Screenshots go to test-artifacts/.

Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH); skipped without it,
except in CI (REQUIRE_SERVICES=1).
"""

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.browsers import SHOTS, phone_page
from tests.test_closet_views import ready_item

pytestmark = [pytest.mark.browser]

WIDTH = 360


@pytest.fixture
def browser_page(monkeypatch):
    # A small Android phone: 360 CSS pixels wide.
    with phone_page(monkeypatch, width=WIDTH, height=740) as page:
        yield page


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def overflow(page) -> dict:
    """How far the page reaches past the screen, and the elements that do."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = Array.from(document.querySelectorAll('body *')).filter(el => {
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return box.width > 0 && style.position !== 'fixed' && el.offsetParent !== null
                && (box.right > width + 1 || el.scrollWidth > el.clientWidth + 1 && style.overflowX === 'visible');
        }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
        return {scroll: document.documentElement.scrollWidth, width, wide};
    }""")


def assert_fits(page):
    found = overflow(page)
    assert found["width"] == WIDTH and found["scroll"] <= WIDTH and found["wide"] == [], found


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 1


def test_installable_and_usable_at_360_px(browser_page, live_server, user):
    page = browser_page
    items = [ready_item(user, category=category) for category in ("short_sleeve_top", "jeans", "coat", "shoes")]
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/closet/")
    assert page.locator("head link[rel=manifest]").count() == 1
    assert page.locator("head meta[name=theme-color]").get_attribute("content") == "#3b5bdb"
    manifest_url = page.evaluate("document.querySelector('link[rel=manifest]').href")
    response = page.request.get(manifest_url)
    assert response.ok and "manifest+json" in response.headers["content-type"]
    manifest = json.loads(response.text())
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#3b5bdb"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        fetched = page.request.get(manifest_url.rsplit("/", 1)[0] + "/" + icon["src"])
        assert fetched.ok and fetched.headers["content-type"] == "image/png", icon

    # The closet: the camera button, every card, nothing wider than the screen.
    page.wait_for_function("document.querySelectorAll('article.card').length === 4")
    camera = page.locator("input[type=file][capture=environment]")
    assert camera.count() == 1 and camera.get_attribute("accept") == "image/*"
    assert page.is_visible("label.camera") and in_view(page, "label.camera")
    assert in_view(page, "article.card") and in_view(page, "header.topbar nav")
    page.wait_for_function("Array.from(document.querySelectorAll('article.card img'))"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    assert_fits(page)
    # The screen as it is (a full-page shot re-lays the page out without the phone's media features).
    page.screenshot(path=SHOTS / "phone-360-closet.png")

    # An item's page: the photo, its fields and its actions fit too.
    page.goto(f"{live_server.url}/items/{items[0].pk}/")
    page.wait_for_load_state("networkidle")
    assert_fits(page)
    photo = page.locator("main img").first
    box = photo.bounding_box()
    assert box and box["width"] <= WIDTH and box["width"] >= WIDTH * 0.5
    for button in page.locator("main button:visible").all()[:8]:
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 1 and box["height"] >= 28, box
    page.screenshot(path=SHOTS / "phone-360-item.png", full_page=True)

    # My page with "download my closet" and the data page.
    page.goto(f"{live_server.url}/accounts/me/")
    page.wait_for_selector("#export-panel")
    assert_fits(page)
    page.goto(f"{live_server.url}/me/data/")
    assert_fits(page)
    page.screenshot(path=SHOTS / "phone-360-your-data.png", full_page=True)
