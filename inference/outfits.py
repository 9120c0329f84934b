"""Outfits from a closet: which items make one, how well they go together for a style,
an occasion, the weather and a budget, and why, in Korean and English.

Plain data in and out: the closet (wardrobe/outfits.py) turns its items into `Garment`s
and stores what comes back; `evaluate_outfits` scores product photos with the same
`compatibility`. No model and no training data: the rules below are the scorer, and a
user's likes and dislikes re-weight its terms and the item pairs they touched.

An outfit is a one-piece, or a top and a bottom; plus outerwear when the temperature
calls for it; plus shoes and a hat when the closet has them. One item per slot.

Temperature bands (°C; with rain or snow the outerwear rules read 3 °C colder):

    band      from  outerwear                                     warmth aimed at
    hot       28    none                                          1
    warm      23    none                                          2
    mild      17    optional, light (no coat, parka or padding)   3
    cool      12    light outerwear preferred                     4.5
    cold       5    outerwear when the closet has one             6
    freezing  -inf  outerwear, the warmer the better              9

Shoes join every outfit when the closet has them, a hat too except for work and formal
events. Warmth adds up the items' levels (WARMTH: a short-sleeve top 0.5, a sweater 2.5, jeans
1.5, a coat 3.5, a padded jacket 5), and each piece is also held to its slot's share of
the aim (shorts are not made warm by a padded coat). Without a temperature the season stands in for one.
"""

import colorsys
import functools
import itertools
import math
import random
from dataclasses import dataclass, field, replace

from inference import taxonomy
from inference.captions import en_list, ko_list

SLOTS = ("onepiece", "top", "bottom", "outerwear", "shoes", "hat")
SLOT_OF_GROUP = {"tops": "top", "bottoms": "bottom", "onepiece": "onepiece", "outerwear": "outerwear",
                 "shoes": "shoes", "hats": "hat"}
# Hand-made outfits may add a bag or an accessory (the "other" group); the scorer leaves it out.
ACCESSORY = "accessory"
# The slots an item of each slot can be worn with.
WORN_WITH = {"top": ("bottom", "outerwear", "shoes", "hat"), "bottom": ("top", "outerwear", "shoes", "hat"),
             "onepiece": ("outerwear", "shoes", "hat"), "outerwear": ("top", "bottom", "onepiece", "shoes", "hat"),
             "shoes": ("top", "bottom", "onepiece", "outerwear", "hat"),
             "hat": ("top", "bottom", "onepiece", "outerwear", "shoes")}

WARMTH = {
    "sleeveless_top": 0.0, "short_sleeve_top": 0.5, "blouse_shirt": 1.0, "long_sleeve_top": 1.0, "vest": 1.0,
    "training_top": 1.5, "hoodie": 2.0, "sweater": 2.5,
    "short_pants": 0.0, "short_skirt": 0.0, "skirt": 0.5, "long_skirt": 1.0, "training_bottom": 1.0,
    "jeans": 1.5, "long_pants": 1.5,
    "dress": 1.0,
    "cardigan": 1.0, "blazer": 1.5, "jacket": 2.0, "outerwear": 2.5, "coat": 3.5, "parka": 4.0, "padding": 5.0,
}
WARMTH_SLOTS = ("top", "bottom", "onepiece", "outerwear")
HEAVY_OUTERWEAR = {"coat", "parka", "padding", "outerwear"}
# (lowest °C, band, warmth aimed at)
BANDS = ((28, "hot", 1.0), (23, "warm", 2.0), (17, "mild", 3.0), (12, "cool", 4.5), (5, "cold", 6.0),
         (-math.inf, "freezing", 9.0))
SEASON_TEMPERATURE = {"spring": 15.0, "summer": 27.0, "autumn": 14.0, "winter": 2.0}
WET_SHIFT = 3.0

# What a category usually suits when the owner has not tagged styles.
CATEGORY_STYLES = {
    "blouse_shirt": {"office", "formal", "feminine", "minimal", "casual"},
    "hoodie": {"casual", "street", "sporty"},
    "long_sleeve_top": {"casual", "minimal"},
    "short_sleeve_top": {"casual", "street", "sporty", "minimal"},
    "sweater": {"casual", "minimal", "office", "vintage"},
    "training_top": {"sporty"},
    "vest": {"office", "vintage", "formal"},
    "sleeveless_top": {"casual", "feminine", "sporty"},
    "jeans": {"casual", "street", "vintage"},
    "long_pants": {"office", "formal", "minimal", "casual"},
    "long_skirt": {"feminine", "office", "vintage"},
    "short_pants": {"casual", "sporty", "street"},
    "short_skirt": {"feminine", "street", "casual"},
    "skirt": {"feminine", "casual"},
    "training_bottom": {"sporty"},
    "blazer": {"office", "formal", "minimal"},
    "cardigan": {"casual", "feminine", "vintage", "minimal"},
    "coat": {"formal", "office", "minimal"},
    "jacket": {"casual", "street", "vintage"},
    "parka": {"casual", "street", "sporty"},
    "padding": {"casual", "sporty", "street"},
    "outerwear": {"casual"},
    "dress": {"feminine", "formal"},
    "hat": {"casual", "street", "sporty"},
}
OCCASIONS = {
    # occasion: (styles that suit it, categories that do not)
    "daily": ({"casual", "minimal", "street"}, set()),
    "work": ({"office", "formal", "minimal"}, {"training_top", "training_bottom", "short_pants", "sleeveless_top",
                                               "hoodie"}),
    "date": ({"feminine", "minimal", "casual", "formal"}, {"training_top", "training_bottom"}),
    "exercise": ({"sporty"}, {"blazer", "coat", "dress", "long_skirt", "blouse_shirt", "short_skirt"}),
    "formal_event": ({"formal"}, {"training_top", "training_bottom", "hoodie", "short_pants", "jeans",
                                  "short_sleeve_top", "sleeveless_top", "padding"}),
    "travel": ({"casual", "sporty", "street"}, set()),
}
OCCASION_NAMES = {
    "daily": ("every day", "데일리"), "work": ("work", "출근"), "date": ("a date", "데이트"),
    "exercise": ("exercise", "운동"), "formal_event": ("a formal event", "격식 있는 자리"), "travel": ("travel", "여행"),
}

NEUTRALS = {"black", "charcoal", "gray", "white", "ivory", "beige", "navy", "denim", "brown", "khaki"}
LOUD = {"red", "orange", "yellow", "pink", "green", "purple", "blue"}

TERMS = ("warmth", "season", "colour", "style", "occasion", "feedback", "variety")
DEFAULT_WEIGHTS = {"warmth": 1.5, "season": 0.7, "colour": 1.2, "style": 1.0, "occasion": 1.0, "feedback": 1.0,
                   "variety": 0.5}
LEARNING_RATE = 0.3
WEIGHT_RANGE = (0.1, 3.0)
NO_HAT_OCCASIONS = {"work", "formal_event"}  # a hat is worn when the closet has one, except to these
SHARED_ITEM_PENALTY = 0.6  # per item an outfit shares with one already chosen
BEAM = 40
SHOP_PER_SLOT = 4
PER_SLOT = {"top": 14, "bottom": 14, "onepiece": 10, "outerwear": 8, "shoes": 6, "hat": 4}


@dataclass(frozen=True)
class Garment:
    # Derived values are cached on the instance (cached_property writes past frozen): the
    # beam asks for them hundreds of thousands of times.
    id: str
    category: str
    colors: tuple[tuple[str, float], ...] = ()  # (colour code, share), largest first
    seasons: frozenset = frozenset()  # empty: the category's usual seasons
    styles: frozenset = frozenset()  # empty: the category's usual styles
    price: float | None = None
    worn_days_ago: int | None = None
    recommended_days_ago: int | None = None
    from_shop: bool = False  # a catalog product, not the owner's

    @functools.cached_property
    def slot(self) -> str:
        return SLOT_OF_GROUP.get(taxonomy.group_of(self.category) if self.category in taxonomy.CATEGORY_BY_CODE
                                 else "", "")

    @functools.cached_property
    def main_color(self) -> str:
        return self.colors[0][0] if self.colors else ""

    @functools.cached_property
    def season_set(self) -> frozenset:
        term = taxonomy.CATEGORY_BY_CODE.get(self.category)
        return self.seasons or frozenset(term.seasons if term else ())

    @functools.cached_property
    def style_set(self) -> frozenset:
        return self.styles or frozenset(CATEGORY_STYLES.get(self.category, ()))


@dataclass(frozen=True)
class Request:
    style: str
    occasion: str = "daily"
    season: str = "spring"
    temperature: float | None = None
    precipitation: str = ""  # "", "rain" or "snow"
    budget: float | None = None
    count: int = 3
    seed: int = 0
    shop_items: int = 0  # catalog products an outfit may have

    @property
    def effective_temperature(self) -> float:
        return self.temperature if self.temperature is not None else SEASON_TEMPERATURE[self.season]

    @property
    def outerwear_temperature(self) -> float:
        return self.effective_temperature - (WET_SHIFT if self.precipitation else 0.0)


@dataclass
class Preferences:
    """What one person's feedback taught: term weights and item-pair affinities."""

    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    pair_affinity: dict = field(default_factory=dict)  # frozenset({id, id}) -> sum of likes (+1) and dislikes (-1)


@dataclass(frozen=True)
class Outfit:
    items: tuple[Garment, ...]
    score: float
    terms: dict
    price: float | None  # of the items whose price is known
    priced_items: int

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def by_slot(self) -> dict[str, Garment]:
        return {item.slot: item for item in self.items}


def band(temperature: float) -> tuple[str, float]:
    for lowest, name, warmth in BANDS:
        if temperature >= lowest:
            return name, warmth
    raise AssertionError("the last band has no lower bound")


def outerwear_rule(request: Request) -> str:
    """'none', 'light' (allowed, not heavy), 'wanted' (light preferred) or 'required'."""
    name, _ = band(request.outerwear_temperature)
    if request.temperature is None and not request.precipitation:
        return {"summer": "none", "winter": "required"}.get(request.season, "light")
    return {"hot": "none", "warm": "none", "mild": "light", "cool": "wanted"}.get(name, "required")


# --- Colour harmony -----------------------------------------------------------------------

def _hue(code: str) -> float:
    red, green, blue = (value / 255 for value in taxonomy.COLOR_BY_CODE[code].rgb)
    return colorsys.rgb_to_hsv(red, green, blue)[0] * 360


def color_pair_harmony(first: str, second: str) -> float:
    """0-1: neutrals go with everything, one colour with itself; hues close together
    (analogous) or opposite (complementary) go well, those a quarter turn apart clash."""
    if not first or not second:
        return 0.7  # unknown: neither good nor bad
    if first == second:
        return 0.9
    if first in NEUTRALS or second in NEUTRALS:
        return 1.0 if first in NEUTRALS and second in NEUTRALS else 0.95
    distance = abs(_hue(first) - _hue(second)) % 360
    distance = min(distance, 360 - distance)
    if distance <= 40:
        return 0.8
    if distance >= 150:
        return 0.7
    if distance >= 100:
        return 0.4
    return 0.1


def color_harmony(colors: list[str]) -> float:
    """Mean pair harmony, less for each loud colour beyond the first."""
    known = [code for code in colors if code]
    if len(known) < 2:
        return 0.7
    pairs = [color_pair_harmony(a, b) for a, b in itertools.combinations(known, 2)]
    loud = len(set(known) & LOUD)
    return max(0.0, sum(pairs) / len(pairs) - 0.4 * max(0, loud - 1))


# --- Scoring ------------------------------------------------------------------------------

def warmth_of(items) -> float:
    return sum(WARMTH.get(item.category, 0.0) for item in items)


def _share(items, keep) -> float:
    return sum(1 for item in items if keep(item)) / len(items) if items else 0.0


def compatibility_terms(items) -> dict:
    """How well the items go together, whatever the day: colours, a season in common,
    a style in common."""
    clothes = [item for item in items if item.slot not in ("shoes",)]
    seasons = [item.season_set for item in clothes if item.season_set]
    common_season = bool(seasons) and bool(frozenset.intersection(*seasons))
    styles = [item.style_set for item in clothes if item.style_set]
    style_overlap = (
        max(sum(1 for s in styles if style in s) for style in set().union(*styles)) / len(styles) if styles else 0.5)
    return {"colour": color_harmony([item.main_color for item in items]),
            "season": 1.0 if common_season else 0.3, "style": style_overlap}


def compatibility(items) -> float:
    """One number for "do these go together" (evaluate_outfits' scorer)."""
    terms = compatibility_terms(items)
    warmths = [WARMTH[item.category] for item in items if item.slot in ("top", "bottom") and item.category in WARMTH]
    # A sweater with shorts, a sleeveless top with wool trousers: warmth that disagrees.
    coherence = 1.0 - min(1.0, (max(warmths) - min(warmths)) / 2.5) if len(warmths) > 1 else 1.0
    return (DEFAULT_WEIGHTS["colour"] * terms["colour"] + DEFAULT_WEIGHTS["season"] * terms["season"]
            + DEFAULT_WEIGHTS["style"] * terms["style"] + 0.8 * coherence)


def _freshness(item: Garment) -> float:
    worn = 1.0 if item.worn_days_ago is None else min(1.0, item.worn_days_ago / 14)
    recommended = 1.0 if item.recommended_days_ago is None else min(1.0, 0.5 + item.recommended_days_ago / 6)
    return worn * recommended


def score_terms(items, request: Request, preferences: Preferences) -> dict:
    """Each term 0-1 (feedback -1-1); see the module's docstring for the bands."""
    _, aimed = band(request.effective_temperature)
    layered = [_item_warmth_fit(item, aimed) for item in items if item.slot in WARMTH_SLOTS]
    # The whole outfit's warmth, and each piece's: shorts under a padded coat are not warm.
    warmth = 0.5 * max(0.0, 1.0 - abs(warmth_of(items) - aimed) / 3.0) + 0.5 * (
        sum(layered) / len(layered) if layered else 0.0)
    clothes = [item for item in items if item.slot != "shoes"]
    liked, avoided = OCCASIONS[request.occasion]
    pairs = [preferences.pair_affinity.get(frozenset((a.id, b.id)), 0.0) for a, b in itertools.combinations(items, 2)]
    return {
        "warmth": warmth,
        "season": _share(clothes, lambda item: request.season in item.season_set),
        "colour": color_harmony([item.main_color for item in items]),
        "style": _share(clothes, lambda item: request.style in item.style_set),
        "occasion": max(0.0, _share(clothes, lambda item: bool(item.style_set & liked))
                        - _share(clothes, lambda item: item.category in avoided)),
        "feedback": sum(math.tanh(value / 2) for value in pairs) / len(pairs) if pairs else 0.0,
        "variety": sum(_freshness(item) for item in items) / len(items),
    }


def total(terms: dict, weights: dict) -> float:
    return sum(weights.get(name, DEFAULT_WEIGHTS[name]) * value for name, value in terms.items())


def learn(preferences: Preferences, outfit_ids, terms: dict, liked: bool) -> Preferences:
    """A like pulls the weights toward the terms this outfit was strong in (a dislike the
    other way), and marks each of its item pairs."""
    sign = 1.0 if liked else -1.0
    low, high = WEIGHT_RANGE
    weights = {name: min(high, max(low, preferences.weights.get(name, DEFAULT_WEIGHTS[name])
                                   + LEARNING_RATE * sign * (terms.get(name, 0.5) - 0.5)))
               for name in TERMS}
    affinity = dict(preferences.pair_affinity)
    for pair in itertools.combinations(sorted(outfit_ids), 2):
        affinity[frozenset(pair)] = affinity.get(frozenset(pair), 0.0) + sign
    return replace(preferences, weights=weights, pair_affinity=affinity)


# --- Generation ---------------------------------------------------------------------------

def allowed(item: Garment, request: Request) -> bool:
    if item.slot == "outerwear":
        rule = outerwear_rule(request)
        if rule == "none":
            return False
        if rule == "light" and item.category in HEAVY_OUTERWEAR:
            return False
    return bool(item.slot)


def _unary(item: Garment, request: Request, preferences: Preferences, jitter: float) -> float:
    """An item's own merit, to keep the best few of each slot before combining them."""
    liked, avoided = OCCASIONS[request.occasion]
    weights = preferences.weights
    _, aimed = band(request.effective_temperature)
    return (weights["warmth"] * _item_warmth_fit(item, aimed)
            + weights["style"] * (request.style in item.style_set)
            + weights["season"] * (request.season in item.season_set)
            + weights["occasion"] * ((bool(item.style_set & liked)) - (item.category in avoided))
            + weights["variety"] * _freshness(item) + jitter)


def _slot_warmth(slot: str, aimed: float) -> float:
    """The part of the aimed warmth an item of this slot should bring."""
    if slot == "top":
        return min(2.5, aimed * 0.45)
    if slot == "bottom":
        return min(1.5, aimed * 0.3)
    if slot == "onepiece":
        return min(2.0, aimed * 0.75)
    if slot == "outerwear":
        return min(5.0, max(1.0, aimed - 4.0))
    return 0.0


def _item_warmth_fit(item: Garment, aimed: float) -> float:
    if item.slot not in WARMTH_SLOTS:
        return 1.0
    return max(0.0, 1.0 - abs(WARMTH.get(item.category, 0.0) - _slot_warmth(item.slot, aimed)) / 2.5)


def _within_limits(items, request: Request) -> bool:
    """The budget, and at most `request.shop_items` products from the shop."""
    if sum(item.from_shop for item in items) > request.shop_items:
        return False
    return request.budget is None or sum(item.price or 0.0 for item in items) <= request.budget


def _make(items, request, preferences) -> Outfit:
    terms = score_terms(items, request, preferences)
    prices = [item.price for item in items if item.price is not None]
    return Outfit(items=tuple(items), score=round(total(terms, preferences.weights), 4),
                  terms={name: round(value, 4) for name, value in terms.items()},
                  price=sum(prices) if prices else None, priced_items=len(prices))


def _best(scored, closet_count: int, *, shop: int) -> list[Garment]:
    ranked = [item for _, item in sorted(scored, key=lambda pair: -pair[0])]
    return ([item for item in ranked if not item.from_shop][:closet_count]
            + [item for item in ranked if item.from_shop][:shop])


def candidates(closet, request: Request, preferences: Preferences | None = None, *,
               around: Garment | None = None) -> list[Outfit]:
    """Outfits worth showing, best first: the best few items of each slot, combined slot by
    slot (a beam), so a 500-item closet is scored in milliseconds. With `around`, every
    outfit holds that garment (what goes with one item): its slot holds it alone, and what
    cannot be worn with it is left out before the beam, not after."""
    preferences = preferences or Preferences()
    rng = random.Random(request.seed)
    by_slot: dict[str, list[Garment]] = {slot: [] for slot in SLOTS}
    for item in sorted(closet, key=lambda item: item.id):  # the seed, not the closet's order, decides ties
        if allowed(item, request):
            by_slot[item.slot].append((_unary(item, request, preferences, rng.uniform(0, 0.15)), item))
    kept = {slot: _best(scored, PER_SLOT[slot], shop=SHOP_PER_SLOT if request.shop_items else 0)
            for slot, scored in by_slot.items()}
    if around is not None:
        kept[around.slot] = [around]
        for slot in ("top", "bottom", "onepiece"):
            if slot != around.slot and slot not in WORN_WITH[around.slot]:
                kept[slot] = []

    bases = [(top, bottom) for top in kept["top"] for bottom in kept["bottom"]] + [(dress,) for dress in kept["onepiece"]]
    beams = [list(base) for base in bases if _within_limits(base, request)]
    rule = outerwear_rule(request)
    layers = [("outerwear", rule in ("required", "wanted") and bool(kept["outerwear"]),
               rule in ("light", "wanted", "required")),
              ("shoes", bool(kept["shoes"]), True),
              ("hat", bool(kept["hat"]) and request.occasion not in NO_HAT_OCCASIONS, True)]
    for slot, required, optional in layers:
        if around is not None and slot == around.slot:
            required = optional = True
        extended = [] if required else [list(beam) for beam in beams]
        if optional:
            for beam in beams:
                extended += [beam + [item] for item in kept[slot] if _within_limits(beam + [item], request)]
        ranked = sorted(extended, key=lambda items: -total(score_terms(items, request, preferences),
                                                          preferences.weights))
        beams = ranked[:BEAM] if ranked else beams
    return [_make(items, request, preferences) for items in beams]


def recommend(closet, request: Request, preferences: Preferences | None = None) -> list[Outfit]:
    """Up to `request.count` outfits, best first, that differ from each other: an outfit
    loses SHARED_ITEM_PENALTY for each item it shares with one already chosen."""
    pool = candidates(closet, request, preferences)
    chosen: list[Outfit] = []
    while pool and len(chosen) < request.count:
        def adjusted(outfit):
            shared = max((len(set(outfit.ids) & set(other.ids)) for other in chosen), default=0)
            return outfit.score - SHARED_ITEM_PENALTY * shared

        best = max(pool, key=lambda outfit: (adjusted(outfit), outfit.ids))
        chosen.append(best)
        pool = [outfit for outfit in pool if set(outfit.ids) != set(best.ids)]
    return chosen


def missing_for_an_outfit(closet, request: Request) -> list[str]:
    """Slots the closet lacks for any outfit (for the page's message): tops, bottoms, one-pieces."""
    slots = {item.slot for item in closet if allowed(item, request)}
    if "onepiece" in slots or {"top", "bottom"} <= slots:
        return []
    return [slot for slot in ("top", "bottom") if slot not in slots]


# --- Words ---------------------------------------------------------------------------------

def _color_names(outfit: Outfit) -> tuple[list[str], list[str]]:
    codes = list(dict.fromkeys(item.main_color for item in outfit.items if item.main_color))[:3]
    terms = [taxonomy.COLOR_BY_CODE[code] for code in codes]
    return [term.en.lower() for term in terms], [term.ko for term in terms]


def explain(outfit: Outfit, request: Request) -> dict[str, str]:
    """One line from the score terms, in both languages:
    "navy and white; warm enough for 8 °C with the coat; suits work"."""
    english, korean = [], []
    names_en, names_ko = _color_names(outfit)
    if names_en:
        harmony = outfit.terms["colour"]
        english.append(en_list(names_en) + (" go well together" if harmony >= 0.75 and len(names_en) > 1 else ""))
        korean.append(ko_list(names_ko) + (" 조합이 잘 어울려요" if harmony >= 0.75 and len(names_ko) > 1 else ""))
    outer = outfit.by_slot().get("outerwear")
    if request.temperature is not None:
        degrees = f"{request.temperature:g} °C"
        if outfit.terms["warmth"] >= 0.6:
            english.append(f"warm enough for {degrees}" + (f" with the {_name_en(outer)}" if outer else "")
                           if request.temperature < 20 else f"light enough for {degrees}")
            korean.append((f"{_name_ko(outer)}까지 입으면 " if outer else "") + f"{degrees}에 알맞은 두께"
                          if request.temperature < 20 else f"{degrees}에 가볍게 입기 좋아요")
        else:
            colder = warmth_of(outfit.items) < band(request.effective_temperature)[1]
            coatless = colder and not outer and outerwear_rule(request) in ("wanted", "required")
            english.append(f"too light for {degrees} without outerwear" if coatless
                           else f"a little {'light' if colder else 'warm'} for {degrees}")
            korean.append(f"겉옷 없이는 {degrees}에 얇아요" if coatless
                          else f"{degrees}에는 조금 {'얇아요' if colder else '더울 수 있어요'}")
    else:
        season = taxonomy.SEASON_BY_CODE[request.season]
        english.append(f"for {season.en.lower()}")
        korean.append(f"{season.ko}에 맞춘 옷차림")
    if request.precipitation:
        english.append(f"{request.precipitation} expected")
        korean.append("비 소식" if request.precipitation == "rain" else "눈 소식")
    style = taxonomy.STYLE_BY_CODE[request.style]
    occasion_en, occasion_ko = OCCASION_NAMES[request.occasion]
    if outfit.terms["style"] >= 0.5:
        english.append(f"{style.en.lower()}, for {occasion_en}")
        korean.append(f"{occasion_ko}에 어울리는 {style.ko} 스타일")
    else:
        english.append(f"for {occasion_en}")
        korean.append(f"{occasion_ko}용")
    shop = [item for item in outfit.items if item.from_shop]
    if shop:
        english.append("with " + en_list([_name_en(item) for item in shop]) + " from the shop")
        korean.append("쇼핑몰 " + ko_list([_name_ko(item) for item in shop]) + " 포함")
    if outfit.terms["feedback"] > 0.2:
        english.append("pairs you liked before")
        korean.append("전에 좋아하신 조합")
    return {"en": "; ".join(english), "ko": " · ".join(korean)}


def _name_en(item: Garment) -> str:
    term = taxonomy.CATEGORY_BY_CODE[item.category]
    return term.en.split(" (")[0].split(" / ")[0].lower()


def _name_ko(item: Garment) -> str:
    return taxonomy.CATEGORY_BY_CODE[item.category].ko.split(" (")[0].split("/")[0]


def price_tag(amount: float) -> dict[str, str]:
    """#5만원 / #₩50,000 (the closet's prices are in won)."""
    won = int(round(amount, -3)) if amount >= 1000 else int(round(amount))
    if won >= 10000:
        korean = f"{won / 10000:g}만원"
    else:
        korean = f"{won:,}원"
    return {"ko": f"#{korean}", "en": f"#₩{won:,}"}


def hashtags(outfit: Outfit, request: Request) -> dict[str, list[str]]:
    style = taxonomy.STYLE_BY_CODE[request.style]
    occasion_en, occasion_ko = OCCASION_NAMES[request.occasion]
    tags = {"ko": [f"#{style.ko}", "#옷장코디", f"#{occasion_ko.replace(' ', '')}"],
            "en": [f"#{style.en.lower()}", "#from my closet", f"#{occasion_en.removeprefix('a ')}"]}
    if any(item.from_shop for item in outfit.items):
        tags["ko"].append("#쇼핑몰아이템")
        tags["en"].append("#from the shop")
    if outfit.price:
        price = price_tag(outfit.price)
        for language in tags:
            tags[language].append(price[language])
    return tags
