"""The outfit scorer and generator (inference/outfits.py), on many random closets: slot
rules, temperature rules, budget, determinism, variety; colour harmony; learning."""

import random

import pytest

from inference import outfits, taxonomy
from inference.outfits import Garment, Preferences, Request

CATEGORIES = [c.code for c in taxonomy.CATEGORIES if c.group != "other"]
COLOURS = [c.code for c in taxonomy.COLORS]
SEEDS = range(40)


def random_closet(seed: int, size: int = 60) -> list[Garment]:
    rng = random.Random(seed)
    return [Garment(id=f"{seed}-{k}", category=rng.choice(CATEGORIES), colors=((rng.choice(COLOURS), 0.7),),
                    price=rng.choice([None, 15000.0, 30000.0, 80000.0]),
                    worn_days_ago=rng.choice([None, 0, 3, 30])) for k in range(size)]


def random_request(seed: int, **options) -> Request:
    rng = random.Random(seed)
    values = {"style": rng.choice([s.code for s in taxonomy.STYLES]), "occasion": rng.choice(list(outfits.OCCASIONS)),
              "season": rng.choice(list(outfits.SEASON_TEMPERATURE)),
              "temperature": rng.choice([None, -8.0, 3.0, 10.0, 15.0, 20.0, 25.0, 31.0]),
              "precipitation": rng.choice(["", "", "rain", "snow"]), "count": rng.randint(2, 6), "seed": seed}
    return Request(**{**values, **options})


@pytest.mark.parametrize("seed", SEEDS)
def test_every_outfit_follows_the_slot_rules(seed):
    closet = random_closet(seed)
    request = random_request(seed)
    made = outfits.recommend(closet, request)
    assert 2 <= len(made) <= request.count
    has = {item.slot for item in closet}
    for outfit in made:
        slots = [item.slot for item in outfit.items]
        assert len(slots) == len(set(slots)), "two items of one slot"
        assert ("onepiece" in slots) != ({"top", "bottom"} <= set(slots)), "a one-piece, or a top and a bottom"
        assert "shoes" in slots or "shoes" not in has
        if request.occasion not in outfits.NO_HAT_OCCASIONS:
            assert "hat" in slots or "hat" not in has


@pytest.mark.parametrize("seed", SEEDS)
def test_temperature_rules(seed):
    closet = random_closet(seed)
    for outfit in outfits.recommend(closet, random_request(seed, temperature=30.0, precipitation="")):
        assert not any(item.slot == "outerwear" for item in outfit.items)
    for outfit in outfits.recommend(closet, random_request(seed, temperature=19.0, precipitation="")):
        assert not any(item.category in outfits.HEAVY_OUTERWEAR for item in outfit.items)
    if any(item.slot == "outerwear" for item in closet):
        for outfit in outfits.recommend(closet, random_request(seed, temperature=0.0)):
            assert any(item.slot == "outerwear" for item in outfit.items)


def test_cold_days_get_the_warm_coat_and_hot_days_the_light_top():
    closet = [Garment("tee", "short_sleeve_top", (("white", 1),)), Garment("knit", "sweater", (("white", 1),)),
              Garment("jeans", "jeans", (("denim", 1),)), Garment("shorts", "short_pants", (("denim", 1),)),
              Garment("padding", "padding", (("black", 1),)), Garment("cardigan", "cardigan", (("black", 1),))]
    cold = outfits.recommend(closet, Request(style="casual", temperature=-5, season="winter", count=2))[0]
    assert {"knit", "jeans", "padding"} <= set(cold.ids)
    hot = outfits.recommend(closet, Request(style="casual", temperature=31, season="summer", count=2))[0]
    assert set(hot.ids) == {"tee", "shorts"}


def test_rain_calls_for_outerwear_a_band_earlier():
    closet = [Garment("tee", "long_sleeve_top"), Garment("jeans", "jeans"), Garment("jacket", "jacket")]
    assert outfits.outerwear_rule(Request(style="casual", temperature=13.5)) == "wanted"
    assert outfits.outerwear_rule(Request(style="casual", temperature=13.5, precipitation="rain")) == "required"
    wet = outfits.recommend(closet, Request(style="casual", temperature=13.5, precipitation="rain", count=2))
    assert all("jacket" in outfit.ids for outfit in wet)


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_the_same_seed_gives_the_same_outfits_in_any_closet_order(seed):
    closet = random_closet(seed)
    request = random_request(seed)
    first = [outfit.ids for outfit in outfits.recommend(closet, request)]
    shuffled = closet[:]
    random.Random(99).shuffle(shuffled)
    assert [outfit.ids for outfit in outfits.recommend(shuffled, request)] == first


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_the_outfits_differ_from_each_other(seed):
    made = outfits.recommend(random_closet(seed, size=120), random_request(seed, count=5))
    assert len({frozenset(outfit.ids) for outfit in made}) == len(made)
    # More than one top/bottom/one-piece across the five: not one outfit with other shoes.
    bases = {frozenset(item.id for item in outfit.items if item.slot in ("top", "bottom", "onepiece"))
             for outfit in made}
    assert len(bases) >= 3


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_a_budget_is_never_exceeded(seed):
    for outfit in outfits.recommend(random_closet(seed), random_request(seed, budget=90000.0)):
        assert (outfit.price or 0) <= 90000


def test_items_worn_lately_give_way():
    fresh = [Garment("tee-a", "short_sleeve_top"), Garment("tee-b", "short_sleeve_top", worn_days_ago=0),
             Garment("shorts", "short_pants")]
    best = outfits.recommend(fresh, Request(style="casual", temperature=28, count=2))[0]
    assert "tee-a" in best.ids


def test_closet_without_bottoms_says_so():
    closet = [Garment("tee", "short_sleeve_top"), Garment("shoes", "shoes")]
    request = Request(style="casual")
    assert outfits.recommend(closet, request) == []
    assert outfits.missing_for_an_outfit(closet, request) == ["bottom"]


# --- Colour harmony -------------------------------------------------------------------------

def test_neutrals_go_with_everything():
    for colour in COLOURS:
        assert outfits.color_pair_harmony("navy", colour) >= 0.9


def test_close_and_opposite_hues_beat_a_quarter_turn():
    analogous = outfits.color_pair_harmony("red", "orange")
    complementary = outfits.color_pair_harmony("blue", "orange")
    clash = outfits.color_pair_harmony("yellow", "green")
    assert analogous > clash and complementary > clash


def test_at_most_one_loud_colour():
    one_accent = outfits.color_harmony(["red", "white", "black"])
    two_loud = outfits.color_harmony(["red", "green", "black"])
    assert one_accent > two_loud
    assert outfits.color_harmony(["red", "red", "white"]) > two_loud  # the same loud colour twice is one


# --- Learning from feedback --------------------------------------------------------------------

def test_a_dislike_moves_that_outfit_down_and_a_like_moves_one_up():
    closet = [Garment("white-tee", "short_sleeve_top", (("white", 1),)),
              Garment("navy-tee", "short_sleeve_top", (("navy", 1),)),
              Garment("jeans", "jeans", (("denim", 1),)), Garment("chinos", "long_pants", (("beige", 1),))]
    request = Request(style="casual", temperature=24, count=4, seed=1)
    before = outfits.candidates(closet, request)
    top, last = before[0], before[-1]
    learned = outfits.learn(Preferences(), top.ids, top.terms, liked=False)
    learned = outfits.learn(learned, last.ids, last.terms, liked=True)
    after = [outfit.ids for outfit in outfits.candidates(closet, request, learned)]
    assert after.index(top.ids) > 0
    assert after.index(last.ids) < len(before) - 1


def test_learned_weights_stay_in_range():
    learned = Preferences()
    for _ in range(50):
        learned = outfits.learn(learned, ("a", "b"), {name: 1.0 for name in outfits.TERMS}, liked=True)
    assert all(outfits.WEIGHT_RANGE[0] <= w <= outfits.WEIGHT_RANGE[1] for w in learned.weights.values())


# --- Words -------------------------------------------------------------------------------------

def test_explanation_and_hashtags_in_both_languages():
    closet = [Garment("tee", "long_sleeve_top", (("white", 1),), price=20000.0),
              Garment("jeans", "jeans", (("navy", 1),), price=30000.0),
              Garment("coat", "coat", (("beige", 1),))]
    request = Request(style="casual", occasion="work", temperature=8, season="autumn", count=2)
    best = outfits.recommend(closet, request)[0]
    text = outfits.explain(best, request)
    assert "8 °C" in text["en"] and "with the coat" in text["en"] and "for work" in text["en"]
    assert "코트까지 입으면 8 °C" in text["ko"] and "출근" in text["ko"]
    tags = outfits.hashtags(best, request)
    assert tags["ko"][:2] == ["#캐주얼", "#옷장코디"] and tags["ko"][-1] == "#5만원"
    assert tags["en"][-1] == "#₩50,000"


def test_price_tags():
    assert outfits.price_tag(50000) == {"ko": "#5만원", "en": "#₩50,000"}
    assert outfits.price_tag(53400) == {"ko": "#5.3만원", "en": "#₩53,000"}
    assert outfits.price_tag(9000) == {"ko": "#9,000원", "en": "#₩9,000"}
