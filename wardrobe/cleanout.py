"""The cleanout: items to reconsider with their reasons, the owner's decisions, and what the
closet is missing. Reads a fixed number of queries whatever the closet's size.

Reasons (each a dict, stored with a decision as the reasons shown then):

    unworn       not worn in CLEANOUT_UNWORN_MONTHS months (default 12); an item never
                 worn counts when it was added longer ago than that
    versatility  in few outfits the scorer accepts with the rest of the closet
                 (wardrobe/versatility.py has the rule and what is counted): fewer than a
                 quarter of the median item of its kind (its slot), when that median is above 0
    duplicate    a near-duplicate: the same shot of an item still in the closet (Item.duplicate_of,
                 found when the photo was processed), or the same category with colours that
                 agree (overlap >= 0.5) and embeddings at cosine >= NEAR_DUPLICATE_SIMILARITY
    grade        graded recycle or dispose (the admin's grade first)

Decisions: keep, maybe, sell, donate, recycle. Sell, donate and recycle take the item out of
the closet's outfits (wardrobe.outfits.garments) and out of the queue; it stays, with every
decision, in the history. A kept item leaves the queue for CLEANOUT_KEEP_DAYS (default 180),
then comes back if it still has a reason. "Maybe" stays in the queue, marked.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from inference import colors as colour_codec
from inference import outfits as scorer
from inference import taxonomy
from wardrobe import versatility
from wardrobe.models import CleanoutDecision, Item, Wear, effective_grade

DECISIONS = ("keep", "maybe", "sell", "donate", "recycle")
LEFT = ("sell", "donate", "recycle")  # out of the closet's outfits and the queue
LISTING_DECISIONS = ("sell", "donate")  # open the item's resale listing
VERSATILITY_SHARE = 0.25
# Two items of one category this alike (cosine of the garment embeddings) whose colours
# agree look like the same garment twice. Not measured on pairs of different garments
# (the model card measures 0.9163 for the same shot): a starting value.
NEAR_DUPLICATE_SIMILARITY = 0.85
SHOP_PRODUCTS = 3
SHOP_CANDIDATES = 200
HISTORY_SHOWN = 20
ITEM_FIELDS = ("id", "category", "group", "thumb_small", "cutout", "cutout_small", "colors", "created_at", "grade", "reviewed_grade",
               "user_edited_fields", "cleanout", "duplicate_of_id", "season_mask", "style_mask", "embedding",
               "embedding_version")


@dataclass
class Row:
    """An item as the cleanout reads it (one row of ITEM_FIELDS; no model instance)."""

    pk: object
    category: str
    group: str
    thumb_small: str
    cutout: str
    cutout_small: str
    colors: list
    created_at: object
    grade: str
    reviewed_grade: str
    user_edited_fields: list
    cleanout: str
    duplicate_of_id: object
    season_mask: int
    style_mask: int
    embedding: object
    embedding_version: str

    @property
    def category_term(self):
        return taxonomy.CATEGORY_BY_CODE.get(self.category)

    @property
    def effective_grade(self) -> str:
        return effective_grade(grade=self.grade, reviewed_grade=self.reviewed_grade,
                               user_edited_fields=self.user_edited_fields)


@dataclass
class Entry:
    item: Row
    reasons: list[dict]
    outfits: int | None = None  # accepted outfits it is in (None: not counted, e.g. a bag)
    kept_on: date | None = None

    @property
    def codes(self) -> set[str]:
        return {reason["code"] for reason in self.reasons}


@dataclass
class Suggestion:
    category: taxonomy.Category
    color: taxonomy.Color
    outfits: int  # new accepted outfits it would make
    slot: str


@dataclass
class Missing:
    best: Suggestion
    by_slot: list[Suggestion] = field(default_factory=list)  # the best of each other kind
    products: list = field(default_factory=list)


@dataclass
class Analysis:
    entries: dict  # item pk -> Entry, for every item not gone (reasons may be empty)
    closet: versatility.Closet  # the items counted, as the scorer sees them
    counts: dict  # garment id -> accepted outfits


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)


def _garments(items: list[Row]) -> list[scorer.Garment]:
    """The items counted, as wardrobe.outfits.garments sees them, laundry included."""
    sets: dict = {}
    result = []
    for item in items:
        if not item.category or item.group == "other" or item.effective_grade == Item.Grade.DISPOSE:
            continue
        key = (item.season_mask, item.style_mask)
        if key not in sets:
            sets[key] = (frozenset(s.code for s in taxonomy.from_mask(item.season_mask, taxonomy.SEASONS)),
                         frozenset(s.code for s in taxonomy.from_mask(item.style_mask, taxonomy.STYLES)))
        seasons, styles = sets[key]
        result.append(scorer.Garment(
            id=str(item.pk), category=item.category, seasons=seasons, styles=styles,
            colors=tuple((c["name"], c.get("share") or 0.0) for c in item.colors if c.get("name"))))
    return result


def _near_duplicates(items: list[Row]) -> dict:
    """{item pk: (other pk, similarity)}: the most alike other item of the same category."""
    found = {}
    groups: dict = {}
    for item in items:
        if item.embedding and item.embedding_version and item.category:
            groups.setdefault((item.embedding_version, item.category), []).append(item)
    for members in groups.values():
        if len(members) < 2:
            continue
        matrix = np.stack([np.frombuffer(bytes(item.embedding), dtype=np.float16).astype(np.float32)
                           for item in members])
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -1.0)
        for row, item in enumerate(members):
            for column in np.argsort(-similarity[row]):
                score = float(similarity[row, column])
                if score < NEAR_DUPLICATE_SIMILARITY:
                    break
                other = members[column]
                if colour_codec.overlap(item.colors, other.colors) >= colour_codec.SAME_SHOT_COLOR_OVERLAP:
                    found[item.pk] = (other.pk, round(score, 3))
                    break
    return found


def analyse(*, owner, today: date | None = None) -> Analysis:
    """Every item's reasons (three queries), and the outfit counts behind them."""
    today = today or timezone.localdate()
    items = [Row(*values) for values in Item.objects.filter(owner=owner, status=Item.Status.READY)
             .exclude(cleanout__in=LEFT).values_list(*ITEM_FIELDS).order_by("created_at", "pk")]
    last_worn = dict(Wear.objects.filter(owner=owner).values("item_id").annotate(last=Max("worn_on"))
                     .values_list("item_id", "last").order_by())
    kept = dict(CleanoutDecision.objects.filter(owner=owner, decision="keep").values("item_id")
                .annotate(at=Max("decided_at")).values_list("item_id", "at").order_by())

    closet = versatility.Closet(_garments(items))
    counts = versatility.outfit_counts(closet)
    by_slot: dict[str, list[int]] = {}
    for garment in closet.garments:
        by_slot.setdefault(garment.slot, []).append(counts[garment.id])
    typical = {slot: statistics.median(values) for slot, values in by_slot.items()}
    present = {item.pk for item in items}
    duplicates = _near_duplicates(items)

    cutoff = months_before(today, settings.CLEANOUT_UNWORN_MONTHS)
    entries = {}
    for item in items:
        reasons = []
        last = last_worn.get(item.pk)
        added = timezone.localtime(item.created_at).date()
        if last is not None and last < cutoff:
            reasons.append({"code": "unworn", "months": months_between(last, today), "last_worn": last.isoformat()})
        elif last is None and added < cutoff:
            reasons.append({"code": "unworn", "months": months_between(added, today), "last_worn": None})
        count = counts.get(str(item.pk))
        if count is not None:
            slot = scorer.SLOT_OF_GROUP.get(item.group, "")
            median = typical.get(slot, 0)
            if median > 0 and count < VERSATILITY_SHARE * median:
                reasons.append({"code": "versatility", "outfits": count, "typical": int(round(median)),
                                "slot": slot})
        if item.duplicate_of_id and item.duplicate_of_id in present:
            reasons.append({"code": "duplicate", "other": str(item.duplicate_of_id), "similarity": None})
        elif item.pk in duplicates:
            other, score = duplicates[item.pk]
            reasons.append({"code": "duplicate", "other": str(other), "similarity": score})
        if item.effective_grade in (Item.Grade.RECYCLE, Item.Grade.DISPOSE):
            reasons.append({"code": "grade", "grade": item.effective_grade})
        kept_at = kept.get(item.pk)
        entries[item.pk] = Entry(item=item, reasons=reasons, outfits=count,
                                 kept_on=timezone.localtime(kept_at).date() if kept_at else None)
    return Analysis(entries=entries, closet=closet, counts=counts)


def _listed(entry: Entry, today: date) -> bool:
    if not entry.reasons:
        return False
    if entry.item.cleanout == "keep":
        # Kept: out of the queue for CLEANOUT_KEEP_DAYS (kept with no decision logged: out).
        return entry.kept_on is not None and entry.kept_on <= today - timedelta(days=settings.CLEANOUT_KEEP_DAYS)
    return True


def queue(*, owner, today: date | None = None, analysis: Analysis | None = None) -> list[Entry]:
    """Items to reconsider, most reasons first, then the longest unworn."""
    today = today or timezone.localdate()
    analysis = analysis or analyse(owner=owner, today=today)
    listed = [entry for entry in analysis.entries.values() if _listed(entry, today)]
    unworn = {entry.item.pk: next((r["months"] for r in entry.reasons if r["code"] == "unworn"), -1)
              for entry in listed}
    return sorted(listed, key=lambda entry: (-len(entry.reasons), -unworn[entry.item.pk], entry.item.created_at))


def reasons_of(*, owner, item: Item, today: date | None = None) -> list[dict]:
    entry = analyse(owner=owner, today=today).entries.get(item.pk)
    return entry.reasons if entry else []


@transaction.atomic
def decide(*, owner, item: Item, decision: str, today: date | None = None) -> CleanoutDecision:
    """Stores the decision on the item and in the history, with the reasons it had."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown cleanout decision {decision!r}")
    if item.owner_id != owner.pk:
        raise PermissionError("not the owner's item")
    reasons = reasons_of(owner=owner, item=item, today=today)
    Item.objects.filter(pk=item.pk).update(cleanout=decision, updated_at=timezone.now())
    item.cleanout = decision
    return CleanoutDecision.objects.create(owner=owner, item=item, decision=decision, reasons=reasons)


def history(*, owner, limit: int = HISTORY_SHOWN) -> list[CleanoutDecision]:
    return list(CleanoutDecision.objects.filter(owner=owner).select_related("item").only(
        "id", "decision", "reasons", "decided_at", "item_id", "item__id", "item__owner", "item__category",
        "item__thumb_small", "item__cutout", "item__cleanout")[:limit])


# --- What's missing ----------------------------------------------------------------------------

def _newcomers(closet) -> list[scorer.Garment]:
    """One garment per fine category and colour the closet does not hold yet."""
    garments = closet.garments if isinstance(closet, versatility.Closet) else closet
    held = {(garment.category, garment.main_color) for garment in garments}
    return [scorer.Garment(id=f"{category.code}|{color.code}", category=category.code, colors=((color.code, 1.0),))
            for category in taxonomy.CATEGORIES
            if not category.is_coarse and scorer.SLOT_OF_GROUP.get(category.group)
            for color in taxonomy.COLORS if (category.code, color.code) not in held]


def whats_missing(*, closet, with_products: bool = True) -> Missing | None:
    """The category and colour that would make the most new accepted outfits with the
    closet (ties: the taxonomy's order), the best of each other kind, and up to three shop
    products of that category in that colour."""
    newcomers = _newcomers(closet)
    counts = versatility.added_counts(closet, newcomers)
    ranked = sorted(newcomers, key=lambda garment: -counts[garment.id])  # stable: taxonomy order on ties

    def suggestion(garment):
        return Suggestion(taxonomy.CATEGORY_BY_CODE[garment.category], taxonomy.COLOR_BY_CODE[garment.main_color],
                          counts[garment.id], garment.slot)

    if not ranked or counts[ranked[0].id] == 0:
        return None
    best = suggestion(ranked[0])
    by_slot, seen = [], {best.slot}
    for garment in ranked:
        if garment.slot not in seen and counts[garment.id] > 0:
            seen.add(garment.slot)
            by_slot.append(suggestion(garment))
    missing = Missing(best=best, by_slot=by_slot)
    if with_products:
        missing.products = products_for(category=best.category.code, color=best.color.code)
    return missing


def products_for(*, category: str, color: str, limit: int = SHOP_PRODUCTS) -> list:
    """Visible shop products of the category whose main colour is `color` (then those that
    show it at all), newest first."""
    from wardrobe.catalog.selectors import PRODUCT_CARD_FIELDS, visible_products

    candidates = list(visible_products().filter(category=category).only(*PRODUCT_CARD_FIELDS, "colors")
                      .order_by("-processed_at", "pk")[:SHOP_CANDIDATES])
    main = [product for product in candidates if product.colors and product.colors[0].get("name") == color]
    some = [product for product in candidates if product not in main
            and any(entry.get("name") == color for entry in product.colors or [])]
    return (main + some)[:limit]
