"""The owner's corrections count at once.

A new photo's category is the garment model's probabilities blended with a vote of the
owner's confirmed items that look most like it (cosine of the embeddings): items whose
category the owner set or confirmed ("Looks right", `services.confirm_category`, both
record "category" in `user_edited_fields`), or an admin reviewed, among the owner's 100
items nearest to the photo. Nothing is retrained; only the owner's own items count.

The vote is in the model's classes (a confirmed "jeans" votes for `long_pants`, a
"short_skirt" for `skirt`: `inference.training.labels.class_for_label`), as the
simulation that chose its parameters measured it (`inference.garment.NeighbourBlend`,
MODEL_CARD.md "Personalisation"). The category shown is the blend's class, in the
owner's own words when their voting items of that class carry a finer category.

The confidence kept on the item (which the review queue reads) stays the model's own
calibrated probability of the class shown: the blended probability is a worse signal
for review (measured: at the same threshold it sent 6-12 points more photos to review,
and at equal review load it left more errors unreviewed), and a class the blend chose
against the model always has a model probability below one half, so it goes to review.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Case, CharField, F, Q, When

from inference.training.labels import class_for_label
from wardrobe.models import Item
from wardrobe.similarity import nearest_items

# The confirmed items are looked for among the owner's items nearest to the photo: their
# closest confirmed ones beyond these would weigh little (and cost a longer query).
CANDIDATES = 100


@dataclass(frozen=True)
class Personalised:
    category: str  # the blend's class, or the owner's finer category for it
    confidence: float  # the model's own probability of that class
    top: list[tuple[str, float]]  # the blend's three likeliest classes
    blended_confidence: float  # the blend's probability of the class shown
    neighbours: int  # confirmed items that voted
    weight: float  # w: the vote's share of the blend


@functools.cache
def _blend_for(model_dir: str):
    from inference.garment import DEFAULT_WEIGHTS_DIR, NeighbourBlend

    path = Path(model_dir or DEFAULT_WEIGHTS_DIR) / "metadata.json"
    try:
        metadata = json.loads(path.read_text())
    except (OSError, ValueError):
        metadata = {}
    return NeighbourBlend.of(metadata)


def blend_parameters():
    """The blend of the configured garment model (read once per process)."""
    return _blend_for(settings.GARMENT_MODEL_DIR or "")


def confirmed_category(item: Item) -> str:
    """The category a person vouched for: the owner's own, else an admin's review; ''."""
    if "category" in item.user_edited_fields and item.category:
        return item.category
    return item.reviewed_category or ""


def confirmed_neighbours(*, owner_id, version: str, vector, exclude_id=None,
                         candidates: int = CANDIDATES) -> tuple[np.ndarray, list[str]]:
    """Similarities (best first) and categories (as `confirmed_category` says) of the
    owner's confirmed items among their `candidates` items most like `vector`, embedded
    by this model version. The vectors come from the in-memory table similar items use
    (wardrobe/similarity.py); one query reads the candidates' confirmed categories."""
    ranked = nearest_items(owner_id=owner_id, version=version, vector=np.asarray(vector, dtype=np.float32),
                           limit=candidates, exclude_id=exclude_id)
    if not ranked:
        return np.zeros(0), []
    score = dict(ranked)
    # A list of field names holds the quoted name "category" only when the owner set it.
    owners = Q(user_edited_fields__icontains='"category"') & Q(category__gt="")
    # By primary key alone (an owner filter leads SQLite to scan all the owner's rows);
    # the owner is checked on each row.
    rows = (Item.objects.filter(pk__in=list(score))
            .filter(owners | Q(reviewed_category__gt=""))
            .annotate(confirmed=Case(When(owners, then=F("category")), default=F("reviewed_category"),
                                     output_field=CharField()))
            .order_by().values_list("pk", "owner_id", "confirmed"))
    found = sorted(((score[pk], code) for pk, owner, code in rows if owner == owner_id), key=lambda entry: -entry[0])
    return np.array([similarity for similarity, _ in found]), [code for _, code in found]


def personalise(*, owner_id, probabilities: dict[str, float], vector, version: str,
                exclude_id=None, blend=None) -> Personalised | None:
    """The model's probabilities (class -> p) moved toward the owner's confirmed items
    like this photo; None when none of them counts (the model's own result stands)."""
    if vector is None or not probabilities:
        return None
    similarities, categories = confirmed_neighbours(owner_id=owner_id, version=version, vector=vector,
                                                    exclude_id=exclude_id)
    voting = [(s, code, class_for_label(code)) for s, code in zip(similarities, categories)]
    voting = [(s, code, cls) for s, code, cls in voting if cls]
    if not voting:
        return None
    blend = blend or blend_parameters()
    classes = list(probabilities) + sorted({cls for _, _, cls in voting} - set(probabilities))
    index = {cls: i for i, cls in enumerate(classes)}
    model = np.array([[probabilities.get(cls, 0.0) for cls in classes]])
    votes = np.zeros((len(voting), len(classes)))
    votes[np.arange(len(voting)), [index[cls] for _, _, cls in voting]] = 1.0
    sims = np.array([[s for s, _, _ in voting]])
    blended, weight, counts = blend.blend(model, sims, votes)
    if weight[0] <= 0:
        return None
    row = blended[0]
    best = int(np.argmax(row))
    shown_class = classes[best]
    # The owner's word for that class: their voting items' finer category, by vote weight.
    words: dict[str, float] = {}
    for s, code, cls in voting[:int(counts[0])]:
        if cls == shown_class:
            words[code] = words.get(code, 0.0) + max(float(s), 0.0) ** blend.power
    category = max(words, key=words.get) if words and max(words.values()) > 0 else shown_class
    ranked = np.argsort(-row)[:3]
    return Personalised(
        category=category, confidence=round(float(model[0, best]), 4),
        top=[(classes[i], round(float(row[i]), 4)) for i in ranked],
        blended_confidence=round(float(row[best]), 4),
        neighbours=int(counts[0]), weight=round(float(weight[0]), 4))
