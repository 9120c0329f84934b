"""Outfits: recommendation requests, their generation (inference/outfits.py scores), feedback
and the wear log. Every write to an outfit, a feedback or a wear goes through a function here.
"""

import logging
import random
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inference import outfits as scorer
from inference import taxonomy
from inference.transient import is_transient
from wardrobe.models import Item, Outfit, OutfitFeedback, OutfitItem, RecommendationRequest, Wear

logger = logging.getLogger(__name__)

SCORER_VERSION = "rules-1"
MAX_OUTFITS = 8
MIN_OUTFITS = 2
MAX_SHOP_ITEMS = 2
SHOP_CANDIDATES_PER_GROUP = 60
PRODUCT_PREFIX = "product:"


def season_of(day: date) -> str:
    """Meteorological seasons of the northern hemisphere (the closet's seasons)."""
    return {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer"}.get(day.month, "autumn")


# --- Requests --------------------------------------------------------------------------------

@transaction.atomic
def request_recommendations(*, owner, style: str, occasion: str = "daily", season: str = "",
                            temperature: float | None = None, precipitation: str = "", budget=None,
                            count: int = 3, weather_from_provider: bool = False,
                            shop_items: int = 0) -> RecommendationRequest:
    if style not in taxonomy.STYLE_BY_CODE:
        raise ValueError(f"unknown style {style!r}")
    if occasion not in scorer.OCCASIONS:
        raise ValueError(f"unknown occasion {occasion!r}")
    request = RecommendationRequest.objects.create(
        owner=owner, style=style, occasion=occasion, season=season or season_of(timezone.localdate()),
        temperature=temperature, precipitation=precipitation, budget=budget,
        count=max(MIN_OUTFITS, min(MAX_OUTFITS, count)), seed=random.SystemRandom().randrange(2**31),
        weather_from_provider=weather_from_provider, shop_items=max(0, min(MAX_SHOP_ITEMS, shop_items)))
    transaction.on_commit(lambda: publish_recommendations([request.pk]))
    return request


def publish_recommendations(request_ids) -> bool:
    """Sends the generation tasks; one that cannot be sent stays in the outbox for the sweep."""
    from wardrobe.tasks import generate_recommendations
    from wardrobe.services import PUBLISH_RETRY_POLICY

    sent = []
    for request_id in request_ids:
        try:
            generate_recommendations.apply_async(args=[str(request_id)], retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as error:
            if not is_transient(error):
                raise
            logger.warning("broker unreachable, recommendation request(s) left in the outbox: %s", error)
            break
        sent.append(request_id)
    if sent:
        RecommendationRequest.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent) == len(request_ids)


# Generation takes seconds: a request still pending this long after its message went was
# lost with it (a broker restarted without its queue). Sent again; a second run does nothing.
LOST_REQUEST = timedelta(minutes=10)


def sweep_recommendations() -> int:
    """Sends requests the broker missed (the outbox) or lost; the processing sweep calls it."""
    now = timezone.now()
    pending = RecommendationRequest.objects.filter(status=RecommendationRequest.Status.PENDING)
    outbox = list(pending.filter(
        enqueued_at__isnull=True, created_at__lt=now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS))
        .values_list("pk", flat=True)[:settings.OUTBOX_BATCH]) + list(
        pending.filter(enqueued_at__lt=now - LOST_REQUEST).values_list("pk", flat=True)[:settings.OUTBOX_BATCH])
    if outbox:
        publish_recommendations(outbox)
    return len(outbox)


# --- The closet as the scorer sees it ----------------------------------------------------------

def garments(owner, *, today: date | None = None) -> list[scorer.Garment]:
    """The owner's items that can be worn: processed, available, not graded dispose, not
    decided sell, donate or recycle in the cleanout (`owner`: a user or a user's id)."""
    today = today or timezone.localdate()
    items = (Item.objects.filter(owner=owner, status=Item.Status.READY, available=True)
             .exclude(category="").exclude(group="other").exclude(cleanout__in=("sell", "donate", "recycle"))
             .only("id", "category", "colors", "season_mask", "style_mask", "purchase_price", "last_worn_on",
                   "grade", "reviewed_grade"))
    recently = dict(OutfitItem.objects.filter(outfit__owner=owner, outfit__source=Outfit.Source.RECOMMENDED,
                                              outfit__created_at__gte=timezone.now() - timedelta(days=7))
                    .values_list("item_id").annotate(last=Max("outfit__created_at")))
    return [to_garment(item, today=today, recommended=recently.get(item.pk)) for item in items
            if item.effective_grade != Item.Grade.DISPOSE]


def to_garment(item: Item, *, today: date | None = None, recommended=None) -> scorer.Garment | None:
    """The item as the scorer sees it; None for one without a category."""
    if not item.category:
        return None
    today = today or timezone.localdate()
    return scorer.Garment(
        id=str(item.pk), category=item.category,
        colors=tuple((c["name"], c.get("share") or 0.0) for c in item.colors if c.get("name")),
        seasons=frozenset(s.code for s in item.seasons), styles=frozenset(s.code for s in item.styles),
        price=float(item.purchase_price) if item.purchase_price is not None else None,
        worn_days_ago=(today - item.last_worn_on).days if item.last_worn_on else None,
        recommended_days_ago=(timezone.now() - recommended).days if recommended else None)


def shop_garments() -> list[scorer.Garment]:
    """The newest visible products of each wearable group, as the scorer sees them."""
    from wardrobe.catalog.models import CLOSET_CURRENCY
    from wardrobe.catalog.selectors import visible_products

    garments_ = []
    for group in scorer.SLOT_OF_GROUP:
        # The budget and the closet's prices are in won; a price in another currency is not comparable.
        products = (visible_products().filter(group=group, currency=CLOSET_CURRENCY).exclude(category="")
                    .only("id", "category", "colors", "price").order_by("-processed_at")[:SHOP_CANDIDATES_PER_GROUP])
        garments_ += [scorer.Garment(
            id=f"{PRODUCT_PREFIX}{product.pk}", category=product.category,
            colors=tuple((c["name"], c.get("share") or 0.0) for c in product.colors if c.get("name")),
            price=float(product.price), from_shop=True) for product in products]
    return garments_


def preferences(owner) -> scorer.Preferences:
    """What the owner's likes and dislikes taught the scorer, replayed in order."""
    learned = scorer.Preferences()
    for feedback in OutfitFeedback.objects.filter(owner=owner):
        learned = scorer.learn(learned, feedback.item_ids, feedback.terms, feedback.liked)
    return learned


def scorer_request(request: RecommendationRequest) -> scorer.Request:
    return scorer.Request(
        style=request.style, occasion=request.occasion, season=request.season, temperature=request.temperature,
        precipitation=request.precipitation, budget=float(request.budget) if request.budget is not None else None,
        count=request.count, seed=request.seed, shop_items=request.shop_items)


# --- Generation ---------------------------------------------------------------------------------

def generate_recommendations(*, request_id) -> RecommendationRequest | None:
    """Scores the closet and stores the outfits. Run twice, it leaves one set of outfits."""
    with transaction.atomic():
        request = (RecommendationRequest.objects.select_for_update().select_related("owner")
                   .filter(pk=request_id).first())
        if request is None or request.status != RecommendationRequest.Status.PENDING:
            return request
        closet = garments(request.owner)
        wanted = scorer_request(request)
        offered = shop_garments() if request.shop_items else []
        chosen = scorer.recommend(closet + offered, wanted, preferences(request.owner))
        for rank, outfit in enumerate(chosen):
            _store(request.owner, outfit, wanted, request=request, rank=rank)
        request.message = _shortfall_message(closet, wanted, len(chosen))
        request.status = RecommendationRequest.Status.READY
        request.finished_at = timezone.now()
        request.save(update_fields=["message", "status", "finished_at"])
    return request


def fail_recommendations(*, request_id) -> None:
    RecommendationRequest.objects.filter(pk=request_id, status=RecommendationRequest.Status.PENDING).update(
        status=RecommendationRequest.Status.FAILED, finished_at=timezone.now(),
        message=_("The outfits could not be made; try again."))


def _store(owner, outfit: scorer.Outfit, wanted: scorer.Request, *, request=None, rank=0,
           source=Outfit.Source.RECOMMENDED) -> Outfit:
    stored = Outfit.objects.create(
        owner=owner, request=request, rank=rank, source=source, score=outfit.score, terms=outfit.terms,
        explanation=scorer.explain(outfit, wanted), hashtags=scorer.hashtags(outfit, wanted),
        scorer_version=SCORER_VERSION)
    OutfitItem.objects.bulk_create([
        OutfitItem(outfit=stored, slot=garment.slot, product_id=garment.id.removeprefix(PRODUCT_PREFIX))
        if garment.from_shop else OutfitItem(outfit=stored, slot=garment.slot, item_id=garment.id)
        for garment in outfit.items])
    return stored


def _shortfall_message(closet, wanted: scorer.Request, made: int) -> str:
    if made >= wanted.count:
        return ""
    missing = scorer.missing_for_an_outfit(closet, wanted)
    if missing:
        names = {"top": _("tops"), "bottom": _("bottoms")}
        return _("Your closet has no %(missing)s that can be worn now (available, not graded dispose), "
                 "and no one-piece: add some to get outfits.") % {"missing": ", ".join(names[m] for m in missing)}
    if wanted.budget is not None:
        return _("Only %(made)d outfits fit the budget.") % {"made": made}
    return _("Your closet makes only %(made)d different outfits for these options.") % {"made": made}


# --- Outfit edits, feedback and wear -----------------------------------------------------------

@transaction.atomic
def rename_outfit(*, outfit: Outfit, name: str) -> Outfit:
    outfit.name = name.strip()[:80]
    outfit.saved = True  # a name is worth keeping
    outfit.save(update_fields=["name", "saved"])
    return outfit


@transaction.atomic
def set_saved(*, outfit: Outfit, saved: bool) -> Outfit:
    outfit.saved = saved
    outfit.save(update_fields=["saved"])
    return outfit


@transaction.atomic
def delete_outfit(*, outfit: Outfit) -> None:
    outfit.delete()


@transaction.atomic
def give_feedback(*, outfit: Outfit, liked: bool) -> Outfit:
    """A like or dislike; giving the same again changes nothing, the other one replaces it."""
    value = Outfit.Feedback.LIKE if liked else Outfit.Feedback.DISLIKE
    if outfit.feedback == value:
        return outfit
    item_ids = [str(item) if item else f"{PRODUCT_PREFIX}{product}"
                for item, product in outfit.entries.values_list("item_id", "product_id")]
    OutfitFeedback.objects.filter(owner=outfit.owner, outfit=outfit).delete()
    OutfitFeedback.objects.create(owner=outfit.owner, outfit=outfit, liked=liked, item_ids=item_ids,
                                  terms=outfit.terms or {})
    outfit.feedback = value
    outfit.save(update_fields=["feedback"])
    return outfit


@transaction.atomic
def wear_outfit(*, outfit: Outfit, on: date | None = None) -> Outfit:
    """Logs each item as worn that day (once, however often it is pressed)."""
    on = on or timezone.localdate()
    items = list(Item.objects.filter(outfit_entries__outfit=outfit))  # shop products are not worn
    for item in items:
        Wear.objects.update_or_create(item=item, worn_on=on, defaults={"owner": outfit.owner, "outfit": outfit})
    _refresh_wear_counts(items)
    if not outfit.saved:
        outfit.saved = True  # a worn outfit is part of the owner's history
        outfit.save(update_fields=["saved"])
    return outfit


def _refresh_wear_counts(items) -> None:
    counts = {row["item"]: row for row in Wear.objects.filter(item__in=items).values("item")
              .annotate(n=Count("pk"), last=Max("worn_on"))}
    for item in items:
        row = counts.get(item.pk, {"n": 0, "last": None})
        item.wear_count, item.last_worn_on = row["n"], row["last"]
        item.save(update_fields=["wear_count", "last_worn_on"])


@transaction.atomic
def set_available(*, item: Item, available: bool) -> Item:
    item.available = available
    item.save(update_fields=["available"])
    return item
