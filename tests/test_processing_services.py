"""The item's life in the worker: claims, results, failures, stuck items."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import stored_media
from tests.factories import fake_result, make_item, unit_vector
from wardrobe import services, taxonomy
from wardrobe.models import Item, Prediction

pytestmark = pytest.mark.django_db


def claimed(item, batch_size=1):
    claim = services.claim_items(item_id=item.pk, batch_size=batch_size)
    assert claim.items, "expected to claim the item"
    return claim


def test_results_fill_the_item_and_record_every_model(user):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(category="hoodie", confidence=0.91))
    item.refresh_from_db()
    assert item.status == Item.Status.READY
    assert (item.category, item.group, item.category_confidence) == ("hoodie", "tops", 0.91)
    assert [c["name"] for c in item.colors] == ["navy"]
    assert item.color_mask == taxonomy.bit("navy", taxonomy.COLORS)
    assert [s.code for s in item.seasons] == list(taxonomy.CATEGORY_BY_CODE["hoodie"].seasons)
    assert item.thumb_small and item.cutout and item.mask and item.image
    assert item.embedding_version == "garment-test@v-test"
    predictions = {p.step: p for p in Prediction.objects.filter(item=item)}
    assert set(predictions) == {"normalize", "segment", "colors", "phash", "garment"}
    assert predictions["garment"].model_version == "v-test"
    assert predictions["garment"].confidence == 0.91
    assert predictions["garment"].value["category_top3"][0] == ["hoodie", 0.91]


def test_a_model_result_never_overwrites_what_the_user_edited(user):
    item = make_item(user, status=Item.Status.READY, category="hoodie")
    services.update_item(item=item, changes={
        "category": "sweater", "colors": ["white"], "seasons": ["winter"], "notes": "grandma knitted it"})
    services.reprocess_items(items=[item])
    claim = claimed(item)
    services.apply_results(item_id=item.pk, token=claim.token,
                           result=fake_result(category="long_sleeve_top", colors=[{"name": "red", "hex": "#c81e28", "share": 1.0}]))
    item.refresh_from_db()
    assert item.category == "sweater"
    assert [c["name"] for c in item.colors] == ["white"]
    assert [s.code for s in item.seasons] == ["winter"]
    assert item.notes == "grandma knitted it"
    assert item.category_confidence == 0.9  # the model's own figure is still recorded
    assert set(item.user_edited_fields) == {"category", "colors", "seasons", "notes"}


def test_an_edit_that_changes_nothing_does_not_claim_the_field(user):
    item = make_item(user, category="hoodie")
    services.update_item(item=item, changes={"category": "hoodie", "brand": ""})
    item.refresh_from_db()
    assert item.user_edited_fields == []


def test_seasons_follow_the_users_category_when_the_user_set_it(user):
    item = make_item(user, status=Item.Status.QUEUED)
    services.update_item(item=item, changes={"category": "padding"})
    claim = claimed(item)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(category="short_sleeve_top"))
    item.refresh_from_db()
    assert item.category == "padding"
    assert [s.code for s in item.seasons] == ["winter"]


def test_two_workers_never_get_the_same_item(user):
    item = make_item(user, status=Item.Status.QUEUED)
    first = services.claim_items(item_id=item.pk, batch_size=4)
    second = services.claim_items(item_id=item.pk, batch_size=4)
    assert [i.pk for i in first.items] == [item.pk]
    assert second.items == []


def test_a_claim_fills_the_batch_with_other_queued_items(user, other_user):
    items = [make_item(user, status=Item.Status.QUEUED) for _ in range(3)]
    theirs = make_item(other_user, status=Item.Status.QUEUED)
    make_item(user, status=Item.Status.READY)
    claim = services.claim_items(item_id=items[2].pk, batch_size=3)
    assert [i.pk for i in claim.items] == [items[2].pk, items[0].pk, items[1].pk]  # own item, then the oldest
    assert {i.status for i in Item.objects.filter(claim_token=claim.token)} == {Item.Status.PROCESSING}
    assert Item.objects.get(pk=theirs.pk).status == Item.Status.QUEUED


def test_a_stale_claim_is_taken_over_and_the_old_worker_result_is_dropped(user, settings, media_storage):
    item = make_item(user, status=Item.Status.QUEUED)
    old = claimed(item)
    Item.objects.filter(pk=item.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=settings.PROCESSING_TIMEOUT_SECONDS + 5))
    new = claimed(item)
    files_before = stored_media(media_storage)
    assert services.apply_results(item_id=item.pk, token=old.token, result=fake_result()) is None
    assert stored_media(media_storage) == files_before  # the late result left no files behind
    assert services.apply_results(item_id=item.pk, token=new.token, result=fake_result()).status == Item.Status.READY


def test_an_item_deleted_while_processing_leaves_no_files(user, media_storage, django_capture_on_commit_callbacks):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    assert stored_media(media_storage)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_item(item=item)
    assert services.apply_results(item_id=item.pk, token=claim.token, result=fake_result()) is None
    assert stored_media(media_storage) == []


def test_reprocessing_replaces_the_files_and_removes_the_old_ones(user, media_storage, django_capture_on_commit_callbacks):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result())
    item.refresh_from_db()
    first_thumb = item.thumb_small.name
    services.reprocess_items(items=[item])
    claim = claimed(item)
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_results(item_id=item.pk, token=claim.token, result=fake_result())
    item.refresh_from_db()
    assert item.thumb_small.name != first_thumb
    assert not (media_storage / first_thumb).exists()
    assert (media_storage / item.thumb_small.name).exists()


def test_failure_is_recorded_with_its_reason_and_retry_resets(user, django_capture_on_commit_callbacks):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    services.fail_item(item_id=item.pk, token=claim.token, reason="The photo could not be decoded.")
    item.refresh_from_db()
    assert (item.status, item.failure_reason) == (Item.Status.FAILED, "The photo could not be decoded.")
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.retry_item(item=item)
    item.refresh_from_db()
    assert (item.status, item.failure_reason, item.attempts) == (Item.Status.QUEUED, "", 0)
    assert len(callbacks) == 1  # processing is enqueued once the transaction commits


def test_release_puts_a_batch_back_on_the_queue(user):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    assert services.release_claim(token=claim.token) == 1
    item.refresh_from_db()
    assert (item.status, item.claim_token) == (Item.Status.QUEUED, None)


def test_stuck_items_are_requeued_and_fail_after_their_attempts(user, settings, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(seconds=settings.PROCESSING_TIMEOUT_SECONDS + 60)
    lost = make_item(user, status=Item.Status.PROCESSING, attempts=1)
    worn_out = make_item(user, status=Item.Status.PROCESSING, attempts=settings.MAX_PROCESSING_ATTEMPTS)
    fresh = make_item(user, status=Item.Status.PROCESSING, attempts=1)
    Item.objects.filter(pk__in=[lost.pk, worn_out.pk]).update(status_changed_at=long_ago)
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = services.requeue_stuck_items()
    assert outcome == {"requeued": 1, "failed": 1}
    assert Item.objects.get(pk=lost.pk).status == Item.Status.QUEUED
    worn_out.refresh_from_db()
    assert worn_out.status == Item.Status.FAILED and "try again" in worn_out.failure_reason
    assert Item.objects.get(pk=fresh.pk).status == Item.Status.PROCESSING
    assert len(callbacks) == 1


def test_an_identical_photo_is_flagged_as_a_duplicate_of_the_earlier_item(user, other_user):
    first = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=first.pk, token=claimed(first).token, result=fake_result(phash="00ff00ff00ff00ff"))
    theirs = make_item(other_user, status=Item.Status.QUEUED)
    services.apply_results(item_id=theirs.pk, token=claimed(theirs).token, result=fake_result(phash="00ff00ff00ff00ff"))
    second = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=second.pk, token=claimed(second).token,
                           result=fake_result(phash="00ff00ff00ff00fe", embedding=unit_vector(0, 1)))
    assert Item.objects.get(pk=second.pk).duplicate_of_id == first.pk
    assert Item.objects.get(pk=theirs.pk).duplicate_of_id is None  # never across owners
    assert Item.objects.get(pk=first.pk).duplicate_of_id is None


def test_a_near_identical_embedding_is_a_duplicate_and_a_different_one_is_not(user):
    first = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=first.pk, token=claimed(first).token,
                           result=fake_result(phash="0000000000000000", embedding=unit_vector(1, 0.05)))
    near = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=near.pk, token=claimed(near).token,
                           result=fake_result(phash="ffffffffffffffff", embedding=unit_vector(1, 0.06)))
    far = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=far.pk, token=claimed(far).token,
                           result=fake_result(phash="f0f0f0f0f0f0f0f0", embedding=unit_vector(1, 1)))
    assert Item.objects.get(pk=near.pk).duplicate_of_id == first.pk
    assert Item.objects.get(pk=far.pk).duplicate_of_id is None


def test_admin_review_labels_the_item_but_the_owners_choice_wins(user, admin_user):
    untouched = make_item(user, category="long_sleeve_top")
    chosen = make_item(user, category="hoodie")
    services.update_item(item=chosen, changes={"category": "sweater"})
    services.review_item(item=untouched, reviewer=admin_user, category="hoodie")
    services.review_item(item=chosen, reviewer=admin_user, category="hoodie")
    untouched.refresh_from_db()
    chosen.refresh_from_db()
    assert (untouched.category, untouched.reviewed_category, untouched.reviewed_by) == ("hoodie", "hoodie", admin_user)
    assert (chosen.category, chosen.reviewed_category) == ("sweater", "hoodie")


def test_a_reviewed_category_survives_reprocessing(user, admin_user):
    item = make_item(user, category="long_sleeve_top")
    services.review_item(item=item, reviewer=admin_user, category="hoodie")
    services.reprocess_items(items=[item])
    services.apply_results(item_id=item.pk, token=claimed(item).token, result=fake_result(category="short_sleeve_top"))
    item.refresh_from_db()
    assert item.category == "hoodie"


def test_a_near_embedding_in_other_colours_is_not_a_duplicate(user):
    pink = [{"name": "pink", "hex": "#f0a0b9", "share": 0.9}]
    green = [{"name": "green", "hex": "#288246", "share": 0.9}]
    first = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=first.pk, token=claimed(first).token,
                           result=fake_result(phash="0000000000000000", colors=pink, embedding=unit_vector(1, 0.05)))
    second = make_item(user, status=Item.Status.QUEUED)
    services.apply_results(item_id=second.pk, token=claimed(second).token,
                           result=fake_result(phash="ffffffffffffffff", colors=green, embedding=unit_vector(1, 0.06)))
    assert Item.objects.get(pk=second.pk).duplicate_of_id is None
