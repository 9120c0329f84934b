"""The two standard outfit-compatibility tasks (Polyvore Outfits: Han et al. 2017;
Vasileva et al. 2018), scored with inference/outfits.compatibility:

- fill in the blank: one item of a real outfit is hidden; among it and 3 items of the same
  group from other outfits, the scorer picks the one that goes best with the rest (chance 0.25);
- compatibility AUC: real outfits against outfits whose every item was swapped for a random
  item of the same group from another outfit (chance 0.5).

Questions and swaps are drawn with a fixed seed; ties are broken at random, never in the
answer's favour.
"""

import random

from inference.outfits import Garment, compatibility

CANDIDATES = 4


def _pool_by_group(outfits: dict[str, list[Garment]]) -> dict[str, list[tuple[str, Garment]]]:
    pool: dict[str, list[tuple[str, Garment]]] = {}
    for outfit_id, items in outfits.items():
        for item in items:
            pool.setdefault(item.slot or "other", []).append((outfit_id, item))
    return pool


def fill_in_the_blank(outfits: dict[str, list[Garment]], *, seed: int = 0) -> tuple[float, int]:
    """(accuracy, questions): one question per outfit of two or more items."""
    rng = random.Random(seed)
    pool = _pool_by_group(outfits)
    right = asked = 0
    for outfit_id in sorted(outfits):
        items = outfits[outfit_id]
        if len(items) < 2:
            continue
        hidden = rng.choice(items)
        others = [item for owner, item in pool[hidden.slot or "other"] if owner != outfit_id]
        if len(others) < CANDIDATES - 1:
            continue  # too few items of its group to ask fairly
        candidates = [hidden] + rng.sample(others, CANDIDATES - 1)
        rest = [item for item in items if item is not hidden]
        scores = [(compatibility(rest + [candidate]), rng.random(), index) for index, candidate in enumerate(candidates)]
        right += max(scores)[2] == 0
        asked += 1
    return (right / asked if asked else 0.0), asked


def _negative(outfit_id, items, pool, rng) -> list[Garment]:
    swapped = []
    for item in items:
        others = [other for owner, other in pool[item.slot or "other"] if owner != outfit_id]
        swapped.append(rng.choice(others) if others else item)
    return swapped


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a real outfit outscores a swapped one (ties count half)."""
    if not positives or not negatives:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def compatibility_auc(outfits: dict[str, list[Garment]], *, seed: int = 0) -> float:
    rng = random.Random(seed)
    pool = _pool_by_group(outfits)
    real = {outfit_id: items for outfit_id, items in sorted(outfits.items()) if len(items) >= 2}
    positives = [compatibility(items) for items in real.values()]
    negatives = [compatibility(_negative(outfit_id, items, pool, rng)) for outfit_id, items in real.items()]
    return auc(positives, negatives)
