"""Outfits at their edges: a dress among many tops and bottoms, a product priced in another currency."""

from decimal import Decimal

import pytest

from tests.factories import make_item
from wardrobe import outfits
from wardrobe.pairings import goes_with

pytestmark = pytest.mark.django_db


def wearable(owner, category, colour="white", **fields):
    return make_item(owner, category=category, colors=[{"name": colour, "hex": "#888888", "share": 0.8}], **fields)


@pytest.mark.parametrize("pairs", [2, 7])
def test_complete_the_look_around_a_dress_in_a_closet_of_many_tops_and_bottoms(user, pairs):
    dress = wearable(user, "dress", "pink")
    for index in range(pairs):
        wearable(user, "long_sleeve_top", "white")
        wearable(user, "long_pants", "black")
    pairings = goes_with(item=dress)
    assert pairings.look, "no look is offered around the dress"
    assert any(piece.item.pk == dress.pk for piece in pairings.look)


def test_a_shop_product_priced_in_dollars_is_not_taken_as_won_under_the_budget(user):
    from tests.test_catalog import make_product

    make_item(user, category="short_sleeve_top", purchase_price=Decimal("10000"))
    jeans = make_product("J1", group_category="jeans", price=300)  # $300, about ₩400,000
    jeans.currency = "USD"
    jeans.save(update_fields=["currency"])
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(
        owner=user, style="casual", temperature=24, shop_items=1, budget=Decimal("50000")).pk)
    for outfit in made.outfits.all():
        assert not outfit.entries.filter(product=jeans).exists(), (
            f"a $300 product within a ₩50,000 budget: {outfit.hashtags['en']}")
