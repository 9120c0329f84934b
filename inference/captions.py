"""Captions in Korean and English composed from what the pipeline saw: colours, pattern,
category and each stain or damage with its place on the garment. No model, no weights: fast and
deterministic, and it degrades to what is known when a step's result is missing.

    "우측 중앙에 얼룩이 있는 하늘색 반팔 티셔츠"
    "Sky-blue short-sleeve top with a stain at the centre right"
"""

import re
from collections import Counter

from inference import taxonomy
from inference.grade import grid_position

VERSION = "compose-2"  # 2: the pattern, when not plain

# inference.grade.grid_position's cells.
POSITION_KO = {
    "upper-left": "좌측 상단", "upper-centre": "상단 중앙", "upper-right": "우측 상단",
    "middle-left": "좌측 중앙", "middle-centre": "중앙", "middle-right": "우측 중앙",
    "lower-left": "좌측 하단", "lower-centre": "하단 중앙", "lower-right": "우측 하단",
}
POSITION_EN = {
    "upper-left": "at the upper left", "upper-centre": "at the upper centre", "upper-right": "at the upper right",
    "middle-left": "at the centre left", "middle-centre": "in the centre", "middle-right": "at the centre right",
    "lower-left": "at the lower left", "lower-centre": "at the lower centre", "lower-right": "at the lower right",
}
DEFECT_KO = {"stain": "얼룩", "hole": "구멍", "tear": "찢어짐"}
DEFECT_EN = {"stain": ("stain", "stains"), "hole": ("hole", "holes"), "tear": ("tear", "tears")}
NUMBERS_EN = {2: "two", 3: "three", 4: "four", 5: "five"}
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


def has_final_consonant(word: str) -> bool:
    """Whether the last syllable of a Korean word ends in a consonant (받침). Digits and
    Latin letters are read aloud: 1, 3, 6, 7, 8, 0 and l, m, n, r end in one."""
    if not word:
        return False
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    return last.lower() in "1367800lmnr"


def particle(word: str, with_final: str, without_final: str) -> str:
    """The word with the particle its last sound takes: 이/가, 은/는, 을/를, 와/과."""
    return word + (with_final if has_final_consonant(word) else without_final)


def _category_names(code: str) -> tuple[str, str]:
    term = taxonomy.CATEGORY_BY_CODE.get(code)
    if term is None:
        return "옷", "garment"
    return _PARENTHESIS.sub("", term.ko), _PARENTHESIS.sub("", term.en).lower()


def _colour_terms(colours) -> list:
    names = [c["name"] if isinstance(c, dict) else c for c in colours or []]
    return [taxonomy.COLOR_BY_CODE[name] for name in names if name in taxonomy.COLOR_BY_CODE][:3]


def _pattern_names(code: str) -> tuple[str, str]:
    """Plain goes unsaid, as in a shop's listing ("navy shirt", not "plain navy shirt")."""
    term = taxonomy.PATTERN_BY_CODE.get(code)
    if term is None or term.code == "plain":
        return "", ""
    return term.ko, term.en.lower()


def ko_list(words: list[str]) -> str:
    """네이비와 흰색; 네이비, 흰색과 빨강."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-2] + [particle(words[-2], "과", "와") + " " + words[-1]])


def en_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _defect_groups(defects, garment_box) -> list[tuple[str, str, int]]:
    """(type, cell, count), in the order first seen."""
    counts = Counter()
    for defect in defects or []:
        if defect.get("type") in DEFECT_KO:
            counts[(defect["type"], grid_position(defect["box"], garment_box or [0, 0, 1, 1]))] += 1
    return [(kind, cell, count) for (kind, cell), count in counts.items()]


def _ko(category_ko: str, pattern_ko: str, colours, groups) -> str:
    noun = " ".join(part for part in (ko_list([c.ko for c in colours]), pattern_ko, category_ko) if part)
    if not groups:
        return noun
    phrases = [f"{POSITION_KO[cell]}에 {DEFECT_KO[kind]}" + (f" {count}개" if count > 1 else "")
               for kind, cell, count in groups]
    return f"{', '.join(phrases[:-1] + [particle(phrases[-1], '이', '가')])} 있는 {noun}"


def _en(category_en: str, pattern_en: str, colours, groups) -> str:
    colour_words = [c.en.lower().replace(" ", "-") for c in colours]
    noun = " ".join(part for part in (en_list(colour_words), pattern_en, category_en) if part)
    if groups:
        phrases = []
        for kind, cell, count in groups:
            singular, plural = DEFECT_EN[kind]
            amount = f"a {singular}" if count == 1 else f"{NUMBERS_EN.get(count, count)} {plural}"
            phrases.append(f"{amount} {POSITION_EN[cell]}")
        noun += " with " + en_list(phrases)
    return noun[:1].upper() + noun[1:]


def compose(*, category: str = "", colors=(), pattern: str = "", defects=(), garment_box=None) -> dict[str, str]:
    """One sentence per language; any argument may be missing."""
    category_ko, category_en = _category_names(category)
    pattern_ko, pattern_en = _pattern_names(pattern)
    colours = _colour_terms(colors)
    groups = _defect_groups(defects, garment_box)
    return {"ko": _ko(category_ko, pattern_ko, colours, groups), "en": _en(category_en, pattern_en, colours, groups)}
