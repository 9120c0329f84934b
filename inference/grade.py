"""Reuse, recycle or dispose, from the detected stains and damage, by a written policy.

Policy (each threshold a setting, see GradePolicy):
- a detection counts when its confidence is at least `min_confidence`;
- **dispose** when damage (holes, tears) covers at least `dispose_damage_area` of the
  garment, or stains cover at least `dispose_stain_area`;
- **recycle** when there is any damage, or stains cover at least `recycle_stain_area`,
  or there are at least `recycle_stain_count` stains: not fit to wear or give as it is;
- **reuse** otherwise: clean, or a few small stains that washing may remove.
Areas are box areas as a share of the garment's area (the segmentation mask).

Probabilities: each detection is taken to be real with its confidence, independently;
the policy is applied to every combination of the strongest `max_enumerated` detections,
and each grade gets the probability of the combinations that lead to it. The label is the
most probable grade, so the label and its probabilities never disagree.
"""

import hashlib
import itertools
from dataclasses import asdict, dataclass

GRADES = ("reuse", "recycle", "dispose")
DAMAGE_KINDS = ("hole", "tear")
# A 3 x 3 grid over the garment's box: where a defect is, in words.
ROWS, COLUMNS = ("upper", "middle", "lower"), ("left", "centre", "right")


@dataclass(frozen=True)
class GradePolicy:
    min_confidence: float = 0.25
    recycle_stain_area: float = 0.02
    recycle_stain_count: int = 3
    dispose_stain_area: float = 0.30
    dispose_damage_area: float = 0.08
    max_enumerated: int = 10

    @property
    def version(self) -> str:
        return "policy1-" + hashlib.sha256(repr(sorted(asdict(self).items())).encode()).hexdigest()[:8]


def grid_position(box, garment_box) -> str:
    """'upper-left' ... 'middle-centre' ... 'lower-right': the cell of the box's centre."""
    gx0, gy0, gx1, gy1 = garment_box
    x = ((box[0] + box[2]) / 2 - gx0) / max(gx1 - gx0, 1e-6)
    y = ((box[1] + box[3]) / 2 - gy0) / max(gy1 - gy0, 1e-6)
    column = COLUMNS[min(2, max(0, int(x * 3)))]
    row = ROWS[min(2, max(0, int(y * 3)))]
    return f"{row}-{column}"


def _area(box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _decide(defects, garment_area: float, policy: GradePolicy) -> str:
    stain_area = sum(_area(d["box"]) for d in defects if d["type"] not in DAMAGE_KINDS) / garment_area
    damage_area = sum(_area(d["box"]) for d in defects if d["type"] in DAMAGE_KINDS) / garment_area
    stains = sum(1 for d in defects if d["type"] not in DAMAGE_KINDS)
    if damage_area >= policy.dispose_damage_area or stain_area >= policy.dispose_stain_area:
        return "dispose"
    if damage_area > 0 or stain_area >= policy.recycle_stain_area or stains >= policy.recycle_stain_count:
        return "recycle"
    return "reuse"


def grade(defects: list[dict], *, garment_area: float, garment_box, policy: GradePolicy) -> dict:
    """`defects`: [{"type", "confidence", "box" (fractions of the photo)}];
    `garment_area`: the garment's share of the photo. Returns label, probabilities, reason."""
    garment_area = max(garment_area, 1e-3)
    counted = sorted((d for d in defects if d["confidence"] >= policy.min_confidence),
                     key=lambda d: -d["confidence"])[:policy.max_enumerated]
    probabilities = dict.fromkeys(GRADES, 0.0)
    for present in itertools.product((False, True), repeat=len(counted)):
        chance = 1.0
        for detection, real in zip(counted, present):
            chance *= detection["confidence"] if real else 1.0 - detection["confidence"]
        chosen = [detection for detection, real in zip(counted, present) if real]
        probabilities[_decide(chosen, garment_area, policy)] += chance
    label = max(GRADES, key=lambda name: (probabilities[name], -GRADES.index(name)))
    stains = [d for d in counted if d["type"] not in DAMAGE_KINDS]
    damage = [d for d in counted if d["type"] in DAMAGE_KINDS]
    covered = sum(_area(d["box"]) for d in counted) / garment_area
    # The area covers every box; when that total alone would grade otherwise, say so, or
    # "3 % stained -> reuse" reads as a contradiction.
    if_all_real = _decide(counted, garment_area, policy)
    reason = {
        "label": label, "stains": len(stains), "damage": len(damage),
        "area_percent": round(min(covered, 1.0) * 100, 1),
        "where": grid_position(counted[0]["box"], garment_box) if counted else "",
        "if_all_real": if_all_real if if_all_real != label else "",
    }
    return {"label": label, "probabilities": {k: round(v, 4) for k, v in probabilities.items()},
            "reason": reason, "reason_text": reason_text(reason)}


def reason_text(reason: dict) -> str:
    """The reason in English, for `analyze` and logs; pages render it in their language."""
    parts = []
    if reason["stains"]:
        parts.append(f"{reason['stains']} stain{'s' if reason['stains'] != 1 else ''}")
    if reason["damage"]:
        parts.append(f"{reason['damage']} hole{'s' if reason['damage'] != 1 else ''} or tear{'s' if reason['damage'] != 1 else ''}")
    if not parts:
        return f"no stains or damage found → {reason['label']}"
    where = reason["where"].replace("-", " ").replace("middle centre", "centre")
    text = f"{' and '.join(parts)} covering {reason['area_percent']:g}% of the garment, {where} → {reason['label']}"
    return f"{text} ({reason['if_all_real']} if every box is right)" if reason.get("if_all_real") else text
