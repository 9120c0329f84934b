"""What goes with an item: the best of each other slot (the scorer's order), the best
outfit around it, only wearable items of the owner's, shop products when there are some."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import make_item
from wardrobe import outfits
from wardrobe.pairings import goes_with

pytestmark = pytest.mark.django_db


def wearable(owner, category, colour, **fields):
    return make_item(owner, category=category, colors=[{"name": colour, "hex": "#888888", "share": 0.8}], **fields)


@pytest.fixture
def closet(user):
    return {
        "red-top": wearable(user, "short_sleeve_top", "red"),
        "navy-jeans": wearable(user, "jeans", "navy"),
        "green-skirt": wearable(user, "short_skirt", "green"),
        "white-shorts": wearable(user, "short_pants", "white"),
        "shoes": wearable(user, "shoes", "black"),
        "dress": wearable(user, "dress", "pink"),
    }


def test_the_best_of_each_slot_in_the_scorers_order(user, closet):
    pairings = goes_with(item=closet["red-top"])
    slots = dict(pairings.by_slot)
    assert set(slots) == {"bottom", "shoes"}  # no one-piece with a top; no outerwear or hat in this closet
    bottoms = [item.pk for item, _ in slots["bottom"]]
    # Neutrals go with red; green is a second loud colour.
    assert bottoms.index(closet["green-skirt"].pk) == 2
    scores = [score for _, score in slots["bottom"]]
    assert scores == sorted(scores, reverse=True)


def test_complete_the_look_is_an_outfit_around_the_item(user, closet):
    pairings = goes_with(item=closet["red-top"])
    pieces = {piece.slot: piece.item.pk for piece in pairings.look}
    assert pieces["top"] == closet["red-top"].pk and "bottom" in pieces and pieces["shoes"] == closet["shoes"].pk
    assert pairings.look_explanation["en"] and pairings.look_explanation["ko"]


def test_only_wearable_items_of_the_owner(user, other_user, closet):
    outfits.set_available(item=closet["navy-jeans"], available=False)
    wearable(other_user, "long_pants", "beige")
    pairings = goes_with(item=closet["red-top"])
    bottoms = {item.pk for item, _ in dict(pairings.by_slot)["bottom"]}
    assert bottoms == {closet["green-skirt"].pk, closet["white-shorts"].pk}


def test_an_item_in_the_laundry_still_shows_what_goes_with_it(user, closet):
    outfits.set_available(item=closet["red-top"], available=False)
    assert dict(goes_with(item=closet["red-top"]).by_slot)["bottom"]


def test_shop_products_complete_the_look(user):
    from tests.test_catalog import make_product

    top = wearable(user, "short_sleeve_top", "white", purchase_price=Decimal("10000"))
    jeans = make_product("J1", group_category="jeans", price=30000)
    pairings = goes_with(item=top)
    assert [product.pk for product in pairings.shop] == [jeans.pk]


def test_the_item_page_shows_goes_with(alice_client, user, closet):
    page = alice_client.get(reverse("item-detail", args=[closet["red-top"].pk])).content.decode()
    assert "Goes with" in page and "Complete the look" in page
    assert reverse("item-detail", args=[closet["navy-jeans"].pk]) in page
