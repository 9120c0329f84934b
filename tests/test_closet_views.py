from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import image_bytes, photo_bytes, stored_media, upload
from tests.factories import fake_result, make_item
from inference import taxonomy
from wardrobe import services
from wardrobe.models import Item

pytestmark = pytest.mark.django_db


def ready_item(owner, **result_options):
    item = make_item(owner, status=Item.Status.QUEUED)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(**result_options))
    item.refresh_from_db()
    return item


def test_pages_need_a_login(client):
    for name in ("home", "closet", "my-page"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_home_shows_nickname_counts_per_group_and_a_photo_of_each(alice_client, user):
    ready_item(user, category="hoodie")
    newest_top = ready_item(user, category="short_sleeve_top")
    ready_item(user, category="shoes")
    make_item(user, status=Item.Status.QUEUED)
    response = alice_client.get(reverse("home"))
    summary = response.context["summary"]
    counts = {entry.group.code: entry.count for entry in summary.groups}
    assert counts == {"tops": 2, "bottoms": 0, "outerwear": 0, "onepiece": 0, "shoes": 1, "hats": 0, "other": 0}
    assert (summary.total, summary.pending) == (4, 1)
    tops = next(entry for entry in summary.groups if entry.group.code == "tops")
    assert tops.representative.pk == newest_top.pk
    html = response.content.decode()
    assert user.nickname in html
    assert reverse("item-media", args=[newest_top.pk, "small"]) in html


def test_closet_filters(alice_client, user):
    navy_hoodie = ready_item(user, category="hoodie")
    red_dress = ready_item(user, category="dress", colors=[{"name": "red", "hex": "#c81e28", "share": 1.0}])
    services.update_item(item=red_dress, changes={"styles": ["feminine"], "notes": "wedding guest"})
    failed = make_item(user, status=Item.Status.FAILED)

    def shown(**params):
        response = alice_client.get(reverse("closet"), params)
        assert response.status_code == 200
        return {item.pk for item in response.context["page"]}

    assert shown() == {navy_hoodie.pk, red_dress.pk, failed.pk}
    assert shown(group="tops") == {navy_hoodie.pk}
    assert shown(category="dress") == {red_dress.pk}
    assert shown(color="red") == {red_dress.pk}
    assert shown(color="navy") == {navy_hoodie.pk}
    assert shown(season="winter") == set()
    assert shown(season="autumn") == {navy_hoodie.pk}
    assert shown(style="feminine") == {red_dress.pk}
    assert shown(status="failed") == {failed.pk}
    assert shown(q="WEDDING") == {red_dress.pk}
    assert shown(color="not-a-colour") == {navy_hoodie.pk, red_dress.pk, failed.pk}


def test_closet_grid_shows_cutouts_or_photos_and_paginates(alice_client, user):
    items = [ready_item(user) for _ in range(3)]
    response = alice_client.get(reverse("closet"))
    html = response.content.decode()
    # A garment on a calm background, in the small cut-out made for grids.
    assert reverse("item-media", args=[items[0].pk, "cutout-small"]) in html
    assert reverse("item-media", args=[items[0].pk, "small"]) not in html
    assert reverse("item-media", args=[items[0].pk, "cutout"]) not in html
    Item.objects.filter(pk=items[1].pk).update(cutout_small="")  # processed before small cut-outs existed
    html = alice_client.get(reverse("closet")).content.decode()
    assert reverse("item-media", args=[items[1].pk, "cutout"]) in html
    user.show_photos = True
    user.save()
    html = alice_client.get(reverse("closet")).content.decode()
    assert reverse("item-media", args=[items[0].pk, "small"]) in html
    assert reverse("item-media", args=[items[0].pk, "medium"]) not in html
    assert reverse("item-media", args=[items[0].pk, "image"]) not in html
    from wardrobe import views
    views_per_page, views.ITEMS_PER_PAGE = views.ITEMS_PER_PAGE, 2
    try:
        second = alice_client.get(reverse("closet"), {"page": 2})
    finally:
        views.ITEMS_PER_PAGE = views_per_page
    assert len(second.context["page"]) == 1


def test_closet_query_count_does_not_grow_with_items(alice_client, user):
    def queries_for_closet():
        with CaptureQueriesContext(connection) as context:
            assert alice_client.get(reverse("closet")).status_code == 200
        return len(context.captured_queries)

    for _ in range(3):
        ready_item(user)
    few = queries_for_closet()
    for _ in range(30):
        ready_item(user, category="dress")
    make_item(user, status=Item.Status.FAILED)
    assert queries_for_closet() == few


def test_home_query_count_does_not_grow_with_items(alice_client, user):
    def queries_for_home():
        with CaptureQueriesContext(connection) as context:
            alice_client.get(reverse("home"))
        return len(context.captured_queries)

    ready_item(user, category="hoodie")
    few = queries_for_home()
    for category in ("dress", "shoes", "hat", "jeans", "coat", "other") * 3:
        ready_item(user, category=category)
    assert queries_for_home() == few


def test_upload_saves_each_good_photo_and_explains_each_bad_one(alice_client, user, media_storage, sent_tasks,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(reverse("upload"), {"photos": [
            upload("shirt.jpg", photo_bytes("shirt")),
            upload("notes.jpg", b"just text"),
            upload("pants.png", image_bytes("PNG")),
        ]}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    items = list(Item.objects.filter(owner=user))
    assert len(items) == 2 and {item.status for item in items} == {Item.Status.QUEUED}
    assert {item.original_name for item in items} == {"shirt.jpg", "pants.png"}
    assert "notes.jpg: This is not a photo we can read" in html
    assert html.count('class="card status-queued"') == 2 and "every 200ms" in html  # a new photo: polled often
    assert len(stored_media(media_storage)) == 2
    assert sent_tasks == []  # sent after commit, one per photo
    callbacks[0]()
    assert sorted(sent_tasks) == sorted(str(item.pk) for item in items)
    assert all(item.enqueued_at for item in Item.objects.filter(owner=user))


def test_upload_without_javascript_redirects_with_messages(alice_client, user):
    response = alice_client.post(reverse("upload"), {"photos": [upload("bad.jpg", b"nope")]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("closet")
    assert "This is not a photo we can read" in response.content.decode()
    assert not Item.objects.exists()


def test_a_failing_save_leaves_no_file_behind(alice_client, user, media_storage, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Item, "save", broken)
    with pytest.raises(RuntimeError):
        alice_client.post(reverse("upload"), {"photos": [upload("shirt.jpg", photo_bytes("shirt"))]})
    assert not Item.objects.exists()
    assert stored_media(media_storage) == []


def test_too_many_photos_at_once(alice_client, settings):
    settings.MAX_PHOTOS_PER_UPLOAD = 1
    response = alice_client.post(reverse("upload"), {"photos": [
        upload("a.jpg", image_bytes()), upload("b.jpg", image_bytes())]}, headers={"HX-Request": "true"})
    assert "At most 1 photos at a time" in response.content.decode()
    assert Item.objects.count() == 1


def test_status_fragment_is_empty_until_the_status_moves(alice_client, user):
    item = make_item(user, status=Item.Status.QUEUED)
    url = reverse("item-status", args=[item.pk])
    assert alice_client.get(url, {"known": "queued", "every": "200"}).status_code == 204
    # Older, it is asked less often: the card comes back with the slower interval.
    Item.objects.filter(pk=item.pk).update(created_at=item.created_at - timedelta(seconds=30))
    slower = alice_client.get(url, {"known": "queued", "every": "200"})
    assert slower.status_code == 200 and "every 1000ms" in slower.content.decode()
    assert alice_client.get(url, {"known": "queued", "every": "1000"}).status_code == 204
    Item.objects.filter(pk=item.pk).update(status=Item.Status.PROCESSING)
    response = alice_client.get(url, {"known": "queued", "every": "1000"})
    assert response.status_code == 200 and "status-processing" in response.content.decode()
    Item.objects.filter(pk=item.pk).update(status=Item.Status.FAILED, failure_reason="Broken photo.")
    html = alice_client.get(url, {"known": "processing"}).content.decode()
    assert "Broken photo." in html and reverse("item-retry", args=[item.pk]) in html and "hx-trigger" not in html
    page_poll = alice_client.get(url, {"known": "processing", "view": "page"})
    assert page_poll.status_code == 204 and page_poll["HX-Refresh"] == "true"


def test_the_item_pages_poller_slows_down_without_reloading_the_page(alice_client, user):
    item = make_item(user, status=Item.Status.QUEUED)
    url = reverse("item-status", args=[item.pk])
    Item.objects.filter(pk=item.pk).update(created_at=item.created_at - timedelta(seconds=30))
    slower = alice_client.get(url, {"view": "page", "known": "queued", "every": "200"})
    assert slower.status_code == 200 and not slower.has_header("HX-Refresh")  # what is typed in the form stays
    assert 'hx-trigger="every 1000ms"' in slower.content.decode() and "data-item-poll" in slower.content.decode()


def test_item_page_shows_photos_suggestions_and_edit_form(alice_client, user):
    item = ready_item(user, category="outerwear", confidence=0.55)
    html = alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert reverse("item-media", args=[item.pk, "medium"]) in html
    assert reverse("item-media", args=[item.pk, "cutout"]) in html
    assert "garment-test@v-test" in html
    assert "0.55" in html
    for fine in taxonomy.CATEGORY_BY_CODE["outerwear"].fine_types:  # the coarse guess asks for the type
        assert f'value="{fine}"' in html
    assert '<select name="category"' in html and "<optgroup" in html


def test_edit_marks_fields_as_the_users(alice_client, user):
    item = ready_item(user, category="hoodie")
    response = alice_client.post(reverse("item-edit", args=[item.pk]), {
        "category": "sweater", "colors": ["navy", "white"], "seasons": ["winter"], "styles": ["casual"],
        "brand": "Uniqlo", "size": "M", "purchase_price": "39900", "purchase_date": "2026-10-01", "notes": "",
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.category, item.brand, item.size, str(item.purchase_price)) == ("sweater", "Uniqlo", "M", "39900.00")
    assert [c["name"] for c in item.colors] == ["navy", "white"]
    assert item.colors[0]["share"] == 0.8  # kept from the model's measurement
    assert set(item.user_edited_fields) == {"category", "colors", "seasons", "styles", "brand", "size",
                                            "purchase_price", "purchase_date"}


class EditForm(HTMLParser):
    """What a browser posts from the item page's edit form, as drawn."""

    def __init__(self, html):
        super().__init__()
        self.data, self.inside, self.select, self.textarea = {}, False, None, None
        self.feed(html)

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attributes):
        a = dict(attributes)
        if tag == "form":
            self.inside = "item-form" in (a.get("class") or "")
        elif self.inside and tag == "input" and a.get("name") and a.get("name") != "csrfmiddlewaretoken":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.add(a["name"], a.get("value", ""))
        elif self.inside and tag == "select":
            self.select = a["name"]
        elif self.inside and tag == "option" and self.select and "selected" in a:
            self.add(self.select, a.get("value", ""))
        elif self.inside and tag == "textarea":
            self.textarea = a["name"]
            self.add(self.textarea, "")

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data.lstrip("\n")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def test_a_page_drawn_before_the_result_changes_only_what_the_person_changed(alice_client, user):
    item = make_item(user, status=Item.Status.QUEUED)
    shown = EditForm(alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()).data
    assert shown["initial-category"] == [""]  # the page carries what it showed
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(category="hoodie"))
    item.refresh_from_db()
    stored = (item.category, item.colors, item.caption_en, item.season_mask)
    shown["brand"] = ["Uniqlo"]
    assert alice_client.post(reverse("item-edit", args=[item.pk]), shown).status_code == 302
    item.refresh_from_db()
    assert (item.category, item.colors, item.caption_en, item.season_mask) == stored
    assert item.brand == "Uniqlo" and item.user_edited_fields == ["brand"]
    again = EditForm(alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()).data
    again["category"], again["notes"] = ["padding"], ["warm\nand light"]
    alice_client.post(reverse("item-edit", args=[item.pk]), again)
    item.refresh_from_db()
    assert (item.category, item.notes) == ("padding", "warm\nand light")
    assert set(item.user_edited_fields) == {"brand", "category", "notes"}
    assert [s.code for s in item.seasons] == ["winter"]  # the seasons follow the category the person chose
    assert "padding" in item.caption_en.lower()


def test_a_tick_given_on_a_form_that_came_back_with_an_error_is_kept(alice_client, user):
    item = ready_item(user, category="hoodie")  # no styles
    shown = EditForm(alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()).data
    shown["styles"], shown["purchase_price"] = ["casual"], ["-5"]
    refused = alice_client.post(reverse("item-edit", args=[item.pk]), shown)
    assert refused.status_code == 400
    again = EditForm(refused.content.decode()).data
    again["purchase_price"] = ["100"]
    alice_client.post(reverse("item-edit", args=[item.pk]), again)
    item.refresh_from_db()
    assert [style.code for style in item.styles] == ["casual"] and str(item.purchase_price) == "100.00"


def test_invalid_edit_shows_errors_and_changes_nothing(alice_client, user):
    item = ready_item(user, category="hoodie")
    response = alice_client.post(reverse("item-edit", args=[item.pk]), {"category": "spaceship", "purchase_price": "-5"})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.category == "hoodie" and item.user_edited_fields == []


def test_one_tap_confirm_and_fine_type(alice_client, user):
    item = ready_item(user, category="skirt")
    alice_client.post(reverse("item-set-category", args=[item.pk]), {"category": "skirt"})
    item.refresh_from_db()
    assert item.user_edited_fields == ["category"]
    alice_client.post(reverse("item-set-category", args=[item.pk]), {"category": "long_skirt"})
    item.refresh_from_db()
    assert item.category == "long_skirt"


def test_delete_asks_first_then_removes_the_files(alice_client, user, media_storage, django_capture_on_commit_callbacks):
    item = ready_item(user)
    assert len(stored_media(media_storage)) == 7
    confirm = alice_client.get(reverse("item-delete", args=[item.pk]))
    assert confirm.status_code == 200 and Item.objects.filter(pk=item.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("item-delete", args=[item.pk]))
    assert response.status_code == 302
    assert not Item.objects.filter(pk=item.pk).exists()
    assert stored_media(media_storage) == []


def test_media_is_served_to_the_owner(alice_client, user):
    item = ready_item(user)
    response = alice_client.get(reverse("item-media", args=[item.pk, "small"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    original = alice_client.get(reverse("item-media", args=[item.pk, "original"]))
    assert "attachment" in original["Content-Disposition"]
    assert alice_client.get(reverse("item-media", args=[item.pk, "nonsense"])).status_code == 404
    assert alice_client.head(reverse("item-media", args=[item.pk, "small"])).status_code == 200


def test_a_photo_analysed_again_gets_a_new_url_and_only_versioned_urls_are_kept_for_good(alice_client, user):
    from wardrobe.templatetags.closet_images import item_media

    item = ready_item(user)
    page = reverse("item-detail", args=[item.pk])
    before = item_media(item, "medium")
    assert before in alice_client.get(page).content.decode()
    assert "immutable" in alice_client.get(before)["Cache-Control"]
    assert alice_client.get(reverse("item-media", args=[item.pk, "medium"]))["Cache-Control"] == "private, no-cache"
    services.reprocess_items(items=[item])
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result())
    item.refresh_from_db()
    after = item_media(item, "medium")
    assert after != before and after in alice_client.get(page).content.decode()
    assert alice_client.get(before)["Cache-Control"] == "private, no-cache"  # an old page's URL: checked again


def test_saving_the_form_unchanged_but_for_the_brand_leaves_the_colours_the_models(alice_client, user):
    """The colour boxes arrive in the form's order (white before navy), not the model's
    (largest share first): that is no edit of the colours."""
    item = ready_item(user, category="hoodie", colors=[
        {"name": "navy", "hex": "#1e2850", "share": 0.8}, {"name": "white", "hex": "#f5f5f2", "share": 0.2}])
    post = {name: "" if value is None else value for name, value in services.editable_values(item).items()}
    post.update(colors=["white", "navy"], brand="Uniqlo")
    assert alice_client.post(reverse("item-edit", args=[item.pk]), post).status_code == 302
    item.refresh_from_db()
    assert item.brand == "Uniqlo" and item.user_edited_fields == ["brand"]
    assert [entry["name"] for entry in item.colors] == ["navy", "white"]
