"""The item's life in the worker: claims, results, failures, stuck items."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import stored_media
from tests.factories import fake_result, make_item, unit_vector
from inference import taxonomy
from wardrobe import services
from wardrobe.models import Item, Prediction

pytestmark = pytest.mark.django_db


def claimed(item, batch_size=1):
    claim = services.claim_items(item_id=item.pk, batch_size=batch_size)
    assert claim.items, "expected to claim the item"
    return claim


def test_results_fill_the_item_and_record_every_model(user):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    result = fake_result(category="hoodie", confidence=0.91)
    services.apply_results(item_id=item.pk, token=claim.token, result=result)
    item.refresh_from_db()
    assert item.status == Item.Status.READY
    # The owner's quota counts the original and every file made from it.
    assert item.stored_bytes == item.original.size + sum(len(data) for data in result.artifacts.values())
    assert (item.category, item.group, item.category_confidence) == ("hoodie", "tops", 0.91)
    assert [c["name"] for c in item.colors] == ["navy"]
    assert item.color_mask == taxonomy.bit("navy", taxonomy.COLORS)
    assert [s.code for s in item.seasons] == list(taxonomy.CATEGORY_BY_CODE["hoodie"].seasons)
    assert item.thumb_small and item.cutout and item.cutout_small and item.mask and item.image
    assert item.embedding_version == "garment-test@v-test"
    predictions = {p.step: p for p in Prediction.objects.filter(item=item)}
    assert set(predictions) == {"normalize", "segment", "colors", "phash", "garment", "defects", "grade", "caption"}
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
        heartbeat_at=timezone.now() - timedelta(seconds=settings.CLAIM_STALE_SECONDS + 5))
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


def test_release_puts_a_batch_back_on_the_queue_without_using_up_an_attempt(user):
    item, other = make_item(user, status=Item.Status.QUEUED), make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item, batch_size=4)
    assert {i.pk for i in claim.items} == {item.pk, other.pk}
    assert services.release_claim(token=claim.token, retried_key=str(item.pk)) == 2
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.status, item.claim_token, item.attempts) == (Item.Status.QUEUED, None, 0)
    assert item.enqueued_at is not None  # the task's retry is on its way: not the outbox
    # The batch's other photo: its own message may have been used up while the batch held it.
    assert (other.status, other.attempts, other.enqueued_at) == (Item.Status.QUEUED, 0, None)


def test_a_beating_claim_is_never_taken_over_however_long_it_runs(user, settings):
    item = make_item(user, status=Item.Status.QUEUED)
    claim = claimed(item)
    long_ago = timezone.now() - timedelta(seconds=settings.CLAIM_STALE_SECONDS * 10)
    Item.objects.filter(pk=item.pk).update(status_changed_at=long_ago, heartbeat_at=long_ago)
    assert services.renew_claim(token=claim.token) == 1  # the slow worker is alive
    assert services.claim_items(item_id=item.pk, batch_size=1).items == []
    assert services.sweep_processing(queue_depth=lambda: 0)["reclaimed"] == 0
    assert Item.objects.get(pk=item.pk).claim_token == claim.token


def test_the_sweep_takes_back_dead_claims_and_fails_items_out_of_attempts(user, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "publish_processing", lambda ids: sent.extend(ids) or True)
    silent = timezone.now() - timedelta(seconds=settings.CLAIM_STALE_SECONDS + 1)
    lost = make_item(user, status=Item.Status.PROCESSING, attempts=1, heartbeat_at=silent)
    worn_out = make_item(user, status=Item.Status.PROCESSING, attempts=settings.MAX_PROCESSING_ATTEMPTS,
                         heartbeat_at=silent)
    alive = make_item(user, status=Item.Status.PROCESSING, attempts=1, heartbeat_at=timezone.now())
    outcome = services.sweep_processing(queue_depth=lambda: 0)
    assert (outcome["reclaimed"], outcome["failed"]) == (1, 1)
    lost.refresh_from_db()
    assert (lost.status, lost.claim_token, lost.enqueued_at) == (Item.Status.QUEUED, None, None)
    worn_out.refresh_from_db()
    assert worn_out.status == Item.Status.FAILED and "try again" in worn_out.failure_reason
    assert Item.objects.get(pk=alive.pk).status == Item.Status.PROCESSING
    # The reclaimed item waits in the outbox for the grace period, then the next sweep sends it.
    Item.objects.filter(pk=lost.pk).update(status_changed_at=silent)
    services.sweep_processing(queue_depth=lambda: 0)
    assert sent == [lost.pk]


def test_the_sweep_sends_the_outbox_but_leaves_fresh_uploads_to_the_web_process(user, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "publish_processing", lambda ids: sent.extend(ids) or True)
    waiting = make_item(user, status=Item.Status.QUEUED)
    fresh = make_item(user, status=Item.Status.QUEUED)
    Item.objects.filter(pk=waiting.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS + 1))
    outcome = services.sweep_processing(queue_depth=lambda: 0)
    assert sent == [waiting.pk] and fresh.pk not in sent
    assert outcome["outbox"] == 1


def test_the_sweep_resends_messages_lost_with_the_broker_only_when_the_queue_is_empty(user, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "publish_processing", lambda ids: sent.extend(ids) or True)
    long_ago = timezone.now() - timedelta(seconds=settings.QUEUE_LOST_SECONDS + 1)
    item = make_item(user, status=Item.Status.QUEUED, enqueued_at=long_ago)
    Item.objects.filter(pk=item.pk).update(status_changed_at=long_ago)
    recent = make_item(user, status=Item.Status.QUEUED, enqueued_at=timezone.now())
    assert services.sweep_processing(queue_depth=lambda: 3)["lost"] == 0  # messages still waiting
    assert services.sweep_processing(queue_depth=None)["lost"] == 0  # broker cannot say
    assert sent == []
    assert services.sweep_processing(queue_depth=lambda: 0)["lost"] == 1
    assert sent == [item.pk] and recent.pk not in sent


def test_publishing_marks_the_item_sent_and_a_broker_outage_leaves_it_in_the_outbox(user, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerError

    from inference.tasks import process_photos

    items = [make_item(user, status=Item.Status.QUEUED) for _ in range(2)]
    calls = []
    monkeypatch.setattr(process_photos, "apply_async", lambda args, **options: calls.append(args))
    assert services.publish_processing([items[0].pk]) is True
    assert calls == [["closet", str(items[0].pk)]]
    assert Item.objects.get(pk=items[0].pk).enqueued_at is not None

    def broker_down(args, **options):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(process_photos, "apply_async", broker_down)
    assert services.publish_processing([items[1].pk]) is False
    assert Item.objects.get(pk=items[1].pk).enqueued_at is None



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


def test_deleting_an_item_read_before_its_results_landed_removes_their_files(
        user, media_storage, django_capture_on_commit_callbacks):
    item = make_item(user, status=Item.Status.QUEUED)
    read_by_the_view = Item.objects.get(pk=item.pk)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result())
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_item(item=read_by_the_view)
    assert not Item.objects.filter(pk=item.pk).exists()
    assert stored_media(media_storage) == []
