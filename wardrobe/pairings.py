"""What goes with an item: the best items of each other slot, the best whole outfit
around it ("complete the look"), and shop products that would complete it. One function,
`goes_with`, behind the item page, the API and scripts/bench/pairings.py."""

from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils import timezone

from inference import outfits as scorer
from wardrobe import outfits
from wardrobe.models import Item

PER_SLOT = 4
SHOP_PRODUCTS = 3
CARD_FIELDS = ("id", "owner", "category", "group", "cutout", "cutout_small", "thumb_small", "purchase_price", "colors")


@dataclass
class Pairings:
    by_slot: list[tuple[str, list[tuple[Item, float]]]] = field(default_factory=list)  # slot, best items first
    look: list[SimpleNamespace] = field(default_factory=list)  # pieces (slot, item) as the collage draws them
    look_explanation: dict = field(default_factory=dict)
    shop: list = field(default_factory=list)  # catalog products that would complete the look


def _context(anchor: scorer.Garment) -> scorer.Request:
    """No options given: the item's own most usual style, every day, today's season."""
    style = Counter(sorted(anchor.style_set)).most_common(1)[0][0] if anchor.style_set else "casual"
    return scorer.Request(style=style, occasion="daily", season=outfits.season_of(timezone.localdate()),
                          count=1, seed=0)


def goes_with(*, item: Item, budget: float | None = None) -> Pairings:
    closet = outfits.garments(item.owner_id)
    anchor = next((garment for garment in closet if garment.id == str(item.pk)), None)
    if anchor is None:
        anchor = outfits.to_garment(item)  # unavailable or in no outfit now: still show what goes with it
        if anchor is None:
            return Pairings()
    request = _context(anchor)
    learned = outfits.preferences(item.owner_id)
    others = [garment for garment in closet if garment.id != anchor.id]

    by_slot = []
    for slot in scorer.WORN_WITH.get(anchor.slot, ()):
        scored = sorted(((scorer.total(scorer.score_terms([anchor, garment], request, learned), learned.weights),
                          garment) for garment in others if garment.slot == slot),
                        key=lambda pair: (-pair[0], pair[1].id))[:PER_SLOT]
        if scored:
            by_slot.append((slot, scored))

    looks = scorer.candidates(others, request, learned, around=anchor)
    best = looks[0] if looks else None

    shop = []
    from wardrobe.catalog.selectors import visible_products

    if visible_products().exists():
        with_shop = scorer.Request(**{**request.__dict__, "shop_items": 1, "budget": budget})
        for look in scorer.candidates(others + outfits.shop_garments(), with_shop, learned, around=anchor):
            shop += [garment.id.removeprefix(outfits.PRODUCT_PREFIX) for garment in look.items if garment.from_shop]
        shop = list(dict.fromkeys(shop))[:SHOP_PRODUCTS]

    wanted = {garment.id for _, scored in by_slot for _, garment in scored} | set(best.ids if best else ())
    rows = Item.objects.filter(owner_id=item.owner_id).only(*CARD_FIELDS).in_bulk(list(wanted))
    rows = {str(pk): row for pk, row in rows.items()}
    pairings = Pairings(by_slot=[(slot, [(rows[g.id], round(score, 3)) for score, g in scored if g.id in rows])
                                 for slot, scored in by_slot])
    if best:
        pairings.look = [SimpleNamespace(slot=garment.slot, item=rows[garment.id], product=None)
                         for garment in best.items if garment.id in rows]
        pairings.look_explanation = scorer.explain(best, request)
    if shop:
        from wardrobe.catalog.models import Product
        from wardrobe.catalog.selectors import PRODUCT_CARD_FIELDS

        found = {str(pk): product for pk, product in Product.objects.only(*PRODUCT_CARD_FIELDS).in_bulk(shop).items()}
        pairings.shop = [found[pk] for pk in shop if pk in found]
    return pairings
