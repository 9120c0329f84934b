"""The closet's fixed vocabularies: categories (with groups), seasons, styles, colours and patterns.

Every entry carries its Korean and English name itself: captions and exports need
both at once, whatever language the page is in.
"""

from dataclasses import dataclass, field

from django.utils.functional import lazy
from django.utils.translation import get_language


def _pick(en: str, ko: str) -> str:
    return ko if (get_language() or "en").startswith("ko") else en


localized = lazy(_pick, str)


@dataclass(frozen=True)
class Term:
    code: str
    en: str
    ko: str

    @property
    def label(self):
        return localized(self.en, self.ko)

    def __str__(self):
        return str(self.label)


@dataclass(frozen=True)
class Group(Term):
    pass


@dataclass(frozen=True)
class Category(Term):
    group: str = ""
    # A coarse category stands for several fine types the photos cannot tell apart
    # (a skirt's length, a coat from a jacket); the user picks the fine type.
    fine_types: tuple[str, ...] = ()
    # Seasons an item of this type is usually worn in; a starting point the user can edit.
    seasons: tuple[str, ...] = ()

    @property
    def is_coarse(self) -> bool:
        return bool(self.fine_types)


@dataclass(frozen=True)
class Season(Term):
    pass


@dataclass(frozen=True)
class Style(Term):
    pass


@dataclass(frozen=True)
class Color(Term):
    rgb: tuple[int, int, int] = field(default=(0, 0, 0))

    @property
    def hex(self) -> str:
        return "#%02x%02x%02x" % self.rgb


GROUPS = (
    Group("tops", "Tops", "상의"),
    Group("bottoms", "Bottoms", "하의"),
    Group("outerwear", "Outerwear", "아우터"),
    Group("onepiece", "One-piece", "원피스"),
    Group("shoes", "Shoes", "신발"),
    Group("hats", "Hats", "모자"),
    Group("other", "Other", "기타"),
)

ALL_YEAR = ("spring", "summer", "autumn", "winter")
WARM = ("spring", "summer")
MILD = ("spring", "autumn")
COLD = ("autumn", "winter")

CATEGORIES = (
    # The 21 types of the seed closet service.
    Category("blouse_shirt", "Blouse / shirt", "블라우스/셔츠", "tops", seasons=("spring", "summer", "autumn")),
    Category("hoodie", "Hoodie", "후드티", "tops", seasons=MILD),
    Category("long_sleeve_top", "Long-sleeve top", "긴팔 티셔츠", "tops", seasons=MILD),
    Category("short_sleeve_top", "Short-sleeve top", "반팔 티셔츠", "tops", seasons=WARM),
    Category("sweater", "Sweater", "니트/스웨터", "tops", seasons=COLD),
    Category("training_top", "Training top", "트레이닝 상의", "tops", seasons=ALL_YEAR),
    Category("vest", "Vest", "조끼", "tops", seasons=MILD),
    Category("sleeveless_top", "Sleeveless top", "민소매", "tops", seasons=("summer",)),
    Category("jeans", "Jeans", "청바지", "bottoms", seasons=ALL_YEAR),
    Category("long_pants", "Long pants", "긴바지", "bottoms", seasons=ALL_YEAR),
    Category("long_skirt", "Long skirt", "롱스커트", "bottoms", seasons=("spring", "summer", "autumn")),
    Category("short_pants", "Short pants", "반바지", "bottoms", seasons=("summer",)),
    Category("short_skirt", "Short skirt", "미니스커트", "bottoms", seasons=WARM),
    Category("training_bottom", "Training bottom", "트레이닝 하의", "bottoms", seasons=ALL_YEAR),
    Category("blazer", "Blazer", "블레이저", "outerwear", seasons=MILD),
    Category("cardigan", "Cardigan", "가디건", "outerwear", seasons=MILD),
    Category("coat", "Coat", "코트", "outerwear", seasons=COLD),
    Category("jacket", "Jacket", "재킷", "outerwear", seasons=MILD),
    Category("parka", "Parka", "파카", "outerwear", seasons=COLD),
    Category("padding", "Winter outerwear / padding", "패딩", "outerwear", seasons=("winter",)),
    Category("dress", "One-piece / dress", "원피스", "onepiece", seasons=WARM),
    # Beyond the seed taxonomy.
    Category("shoes", "Shoes", "신발", "shoes", seasons=ALL_YEAR),
    Category("hat", "Hat", "모자", "hats", seasons=ALL_YEAR),
    Category("other", "Other", "기타", "other"),
    # Coarse classes the garment model predicts where photos cannot show the fine type.
    Category("skirt", "Skirt (pick the length)", "스커트 (길이 선택)", "bottoms",
             fine_types=("long_skirt", "short_skirt"), seasons=WARM),
    Category("outerwear", "Outerwear (pick the type)", "아우터 (종류 선택)", "outerwear",
             fine_types=("cardigan", "coat", "jacket", "parka", "padding"), seasons=COLD),
)

SEASONS = (
    Season("spring", "Spring", "봄"),
    Season("summer", "Summer", "여름"),
    Season("autumn", "Autumn", "가을"),
    Season("winter", "Winter", "겨울"),
)

STYLES = (
    Style("casual", "Casual", "캐주얼"),
    Style("formal", "Formal", "포멀"),
    Style("office", "Office", "오피스"),
    Style("sporty", "Sporty", "스포티"),
    Style("street", "Street", "스트리트"),
    Style("feminine", "Feminine", "페미닌"),
    Style("vintage", "Vintage", "빈티지"),
    Style("minimal", "Minimal", "미니멀"),
)

# Named colours the dominant-colour step snaps to; reference values in sRGB.
COLORS = (
    Color("black", "Black", "검정", rgb=(25, 25, 25)),
    Color("charcoal", "Charcoal", "차콜", rgb=(70, 70, 72)),
    Color("gray", "Gray", "회색", rgb=(140, 140, 140)),
    Color("white", "White", "흰색", rgb=(245, 245, 242)),
    Color("ivory", "Ivory", "아이보리", rgb=(238, 230, 205)),
    Color("beige", "Beige", "베이지", rgb=(210, 190, 155)),
    Color("brown", "Brown", "갈색", rgb=(115, 75, 45)),
    Color("khaki", "Khaki", "카키", rgb=(120, 115, 70)),
    Color("navy", "Navy", "네이비", rgb=(30, 40, 80)),
    Color("blue", "Blue", "파랑", rgb=(40, 90, 190)),
    Color("sky_blue", "Sky blue", "하늘색", rgb=(135, 185, 230)),
    Color("denim", "Denim", "데님", rgb=(75, 105, 145)),
    Color("green", "Green", "초록", rgb=(40, 130, 70)),
    Color("mint", "Mint", "민트", rgb=(160, 220, 195)),
    Color("yellow", "Yellow", "노랑", rgb=(240, 210, 50)),
    Color("orange", "Orange", "주황", rgb=(240, 130, 40)),
    Color("red", "Red", "빨강", rgb=(200, 30, 40)),
    Color("burgundy", "Burgundy", "버건디", rgb=(110, 25, 45)),
    Color("pink", "Pink", "분홍", rgb=(240, 160, 185)),
    Color("purple", "Purple", "보라", rgb=(115, 65, 150)),
)

# The garment's pattern (inference/pattern.py); "printed" holds graphics, logos, text,
# camouflage, animal and other prints.
PATTERNS = (
    Term("plain", "Plain", "무지"),
    Term("striped", "Striped", "스트라이프"),
    Term("checked", "Checked", "체크"),
    Term("dotted", "Dotted", "도트"),
    Term("floral", "Floral", "꽃무늬"),
    Term("printed", "Printed", "프린트"),
)

GROUP_BY_CODE = {group.code: group for group in GROUPS}
CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}
SEASON_BY_CODE = {season.code: season for season in SEASONS}
STYLE_BY_CODE = {style.code: style for style in STYLES}
COLOR_BY_CODE = {color.code: color for color in COLORS}
PATTERN_BY_CODE = {pattern.code: pattern for pattern in PATTERNS}


def choices(terms) -> list[tuple[str, str]]:
    return [(term.code, term.label) for term in terms]


def category_choices_by_group() -> list[tuple[str, list[tuple[str, str]]]]:
    """Category choices as select-box option groups."""
    return [
        (group.label, [(c.code, c.label) for c in CATEGORIES if c.group == group.code])
        for group in GROUPS
    ]


def group_of(category_code: str) -> str:
    return CATEGORY_BY_CODE[category_code].group if category_code else ""


# Seasons, styles and colour names are stored as bit masks (bit i = i-th entry), so
# "items worn in summer" or "items with navy in them" is one indexed-column filter
# on SQLite and PostgreSQL alike.
def to_mask(codes, terms) -> int:
    positions = {term.code: index for index, term in enumerate(terms)}
    mask = 0
    for code in codes:
        mask |= 1 << positions[code]
    return mask


def from_mask(mask: int, terms) -> list:
    return [term for index, term in enumerate(terms) if mask & (1 << index)]


def bit(code: str, terms) -> int:
    return to_mask([code], terms)


# --- Words from elsewhere ---------------------------------------------------------------------
# What people and other apps call the closet's categories and colours (spreadsheet imports):
# the codes and both languages' names are known already; these are the other usual words.
CATEGORY_SYNONYMS = {
    "tee": "short_sleeve_top", "t shirt": "short_sleeve_top", "tshirt": "short_sleeve_top",
    "short sleeve": "short_sleeve_top", "반팔": "short_sleeve_top", "반팔티": "short_sleeve_top",
    "티셔츠": "short_sleeve_top", "long sleeve": "long_sleeve_top", "long sleeve tee": "long_sleeve_top",
    "긴팔": "long_sleeve_top", "긴팔티": "long_sleeve_top", "shirt": "blouse_shirt", "blouse": "blouse_shirt",
    "셔츠": "blouse_shirt", "블라우스": "blouse_shirt", "hoody": "hoodie", "sweatshirt": "hoodie",
    "후드": "hoodie", "맨투맨": "long_sleeve_top", "knit": "sweater", "jumper": "sweater", "pullover": "sweater",
    "니트": "sweater", "스웨터": "sweater", "tank top": "sleeveless_top", "tank": "sleeveless_top",
    "나시": "sleeveless_top", "denim": "jeans", "denim pants": "jeans", "jean": "jeans", "데님": "jeans",
    "청바지": "jeans", "trousers": "long_pants", "pants": "long_pants", "slacks": "long_pants",
    "chinos": "long_pants", "바지": "long_pants", "슬랙스": "long_pants", "shorts": "short_pants",
    "반바지": "short_pants", "mini skirt": "short_skirt", "미니스커트": "short_skirt", "maxi skirt": "long_skirt",
    "롱스커트": "long_skirt", "스커트": "skirt", "치마": "skirt", "joggers": "training_bottom",
    "sweatpants": "training_bottom", "track pants": "training_bottom", "트레이닝바지": "training_bottom",
    "track jacket": "training_top", "suit jacket": "blazer", "자켓": "jacket", "재킷": "jacket",
    "down jacket": "padding", "puffer": "padding", "puffer jacket": "padding", "패딩": "padding",
    "롱패딩": "padding", "overcoat": "coat", "trench coat": "coat", "트렌치코트": "coat", "코트": "coat",
    "anorak": "parka", "가디건": "cardigan", "카디건": "cardigan", "dress": "dress", "one piece": "dress",
    "원피스": "dress", "드레스": "dress", "sneakers": "shoes", "boots": "shoes", "sandals": "shoes",
    "운동화": "shoes", "구두": "shoes", "신발": "shoes", "cap": "hat", "beanie": "hat", "모자": "hat",
    "캡": "hat", "비니": "hat",
}
COLOR_SYNONYMS = {
    "grey": "gray", "light grey": "gray", "light gray": "gray", "dark grey": "charcoal", "dark gray": "charcoal",
    "회색": "gray", "그레이": "gray", "진회색": "charcoal", "navy blue": "navy", "dark blue": "navy",
    "남색": "navy", "곤색": "navy", "네이비": "navy", "light blue": "sky_blue", "baby blue": "sky_blue",
    "하늘색": "sky_blue", "파란색": "blue", "파랑": "blue", "블루": "blue", "cream": "ivory", "off white": "ivory",
    "아이보리": "ivory", "크림": "ivory", "tan": "beige", "camel": "beige", "베이지": "beige",
    "olive": "khaki", "olive green": "khaki", "카키": "khaki", "maroon": "burgundy", "wine": "burgundy",
    "와인": "burgundy", "버건디": "burgundy", "흰색": "white", "하양": "white", "화이트": "white",
    "검은색": "black", "검정색": "black", "블랙": "black", "갈색": "brown", "브라운": "brown",
    "초록색": "green", "녹색": "green", "그린": "green", "민트색": "mint", "노란색": "yellow",
    "옐로": "yellow", "주황색": "orange", "오렌지": "orange", "빨간색": "red", "레드": "red",
    "분홍색": "pink", "핑크": "pink", "보라색": "purple", "퍼플": "purple", "violet": "purple",
    "청색": "denim", "jean blue": "denim",
}


def _fold(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").replace("/", " ").lower().split())


def _lookup(text: str, terms, synonyms: dict) -> str | None:
    folded = _fold(text)
    if not folded:
        return None
    for term in terms:
        if folded in (_fold(term.code), _fold(term.en), _fold(term.ko)):
            return term.code
    return synonyms.get(folded) or synonyms.get(folded.replace(" ", ""))


def category_from_text(text: str) -> str | None:
    """The category a word names (a code, either language's name or a usual synonym), or None."""
    return _lookup(text, CATEGORIES, CATEGORY_SYNONYMS)


def color_from_text(text: str) -> str | None:
    """The colour a word names ("grey", "navy blue", "남색"...), or None."""
    return _lookup(text, COLORS, COLOR_SYNONYMS)
