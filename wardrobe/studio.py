"""Outfits made by hand: the studio (pick an item per slot, rated by the recommender's
scorer and explained the same way), clones, swaps, lookbooks, plans for a day, and the
packing list for a trip. Writes go through the functions here."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inference import outfits as scorer
from inference import taxonomy
from wardrobe import outfits
from wardrobe.models import Item, Lookbook, Outfit, OutfitItem, OutfitPlan
from wardrobe.selectors import has_bit

STUDIO_SLOTS = ("top", "bottom", "onepiece", "outerwear", "shoes", "hat", scorer.ACCESSORY)
PICKER_FIELDS = ("id", "owner", "category", "group", "cutout", "cutout_small", "thumb_small", "colors", "season_mask", "style_mask",
                 "purchase_price", "last_worn_on", "available")
MAX_TRIP_DAYS = 31
SWAP_CHOICES = 5


class OutfitInvalid(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def slot_of(item: Item) -> str:
    return scorer.SLOT_OF_GROUP.get(item.group, scorer.ACCESSORY if item.group == "other" else "")


def picker_items(*, owner, color: str = "", season: str = "", style: str = "") -> dict[str, list[Item]]:
    """The owner's processed items per studio slot, filtered like the closet; available first."""
    items = Item.objects.filter(owner=owner, status=Item.Status.READY).exclude(category="").only(*PICKER_FIELDS)
    for column, code, terms in (("color_mask", color, taxonomy.COLORS), ("season_mask", season, taxonomy.SEASONS),
                                ("style_mask", style, taxonomy.STYLES)):
        if code:
            items = has_bit(items, column, code, terms)
    by_slot = {slot: [] for slot in STUDIO_SLOTS}
    for item in items.order_by("-available", "-created_at"):
        if slot_of(item) in by_slot:
            by_slot[slot_of(item)].append(item)
    return by_slot


@dataclass
class Rated:
    outfit: scorer.Outfit
    request: scorer.Request
    explanation: dict
    pieces: list  # (slot, item) for the collage


def _context(garments, *, occasion: str, seasons, temperature) -> scorer.Request:
    styles = Counter(style for garment in garments for style in sorted(garment.style_set))
    return scorer.Request(style=styles.most_common(1)[0][0] if styles else "casual", occasion=occasion or "daily",
                          season=(list(seasons) or [outfits.season_of(timezone.localdate())])[0],
                          temperature=temperature)


def _check(slots: dict[str, Item]) -> None:
    if not slots:
        raise OutfitInvalid(_("Pick at least one item."))
    if "onepiece" in slots and ({"top", "bottom"} & set(slots)):
        raise OutfitInvalid(_("A one-piece is worn instead of a top and a bottom: pick one or the other."))


def uuid_or_none(value) -> uuid.UUID | None:
    """An id as a form or a query sent it; None for text that is not one."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _owned(owner, chosen: dict[str, str], *, skip_missing: bool = False) -> dict[str, Item]:
    """The owner's processed items per slot; OutfitInvalid for an id that is not one of them,
    unless `skip_missing`, which leaves such slots out (an item being analysed again)."""
    ids = {slot: uuid_or_none(pk) for slot, pk in chosen.items() if pk}
    found = Item.objects.filter(owner=owner, status=Item.Status.READY).only(*PICKER_FIELDS).in_bulk(
        [pk for pk in ids.values() if pk])
    slots = {}
    for slot, pk in ids.items():
        item = found.get(pk)
        if item is None and skip_missing:
            continue
        if item is None or slot_of(item) != slot:
            raise OutfitInvalid(_("That item is not one of yours for this slot."))
        slots[slot] = item
    return slots


def rate(*, owner, chosen: dict[str, str], occasion: str = "", seasons=(), temperature=None) -> Rated:
    """The scorer's view of a hand-made outfit: its terms, score and explanation."""
    slots = _owned(owner, chosen)
    _check(slots)
    garments = [outfits.to_garment(item) for item in slots.values()]
    request = _context(garments, occasion=occasion, seasons=seasons, temperature=temperature)
    terms = scorer.score_terms(garments, request, outfits.preferences(owner))
    prices = [g.price for g in garments if g.price is not None]
    rated = scorer.Outfit(items=tuple(garments), score=round(scorer.total(terms, scorer.DEFAULT_WEIGHTS), 4),
                          terms={k: round(v, 4) for k, v in terms.items()}, price=sum(prices) if prices else None,
                          priced_items=len(prices))
    return Rated(rated, request, scorer.explain(rated, request),
                 [(slot, item) for slot, item in sorted(slots.items(), key=lambda pair: STUDIO_SLOTS.index(pair[0]))])


@transaction.atomic
def save_outfit(*, owner, chosen: dict[str, str], name: str = "", occasion: str = "", seasons=(), temperature=None,
                cloned_from: Outfit | None = None) -> Outfit:
    rated = rate(owner=owner, chosen=chosen, occasion=occasion, seasons=seasons, temperature=temperature)
    outfit = Outfit.objects.create(
        owner=owner, source=Outfit.Source.MANUAL, name=name.strip()[:80], saved=True, occasion=occasion,
        seasons=list(dict.fromkeys(seasons)), score=rated.outfit.score, terms=rated.outfit.terms, explanation=rated.explanation,
        hashtags=scorer.hashtags(rated.outfit, rated.request), scorer_version=outfits.SCORER_VERSION,
        cloned_from=cloned_from)
    OutfitItem.objects.bulk_create([OutfitItem(outfit=outfit, item=item, slot=slot) for slot, item in rated.pieces])
    return outfit


def chosen_of(outfit: Outfit) -> dict[str, str]:
    """slot -> item id of an outfit's own items (shop products are not the owner's to wear)."""
    return {entry.slot: str(entry.item_id) for entry in outfit.entries.all() if entry.item_id}


def clone_outfit(*, outfit: Outfit) -> Outfit:
    return save_outfit(owner=outfit.owner, chosen=chosen_of(outfit), name=outfit.name, occasion=outfit.occasion,
                       seasons=outfit.seasons, cloned_from=outfit)


def swap_choices(*, outfit: Outfit, slot: str, limit: int = SWAP_CHOICES) -> list[tuple[Item, float]]:
    """The best items for `slot` with the rest of the outfit, by the scorer ("with other shoes")."""
    chosen = chosen_of(outfit)
    rest = [outfits.to_garment(item) for item in _owned(
        outfit.owner, {s: pk for s, pk in chosen.items() if s != slot}, skip_missing=True).values()]
    request = _context(rest, occasion=outfit.occasion, seasons=outfit.seasons, temperature=None)
    learned = outfits.preferences(outfit.owner)
    current = chosen.get(slot)
    scored = []
    for garment in outfits.garments(outfit.owner):
        if garment.slot == slot and garment.id != current:
            terms = scorer.score_terms(rest + [garment], request, learned)
            scored.append((scorer.total(terms, learned.weights), garment.id))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    best = scored[:limit]
    found = {str(pk): item for pk, item in Item.objects.only(*PICKER_FIELDS).in_bulk([pk for _, pk in best]).items()}
    return [(found[pk], round(score, 3)) for score, pk in best if pk in found]


@transaction.atomic
def swap_item(*, outfit: Outfit, slot: str, item_id) -> Outfit:
    """A hand-made outfit changes; a recommended one stays as it was recommended, and a
    hand-made copy with the new item is made."""
    chosen = {**chosen_of(outfit), slot: str(item_id)}
    if outfit.source != Outfit.Source.MANUAL:
        return save_outfit(owner=outfit.owner, chosen=chosen, name=outfit.name, occasion=outfit.occasion,
                           seasons=outfit.seasons, cloned_from=outfit)
    rated = rate(owner=outfit.owner, chosen=chosen, occasion=outfit.occasion, seasons=outfit.seasons)
    outfit.entries.all().delete()
    OutfitItem.objects.bulk_create([OutfitItem(outfit=outfit, item=item, slot=s) for s, item in rated.pieces])
    outfit.score, outfit.terms, outfit.explanation = rated.outfit.score, rated.outfit.terms, rated.explanation
    outfit.hashtags = scorer.hashtags(rated.outfit, rated.request)
    outfit.save(update_fields=["score", "terms", "explanation", "hashtags"])
    return outfit


# --- Lookbooks and plans -------------------------------------------------------------------

@transaction.atomic
def create_lookbook(*, owner, name: str) -> Lookbook:
    return Lookbook.objects.create(owner=owner, name=name.strip()[:80] or _("Lookbook"))


@transaction.atomic
def add_to_lookbook(*, lookbook: Lookbook, outfit: Outfit) -> None:
    if lookbook.owner_id != outfit.owner_id:
        raise OutfitInvalid(_("That outfit is not yours."))
    lookbook.outfits.add(outfit)
    outfits.set_saved(outfit=outfit, saved=True)


@transaction.atomic
def remove_from_lookbook(*, lookbook: Lookbook, outfit: Outfit) -> None:
    lookbook.outfits.remove(outfit)


@transaction.atomic
def delete_lookbook(*, lookbook: Lookbook) -> None:
    lookbook.delete()  # its outfits stay


@transaction.atomic
def plan_outfit(*, outfit: Outfit, on: date) -> OutfitPlan:
    plan, _created = OutfitPlan.objects.get_or_create(owner=outfit.owner, outfit=outfit, planned_on=on)
    outfits.set_saved(outfit=outfit, saved=True)
    return plan


# --- Packing for a trip ----------------------------------------------------------------------

@dataclass
class PackingDay:
    day: date
    occasion: str
    outfit: scorer.Outfit | None


def packing_list(*, owner, start: date, end: date, occasions, temperature=None, precipitation: str = "") -> list[PackingDay]:
    """An outfit for each day with as few items as it takes: each day takes the candidate
    outfit (by the scorer) that adds the fewest items not packed yet, the better one on a
    tie, and no outfit is worn twice while another can be made."""
    days = (end - start).days + 1
    if days < 1 or days > MAX_TRIP_DAYS:
        raise OutfitInvalid(_("A trip of 1 to %(days)d days, please.") % {"days": MAX_TRIP_DAYS})
    occasions = list(occasions) or ["travel"]
    closet = outfits.garments(owner)
    learned = outfits.preferences(owner)
    pools = {}
    for occasion in set(occasions):
        request = scorer.Request(style="casual", occasion=occasion, season=outfits.season_of(start),
                                 temperature=temperature, precipitation=precipitation, count=days, seed=0)
        pools[occasion] = scorer.candidates(closet, request, learned)
    packed: set[str] = set()
    worn: set[frozenset] = set()
    plan = []
    for offset in range(days):
        occasion = occasions[offset % len(occasions)]
        pool = [outfit for outfit in pools[occasion] if frozenset(outfit.ids) not in worn] or pools[occasion]
        best = min(pool, key=lambda outfit: (len(set(outfit.ids) - packed), -outfit.score, outfit.ids), default=None)
        if best is not None:
            packed |= set(best.ids)
            worn.add(frozenset(best.ids))
        plan.append(PackingDay(start + timedelta(days=offset), occasion, best))
    return plan


@transaction.atomic
def save_trip(*, owner, name: str, plan: list[PackingDay]) -> Lookbook:
    """The trip as a lookbook of its outfits, each planned for its day."""
    lookbook = create_lookbook(owner=owner, name=name)
    made: dict[frozenset, Outfit] = {}
    for day in plan:
        if day.outfit is None:
            continue
        key = frozenset(day.outfit.ids)
        if key not in made:
            made[key] = save_outfit(owner=owner, chosen={g.slot: g.id for g in day.outfit.items},
                                    name=name, occasion=day.occasion)
            lookbook.outfits.add(made[key])
        OutfitPlan.objects.get_or_create(owner=owner, outfit=made[key], planned_on=day.day)
    return lookbook
