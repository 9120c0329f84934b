"""The staff side: the item admin, its filters and actions, the review queue, staff media."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_item
from tests.test_closet_views import ready_item
from wardrobe import selectors, services
from wardrobe.models import Item, Prediction

pytestmark = pytest.mark.django_db

ITEM_CHANGELIST = "admin:wardrobe_item_changelist"
QUEUE_CHANGELIST = "admin:wardrobe_reviewqueueitem_changelist"


def listed(client, url_name=ITEM_CHANGELIST, **params) -> list:
    response = client.get(reverse(url_name), params)
    # An unknown filter parameter makes the admin redirect to ?e=1 instead of filtering.
    assert response.status_code == 200, response
    return [item.pk for item in response.context["cl"].result_list]


def media_url(item, kind="small") -> str:
    return reverse("admin:wardrobe_item_media", args=[item.pk, kind])


def set_created_at(item, when) -> None:
    Item.objects.filter(pk=item.pk).update(created_at=when)


def run_action(client, url_name, action, items):
    return client.post(reverse(url_name), {
        "action": action, "index": 0, ACTION_CHECKBOX_NAME: [str(item.pk) for item in items],
    })


def change_form_data(response) -> dict:
    """What the browser would post back from the change page, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data


# The item changelist


def test_changelist_loads_for_a_superuser_with_thumbnails(admin_client, user, other_user):
    alices, bobs = ready_item(user), ready_item(other_user)
    pending = make_item(user, status=Item.Status.QUEUED)
    response = admin_client.get(reverse(ITEM_CHANGELIST))
    assert response.status_code == 200
    assert {item.pk for item in response.context["cl"].result_list} == {alices.pk, bobs.pk, pending.pk}
    html = response.content.decode()
    assert f'<img src="{media_url(alices)}"' in html
    assert f'<img src="{media_url(bobs)}"' in html
    assert media_url(pending) not in html  # no thumbnail yet
    # The list shows small thumbnails, never the full photos.
    assert media_url(alices, "medium") not in html and media_url(alices, "original") not in html
    assert alices.caption_ko in html  # captions are listed, and searchable:
    found = admin_client.get(reverse(ITEM_CHANGELIST), {"q": "후드티"}).context["cl"].result_list
    assert {item.pk for item in found} == {alices.pk, bobs.pk}


def test_status_and_category_filters(admin_client, user):
    hoodie = ready_item(user, category="hoodie")
    dress = ready_item(user, category="dress")
    failed = make_item(user, status=Item.Status.FAILED, failure_reason="no garment")
    assert set(listed(admin_client)) == {hoodie.pk, dress.pk, failed.pk}
    assert listed(admin_client, status="failed") == [failed.pk]
    assert set(listed(admin_client, status="ready")) == {hoodie.pk, dress.pk}
    assert listed(admin_client, category="hoodie") == [hoodie.pk]
    assert listed(admin_client, category="dress") == [dress.pk]
    Item.objects.filter(pk=dress.pk).update(pattern="floral", pattern_confidence=0.8)
    assert listed(admin_client, pattern="floral") == [dress.pk]
    page = admin_client.get(reverse("admin:wardrobe_item_change", args=[dress.pk]))
    assert "pattern" not in page.context["adminform"].form.fields  # shown, not edited here
    html = page.content.decode()
    assert "field-pattern" in html and ("꽃무늬" in html or "Floral" in html) and "0.8" in html


def test_confidence_band_filter(admin_client, user, settings):
    from wardrobe.admin import CONFIDENT

    settings.REVIEW_CONFIDENCE_THRESHOLD = threshold = 0.6  # a threshold with room below 'high'
    unsure = make_item(user, category="hoodie", category_confidence=threshold - 0.01)
    at_threshold = make_item(user, category="hoodie", category_confidence=threshold)
    fair = make_item(user, category="hoodie", category_confidence=CONFIDENT - 0.01)
    sure = make_item(user, category="hoodie", category_confidence=CONFIDENT)
    surer = make_item(user, category="hoodie", category_confidence=0.99)
    unprocessed = make_item(user, status=Item.Status.QUEUED)
    assert listed(admin_client, confidence="low") == [unsure.pk]
    assert set(listed(admin_client, confidence="medium")) == {at_threshold.pk, fair.pk}
    assert set(listed(admin_client, confidence="high")) == {sure.pk, surer.pk}
    assert listed(admin_client, confidence="none") == [unprocessed.pk]
    assert len(listed(admin_client)) == 6


def test_confidence_band_follows_the_review_threshold_setting(admin_client, user, settings):
    item = make_item(user, category="hoodie", category_confidence=0.7)
    settings.REVIEW_CONFIDENCE_THRESHOLD = 0.6
    assert listed(admin_client, confidence="low") == []
    assert listed(admin_client, confidence="medium") == [item.pk]
    settings.REVIEW_CONFIDENCE_THRESHOLD = 0.75
    assert listed(admin_client, confidence="low") == [item.pk]
    assert listed(admin_client, confidence="medium") == []


def test_garment_model_version_filter(admin_client, user):
    current = ready_item(user)
    older = ready_item(user)
    Prediction.objects.filter(item=older, step="garment").update(model_version="v-old")
    # Another step at the version we filter on does not count: only the garment model's does.
    Prediction.objects.filter(item=older, step="segment").update(model_version="v-test")
    never_processed = make_item(user, status=Item.Status.FAILED)
    assert selectors.garment_model_versions() == ["v-old", "v-test"]
    response = admin_client.get(reverse(ITEM_CHANGELIST))
    assert "garment_model=v-test" in response.content.decode()
    assert "garment_model=v-old" in response.content.decode()
    assert listed(admin_client, garment_model="v-test") == [current.pk]
    assert listed(admin_client, garment_model="v-old") == [older.pk]
    assert set(listed(admin_client)) == {current.pk, older.pk, never_processed.pk}


def test_owner_filter(admin_client, user, other_user, make_user):
    make_user("carol")  # owns nothing, so the filter does not offer her
    alices = [make_item(user), make_item(user, status=Item.Status.FAILED)]
    bobs = make_item(other_user)
    assert set(listed(admin_client, owner__id__exact=user.pk)) == {item.pk for item in alices}
    assert listed(admin_client, owner__id__exact=other_user.pk) == [bobs.pk]
    response = admin_client.get(reverse(ITEM_CHANGELIST))
    html = response.content.decode()
    assert f"owner__id__exact={user.pk}" in html and f"owner__id__exact={other_user.pk}" in html
    owner_choices = next(spec for spec in response.context["cl"].filter_specs
                         if getattr(spec, "field_path", None) == "owner").lookup_choices
    assert {pk for pk, _label in owner_choices} == {user.pk, other_user.pk}


def test_search_by_owner_username_and_by_notes(admin_client, user, other_user):
    alices = make_item(user)
    bobs = make_item(other_user, notes="Grandmother's knitted cardigan")
    assert listed(admin_client, q="alice") == [alices.pk]
    assert listed(admin_client, q="bob") == [bobs.pk]
    assert listed(admin_client, q="KNITTED") == [bobs.pk]
    assert listed(admin_client, q="nothing-like-this") == []


def test_changelist_query_count_does_not_grow_with_items(admin_client, user, other_user):
    def queries_for_changelist():
        with CaptureQueriesContext(connection) as context:
            response = admin_client.get(reverse(ITEM_CHANGELIST))
            assert response.status_code == 200
        return len(context.captured_queries), len(response.context["cl"].result_list)

    for _ in range(3):
        ready_item(user)
    few, shown = queries_for_changelist()
    assert shown == 3
    for number in range(30):
        ready_item(other_user if number % 2 else user, category="dress")
    many, shown = queries_for_changelist()
    assert shown == 33
    assert many == few


# Actions


def test_reprocess_action_requeues_ready_and_failed_items_only(admin_client, user, other_user, sent_tasks,
                                                               django_capture_on_commit_callbacks):
    ready = ready_item(user)
    failed = make_item(other_user, status=Item.Status.FAILED, failure_reason="boom", attempts=3)
    queued = make_item(user, status=Item.Status.QUEUED)
    processing = make_item(user, status=Item.Status.PROCESSING, attempts=1)
    untouched = ready_item(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(admin_client, ITEM_CHANGELIST, "reprocess", [ready, failed, queued, processing])
    assert response.status_code == 302 and response.url == reverse(ITEM_CHANGELIST)
    assert sorted(sent_tasks) == sorted([str(ready.pk), str(failed.pk)])  # sent after commit, one per item
    for item in (ready, failed, queued, processing, untouched):
        item.refresh_from_db()
    assert (ready.status, failed.status) == (Item.Status.QUEUED, Item.Status.QUEUED)
    assert (failed.failure_reason, failed.attempts) == ("", 0)
    assert queued.status == Item.Status.QUEUED
    assert (processing.status, processing.attempts) == (Item.Status.PROCESSING, 1)
    assert untouched.status == Item.Status.READY


def test_mark_reviewed_action(admin_client, admin_user, user):
    unsure = make_item(user, category="hoodie", category_confidence=0.2)
    owner_chose = make_item(user, category="jeans", category_confidence=0.3)
    services.update_item(item=owner_chose, changes={"category": "long_pants"})
    failed = make_item(user, status=Item.Status.FAILED)  # no category to vouch for
    assert set(selectors.review_queue()) == {unsure, owner_chose, failed}
    response = run_action(admin_client, QUEUE_CHANGELIST, "mark_reviewed", [unsure, owner_chose, failed])
    assert response.status_code == 302
    for item in (unsure, owner_chose, failed):
        item.refresh_from_db()
    assert (unsure.reviewed_category, unsure.category, unsure.reviewed_by) == ("hoodie", "hoodie", admin_user)
    assert unsure.reviewed_at is not None
    assert (owner_chose.reviewed_category, owner_chose.category) == ("long_pants", "long_pants")
    assert owner_chose.reviewed_by == admin_user
    assert (failed.reviewed_category, failed.reviewed_by, failed.reviewed_at) == ("", None, None)
    assert list(selectors.review_queue()) == [failed]
    assert listed(admin_client, QUEUE_CHANGELIST) == [failed.pk]


def test_mark_reviewed_action_from_the_item_changelist(admin_client, admin_user, user):
    item = make_item(user, category="coat", category_confidence=0.1)
    response = run_action(admin_client, ITEM_CHANGELIST, "mark_reviewed", [item])
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.reviewed_category, item.reviewed_by) == ("coat", admin_user)
    assert not selectors.review_queue().filter(pk=item.pk).exists()


# The review queue


def test_review_queue_lists_failed_and_unsure_items_oldest_first(admin_client, user, other_user):
    threshold = settings.REVIEW_CONFIDENCE_THRESHOLD
    now = timezone.now()
    unsure_new = make_item(user, category="hoodie", category_confidence=threshold - 0.05)
    failed_old = make_item(other_user, status=Item.Status.FAILED, failure_reason="no garment")
    unsure_old = make_item(other_user, category="coat", category_confidence=0.1)
    sure = make_item(user, category="dress", category_confidence=threshold + 0.05)
    at_threshold = make_item(user, category="dress", category_confidence=threshold)
    reviewed = make_item(user, category="jeans", category_confidence=0.1)
    reviewed_failure = make_item(user, status=Item.Status.FAILED)
    queued = make_item(user, status=Item.Status.QUEUED)
    set_created_at(unsure_new, now - timedelta(hours=1))
    set_created_at(failed_old, now - timedelta(days=3))
    set_created_at(unsure_old, now - timedelta(days=2))
    for item in (sure, at_threshold, reviewed, reviewed_failure, queued):
        set_created_at(item, now - timedelta(days=5))
    services.review_item(item=reviewed, reviewer=other_user, category="jeans")
    services.review_item(item=reviewed_failure, reviewer=other_user, category="shoes")
    assert list(selectors.review_queue()) == [failed_old, unsure_old, unsure_new]
    assert listed(admin_client, QUEUE_CHANGELIST) == [failed_old.pk, unsure_old.pk, unsure_new.pk]
    assert listed(admin_client, QUEUE_CHANGELIST, status="failed") == [failed_old.pk]


def test_review_queue_shows_thumbnails(admin_client, user):
    item = ready_item(user, confidence=0.1)
    response = admin_client.get(reverse(QUEUE_CHANGELIST))
    assert f'<img src="{media_url(item)}"' in response.content.decode()


def test_review_queue_query_count_does_not_grow_with_items(admin_client, user, other_user):
    def queries_for_queue():
        with CaptureQueriesContext(connection) as context:
            response = admin_client.get(reverse(QUEUE_CHANGELIST))
            assert response.status_code == 200
        return len(context.captured_queries), len(response.context["cl"].result_list)

    for _ in range(3):
        ready_item(user, confidence=0.1)
    few, shown = queries_for_queue()
    assert shown == 3
    for number in range(30):
        ready_item(other_user if number % 2 else user, category="dress", confidence=0.2)
    many, shown = queries_for_queue()
    assert shown == 33
    assert many == few


def test_review_queue_list_editable_stores_the_reviewed_label(admin_client, admin_user, user, other_user):
    unsure = ready_item(user, category="hoodie", confidence=0.2)
    owner_edited = ready_item(other_user, category="jeans", confidence=0.3)
    services.update_item(item=owner_edited, changes={"category": "long_pants"})
    left_alone = make_item(user, status=Item.Status.FAILED)
    response = admin_client.post(reverse(QUEUE_CHANGELIST), {
        "form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "3",
        "form-0-id": str(unsure.pk), "form-0-reviewed_category": "sweater",
        "form-1-id": str(owner_edited.pk), "form-1-reviewed_category": "short_pants",
        "form-2-id": str(left_alone.pk), "form-2-reviewed_category": "",
        "_save": "Save",
    })
    assert response.status_code == 302, response.context and response.context["cl"].formset.errors
    for item in (unsure, owner_edited, left_alone):
        item.refresh_from_db()
    assert (unsure.reviewed_category, unsure.category, unsure.group) == ("sweater", "sweater", "tops")
    assert unsure.reviewed_by == admin_user and unsure.reviewed_at is not None
    # The owner's own choice stays; the admin's label is kept for training.
    assert (owner_edited.reviewed_category, owner_edited.category) == ("short_pants", "long_pants")
    assert owner_edited.reviewed_by == admin_user
    assert (left_alone.reviewed_category, left_alone.reviewed_by, left_alone.reviewed_at) == ("", None, None)
    assert listed(admin_client, QUEUE_CHANGELIST) == [left_alone.pk]


def test_review_queue_list_editable_rejects_unknown_categories(admin_client, user):
    item = make_item(user, category="hoodie", category_confidence=0.2)
    response = admin_client.post(reverse(QUEUE_CHANGELIST), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
        "form-0-id": str(item.pk), "form-0-reviewed_category": "spacesuit", "_save": "Save",
    })
    assert response.status_code == 200
    assert response.context["cl"].formset.errors[0]["reviewed_category"]
    item.refresh_from_db()
    assert (item.reviewed_category, item.reviewed_at) == ("", None)


# The item change page


def test_change_page_saves_the_reviewed_labels_and_nothing_else(admin_client, admin_user, user):
    item = ready_item(user, category="hoodie", confidence=0.3)
    url = reverse("admin:wardrobe_item_change", args=[item.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"reviewed_category", "reviewed_grade"}
    assert f'<img src="{media_url(item, "medium")}"' in page.content.decode()
    data = change_form_data(page)
    data.update({
        "reviewed_category": "jacket",
        # Read-only fields: a forged post must not change them.
        "category": "dress", "status": "failed", "notes": "forged", "brand": "forged", "owner": admin_user.pk,
        "_save": "Save",
    })
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.reviewed_category, item.reviewed_by) == ("jacket", admin_user)
    assert item.reviewed_at is not None
    assert (item.category, item.group) == ("jacket", "outerwear")  # from the review, not the forged "dress"
    assert (item.status, item.notes, item.brand, item.owner) == (Item.Status.READY, "", "", user)
    assert Prediction.objects.filter(item=item).count() == 8


def test_change_page_ignores_posted_read_only_fields_without_a_review(admin_client, user):
    item = ready_item(user, category="hoodie")
    url = reverse("admin:wardrobe_item_change", args=[item.pk])
    data = change_form_data(admin_client.get(url))
    data.update({"category": "dress", "notes": "forged", "status": "failed", "_save": "Save"})
    assert admin_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.category, item.notes, item.status) == ("hoodie", "", Item.Status.READY)
    assert (item.reviewed_category, item.reviewed_by, item.reviewed_at) == ("", None, None)


def test_change_page_saved_unchanged_keeps_an_earlier_review(admin_client, user, other_user):
    item = ready_item(user, category="hoodie", confidence=0.3)
    item = services.review_item(item=item, reviewer=other_user, category="sweater")
    url = reverse("admin:wardrobe_item_change", args=[item.pk])
    data = change_form_data(admin_client.get(url))
    assert data["reviewed_category"] == "sweater"
    assert admin_client.post(url, {**data, "_save": "Save"}).status_code == 302
    reviewed_at = item.reviewed_at
    item.refresh_from_db()
    assert (item.reviewed_category, item.reviewed_by, item.reviewed_at) == ("sweater", other_user, reviewed_at)


def test_change_page_review_keeps_the_owners_category(admin_client, admin_user, user):
    item = ready_item(user, category="jeans", confidence=0.3)
    services.update_item(item=item, changes={"category": "long_pants"})
    url = reverse("admin:wardrobe_item_change", args=[item.pk])
    data = change_form_data(admin_client.get(url))
    data.update({"reviewed_category": "short_pants", "_save": "Save"})
    assert admin_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.reviewed_category, item.category, item.reviewed_by) == ("short_pants", "long_pants", admin_user)


# Staff media and access


def test_staff_media_view_serves_any_owners_thumbnail(admin_client, other_user):
    item = ready_item(other_user)
    response = admin_client.get(media_url(item))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    with item.thumb_small.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    response.close()


def test_staff_media_view_unknown_kind_or_item_is_404(admin_client, user):
    item = ready_item(user)
    assert admin_client.get(media_url(item, "secrets")).status_code == 404
    assert admin_client.get(reverse("admin:wardrobe_item_media", args=[uuid.uuid4(), "small"])).status_code == 404
    not_yet = make_item(user, status=Item.Status.QUEUED)
    assert admin_client.get(media_url(not_yet)).status_code == 404  # no thumbnail made yet


def test_non_staff_get_no_admin_pages_or_media(client, user, other_user):
    item = ready_item(other_user)
    login = reverse("admin:login")
    urls = [media_url(item), reverse(ITEM_CHANGELIST), reverse(QUEUE_CHANGELIST),
            reverse("admin:wardrobe_item_change", args=[item.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    client.force_login(user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    # Even their own item's photo goes through the public view, not the staff one.
    own = ready_item(user)
    response = client.get(media_url(own))
    assert response.status_code == 302 and response.url.startswith(login)


def test_staff_without_permissions_get_nothing(client, make_user, user):
    client.force_login(make_user("intern", is_staff=True))
    item = ready_item(user)
    assert client.get(reverse(ITEM_CHANGELIST)).status_code == 403
    assert client.get(reverse(QUEUE_CHANGELIST)).status_code == 403
    assert client.get(media_url(item)).status_code == 404


def test_items_cannot_be_added_through_the_admin(admin_client):
    assert admin_client.get(reverse("admin:wardrobe_item_add")).status_code == 403
    assert admin_client.get(reverse("admin:wardrobe_reviewqueueitem_add")).status_code == 403
    assert admin_client.post(reverse("admin:wardrobe_item_add"), {}).status_code == 403
    assert Item.objects.count() == 0


def test_an_admin_sets_the_grade_and_removes_a_box_from_the_change_page(admin_client, admin_user, user):
    from tests.factories import fake_result, make_item

    item = make_item(user, status=Item.Status.QUEUED)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(defects=[
        {"type": "stain", "confidence": 0.4, "box": [0.2, 0.2, 0.3, 0.3]},
        {"type": "hole", "confidence": 0.9, "box": [0.5, 0.5, 0.6, 0.6]}]))
    url = reverse("admin:wardrobe_item_change", args=[item.pk])
    page = admin_client.get(url)
    remove = reverse("admin:wardrobe_item_remove_defect", args=[item.pk, 0]) + "?box=" + services.defect_key(
        {"type": "stain", "box": [0.2, 0.2, 0.3, 0.3]})
    assert f'formaction="{remove}"' in page.content.decode()
    assert admin_client.post(remove).status_code == 302
    data = change_form_data(admin_client.get(url))
    data.update({"reviewed_grade": "dispose", "_save": "Save"})
    assert admin_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert [d["type"] for d in item.defects] == ["hole"] and item.defects_reviewed
    assert (item.reviewed_grade, item.grade, item.reviewed_by) == ("dispose", "dispose", admin_user)
    assert admin_client.post(reverse("admin:wardrobe_item_remove_defect", args=[item.pk, 5])).status_code == 404


def test_a_reviewed_category_brings_its_caption_and_seasons(user, other_user):
    item = ready_item(user, category="hoodie", confidence=0.3)
    item = services.review_item(item=item, reviewer=other_user, category="padding")
    item.refresh_from_db()
    assert item.category == "padding" and "padding" in item.caption_en.lower()
    assert [season.code for season in item.seasons] == ["winter"]



def _staff(make_user, name, *codenames):
    from django.contrib.auth.models import Permission

    staff = make_user(name, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff


def test_staff_who_may_only_look_run_no_action(client, make_user, user, sent_tasks):
    client.force_login(_staff(make_user, "viewer", "view_item"))
    item = ready_item(user, category="hoodie", confidence=0.3)
    for action in ("mark_reviewed", "reprocess"):
        run_action(client, ITEM_CHANGELIST, action, [item])
    item.refresh_from_db()
    assert (item.reviewed_category, item.status) == ("", Item.Status.READY) and sent_tasks == []


def test_review_queue_staff_see_its_photos_and_remove_boxes(client, make_user, user):
    client.force_login(_staff(make_user, "reviewer", "view_reviewqueueitem", "change_reviewqueueitem"))
    stain = {"type": "stain", "confidence": 0.3, "box": [0.2, 0.2, 0.3, 0.3]}
    item = ready_item(user, category="hoodie", confidence=0.3, defects=[stain])
    assert client.get(reverse(QUEUE_CHANGELIST)).status_code == 200
    assert client.get(media_url(item)).status_code == 200
    remove = reverse("admin:wardrobe_item_remove_defect", args=[item.pk, 0]) + "?box=" + services.defect_key(stain)
    assert client.post(remove).status_code == 302
    item.refresh_from_db()
    assert item.defects == [] and item.defects_reviewed


def test_users_added_and_deleted_in_the_admin(admin_client, user, sent_tasks, media_storage,
                                              django_capture_on_commit_callbacks):
    from accounts.models import User
    from tests.conftest import stored_media

    for name in ("staff1", "staff2"):  # each with an email of their own (two blank ones broke the second)
        response = admin_client.post(reverse("admin:accounts_user_add"), {
            "username": name, "email": f"{name}@example.com", "nickname": name.title(), "usable_password": "true",
            "password1": "a-long-passphrase-1", "password2": "a-long-passphrase-1", "_save": "Save"})
        assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="staff2").email == "staff2@example.com"
    ready_item(user)
    assert stored_media(media_storage)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302 and not User.objects.get(pk=user.pk).is_active
    from accounts import services as accounts
    from wardrobe.models import AccountDeletion

    accounts.delete_account(deletion_id=AccountDeletion.objects.get(user_id=user.pk).pk)  # the task's body
    assert not User.objects.filter(pk=user.pk).exists() and stored_media(media_storage) == []


def test_an_account_being_deleted_lends_no_training_labels(user, other_user, admin_user):
    from accounts import services as accounts

    unsure = ready_item(user, category="hoodie", confidence=0.3)
    services.update_item(item=unsure, changes={"category": "sweater"})
    assert [label for _, label, _ in selectors.training_labels()] == ["sweater"]
    leaving = ready_item(other_user, category="dress", confidence=0.3)
    services.review_item(item=leaving, reviewer=admin_user, category="skirt")
    accounts.start_account_deletion(user=other_user)
    assert [label for _, label, _ in selectors.training_labels()] == ["sweater"]
