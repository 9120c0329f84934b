"""The main flow in a real Chromium: sign up, upload three photos, watch them become ready,
fix a category, delete one. Screenshots go to test-artifacts/ (the README's comes from here).

Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH); skipped without it,
except in CI (REQUIRE_SERVICES=1), where .ci/run installs it.
"""

import pytest

from tests.browsers import SHOTS, phone_page
from tests.conftest import photo_path
from wardrobe.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.worker]



@pytest.fixture
def browser_page(monkeypatch):
    # A phone-sized window: most people photograph clothes with their phone.
    with phone_page(monkeypatch, width=390, height=844) as page:
        yield page


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a-long-passphrase-1")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def processed_item(owner, prefix: str, category: str, colour: str) -> Item:
    """An item as the worker leaves it, with a fixture photo and its (unmasked) cut-out."""
    import io

    from PIL import Image

    from tests.factories import fake_result, make_item
    from wardrobe import services

    item = make_item(owner, status=Item.Status.QUEUED)
    photo = photo_path(prefix).read_bytes()
    cutout = io.BytesIO()
    Image.open(photo_path(prefix)).convert("RGBA").save(cutout, "WEBP")
    result = fake_result(category=category, colors=[{"name": colour, "hex": "#888888", "share": 0.8}])
    result.artifacts.update(image=photo, thumb_medium=photo, thumb_small=photo, cutout=cutout.getvalue())
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=result)
    return item


def test_sign_up_upload_watch_edit_delete(browser_page, live_server, celery_worker_process):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=username]", "mina")
    page.fill("input[name=email]", "mina@example.com")
    page.fill("input[name=nickname]", "Mina")
    page.fill("input[name=password1]", "closet-passphrase-42")
    page.fill("input[name=password2]", "closet-passphrase-42")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    assert "Hello, Mina" in page.inner_text("h1")
    page.screenshot(path=SHOTS / "1-home-empty.png")

    page.goto(f"{live_server.url}/closet/")
    photos = [photo_path("tshirt-7e"), photo_path("pants"), photo_path("dress")]
    page.set_input_files("input[type=file][multiple]", [str(p) for p in photos])
    page.wait_for_function("document.querySelectorAll('article.card[id^=item-]').length === 3")
    page.screenshot(path=SHOTS / "2-uploaded.png")
    page.wait_for_function("document.querySelectorAll('article.card.status-ready').length === 3", timeout=240_000)
    # Every thumbnail is served to its owner and decodes.
    page.wait_for_function("Array.from(document.querySelectorAll('article.card img'))"
                           ".every(img => img.complete && img.naturalWidth > 0)")
    page.screenshot(path=SHOTS / "3-ready.png", full_page=True)
    # Filters fold away on a phone and are always in view on a wide screen.
    assert not page.is_visible("select[name=category]")
    page.click("form.filters summary")
    assert page.is_visible("select[name=category]")
    page.click("form.filters summary")
    page.set_viewport_size({"width": 1280, "height": 800})
    # The page reopens them on the media query's change event, which comes after the resize.
    expect(page.locator("select[name=category]")).to_be_visible()
    page.screenshot(path=SHOTS / "3-ready-desktop.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert Item.objects.filter(owner__username="mina", status=Item.Status.READY).count() == 3

    page.click("article.card.status-ready >> nth=0")
    page.wait_for_selector("details.edit")
    page.screenshot(path=SHOTS / "4-item.png", full_page=True)
    page.click("details.edit > summary")  # the edit form is folded until asked for
    page.select_option("select[name=category]", "sweater")
    page.click("form.item-form button.primary")
    page.wait_for_selector(".messages li.success")
    assert "Sweater" in page.inner_text("h1")
    edited = Item.objects.get(owner__username="mina", category="sweater")
    assert "category" in edited.user_edited_fields

    page.click("a.button.danger")
    page.screenshot(path=SHOTS / "5-confirm-delete.png")
    page.click("form button.danger")
    page.wait_for_url(f"{live_server.url}/closet/")
    assert not Item.objects.filter(pk=edited.pk).exists()
    assert page.locator("article.card").count() == 2
    page.goto(f"{live_server.url}/")
    page.screenshot(path=SHOTS / "6-home.png", full_page=True)
    assert "2 items in your closet" in page.inner_text("section.hello")

    # The language switch in the top bar turns the whole page Korean, and it stays so.
    page.click("form.language button[value=ko]")
    page.wait_for_selector("html[lang=ko]")
    assert "안녕하세요, Mina님" in page.inner_text("h1")
    assert "옷장에 아이템 2개" in page.inner_text("section.hello")
    page.screenshot(path=SHOTS / "7-home-ko.png", full_page=True)
    page.goto(f"{live_server.url}/closet/")
    assert "옷장" in page.inner_text("header.topbar")
    page.screenshot(path=SHOTS / "8-closet-ko.png", full_page=True)


def test_condition_boxes_over_the_photo_listing_warning_and_box_removal(browser_page, live_server, make_user):
    """The stain boxes sit on the photo where the detector put them; the listing check warns
    about "no stains" while they are there; removing a box takes it off the page."""
    from playwright.sync_api import expect

    from tests.factories import fake_result, make_item
    from wardrobe import services

    owner = make_user("sora")
    item = make_item(owner, status=Item.Status.QUEUED)
    photo = photo_path("shirt").read_bytes()
    result = fake_result(defects=[
        {"type": "stain", "confidence": 0.82, "box": [0.30, 0.35, 0.45, 0.48]},
        {"type": "hole", "confidence": 0.64, "box": [0.55, 0.70, 0.62, 0.78]},
    ])
    result.artifacts.update(image=photo, thumb_medium=photo, thumb_small=photo)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=result)

    page = browser_page
    log_in(page, live_server, "sora")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    page.wait_for_function("document.querySelector('.photo-frame img').complete")
    photo_box = page.locator(".photo-frame img").bounding_box()
    stain_box = page.locator("rect.defect-stain").bounding_box()
    # Where the detector said, as fractions of the photo (to a pixel or two of stroke).
    assert abs(stain_box["x"] - (photo_box["x"] + 0.30 * photo_box["width"])) <= 3
    assert abs(stain_box["y"] - (photo_box["y"] + 0.35 * photo_box["height"])) <= 3
    assert abs(stain_box["width"] - 0.15 * photo_box["width"]) <= 4
    expect(page.locator(".condition .badge")).to_have_text("Recycle")
    page.screenshot(path=SHOTS / "9-condition.png", full_page=True)

    page.fill("#listing-text", "Like new, no stains at all")
    expect(page.locator("#listing-check .notice.warn")).to_contain_text("no stains")
    page.locator(".defect-list li", has_text="hole").locator("button").click()
    page.wait_for_selector(".messages li.success")
    assert page.locator("svg.defect-overlay rect").count() == 1
    item.refresh_from_db()
    assert [d["type"] for d in item.defects] == ["stain"] and "defects" in item.user_edited_fields


def test_ask_for_outfits_and_see_them_arrive(browser_page, live_server, make_user, celery_worker_process):
    """The recommendation page: options in, at least two outfits out (drawn from the
    cut-outs) while the page waits, live; a like sticks; the Korean page has Korean tags."""

    from playwright.sync_api import expect


    owner = make_user("yuna")
    closet = [("longsleeve", "long_sleeve_top", "white"), ("shirt", "blouse_shirt", "sky_blue"),
              ("pants", "long_pants", "beige"), ("skirt", "long_skirt", "navy"), ("outwear", "jacket", "khaki"),
              ("shoes", "shoes", "black")]
    for prefix, category, colour in closet:
        processed_item(owner, prefix, category, colour)

    page = browser_page
    log_in(page, live_server, "yuna")
    page.click("text=Recommend outfits")
    page.select_option("select[name=style]", "casual")
    page.select_option("select[name=occasion]", "work")
    page.fill("input[name=temperature]", "12")
    page.screenshot(path=SHOTS / "10-recommend-form.png", full_page=True)
    page.click("button.primary")
    page.wait_for_selector(".outfit", timeout=60_000)  # the worker made them; htmx swapped them in
    assert page.locator(".outfit").count() >= 2
    first = page.locator(".outfit").first
    expect(first.locator(".hashtags")).to_contain_text("#from my closet")
    expect(first.locator(".explanation")).to_contain_text("12 °C")
    page.wait_for_function("[...document.querySelectorAll('.collage img')].every(img => img.complete && img.naturalWidth > 0)")
    page.screenshot(path=SHOTS / "11-outfits.png", full_page=True)
    first.locator("button[name=liked][value=\"1\"]").click()
    expect(page.locator(".outfit").first.locator("button[aria-pressed=true]")).to_contain_text("Like")
    page.click("button[name=language][value=ko]")
    expect(page.locator(".outfit").first.locator(".hashtags")).to_contain_text("#옷장코디")
    page.screenshot(path=SHOTS / "12-outfits-ko.png", full_page=True)


def test_an_item_page_shows_similar_products_from_the_shop(browser_page, live_server, make_user):
    from playwright.sync_api import expect

    from tests.factories import fake_result, make_item, unit_vector
    from tests.test_catalog import make_product
    from wardrobe import services
    from wardrobe.catalog import selectors

    selectors.forget_tables()
    make_product("TEE-1", vector=(1, 0.05), price=29000)
    make_product("TEE-2", vector=(0.9, 0.4), price=35000)
    owner = make_user("jin")
    item = make_item(owner, status=Item.Status.QUEUED)
    photo = photo_path("tshirt").read_bytes()
    result = fake_result(category="short_sleeve_top", embedding=unit_vector(1, 0))
    result.artifacts.update(image=photo, thumb_medium=photo, thumb_small=photo)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=result)

    page = browser_page
    log_in(page, live_server, "jin")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    products = page.locator(".shop .product")
    expect(products).to_have_count(2)
    expect(products.first).to_contain_text("Product TEE-1")
    expect(products.first).to_contain_text("₩29,000")
    link = products.first.locator("a")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    page.locator(".shop").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "13-shop.png", full_page=True)


def test_a_card_whose_item_was_deleted_elsewhere_stops_asking_for_its_status(browser_page, live_server, make_user):
    """A new photo's card asks every 200 ms; deleted in another tab, its status answers 404 and
    the card goes (htmx alone would go on asking until the tab closes)."""
    from tests.factories import make_item
    from wardrobe import services

    owner = make_user("mina")
    item = make_item(owner, status=Item.Status.QUEUED)
    page = browser_page
    log_in(page, live_server, "mina")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if f"/{item.pk}/status/" in request.url else None)
    page.goto(f"{live_server.url}/closet/")
    card = page.locator(f"article[hx-get*='{item.pk}']")
    card.wait_for()
    page.wait_for_timeout(500)
    assert asked  # it polls
    services.delete_item(item=item)
    card.wait_for(state="detached", timeout=5000)
    settled = len(asked)
    page.wait_for_timeout(1000)
    assert len(asked) == settled


def test_a_poll_after_the_session_ended_goes_to_the_login_page(browser_page, live_server, make_user):
    """Not the login form drawn inside a card."""
    from django.contrib.sessions.models import Session

    from tests.factories import make_item

    make_item(make_user("jun"), status=Item.Status.QUEUED)
    page = browser_page
    log_in(page, live_server, "jun")
    page.goto(f"{live_server.url}/closet/")
    page.locator("article[data-item-poll]").wait_for()
    Session.objects.all().delete()  # signed out elsewhere, or expired
    page.wait_for_url(f"{live_server.url}/accounts/login/**", timeout=5000)
    assert page.locator("article.card").count() == 0


def test_build_an_outfit_by_hand_plan_it_and_see_it_on_the_calendar(browser_page, live_server, make_user):
    """Taps pick a top, a bottom and shoes; the preview follows; the saved outfit, planned
    for today, is on the calendar."""
    from datetime import date

    from playwright.sync_api import expect


    owner = make_user("hana")
    made = {}
    for prefix, category, colour in (("tshirt", "short_sleeve_top", "white"), ("shirt", "blouse_shirt", "sky_blue"),
                                     ("pants", "long_pants", "beige"), ("shorts", "short_pants", "navy"),
                                     ("shoes", "shoes", "black")):
        made[prefix] = processed_item(owner, prefix, category, colour)

    page = browser_page
    log_in(page, live_server, "hana")
    page.goto(f"{live_server.url}/outfits/studio/")
    page.locator(f"label.pick:has(input[value='{made['shirt'].pk}'])").tap()
    page.locator(f"label.pick:has(input[value='{made['pants'].pk}'])").tap()
    page.locator(f"label.pick:has(input[value='{made['shoes'].pk}'])").tap()
    expect(page.locator("#studio-preview .collage img")).to_have_count(3)
    page.fill("input[name=temperature]", "4")
    page.locator("input[name=temperature]").dispatch_event("change")
    expect(page.locator("#studio-preview .explanation")).to_contain_text("without outerwear")
    page.fill("input[name=name]", "Office Monday")
    page.screenshot(path=SHOTS / "14-studio.png", full_page=True)
    page.click("button:has-text('Save outfit')")
    expect(page.locator("h3")).to_contain_text("Office Monday")
    page.fill("input[name=day]", date.today().isoformat())
    page.click("button:has-text('Plan')")
    page.wait_for_selector(".messages li.success")
    page.goto(f"{live_server.url}/outfits/calendar/")
    expect(page.locator("td.today .planned img")).to_have_count(3)
    page.screenshot(path=SHOTS / "15-calendar.png", full_page=True)
    from django.urls import reverse

    page.goto(f"{live_server.url}{reverse('insights')}")
    expect(page.locator("svg").first).to_be_visible()
    page.screenshot(path=SHOTS / "16-insights.png", full_page=True)
