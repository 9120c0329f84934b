"""Insights and the cleanout in a real Chromium, phone-sized: the charts fit the screen, a
decision swaps its card in place, "sell" opens the item's listing. Screenshots go to
test-artifacts/. Skipped without Chromium (as tests/test_browser.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.conftest import image_bytes
from tests.factories import make_item
from tests.test_browser import SHOTS, browser_page  # noqa: F401
from wardrobe.models import Item, Outfit, Wear

pytestmark = [pytest.mark.browser]


def closet(owner):
    made = []
    for index, (category, colour, rgb) in enumerate((
            ("short_sleeve_top", "white", (240, 240, 236)), ("blouse_shirt", "sky_blue", (150, 190, 230)),
            ("sweater", "gray", (140, 140, 140)), ("jeans", "denim", (60, 90, 130)),
            ("long_pants", "beige", (210, 190, 155)), ("coat", "brown", (110, 75, 45)),
            ("shoes", "black", (30, 30, 30)), ("long_skirt", "orange", (230, 120, 30)))):
        item = make_item(owner, category=category, purchase_price=Decimal(20000 + 10000 * index),
                         colors=[{"name": colour, "hex": "#%02x%02x%02x" % rgb, "share": 0.8}],
                         grade="recycle" if category == "long_skirt" else "reuse")
        item.thumb_small.save("small.jpg", ContentFile(image_bytes(size=(60, 80), color=rgb)), save=False)
        item.save()
        made.append(item)
    Item.objects.filter(pk=made[2].pk).update(created_at=timezone.now() - timedelta(days=500))
    today = timezone.localdate()
    for day in range(0, 120, 3):
        outfit = Outfit.objects.create(owner=owner, source=Outfit.Source.MANUAL)
        for item in (made[day % 2], made[3 + day % 2], made[6]):
            Wear.objects.create(owner=owner, item=item, outfit=outfit, worn_on=today - timedelta(days=day))
    return made


def test_insights_and_cleanout_on_a_phone(browser_page, live_server, make_user):  # noqa: F811
    from playwright.sync_api import expect

    owner = make_user("mina")
    items = closet(owner)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "mina")
    page.fill("input[name=password]", "a-long-passphrase-1")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=Insights")
    page.wait_for_url(f"{live_server.url}/insights/")
    assert page.locator("svg.chart").count() >= 6
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
    chart_width = page.evaluate("document.querySelector('#colours svg.chart').getBoundingClientRect().width")
    assert 280 <= chart_width <= 390
    expect(page.locator('[data-figure="total-value"]')).to_have_text("₩" + f"{sum(20000 + 10000 * i for i in range(8)):,}")
    page.screenshot(path=SHOTS / "insights-phone.png", full_page=True)

    page.goto(f"{live_server.url}/cleanout/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    skirt, sweater = items[7], items[2]
    page.screenshot(path=SHOTS / "cleanout-phone.png", full_page=True)
    card = page.locator(f"#cleanout-{sweater.pk}")
    expect(card).to_contain_text("Never worn since you added it")
    card.locator("button[value=keep]").click()
    expect(page.locator(f"#cleanout-{sweater.pk}")).to_contain_text("Kept")  # swapped in place by htmx
    assert page.url == f"{live_server.url}/cleanout/"
    sweater.refresh_from_db()
    assert sweater.cleanout == "keep"
    page.locator(f"#cleanout-{skirt.pk} button[value=sell]").click()
    page.wait_for_url(f"{live_server.url}/items/{skirt.pk}/#listing")
    expect(page.locator("#listing")).to_be_visible()
    expect(page.locator("#listing textarea")).to_be_in_viewport()
    page.screenshot(path=SHOTS / "cleanout-sell-listing-phone.png")
    skirt.refresh_from_db()
    assert skirt.cleanout == "sell"
