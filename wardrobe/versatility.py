"""How many outfits the scorer accepts around each item, and around an item the closet
does not have yet: the cleanout's "low versatility" and its "what's missing".

The rule (`accepts`), on `inference.outfits.compatibility_terms` (the day-independent
terms) and `compatibility`'s warmth coherence:

    colour   >= 0.5   no clashing pair of main colours, at most one loud colour
    season   == 1.0   the clothes (shoes aside) share a season
    style    >  0.5   more than half of the clothes share a style
    coherence >= 0.4  a top's and a bottom's warmth differ by at most 1.5 (no sweater with shorts)

The outfits counted:

    a top, a bottom, shoes      or  a one-piece, shoes    (when the closet has shoes)
    a top, a bottom             or  a one-piece           (when it has none)

and for outerwear and hats, the top-and-bottom or one-piece outfits they can be added to
(shoes left out of that count). An item's count is the number of accepted outfits it is in.

Counting every combination is a few million checks for a 500-item closet, so the terms
are taken apart: colour harmony depends only on the main colours (a table per process from
`scorer.color_harmony`), season and style on bit masks, coherence on warmth; numpy combines
them. tests/test_cleanout.py checks the counts against `accepts` on every combination.
"""

import functools
import itertools
from dataclasses import dataclass

import numpy as np

from inference import outfits as scorer
from inference import taxonomy

MIN_COLOUR = 0.5
MIN_STYLE = 0.5  # strictly more
MIN_COHERENCE = 0.4
LAYERS = ("outerwear", "hat")
LAYER_CHUNK = 32  # layers scored at once: bounds the arrays to a few MB

COLOR_CODES = [color.code for color in taxonomy.COLORS] + [""]  # "" = unknown, last
COLOR_INDEX = {code: index for index, code in enumerate(COLOR_CODES)}
UNKNOWN = len(COLOR_CODES) - 1
SEASON_BIT = {season.code: 1 << index for index, season in enumerate(taxonomy.SEASONS)}
STYLE_BIT = {style.code: 1 << index for index, style in enumerate(taxonomy.STYLES)}
ALL_SEASONS = sum(SEASON_BIT.values())
ALL_STYLES = sum(STYLE_BIT.values())


# --- The rule, as the scorer says it ---------------------------------------------------------

def coherence(items) -> float:
    """inference.outfits.compatibility's warmth coherence of the top and bottom."""
    warmths = [scorer.WARMTH[item.category] for item in items
               if item.slot in ("top", "bottom") and item.category in scorer.WARMTH]
    return 1.0 - min(1.0, (max(warmths) - min(warmths)) / 2.5) if len(warmths) > 1 else 1.0


def accepts(items) -> bool:
    """The acceptance rule on one outfit (the reference the counts below must match)."""
    terms = scorer.compatibility_terms(items)
    return (terms["colour"] >= MIN_COLOUR and terms["season"] == 1.0 and terms["style"] > MIN_STYLE
            and coherence(items) >= MIN_COHERENCE)


# --- Tables and encodings ------------------------------------------------------------------------

@functools.cache
def _colour_tables() -> tuple[np.ndarray, np.ndarray]:
    """Whether two or three main colours pass the colour term (unknown colours included)."""
    n = len(COLOR_CODES)
    two = np.zeros((n, n), dtype=bool)
    three = np.zeros((n, n, n), dtype=bool)
    for a, b in itertools.product(range(n), repeat=2):
        two[a, b] = scorer.color_harmony([COLOR_CODES[a], COLOR_CODES[b]]) >= MIN_COLOUR
    for a, b, c in itertools.combinations_with_replacement(range(n), 3):
        value = scorer.color_harmony([COLOR_CODES[a], COLOR_CODES[b], COLOR_CODES[c]]) >= MIN_COLOUR
        for order in set(itertools.permutations((a, b, c))):
            three[order] = value
    return two, three


def _mask(codes, bits) -> int:
    return sum(bits[code] for code in codes if code in bits)


@dataclass
class _Slot:
    ids: list
    colour: np.ndarray  # index into COLOR_CODES
    season: np.ndarray  # bit mask of the season set (tagged, else the category's)
    style: np.ndarray  # bit mask of the style set
    warmth: np.ndarray  # NaN when the category has none
    size: int


def _encode(garments) -> _Slot:
    known: dict = {}  # (category, seasons, styles) -> (season mask, style mask, warmth)
    colours, seasons, styles, warmths = [], [], [], []
    for garment in garments:
        key = (garment.category, garment.seasons, garment.styles)
        masks = known.get(key)
        if masks is None:
            masks = known[key] = (_mask(garment.season_set, SEASON_BIT), _mask(garment.style_set, STYLE_BIT),
                                  scorer.WARMTH.get(garment.category, np.nan))
        colours.append(COLOR_INDEX.get(garment.colors[0][0] if garment.colors else "", UNKNOWN))
        seasons.append(masks[0])
        styles.append(masks[1])
        warmths.append(masks[2])
    return _Slot(ids=[garment.id for garment in garments], colour=np.array(colours, dtype=np.intp),
                 season=np.array(seasons, dtype=np.uint8), style=np.array(styles, dtype=np.uint8),
                 warmth=np.array(warmths, dtype=float), size=len(garments))


class Closet:
    """A closet encoded once for several counts (`outfit_counts`, `added_counts`)."""

    def __init__(self, garments):
        self.garments = list(garments)
        by_slot: dict[str, list] = {slot: [] for slot in scorer.SLOTS}
        for garment in self.garments:
            if garment.slot in by_slot:
                by_slot[garment.slot].append(garment)
        self.slots = {slot: _encode(items) for slot, items in by_slot.items()}


def _by_slot(closet) -> dict[str, _Slot]:
    return (closet if isinstance(closet, Closet) else Closet(closet)).slots


# --- Terms over broadcast arrays --------------------------------------------------------------------

def _season_ok(*masks) -> np.ndarray:
    """A season in common among the clothes with a season set (at least one has one)."""
    common = functools.reduce(np.bitwise_and, [np.where(mask == 0, ALL_SEASONS, mask) for mask in masks])
    return (common != 0) & functools.reduce(np.logical_or, [mask != 0 for mask in masks])


def _style_ok(*masks) -> np.ndarray:
    """More than half of the clothes with a style set share one: for up to three pieces,
    exactly one has a set, or some two share a style."""
    nonempty = sum((mask != 0).astype(np.int8) for mask in masks)
    shared = functools.reduce(np.logical_or, [(a & b) != 0 for a, b in itertools.combinations(masks, 2)],
                              np.zeros((), dtype=bool))
    return (nonempty == 1) | shared


def _coherent(top_warmth, bottom_warmth) -> np.ndarray:
    difference = np.abs(top_warmth - bottom_warmth)
    value = 1.0 - np.minimum(1.0, difference / 2.5)
    return np.where(np.isnan(difference), True, value >= MIN_COHERENCE)


def _pair_base(top: _Slot, bottom: _Slot) -> np.ndarray:
    """(top x bottom): season, style and coherence of the pair (colour aside)."""
    t_season, b_season = top.season[:, None], bottom.season[None, :]
    t_style, b_style = top.style[:, None], bottom.style[None, :]
    return (_season_ok(t_season, b_season) & _style_ok(t_style, b_style)
            & _coherent(top.warmth[:, None], bottom.warmth[None, :]))


def _alone_ok(piece: _Slot) -> np.ndarray:
    """A one-piece as an outfit of its own: a season set and a style set."""
    return _season_ok(piece.season) & _style_ok(piece.style)


# --- Counts ------------------------------------------------------------------------------------------

def _nonempty(mask: np.ndarray) -> np.ndarray:
    return (mask != 0).astype(np.int8)


def _layer_counts(slots: dict[str, _Slot], layer: _Slot) -> np.ndarray:
    """For each layer item: the top-and-bottom and one-piece outfits it can be added to.
    `_season_ok` and `_style_ok` of three pieces, with the top-and-bottom part computed once."""
    two, three = _colour_tables()
    top, bottom, onepiece = slots["top"], slots["bottom"], slots["onepiece"]
    counts = np.zeros(layer.size, dtype=np.int64)
    if top.size and bottom.size and layer.size:
        effective = lambda mask: np.where(mask == 0, ALL_SEASONS, mask).astype(np.uint8)  # noqa: E731
        pair_season = effective(top.season)[:, None] & effective(bottom.season)[None, :]
        pair_has_season = (top.season[:, None] | bottom.season[None, :]) != 0
        pair_shared_style = (top.style[:, None] & bottom.style[None, :]) != 0
        pair_styled = _nonempty(top.style)[:, None] + _nonempty(bottom.style)[None, :]
        pair_fits = _coherent(top.warmth[:, None], bottom.warmth[None, :])
        colour_slab = three[top.colour[:, None], bottom.colour[None, :], :]  # top x bottom x layer colour
        for start in range(0, layer.size, LAYER_CHUNK):
            part = slice(start, start + LAYER_CHUNK)
            season, style, colour = layer.season[part], layer.style[part], layer.colour[part]
            season_ok = ((pair_season[:, :, None] & effective(season)[None, None, :]) != 0) & (
                pair_has_season[:, :, None] | (season != 0)[None, None, :])
            style_ok = (pair_shared_style[:, :, None]
                        | ((top.style[:, None] & style[None, :]) != 0)[:, None, :]
                        | ((bottom.style[:, None] & style[None, :]) != 0)[None, :, :]
                        | ((pair_styled[:, :, None] + _nonempty(style)[None, None, :]) == 1))
            ok = colour_slab[:, :, colour] & season_ok & style_ok & pair_fits[:, :, None]
            counts[part] += ok.sum(axis=(0, 1))
    if onepiece.size and layer.size:
        ok = (two[onepiece.colour[:, None], layer.colour[None, :]]
              & _season_ok(onepiece.season[:, None], layer.season[None, :])
              & _style_ok(onepiece.style[:, None], layer.style[None, :]))
        counts += ok.sum(axis=0)
    return counts


def outfit_counts(closet) -> dict[str, int]:
    """{garment id: accepted outfits it is in} for every garment with a slot."""
    two, three = _colour_tables()
    slots = _by_slot(closet)
    top, bottom, onepiece, shoes = slots["top"], slots["bottom"], slots["onepiece"], slots["shoes"]
    counts = {slot: np.zeros(encoded.size, dtype=np.int64) for slot, encoded in slots.items()}
    pair_base = _pair_base(top, bottom)
    alone = _alone_ok(onepiece)
    if shoes.size:
        full = three[top.colour[:, None, None], bottom.colour[None, :, None], shoes.colour[None, None, :]] \
            & pair_base[:, :, None]
        with_dress = two[onepiece.colour[:, None], shoes.colour[None, :]] & alone[:, None]
        counts["top"] += full.sum(axis=(1, 2))
        counts["bottom"] += full.sum(axis=(0, 2))
        counts["shoes"] += full.sum(axis=(0, 1)) + with_dress.sum(axis=0)
        counts["onepiece"] += with_dress.sum(axis=1)
    else:
        pairs = two[top.colour[:, None], bottom.colour[None, :]] & pair_base
        counts["top"] += pairs.sum(axis=1)
        counts["bottom"] += pairs.sum(axis=0)
        counts["onepiece"] += alone
    for layer in LAYERS:
        counts[layer] += _layer_counts(slots, slots[layer])
    return {garment_id: int(count) for slot, encoded in slots.items()
            for garment_id, count in zip(encoded.ids, counts[slot])}


def added_counts(closet, newcomers) -> dict[str, int]:
    """{newcomer id: accepted outfits it would make with the closet}, each newcomer on its
    own (they are garments the closet does not hold, e.g. one per category and colour)."""
    slots = _by_slot(closet)
    result = {}
    by_slot: dict[str, list] = {}
    for garment in newcomers:
        by_slot.setdefault(garment.slot, []).append(garment)
    for slot, garments in by_slot.items():
        extended = {**slots, slot: _encode(list(garments))}
        counts = _newcomer_counts(slot, extended, slots)
        result.update({garment.id: int(count) for garment, count in zip(garments, counts)})
    return result


def _newcomer_counts(slot: str, extended: dict[str, _Slot], closet: dict[str, _Slot]) -> np.ndarray:
    two, three = _colour_tables()
    new = extended[slot]
    top, bottom, onepiece, shoes = closet["top"], closet["bottom"], closet["onepiece"], closet["shoes"]
    if slot in LAYERS:
        return _layer_counts(closet, new)
    if slot == "shoes":
        pair_base = _pair_base(top, bottom)
        counts = (three[top.colour[:, None, None], bottom.colour[None, :, None], new.colour[None, None, :]]
                  & pair_base[:, :, None]).sum(axis=(0, 1))
        return counts + (two[onepiece.colour[:, None], new.colour[None, :]] & _alone_ok(onepiece)[:, None]).sum(axis=0)
    if slot == "onepiece":
        alone = _alone_ok(new)
        if shoes.size:
            return (two[new.colour[:, None], shoes.colour[None, :]] & alone[:, None]).sum(axis=1)
        return alone.astype(np.int64)
    # A top or a bottom: outfits with the other half (and shoes, when there are any).
    tops, bottoms = (new, bottom) if slot == "top" else (top, new)
    pair_base = _pair_base(tops, bottoms)
    if shoes.size:
        full = three[tops.colour[:, None, None], bottoms.colour[None, :, None], shoes.colour[None, None, :]] \
            & pair_base[:, :, None]
        return full.sum(axis=(1, 2)) if slot == "top" else full.sum(axis=(0, 2))
    pairs = two[tops.colour[:, None], bottoms.colour[None, :]] & pair_base
    return pairs.sum(axis=1) if slot == "top" else pairs.sum(axis=0)


def counts_by_enumeration(closet) -> dict[str, int]:
    """The same counts as `outfit_counts`, by `accepts` on every outfit: the reference for
    tests (slow beyond a few dozen items)."""
    by_slot = {slot: [garment for garment in closet if garment.slot == slot] for slot in scorer.SLOTS}
    bases = [(top, bottom) for top in by_slot["top"] for bottom in by_slot["bottom"]] + \
        [(dress,) for dress in by_slot["onepiece"]]
    full = [base + (shoes,) for base in bases for shoes in by_slot["shoes"]] if by_slot["shoes"] else bases
    counts = {garment.id: 0 for slot in scorer.SLOTS for garment in by_slot[slot]}
    for outfit in full:
        if accepts(outfit):
            for garment in outfit:
                counts[garment.id] += 1
    for layer in LAYERS:
        for item in by_slot[layer]:
            counts[item.id] += sum(accepts(base + (item,)) for base in bases)
    return counts
