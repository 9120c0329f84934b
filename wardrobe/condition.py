"""An item's condition in words: the grade's reason, what to do next, and an honest
resale listing, in the page's language (Korean and English through gettext)."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext, override

from wardrobe.models import Item

# inference.grade.grid_position's cells, in words.
POSITIONS = {
    "upper-left": gettext_lazy("upper left"), "upper-centre": gettext_lazy("upper centre"),
    "upper-right": gettext_lazy("upper right"), "middle-left": gettext_lazy("centre left"),
    "middle-centre": gettext_lazy("centre"), "middle-right": gettext_lazy("centre right"),
    "lower-left": gettext_lazy("lower left"), "lower-centre": gettext_lazy("lower centre"),
    "lower-right": gettext_lazy("lower right"),
}
KIND_NAMES = {"stain": gettext_lazy("stain"), "hole": gettext_lazy("hole"), "tear": gettext_lazy("tear")}
NEXT_STEPS = {
    Item.Grade.REUSE: gettext_lazy("Wash it and keep wearing it, or give it a second life: donate it or sell it."),
    Item.Grade.RECYCLE: gettext_lazy("Not fit to wear or give as it is: take it to a clothing collection bin "
                                     "or a textile recycling point."),
    Item.Grade.DISPOSE: gettext_lazy("Too worn to reuse or recycle: put it out with general waste, as your "
                                     "local rules say."),
}


def reason_sentence(reason: dict | None) -> str:
    """'2 stains covering 3% of the garment, lower left → recycle', in the active language."""
    if not reason:
        return ""
    grade = Item.Grade(reason["label"]).label
    parts = []
    if reason.get("stains"):
        parts.append(ngettext("%(count)d stain", "%(count)d stains", reason["stains"]) % {"count": reason["stains"]})
    if reason.get("damage"):
        parts.append(ngettext("%(count)d hole or tear", "%(count)d holes or tears", reason["damage"])
                     % {"count": reason["damage"]})
    if not parts:
        return _("No stains or damage found → %(grade)s") % {"grade": grade}
    sentence = _("%(found)s covering %(area)s%% of the garment, %(where)s → %(grade)s") % {
        "found": _(" and ").join(parts), "area": f"{reason['area_percent']:g}",
        "where": POSITIONS.get(reason.get("where"), ""), "grade": grade}
    if reason.get("if_all_real"):  # the boxes are not all sure: the total alone would grade otherwise
        sentence += " " + _("(%(grade)s if every box is right)") % {"grade": Item.Grade(reason["if_all_real"]).label}
    return sentence


def defect_position(defect: dict, garment_box) -> str:
    from inference.grade import grid_position

    return str(POSITIONS[grid_position(defect["box"], garment_box or [0, 0, 1, 1])])


def condition_line(item: Item) -> str:
    """The listing's condition, from what the detector found (and what the person kept)."""
    if not item.defects:
        return _("Condition: no stains or damage were found in the photo.")
    described = [f"{KIND_NAMES.get(d['type'], d['type'])} ({defect_position(d, item.garment_box)})"
                 for d in item.defects]
    line = _("Condition: %(defects)s.") % {"defects": ", ".join(described)}
    if item.grade:
        line += " " + _("Graded %(grade)s.") % {"grade": item.get_grade_display()}
    return line


def draft_listing(item: Item) -> dict[str, str]:
    """A listing in both languages: what it is, brand and size, and an honest condition."""
    drafts = {}
    for language in ("ko", "en"):
        with override(language):
            caption = getattr(item, f"caption_{language}")
            if caption:  # the caption already names colours, category and any defect
                lines = [" ".join(part for part in (item.brand, caption) if part)]
            else:
                title = item.category_term.label if item.category_term else _("Clothing")
                colours = ", ".join(str(color["term"].label) for color in item.color_terms)
                lines = [" ".join(part for part in (item.brand, colours, str(title)) if part)]
            if item.size:
                lines.append(_("Size: %(size)s") % {"size": item.size})
            lines.append(condition_line(item))
            drafts[language] = "\n".join(lines)
    return drafts


# Phrases that promise a flawless garment, in both languages.
CLEAN_CLAIMS = re.compile("|".join([
    r"\b(?:no|without|free of|zero)\s+(?:visible\s+)?(?:stains?|marks?|spots?|damage|holes?|tears?|defects?|flaws?)\b",
    r"\bstain[- ]?free\b", r"\bspotless\b", r"\bflawless\b", r"\bimmaculate\b", r"\bmint\b",
    r"\b(?:brand[- ])?new\b", r"\blike[- ]new\b", r"\bperfect condition\b", r"\bexcellent condition\b",
    r"(?<!dry )\bclean\b", r"\bnever worn\b", r"\bunworn\b",
    r"얼룩\s*(?:이|은)?\s*(?:없|無|0)", r"오염\s*(?:이|은)?\s*없", r"하자\s*(?:가|는)?\s*없", r"흠\s*(?:이|은)?\s*없",
    r"손상\s*(?:이|은)?\s*없", r"구멍\s*(?:이|은)?\s*없", r"깨끗", r"새\s*(?:것|상품|제품|옷)", r"미착용", r"미사용",
    r"새거", r"상태\s*(?:최상|완벽|좋)", r"[SA]급", r"무결점",
]), re.IGNORECASE)


def misleading_claims(text: str, item: Item) -> list[str]:
    """What the person's own listing promises that the detections contradict."""
    if not item.defects:
        return []
    return sorted({match.group(0).strip() for match in CLEAN_CLAIMS.finditer(text or "")})
