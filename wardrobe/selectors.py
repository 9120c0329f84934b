"""Reads of the closet. Views and services ask here; nothing here writes."""

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from inference import colors, phash as phash_codec
from inference import taxonomy
from wardrobe.models import Item, Outfit, OutfitItem, RecommendationRequest, Wear
from wardrobe.similarity import nearest_items

GRID_FIELDS = (
    "id", "owner", "status", "failure_reason", "category", "group", "category_confidence",
    "thumb_small", "cutout", "cutout_small", "colors", "original_name", "created_at", "status_changed_at", "duplicate_of", "grade",
)


def items_of(owner) -> QuerySet:
    return Item.objects.filter(owner=owner)


@dataclass(frozen=True)
class ClosetFilters:
    group: str = ""
    category: str = ""
    color: str = ""
    pattern: str = ""
    season: str = ""
    style: str = ""
    status: str = ""
    grade: str = ""
    defects: str = ""  # "yes": some found, "no": none found (on analysed items)
    q: str = ""
    sort: str = ""  # "" newest first, "least_worn"


def has_bit(queryset: QuerySet, column: str, code: str, terms) -> QuerySet:
    return queryset.alias(**{f"{column}_hit": F(column).bitand(taxonomy.bit(code, terms))}).filter(
        **{f"{column}_hit__gt": 0})


def closet_items(*, owner, filters: ClosetFilters) -> QuerySet:
    """The grid's items: only the columns a card shows, newest first."""
    items = items_of(owner).only(*GRID_FIELDS)
    if filters.group:
        items = items.filter(group=filters.group)
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.grade:
        items = items.filter(grade=filters.grade)
    if filters.pattern:
        items = items.filter(pattern=filters.pattern)
    if filters.defects == "yes":
        items = items.filter(defect_count__gt=0)
    elif filters.defects == "no":
        items = items.filter(defect_count=0, status=Item.Status.READY)
    if filters.color:
        items = has_bit(items, "color_mask", filters.color, taxonomy.COLORS)
    if filters.season:
        items = has_bit(items, "season_mask", filters.season, taxonomy.SEASONS)
    if filters.style:
        items = has_bit(items, "style_mask", filters.style, taxonomy.STYLES)
    if filters.q:
        items = items.filter(Q(caption_ko__icontains=filters.q) | Q(caption_en__icontains=filters.q)
                             | Q(notes__icontains=filters.q) | Q(brand__icontains=filters.q))
    if filters.sort == "least_worn":
        return items.order_by("wear_count", F("last_worn_on").asc(nulls_first=True), "-created_at")
    return items.order_by("-created_at")


@dataclass
class GroupSummary:
    group: taxonomy.Group
    count: int
    representative: Item | None


@dataclass
class HomeSummary:
    total: int
    pending: int
    failed: int
    groups: list[GroupSummary]


def home_summary(*, owner) -> HomeSummary:
    """Counts per group, each with its newest photo; a fixed number of queries."""
    items = items_of(owner)
    status_counts = dict(items.values_list("status").annotate(n=Count("pk")).order_by())
    group_counts = dict(items.exclude(group="").values_list("group").annotate(n=Count("pk")).order_by())
    newest = (
        items.exclude(group="").exclude(thumb_small="")
        .annotate(rank=Window(RowNumber(), partition_by=F("group"), order_by=F("created_at").desc()))
        .filter(rank=1).only("id", "owner", "group", "thumb_small", "category")
    )
    representatives = {item.group: item for item in newest}
    return HomeSummary(
        total=sum(status_counts.values()),
        pending=status_counts.get(Item.Status.QUEUED, 0) + status_counts.get(Item.Status.PROCESSING, 0),
        failed=status_counts.get(Item.Status.FAILED, 0),
        groups=[GroupSummary(group, group_counts.get(group.code, 0), representatives.get(group.code))
                for group in taxonomy.GROUPS],
    )


def item_embedding(item: Item) -> np.ndarray | None:
    if not item.embedding:
        return None
    return np.frombuffer(bytes(item.embedding), dtype=np.float16).astype(np.float32)


def similar_items(*, item: Item, limit: int = 5) -> list[tuple[Item, float]]:
    """The owner's items that look most like this one (cosine of embeddings), best first."""
    vector = item_embedding(item)
    if vector is None:
        return []
    # A few spare candidates, in case some of the nearest were just deleted.
    ranked = [(item_id, score) for item_id, score in nearest_items(
        owner_id=item.owner_id, version=item.embedding_version, vector=vector, limit=2 * limit, exclude_id=item.pk)
        if score >= settings.SIMILAR_ITEMS_MIN_SIMILARITY]
    found = items_of(item.owner_id).only(*GRID_FIELDS).in_bulk([item_id for item_id, _ in ranked])
    return [(found[item_id], score) for item_id, score in ranked if item_id in found][:limit]


def find_duplicate(*, item: Item, duplicate_similarity: float | None) -> Item | None:
    """An earlier item of the same owner that is the same photo (perceptual hash) or
    the same shot of the same garment (embedding)."""
    earlier = items_of(item.owner_id).exclude(pk=item.pk).filter(created_at__lt=item.created_at)
    if item.phash is not None:
        closest = min(
            ((phash_codec.distance(item.phash, other_hash), other_id)
             for other_id, other_hash in earlier.exclude(phash=None).values_list("pk", "phash")),
            default=None,
        )
        if closest and closest[0] <= settings.DUPLICATE_PHASH_DISTANCE:
            return earlier.get(pk=closest[1])
    vector = item_embedding(item)
    if vector is not None and duplicate_similarity is not None:
        ranked = nearest_items(owner_id=item.owner_id, version=item.embedding_version, vector=vector,
                               limit=5, exclude_id=item.pk)
        close = [item_id for item_id, score in ranked if score >= duplicate_similarity]
        # The embedding hardly sees colour: the same shot must also show the same colours.
        candidates = earlier.filter(pk__in=close).only("id", "colors")
        for candidate in sorted(candidates, key=lambda other: close.index(other.pk)):
            if colors.overlap(item.colors, candidate.colors) >= colors.SAME_SHOT_COLOR_OVERLAP:
                return candidate
    return None


def review_queue() -> QuerySet:
    """Failed items, items the models were unsure of, and items graded dispose, not yet
    reviewed; oldest first."""
    ready = Q(status=Item.Status.READY)
    return (
        Item.objects.filter(reviewed_at__isnull=True)
        .filter(Q(status=Item.Status.FAILED)
                | ready & Q(category_confidence__lt=settings.REVIEW_CONFIDENCE_THRESHOLD)
                | ready & Q(grade=Item.Grade.DISPOSE)
                | ready & Q(defect_min_confidence__lt=settings.REVIEW_DEFECT_CONFIDENCE_THRESHOLD))
        .order_by("created_at")
    )


def garment_model_versions() -> list[str]:
    from wardrobe.models import Prediction

    return list(Prediction.objects.filter(step="garment").values_list("model_version", flat=True)
                .distinct().order_by("model_version"))


def _not_being_deleted(items) -> QuerySet:
    """An account whose deletion is under way lends nothing to training."""
    from wardrobe.models import AccountDeletion

    return items.exclude(owner_id__in=AccountDeletion.objects.filter(finished_at__isnull=True).values("user_id"))


def training_labels():
    """(item, category, source) for every item whose category a person vouched for: an
    admin's review first, else the owner's own choice. Processed items, and failed ones an
    admin labelled from the review queue (their upload is the photo then)."""
    items = _not_being_deleted(Item.objects).filter(
        Q(image__gt="", reviewed_category__gt="") | Q(image__gt="", category__gt="")
        | Q(image="", original__gt="", reviewed_category__gt="")).only(
        "id", "owner", "image", "original", "category", "reviewed_category", "user_edited_fields").order_by(
        "created_at")
    for item in items.iterator():
        if item.reviewed_category:
            yield item, item.reviewed_category, "admin"
        elif "category" in item.user_edited_fields and item.category:
            yield item, item.category, "owner"


def condition_labels():
    """(item, grade or "", boxes or None, source) for every processed item whose grade or
    boxes a person corrected: the admin's review first, else the owner's. Boxes are None
    when nobody corrected them (the grade alone is a label then)."""
    items = _not_being_deleted(Item.objects).exclude(image="").filter(
        Q(reviewed_grade__gt="") | Q(defects_reviewed=True)
        | Q(user_edited_fields__icontains="grade") | Q(user_edited_fields__icontains="defects")).only(
        "id", "owner", "image", "grade", "reviewed_grade", "defects", "defects_reviewed",
        "user_edited_fields").order_by("created_at")
    for item in items.iterator():
        edited = set(item.user_edited_fields)
        grade = item.reviewed_grade or (item.grade if "grade" in edited else "")
        boxes = item.defects if item.defects_reviewed or "defects" in edited else None
        if grade or boxes is not None:
            yield item, grade, boxes, "admin" if item.reviewed_grade or item.defects_reviewed else "owner"


def reviewed_captions(*, languages=("ko", "en")):
    """(item, language, caption) for each caption an owner wrote on a processed item."""
    items = _not_being_deleted(Item.objects).exclude(image="").filter(
        Q(user_edited_fields__icontains="caption_ko") | Q(user_edited_fields__icontains="caption_en")).only(
        "id", "image", "caption_ko", "caption_en", "user_edited_fields").order_by("created_at")
    for item in items.iterator():
        for language in languages:
            caption = getattr(item, f"caption_{language}")
            if f"caption_{language}" in item.user_edited_fields and caption:
                yield item, language, caption


# --- Outfits ------------------------------------------------------------------------------

OUTFIT_ITEM_FIELDS = ("id", "owner", "category", "group", "cutout", "cutout_small", "thumb_small", "purchase_price", "colors",
                      "caption_ko", "caption_en")
SLOT_ORDER = {"hat": 0, "outerwear": 1, "top": 2, "onepiece": 2, "bottom": 3, "shoes": 4}


def recommendation_requests(*, owner) -> QuerySet:
    return RecommendationRequest.objects.filter(owner=owner)


def outfits_of(*, owner) -> QuerySet:
    return Outfit.objects.filter(owner=owner)


OUTFIT_PRODUCT_FIELDS = ("id", "name", "price", "currency", "url", "thumb_small", "cutout", "category")


def _with_items(outfits: QuerySet) -> QuerySet:
    return outfits.prefetch_related(Prefetch(
        "entries", queryset=OutfitItem.objects.select_related("item", "product").only(
            "id", "outfit_id", "slot", *(f"item__{name}" for name in OUTFIT_ITEM_FIELDS),
            *(f"product__{name}" for name in OUTFIT_PRODUCT_FIELDS))))


def outfits_of_request(request: RecommendationRequest) -> list[Outfit]:
    return list(_with_items(request.outfits.all()).order_by("rank"))


def outfit_with_items(outfit_id) -> Outfit:
    return _with_items(Outfit.objects.filter(pk=outfit_id)).get()


def recent_requests(*, owner, limit: int = 20) -> list[RecommendationRequest]:
    return list(recommendation_requests(owner=owner).prefetch_related(
        Prefetch("outfits", queryset=_with_items(Outfit.objects.order_by("rank"))))[:limit])


def saved_outfits(*, owner) -> list[Outfit]:
    return list(_with_items(outfits_of(owner=owner).filter(saved=True)).order_by("-created_at"))


def wears_in_month(*, owner, first):
    """{day: [outfits worn that day]} for the month starting at `first` (an item worn alone
    shows as an outfit of one)."""
    following = (first.replace(day=28) + first.resolution * 4).replace(day=1)
    wears = (Wear.objects.filter(owner=owner, worn_on__gte=first, worn_on__lt=following)
             .select_related("item").only("worn_on", "outfit_id", *(f"item__{n}" for n in OUTFIT_ITEM_FIELDS)))
    days: dict = {}
    for wear in wears:
        group = days.setdefault(wear.worn_on, {})
        group.setdefault(wear.outfit_id or wear.item_id, []).append(wear.item)
    return {day: [sorted(items, key=lambda item: SLOT_ORDER.get(_slot(item), 9)) for items in groups.values()]
            for day, groups in days.items()}


def _slot(item: Item) -> str:
    from inference.outfits import SLOT_OF_GROUP

    return SLOT_OF_GROUP.get(item.group, "")


def lookbooks_of(*, owner) -> list:
    from wardrobe.models import Lookbook

    return list(Lookbook.objects.filter(owner=owner).annotate(size=Count("outfits")))


def outfits_in_lookbook(lookbook) -> list[Outfit]:
    return list(_with_items(lookbook.outfits.all()).order_by("-created_at"))


def plans_in_lookbook(lookbook) -> dict:
    """{"days": [(day, outfit)], "items": the items to pack, once each}."""
    from wardrobe.models import OutfitPlan

    plans = list(OutfitPlan.objects.filter(outfit__lookbooks=lookbook).order_by("planned_on")
                 .prefetch_related(Prefetch("outfit", queryset=_with_items(Outfit.objects.all()))))
    items = {}
    for plan in plans:
        for entry in plan.outfit.entries.all():
            if entry.item_id:
                items.setdefault(entry.item_id, entry.item)
    return {"days": [(plan.planned_on, plan.outfit) for plan in plans], "items": list(items.values())}


def plans_in_month(*, owner, first) -> dict:
    """{day: [outfits planned that day]} for the month starting at `first`."""
    from wardrobe.models import OutfitPlan

    following = (first.replace(day=28) + first.resolution * 4).replace(day=1)
    days: dict = {}
    for plan in (OutfitPlan.objects.filter(owner=owner, planned_on__gte=first, planned_on__lt=following)
                 .prefetch_related(Prefetch("outfit", queryset=_with_items(Outfit.objects.all())))):
        days.setdefault(plan.planned_on, []).append(plan.outfit)
    return days
