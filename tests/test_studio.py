"""The outfit studio and what hangs off an outfit: made by hand and rated by the scorer,
cloned, swapped, collected in lookbooks, planned, packed for a trip; only the owner's."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tests.factories import make_item
from wardrobe import outfits, studio
from wardrobe.models import Lookbook, Outfit, OutfitPlan

pytestmark = pytest.mark.django_db


def wearable(owner, category, colour="white", **fields):
    return make_item(owner, category=category, colors=[{"name": colour, "hex": "#888888", "share": 0.8}], **fields)


@pytest.fixture
def closet(user):
    return {name: wearable(user, category, colour) for name, category, colour in (
        ("tee", "short_sleeve_top", "white"), ("shirt", "blouse_shirt", "sky_blue"), ("knit", "sweater", "gray"),
        ("jeans", "jeans", "navy"), ("chinos", "long_pants", "beige"), ("skirt", "long_skirt", "black"),
        ("dress", "dress", "red"), ("coat", "coat", "brown"), ("sneakers", "shoes", "white"),
        ("boots", "shoes", "black"), ("bag", "other", "black"))}


def pick(**slots):
    return {f"slot_{slot}": str(item.pk) for slot, item in slots.items()}


def test_the_studio_saves_a_hand_made_outfit_rated_by_the_scorer(alice_client, user, closet):
    page = alice_client.get(reverse("outfit-studio"))
    assert page.status_code == 200 and str(closet["bag"].pk) in page.content.decode()  # bags and accessories too
    response = alice_client.post(reverse("outfit-studio"), {
        **pick(top=closet["tee"], bottom=closet["jeans"], shoes=closet["sneakers"], accessory=closet["bag"]),
        "name": "Saturday", "occasion": "daily", "seasons": ["summer", "summer"]})  # a crafted post: once
    outfit = Outfit.objects.get(owner=user)
    assert response.url == reverse("outfit-detail", args=[outfit.pk])
    assert outfit.source == Outfit.Source.MANUAL and outfit.name == "Saturday" and outfit.seasons == ["summer"]
    assert dict(outfit.entries.values_list("slot", "item_id")) == {
        "top": closet["tee"].pk, "bottom": closet["jeans"].pk, "shoes": closet["sneakers"].pk,
        "accessory": closet["bag"].pk}
    assert outfit.explanation["en"] and outfit.terms["colour"] > 0 and outfit.saved


def test_the_preview_explains_like_the_recommender(alice_client, closet):
    response = alice_client.post(reverse("outfit-studio-preview"), {
        **pick(top=closet["tee"], bottom=closet["jeans"]), "temperature": "5"})
    html = response.content.decode()
    assert "too light for 5 °C without outerwear" in html and 'class="collage"' in html
    with_coat = alice_client.post(reverse("outfit-studio-preview"), {
        **pick(top=closet["knit"], bottom=closet["jeans"], outerwear=closet["coat"]), "temperature": "5"})
    assert "with the coat" in with_coat.content.decode()


def test_a_one_piece_with_a_top_is_refused(user, closet):
    with pytest.raises(studio.OutfitInvalid):
        studio.save_outfit(owner=user, chosen={"onepiece": str(closet["dress"].pk), "top": str(closet["tee"].pk)})
    with pytest.raises(studio.OutfitInvalid):
        studio.save_outfit(owner=user, chosen={"top": str(closet["jeans"].pk)})  # jeans are not a top
    assert not Outfit.objects.exists()


def test_clone_and_swap(user, closet):
    made = studio.save_outfit(owner=user, chosen={"top": str(closet["tee"].pk), "bottom": str(closet["jeans"].pk),
                                                  "shoes": str(closet["sneakers"].pk)}, name="Base")
    copy = studio.clone_outfit(outfit=made)
    assert copy.pk != made.pk and copy.cloned_from == made and studio.chosen_of(copy) == studio.chosen_of(made)
    choices = studio.swap_choices(outfit=copy, slot="shoes")
    assert [item.pk for item, _ in choices] == [closet["boots"].pk]  # the only other shoes
    swapped = studio.swap_item(outfit=copy, slot="shoes", item_id=closet["boots"].pk)
    assert swapped.pk == copy.pk and studio.chosen_of(swapped)["shoes"] == str(closet["boots"].pk)


def test_swapping_in_a_recommendation_makes_a_copy(user, closet):
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(owner=user, style="casual").pk)
    recommended = made.outfits.first()
    before = studio.chosen_of(recommended)
    changed = studio.swap_item(outfit=recommended, slot="shoes",
                               item_id=next(str(i.pk) for i in (closet["boots"], closet["sneakers"])
                                            if str(i.pk) != before.get("shoes")))
    assert changed.pk != recommended.pk and changed.source == Outfit.Source.MANUAL
    assert studio.chosen_of(recommended) == before


def test_lookbooks_and_plans_on_the_calendar(alice_client, user, closet):
    made = studio.save_outfit(owner=user, chosen={"onepiece": str(closet["dress"].pk)})
    alice_client.post(reverse("lookbooks"), {"name": "Summer"})
    lookbook = Lookbook.objects.get(owner=user)
    alice_client.post(reverse("lookbook-add", args=[made.pk]), {"lookbook": str(lookbook.pk)})
    assert list(lookbook.outfits.all()) == [made]
    day = date.today() + timedelta(days=2)
    alice_client.post(reverse("outfit-plan", args=[made.pk]), {"day": day.isoformat()})
    assert OutfitPlan.objects.filter(outfit=made, planned_on=day).exists()
    calendar = alice_client.get(reverse("wear-calendar"), {"month": day.strftime("%Y-%m")}).content.decode()
    assert reverse("outfit-detail", args=[made.pk]) in calendar
    alice_client.post(reverse("lookbook-remove", args=[lookbook.pk, made.pk]))
    assert not lookbook.outfits.exists()
    alice_client.post(reverse("lookbook-delete", args=[lookbook.pk]))
    assert not Lookbook.objects.exists() and Outfit.objects.filter(pk=made.pk).exists()


@pytest.mark.parametrize("days, expected_items", [(1, 3), (2, 4), (4, 5)])
def test_packing_covers_every_day_with_the_fewest_items(user, days, expected_items):
    """Two tops and two bottoms and one pair of shoes make four different outfits: one day
    needs 3 items, two days 4 (one new top), four days all 5."""
    for category, colour in (("short_sleeve_top", "white"), ("short_sleeve_top", "navy"), ("jeans", "denim"),
                             ("long_pants", "beige"), ("shoes", "black")):
        wearable(user, category, colour)
    start = date(2026, 7, 1)
    plan = studio.packing_list(owner=user, start=start, end=start + timedelta(days=days - 1), occasions=["travel"],
                               temperature=26)
    assert [day.day for day in plan] == [start + timedelta(days=k) for k in range(days)]
    assert all(day.outfit for day in plan)
    assert len({item for day in plan for item in day.outfit.ids}) == expected_items
    assert len({frozenset(day.outfit.ids) for day in plan}) == days  # no outfit twice


def test_the_packing_page_makes_a_planned_lookbook(alice_client, user, closet):
    response = alice_client.post(reverse("packing"), {"name": "Busan", "start": "2026-08-01", "end": "2026-08-03",
                                                      "temperature": "28", "occasions": ["travel", "date"]})
    lookbook = Lookbook.objects.get(owner=user, name="Busan")
    assert response.url == reverse("lookbook-detail", args=[lookbook.pk])
    assert OutfitPlan.objects.filter(outfit__lookbooks=lookbook).count() == 3
    page = alice_client.get(response.url).content.decode()
    assert "Pack " in page and page.count("<li><strong>") == 3  # one line per day


OWNED_URLS = [("get", "outfit-detail", {}), ("post", "outfit-clone", {}), ("post", "outfit-plan", {"day": "2026-12-24"}),
              ("post", "lookbook-add", {})]


@pytest.mark.parametrize("method, name, data", OWNED_URLS, ids=[name for _, name, _ in OWNED_URLS])
def test_another_persons_outfit_answers_404(client, user, other_user, closet, method, name, data):
    made = studio.save_outfit(owner=user, chosen={"onepiece": str(closet["dress"].pk)})
    client.force_login(other_user)
    assert getattr(client, method)(reverse(name, args=[made.pk]), data).status_code == 404
    assert Outfit.objects.count() == 1 and not OutfitPlan.objects.exists()


def test_another_persons_lookbook_and_items_stay_theirs(client, user, other_user, closet):
    lookbook = studio.create_lookbook(owner=user, name="Mine")
    made = studio.save_outfit(owner=user, chosen={"onepiece": str(closet["dress"].pk)})
    client.force_login(other_user)
    for name, method in (("lookbook-detail", "get"), ("lookbook-delete", "post")):
        assert getattr(client, method)(reverse(name, args=[lookbook.pk])).status_code == 404
    assert client.post(reverse("lookbook-remove", args=[lookbook.pk, made.pk])).status_code == 404
    assert client.post(reverse("outfit-swap", args=[made.pk, "onepiece"]), {"item": str(closet["dress"].pk)}).status_code == 404
    # Their items cannot be put into one's own outfit.
    response = client.post(reverse("outfit-studio"), pick(onepiece=closet["dress"]))
    assert response.status_code == 200 and not Outfit.objects.filter(owner=other_user).exists()
    assert str(closet["dress"].pk) not in client.get(reverse("outfit-studio")).content.decode()
    assert Lookbook.objects.filter(pk=lookbook.pk).exists()


@pytest.mark.parametrize("name", ["outfit-studio", "lookbooks", "packing"])
def test_studio_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url, data", [
    ("studio-from", None), ("studio-slot", {"slot_top": "nope", "name": "x"}), ("swap", {"item": "nope"}),
    ("lookbook", {"lookbook": "nope"})])
def test_an_id_that_is_not_one_gives_a_clear_answer_not_a_server_error(alice_client, user, closet, url, data):
    outfit = studio.save_outfit(owner=user, chosen={"top": str(closet["tee"].pk)})
    target = {"studio-from": reverse("outfit-studio") + "?from=nope", "studio-slot": reverse("outfit-studio"),
              "swap": reverse("outfit-swap", args=[outfit.pk, "top"]),
              "lookbook": reverse("lookbook-add", args=[outfit.pk])}[url]
    response = alice_client.post(target, data) if data else alice_client.get(target)
    assert response.status_code == {"studio-from": 404, "studio-slot": 200, "swap": 302, "lookbook": 404}[url]
    if url == "studio-slot":
        assert "not one of yours for this slot" in response.content.decode()
    assert Outfit.objects.filter(owner=user).count() == 1


def test_an_outfit_whose_item_is_being_analysed_again_still_opens_and_is_not_cloned(alice_client, user, closet):
    from wardrobe.models import Item

    outfit = studio.save_outfit(owner=user, chosen={"top": str(closet["tee"].pk), "bottom": str(closet["jeans"].pk)})
    Item.objects.filter(pk=closet["jeans"].pk).update(status=Item.Status.PROCESSING)
    swaps = alice_client.get(reverse("outfit-detail", args=[outfit.pk]) + "?swap=shoes")
    assert swaps.status_code == 200 and str(closet["sneakers"].pk) in swaps.content.decode()
    clone = alice_client.post(reverse("outfit-clone", args=[outfit.pk]), follow=True)
    assert clone.redirect_chain[-1][0] == reverse("outfit-detail", args=[outfit.pk])
    assert "not one of yours for this slot" in clone.content.decode()
    assert Outfit.objects.filter(owner=user).count() == 1
