"""Closet domain logic. Every write to an item goes through a function here.

Writes name their columns (`update_fields`), so a person's edit and a worker's result
landing at the same moment never overwrite each other's fields.
"""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inference import phash as phash_codec
from inference.transient import is_storage_unavailable, is_transient
from inference import taxonomy
from wardrobe import claims, selectors
from wardrobe.models import Item, Prediction, media_path
from wardrobe.uploads import PhotoRejected, check_photo

logger = logging.getLogger(__name__)
# The name the closet registers its photos under with the processing worker (wardrobe.processing).
PHOTO_CONSUMER = "closet"

ARTIFACT_FILES = {
    "image": "image.jpg",
    "thumb_small": "small.jpg",
    "thumb_medium": "medium.jpg",
    "cutout": "cutout.webp",
    "cutout_small": "cutout_small.webp",
    "mask": "mask.png",
}
# Editable field -> the columns that hold it.
EDITABLE_COLUMNS = {
    "category": "category", "colors": "colors", "pattern": "pattern", "seasons": "season_mask", "styles": "style_mask",
    "brand": "brand", "size": "size", "purchase_price": "purchase_price",
    "purchase_date": "purchase_date", "notes": "notes", "grade": "grade",
    "caption_ko": "caption_ko", "caption_en": "caption_en",
}
# What a composed caption is made of: a change to one rewrites the caption.
CAPTION_SOURCES = {"category", "colors", "pattern", "defects"}


class StorageUnavailable(Exception):
    """The photo storage did not answer: nothing of the photo was kept."""

    def __init__(self, saved: list[Item]):
        super().__init__("photo storage unavailable")
        self.saved = saved  # photos of the same upload stored before it went away: complete


@dataclass
class AddItemsResult:
    items: list[Item] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    queue_unavailable: bool = False  # stored and queued; processing starts when the broker is back


def publish_processing(item_ids, *, consumer: str = PHOTO_CONSUMER, model=Item) -> bool:
    """Sends each photo's processing task (closet items by default; the catalog's products
    and searches name their consumer and model). One that cannot be sent stays in the
    outbox (queued, `enqueued_at` empty) and the sweep sends it once the broker answers.
    Returns False when the broker could not be reached."""
    from inference.tasks import process_photos

    sent, reachable = [], True
    for item_id in item_ids:
        try:
            process_photos.apply_async(args=[consumer, str(item_id)], retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as error:
            if not is_transient(error):
                raise
            # Logged, not shown: the photo is safe and the sweep will send it.
            logger.warning("broker unreachable, %d photo(s) left in the outbox: %s", len(item_ids) - len(sent), error)
            reachable = False
            break
        sent.append(item_id)
    if sent:
        model.objects.filter(pk__in=sent, status=claims.QUEUED).update(enqueued_at=timezone.now())
    return reachable


# A web request must not hang on a broker that is away: two quick tries, then the outbox.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.2}


def _publish_on_commit(item_ids, result: AddItemsResult | None = None) -> None:
    item_ids = list(item_ids)

    def publish():
        sent = publish_processing(item_ids)
        if result is not None:
            result.queue_unavailable = not sent

    if item_ids:
        transaction.on_commit(publish)


class _Quota:
    """What an owner may still add: items, stored bytes and photos this hour."""

    def __init__(self, owner):
        self.owner = owner
        totals = Item.objects.filter(owner=owner).aggregate(items=Count("pk"), bytes=Sum("stored_bytes"))
        self.items, self.bytes = totals["items"], totals["bytes"] or 0
        self.rate_key = f"uploads:{owner.pk}:{int(timezone.now().timestamp()) // 3600}"

    def refusal(self, size: int) -> str | None:
        if self.items >= settings.MAX_ITEMS_PER_USER:
            return _("Your closet is full: it holds at most %(count)d items. Delete some to add more.") % {
                "count": settings.MAX_ITEMS_PER_USER}
        if self.bytes + size > settings.MAX_STORAGE_BYTES_PER_USER:
            return _("Your photos would use more than your %(size)d MB of storage. Delete some to add more.") % {
                "size": settings.MAX_STORAGE_BYTES_PER_USER // (1024 * 1024)}
        if (cache.get(self.rate_key) or 0) >= settings.UPLOADS_PER_HOUR:
            return _("You have added %(count)d photos in the last hour, the most allowed; try again later.") % {
                "count": settings.UPLOADS_PER_HOUR}
        return None

    def add(self, size: int) -> None:
        self.items += 1
        self.bytes += size
        cache.add(self.rate_key, 0, timeout=3600)
        try:
            cache.incr(self.rate_key)
        except ValueError:  # expired between add and incr
            cache.set(self.rate_key, 1, timeout=3600)


def too_many_photos_message() -> str:
    return _("At most %(count)d photos at a time.") % {"count": settings.MAX_PHOTOS_PER_UPLOAD}


def add_items(*, owner, uploads) -> AddItemsResult:
    """Saves each acceptable photo as a queued item; each photo stands or falls alone.

    Raises StorageUnavailable when the storage is away (with the photos saved before).
    """
    result = AddItemsResult()
    uploads = list(uploads)
    if len(uploads) > settings.MAX_PHOTOS_PER_UPLOAD:
        message = too_many_photos_message()
        result.rejected = [(upload.name, message) for upload in uploads[settings.MAX_PHOTOS_PER_UPLOAD:]]
        uploads = uploads[:settings.MAX_PHOTOS_PER_UPLOAD]
    quota = _Quota(owner)
    try:
        for upload in uploads:
            try:
                photo = check_photo(upload)
            except PhotoRejected as rejection:
                result.rejected.append((upload.name, rejection.message))
                continue
            if refusal := quota.refusal(upload.size):
                result.rejected.append((upload.name, refusal))
                continue
            result.items.append(_create_item(owner=owner, upload=upload, extension=photo.extension))
            quota.add(upload.size)
    except StorageUnavailable as error:
        error.saved = result.items
        _publish_on_commit([item.pk for item in result.items])
        raise
    _publish_on_commit([item.pk for item in result.items], result)
    return result


def _create_item(*, owner, upload, extension: str) -> Item:
    item = Item(owner=owner, original_name=(upload.name or "")[:255], stored_bytes=upload.size)
    stored_name = ""
    try:
        with transaction.atomic():
            item.original.save(f"original.{extension}", upload, save=False)
            stored_name = item.original.name
            item.save()
    except Exception as error:
        # Nothing half-saved: no row without its file, no file without its row.
        if stored_name:
            _delete_quietly(stored_name)
        if is_storage_unavailable(error) or (not stored_name and isinstance(error, OSError)):
            raise StorageUnavailable(saved=[]) from error
        raise
    return item


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception as error:  # the storage may be the thing that is down
        logger.error("could not delete %s, left without its row: %s", name, error)


def _delete_files_on_commit(names) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


@transaction.atomic
def delete_item(*, item: Item) -> None:
    # The row as it is now: a worker may have stored its files since the caller read it.
    current = Item.objects.select_for_update().filter(pk=item.pk).first()
    if current is None:
        return
    names = current.stored_files()
    current.delete()
    _delete_files_on_commit(names)


def _mark_edited(item: Item, names) -> set[str]:
    edited = set(item.user_edited_fields) | set(names)
    item.user_edited_fields = sorted(edited)
    return {"user_edited_fields"}


def _color_entries(names: list[str], current: list[dict]) -> list[dict]:
    """The chosen colours, keeping what the model measured for the ones it found."""
    by_name = {entry["name"]: entry for entry in current}
    entries = []
    for name in names:
        color = taxonomy.COLOR_BY_CODE[name]
        entries.append(by_name.get(name) or {"name": name, "en": color.en, "ko": color.ko,
                                             "hex": color.hex, "share": None})
    return entries


def editable_values(item: Item) -> dict:
    """The item's editable fields in the shape `update_item` takes."""
    return {
        "category": item.category,
        "colors": [entry["name"] for entry in item.colors],
        "pattern": item.pattern,
        "seasons": [term.code for term in item.seasons],
        "styles": [term.code for term in item.styles],
        "brand": item.brand, "size": item.size, "purchase_price": item.purchase_price,
        "purchase_date": item.purchase_date, "notes": item.notes, "grade": item.grade,
        "caption_ko": item.caption_ko, "caption_en": item.caption_en,
    }


@transaction.atomic
def update_item(*, item: Item, changes: dict) -> Item:
    """A person's edit: changed fields are saved and from then on belong to the person."""
    unknown = set(changes) - set(EDITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    # Blank is no answer a person gives: no grade leaves the model's, and an emptied
    # caption goes back to the composed one.
    cleared = {name for name in ("grade", "caption_ko", "caption_en") if changes.get(name) == ""}
    changes = {name: value for name, value in changes.items() if name not in cleared}
    item = Item.objects.select_for_update().get(pk=item.pk)
    current = editable_values(item)
    # Colours, seasons and styles are ticked boxes: the form lists them in its own order.
    changed = [name for name, value in changes.items()
               if (set(current[name]) != set(value) if isinstance(value, list) else current[name] != value)]
    given_back = {name for name in cleared - {"grade"} if name in item.user_edited_fields}
    if not changed and not given_back:
        return item
    for name in changed:
        value = changes[name]
        if name == "colors":
            item.colors = _color_entries(value, item.colors)
        elif name == "seasons":
            item.season_mask = taxonomy.to_mask(value, taxonomy.SEASONS)
        elif name == "styles":
            item.style_mask = taxonomy.to_mask(value, taxonomy.STYLES)
        else:
            setattr(item, name, value)
    columns = {EDITABLE_COLUMNS[name] for name in changed} | _mark_edited(item, changed)
    if given_back:
        item.user_edited_fields = sorted(set(item.user_edited_fields) - given_back)
    if given_back or CAPTION_SOURCES & set(changed):
        columns |= _recaption(item)
    if "category" in changed and "seasons" not in changed:
        columns |= _seasons_of_category(item)
    item.save(update_fields=columns)
    return item


def _seasons_of_category(item: Item) -> set[str]:
    """The seasons follow the category (a padding is for winter), unless the owner ticked them."""
    if "seasons" in item.user_edited_fields or not (item.category_term and item.category_term.seasons):
        return set()
    item.season_mask = taxonomy.to_mask(item.category_term.seasons, taxonomy.SEASONS)
    return {"season_mask"}


def _recaption(item: Item) -> set[str]:
    """Composes the captions again from the item's fields, except a caption the owner wrote."""
    from inference.captions import compose

    captions = compose(category=item.category, colors=item.colors, pattern=item.pattern, defects=item.defects,
                       garment_box=item.garment_box)
    columns = set()
    for language in ("ko", "en"):
        if f"caption_{language}" not in item.user_edited_fields:
            setattr(item, f"caption_{language}", captions[language])
            columns.add(f"caption_{language}")
    return columns


class BoxChanged(ValueError):
    """The box at that place is not the one the page showed (the photo was analysed again);
    its text is for the person."""

    def __init__(self):
        super().__init__(_("The boxes changed since this page was drawn (the photo was analysed again); "
                           "nothing was removed. Look again."))


def defect_key(defect: dict) -> str:
    """Names one box, so a page can say which box it showed at a place of the list."""
    return hashlib.sha256(json.dumps([defect.get("type"), defect.get("box")]).encode()).hexdigest()[:12]


@transaction.atomic
def remove_defect(*, item: Item, index: int, reviewer=None, key: str = "") -> Item:
    """A person says a box is wrong: it goes, the remaining boxes stand from now on (later
    runs keep them), and the grade follows unless someone set it (its probabilities always
    do). The owner's removal is theirs; an admin's (`reviewer`) is a review, a training label
    like a reviewed category. `key` (defect_key of the box shown) guards against a list
    that changed since: BoxChanged then, and nothing is removed."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not 0 <= index < len(item.defects):
        raise ValueError(f"no defect {index}")
    if key and defect_key(item.defects[index]) != key:
        raise BoxChanged()
    item.defects = item.defects[:index] + item.defects[index + 1:]
    columns = {"defects"} | _recaption(item)
    if reviewer is None:
        columns |= _mark_edited(item, ["defects"])
    else:
        item.defects_reviewed, item.reviewed_by, item.reviewed_at = True, reviewer, timezone.now()
        columns |= {"defects_reviewed", "reviewed_by", "reviewed_at"}
    columns |= _regrade(item, label="grade" not in _protected(item))
    item.save(update_fields=columns)
    return item


def _review(item: Item, reviewer, field: str, value: str) -> Item:
    """An admin's label for training (`reviewed_<field>`). It also becomes the item's own
    value, unless the owner chose one: the owner's choice is theirs."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    setattr(item, f"reviewed_{field}", value)
    item.reviewed_by, item.reviewed_at = reviewer, timezone.now()
    columns = {f"reviewed_{field}", "reviewed_by", "reviewed_at"}
    if field not in item.user_edited_fields and getattr(item, field) != value:
        setattr(item, field, value)
        columns.add(field)
        if field == "category":  # the caption and seasons say what the item is now
            columns |= _recaption(item) | _seasons_of_category(item)
    item.save(update_fields=columns)
    return item


@transaction.atomic
def review_grade(*, item: Item, reviewer, grade: str) -> Item:
    if grade not in Item.Grade.values:
        raise ValueError(f"unknown grade {grade!r}")
    return _review(item, reviewer, "grade", grade)


@transaction.atomic
def confirm_category(*, item: Item) -> Item:
    """The person says the suggested category is right: it becomes theirs (and a training label)."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.category:
        item.save(update_fields=_mark_edited(item, ["category"]))
    return item


def _requeue(queryset, *, reset_attempts: bool) -> list:
    """Sends the given items back to the queue, unless they are on it already."""
    ids = list(queryset.exclude(status__in=[Item.Status.QUEUED, Item.Status.PROCESSING])
               .values_list("pk", flat=True))
    changes = {"status": Item.Status.QUEUED, "failure_reason": "", "claim_token": None,
               "status_changed_at": timezone.now(), "enqueued_at": None}
    if reset_attempts:
        changes["attempts"] = 0
    Item.objects.filter(pk__in=ids).exclude(status__in=[Item.Status.QUEUED, Item.Status.PROCESSING]).update(**changes)
    _publish_on_commit(ids)
    return ids


@transaction.atomic
def retry_item(*, item: Item) -> bool:
    """A failed item goes back to the queue with a fresh set of attempts."""
    return bool(_requeue(Item.objects.filter(pk=item.pk, status=Item.Status.FAILED), reset_attempts=True))


@transaction.atomic
def reprocess_items(*, items) -> int:
    """Runs the current models again; fields people edited stay as they are."""
    return len(_requeue(Item.objects.filter(pk__in=[item.pk for item in items]), reset_attempts=True))


@dataclass
class Claim:
    token: uuid.UUID
    items: list[Item]


def claim_items(*, item_id, batch_size: int) -> Claim:
    """Takes the item for processing, plus other queued items to fill a batch (wardrobe.claims)."""
    token, items = claims.claim(Item, pk=item_id, batch_size=batch_size)
    return Claim(token, items)


def renew_claim(*, token) -> int:
    """The worker holding these items is alive."""
    return claims.renew(Item, token=token)


def release_claim(*, token, retried_key=None) -> int:
    return claims.release(Item, token=token, retried_key=retried_key)


def fail_item(*, item_id, token, reason: str) -> bool:
    return claims.fail(Item, pk=item_id, token=token, reason=reason)


class _ClaimLost(Exception):
    pass


# Pipeline field -> (item column, the editable field that protects it, if any)
MODEL_FIELDS = {
    "garment_box": ("garment_box", None),
    "colors": ("colors", "colors"),
    "category": ("category", "category"),
    "category_confidence": ("category_confidence", None),
    "pattern": ("pattern", "pattern"),
    "pattern_confidence": ("pattern_confidence", None),
    "garment_coverage": ("garment_coverage", None),
    "defects": ("defects", "defects"),
}


def apply_results(*, item_id, token, result) -> Item | None:
    """Stores a pipeline result on the item; fields the person edited stay theirs.

    Returns None when the item was deleted or taken over by another worker meanwhile.
    """
    item = Item.objects.filter(pk=item_id, claim_token=token).only("id", "owner_id").first()
    if item is None:
        return None
    # Files first, outside the transaction: storage may be slow and remote.
    new_files = {}
    stored_bytes = result.fields.get("source_bytes", 0)  # the original, as the worker read it
    try:
        for column, filename in ARTIFACT_FILES.items():
            if column in result.artifacts:
                new_files[column] = default_storage.save(media_path(item, filename),
                                                         ContentFile(result.artifacts[column]))
                stored_bytes += len(result.artifacts[column])
    except BaseException:
        for name in new_files.values():
            _delete_quietly(name)
        raise
    try:
        with transaction.atomic():
            item = Item.objects.select_for_update().filter(pk=item_id, claim_token=token).first()
            if item is None:
                raise _ClaimLost
            replaced = [getattr(item, column).name for column in new_files]
            for column, name in new_files.items():
                setattr(item, column, name)
            columns = set(new_files) | _apply_fields(item, result)
            item.stored_bytes = stored_bytes
            item.status = Item.Status.READY
            item.failure_reason = ""
            item.claim_token = None
            item.status_changed_at = item.processed_at = timezone.now()
            item.save(update_fields=columns | {
                "status", "failure_reason", "claim_token", "status_changed_at", "processed_at", "stored_bytes"})
            _store_predictions(item, result)
            _delete_files_on_commit(replaced)
    except BaseException as error:
        for name in new_files.values():
            _delete_quietly(name)
        if isinstance(error, _ClaimLost):
            return None
        raise
    return item


def _protected(item: Item) -> set[str]:
    """Fields a person set: the owner's edits, and an admin's review where the owner did not."""
    return (set(item.user_edited_fields) | ({"category"} if item.reviewed_category else set())
            | ({"grade"} if item.reviewed_grade else set()) | ({"defects"} if item.defects_reviewed else set()))


def _set_grade(item: Item, graded: dict, *, label: bool = True) -> set[str]:
    """The policy's probabilities and reason always describe the boxes the item has now; its
    label only where no person set the grade (`label`)."""
    item.grade_probabilities = graded["probabilities"]
    item.grade_reason = graded.get("reason_parts") or graded.get("reason")
    if label:
        item.grade = graded["label"]
    return {"grade_probabilities", "grade_reason"} | ({"grade"} if label else set())


def _set_captions(item: Item, captions: dict) -> set[str]:
    columns = set()
    for language in ("ko", "en"):
        if f"caption_{language}" not in item.user_edited_fields and language in captions:
            setattr(item, f"caption_{language}", captions[language])
            columns.add(f"caption_{language}")
    return columns


def _regrade(item: Item, *, label: bool = True) -> set[str]:
    """The grade of the defects the item has now (after a person removed a wrong box)."""
    from inference.grade import GradePolicy, grade

    graded = grade(item.defects, garment_area=item.garment_coverage or 1.0,
                   garment_box=item.garment_box or [0, 0, 1, 1], policy=GradePolicy(**settings.GRADE_POLICY))
    return _set_grade(item, graded, label=label)


def _apply_fields(item: Item, result) -> set[str]:
    protected = _protected(item)
    columns = set()
    for name, (column, protected_by) in MODEL_FIELDS.items():
        if name in result.fields and protected_by not in protected:
            setattr(item, column, result.fields[name])
            columns.add(column)
    moved = "category" in result.fields and "category" not in protected and _personalise(item, result)
    if moved:
        columns |= {"category", "category_confidence"}
    if "grade" in result.fields:
        # With the person's own boxes, the grade follows them, not the model's boxes; a grade a
        # person set keeps its label.
        label = "grade" not in protected
        columns |= (_regrade(item, label=label) if "defects" in protected
                    else _set_grade(item, result.fields["grade"], label=label))
    if "caption" in result.fields:
        # The caption says what the item is now: the person's category, colours and boxes win.
        columns |= (_recaption(item) if protected & CAPTION_SOURCES or moved
                    else _set_captions(item, result.fields["caption"]))
    if "seasons" not in protected:
        columns |= _seasons_of_category(item)
    if "phash" in result.fields:
        item.phash = phash_codec.to_signed(int(result.fields["phash"], 16))
        columns.add("phash")
    if result.embedding is not None:
        item.embedding = np.asarray(result.embedding.vector, dtype=np.float16).tobytes()
        item.embedding_version = result.embedding.version
        columns |= {"embedding", "embedding_version"}
    item.duplicate_of = selectors.find_duplicate(
        item=item, duplicate_similarity=result.embedding.duplicate_similarity if result.embedding else None)
    columns.add("duplicate_of")
    return columns


def _personalise(item: Item, result) -> bool:
    """The owner's confirmed items move the model's category (wardrobe/personalize.py).
    The item keeps the model's own probability of the category shown; the garment
    Prediction holds the blend, with the model's own answer beside it. True when the
    category changed."""
    from wardrobe import personalize

    garment = result.step_outputs.get("garment")
    if result.embedding is None or not garment:
        return False
    own = {name: result.fields[name] for name in ("category", "category_confidence", "category_top3")
           if name in result.fields}
    probabilities = result.fields.get("category_probabilities") or dict(own.get("category_top3", []))
    personal = personalize.personalise(owner_id=item.owner_id, probabilities=probabilities,
                                       vector=result.embedding.vector, version=result.embedding.version,
                                       exclude_id=item.pk)
    if personal is None:
        return False
    item.category, item.category_confidence = personal.category, personal.confidence
    result.step_outputs = {**result.step_outputs, "garment": {
        **garment, "category": personal.category, "category_confidence": personal.confidence,
        "category_top3": [[code, p] for code, p in personal.top],
        "personalised": {"neighbours": personal.neighbours, "weight": personal.weight,
                         "blended_confidence": personal.blended_confidence, "model": own}}}
    return personal.category != own.get("category")


def _store_predictions(item: Item, result) -> None:
    Prediction.objects.filter(item=item).delete()
    Prediction.objects.bulk_create([
        Prediction(
            item=item, step=name, model_name=record.model_name, model_version=record.version,
            value=result.step_outputs.get(name, {}), confidence=result.confidences.get(name),
            duration_ms=result.timings_ms.get(name, 0.0),
        )
        for name, record in result.steps.items()
    ])


def sweep_processing(*, queue_depth=None) -> dict:
    """Keeps every queued or processing item moving; the scheduler runs it every few seconds.

    - a claim whose heartbeat stopped (its worker died) goes back to the queue, or fails
      once the item has used up its attempts;
    - a queued item whose message was lost (sent long ago, and the queue is empty: e.g.
      the broker restarted without keeping it) is sent again;
    - items in the outbox (never sent: the broker was away) are sent.
    Sending twice is harmless: a task whose item is taken does nothing.
    `queue_depth` is a callable returning the processing queue's length, or None if unknown.
    """
    now = timezone.now()
    failed, reclaimed = claims.take_back_dead(Item, now=now, failure_reason=_(
        "Processing stopped %(count)d times; try again later.") % {"count": settings.MAX_PROCESSING_ATTEMPTS})

    lost = 0
    sent_long_ago = Item.objects.filter(
        status=Item.Status.QUEUED, enqueued_at__lt=now - timedelta(seconds=settings.QUEUE_LOST_SECONDS))
    if sent_long_ago.exists() and queue_depth is not None and queue_depth() == 0:
        lost = sent_long_ago.update(enqueued_at=None)

    outbox = claims.outbox(Item, now=now)
    sent = publish_processing(outbox) if outbox else True
    return {"reclaimed": reclaimed, "failed": failed, "lost": lost, "outbox": len(outbox), "sent": sent}


@transaction.atomic
def review_item(*, item: Item, reviewer, category: str) -> Item:
    if category not in taxonomy.CATEGORY_BY_CODE:
        raise ValueError(f"unknown category {category!r}")
    return _review(item, reviewer, "category", category)


def mark_reviewed(*, items, reviewer) -> int:
    """Admin action: the current categories are right."""
    count = 0
    for item in items:
        if item.category:
            review_item(item=item, reviewer=reviewer, category=item.category)
            count += 1
    return count
