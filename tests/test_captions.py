"""The composed captions, read by someone who reads Korean: particles follow the last
sound, colour words are the UI's, two colours read naturally, defects have their place."""

import pytest

from inference.captions import compose, has_final_consonant, particle

BOX = [0.0, 0.0, 1.0, 1.0]  # garment box = photo: cells are thirds of the photo
CENTRE_RIGHT = {"type": "stain", "confidence": 0.9, "box": [0.7, 0.4, 0.8, 0.5]}
LOWER_LEFT_HOLE = {"type": "hole", "confidence": 0.8, "box": [0.1, 0.8, 0.2, 0.9]}
UPPER_CENTRE_TEAR = {"type": "tear", "confidence": 0.7, "box": [0.45, 0.05, 0.55, 0.2]}
MIDDLE_STAIN = {"type": "stain", "confidence": 0.6, "box": [0.45, 0.45, 0.55, 0.55]}

CASES = [
    # category, colours, defects -> Korean, English
    ("short_sleeve_top", ["sky_blue"], [CENTRE_RIGHT],
     "우측 중앙에 얼룩이 있는 하늘색 반팔 티셔츠", "Sky-blue short-sleeve top with a stain at the centre right"),
    ("short_sleeve_top", ["sky_blue"], [], "하늘색 반팔 티셔츠", "Sky-blue short-sleeve top"),
    ("hoodie", ["navy", "white"], [], "네이비와 흰색 후드티", "Navy and white hoodie"),
    ("hoodie", ["black", "white"], [], "검정과 흰색 후드티", "Black and white hoodie"),
    ("jeans", ["denim"], [], "데님 청바지", "Denim jeans"),
    ("long_pants", ["beige"], [LOWER_LEFT_HOLE], "좌측 하단에 구멍이 있는 베이지 긴바지",
     "Beige long pants with a hole at the lower left"),
    ("coat", ["brown"], [UPPER_CENTRE_TEAR], "상단 중앙에 찢어짐이 있는 갈색 코트",
     "Brown coat with a tear at the upper centre"),
    ("dress", ["red"], [MIDDLE_STAIN], "중앙에 얼룩이 있는 빨강 원피스",
     "Red one-piece / dress with a stain in the centre"),
    ("sweater", ["gray", "charcoal"], [], "회색과 차콜 니트/스웨터", "Gray and charcoal sweater"),
    ("cardigan", ["ivory"], [], "아이보리 가디건", "Ivory cardigan"),
    ("blazer", ["navy"], [CENTRE_RIGHT, LOWER_LEFT_HOLE], "우측 중앙에 얼룩, 좌측 하단에 구멍이 있는 네이비 블레이저",
     "Navy blazer with a stain at the centre right and a hole at the lower left"),
    ("jacket", ["khaki"], [CENTRE_RIGHT, CENTRE_RIGHT], "우측 중앙에 얼룩 2개가 있는 카키 재킷",
     "Khaki jacket with two stains at the centre right"),
    ("shoes", ["white"], [], "흰색 신발", "White shoes"),
    ("hat", ["pink"], [], "분홍 모자", "Pink hat"),
    ("skirt", ["black"], [], "검정 스커트", "Black skirt"),
    ("outerwear", ["green"], [], "초록 아우터", "Green outerwear"),
    ("short_skirt", ["yellow"], [], "노랑 미니스커트", "Yellow short skirt"),
    ("long_skirt", ["purple", "white"], [], "보라와 흰색 롱스커트", "Purple and white long skirt"),
    ("training_top", ["orange"], [], "주황 트레이닝 상의", "Orange training top"),
    ("vest", ["burgundy"], [], "버건디 조끼", "Burgundy vest"),
    ("sleeveless_top", ["mint"], [MIDDLE_STAIN], "중앙에 얼룩이 있는 민트 민소매", "Mint sleeveless top with a stain in the centre"),
    ("padding", ["black"], [LOWER_LEFT_HOLE, UPPER_CENTRE_TEAR],
     "좌측 하단에 구멍, 상단 중앙에 찢어짐이 있는 검정 패딩",
     "Black winter outerwear / padding with a hole at the lower left and a tear at the upper centre"),
    ("blouse_shirt", ["white", "blue", "red"], [], "흰색, 파랑과 빨강 블라우스/셔츠", "White, blue and red blouse / shirt"),
    ("parka", ["navy", "khaki", "black"], [], "네이비, 카키와 검정 파카", "Navy, khaki and black parka"),
    ("long_sleeve_top", [], [], "긴팔 티셔츠", "Long-sleeve top"),
    ("", ["navy"], [], "네이비 옷", "Navy garment"),
    ("", [], [], "옷", "Garment"),
    ("", [], [CENTRE_RIGHT], "우측 중앙에 얼룩이 있는 옷", "Garment with a stain at the centre right"),
    ("hoodie", ["gray"], [UPPER_CENTRE_TEAR, UPPER_CENTRE_TEAR, UPPER_CENTRE_TEAR],
     "상단 중앙에 찢어짐 3개가 있는 회색 후드티", "Gray hoodie with three tears at the upper centre"),
    ("hoodie", ["not-a-colour", "navy"], [], "네이비 후드티", "Navy hoodie"),  # unknown names drop out
    ("training_bottom", ["sky_blue", "white"], [], "하늘색과 흰색 트레이닝 하의", "Sky-blue and white training bottom"),
    ("short_pants", ["denim"], [{"type": "stain", "confidence": 0.5, "box": [0.0, 0.0, 0.1, 0.1]}],
     "좌측 상단에 얼룩이 있는 데님 반바지", "Denim short pants with a stain at the upper left"),
    ("other", ["beige"], [], "베이지 기타", "Beige other"),
]


@pytest.mark.parametrize("category, colours, defects, korean, english", CASES,
                         ids=[f"{n}-{c[0] or 'none'}" for n, c in enumerate(CASES)])
def test_captions(category, colours, defects, korean, english):
    assert compose(category=category, colors=colours, defects=defects, garment_box=BOX) == {"ko": korean, "en": english}


@pytest.mark.parametrize("pattern, colours, defects, korean, english", [
    ("striped", ["navy", "white"], [], "네이비와 흰색 스트라이프 블라우스/셔츠", "Navy and white striped blouse / shirt"),
    ("checked", ["red"], [CENTRE_RIGHT], "우측 중앙에 얼룩이 있는 빨강 체크 블라우스/셔츠",
     "Red checked blouse / shirt with a stain at the centre right"),
    ("floral", [], [], "꽃무늬 블라우스/셔츠", "Floral blouse / shirt"),
    ("plain", ["white"], [], "흰색 블라우스/셔츠", "White blouse / shirt"),  # plain goes unsaid
    ("not-a-pattern", ["white"], [], "흰색 블라우스/셔츠", "White blouse / shirt"),
])
def test_the_pattern_stands_before_the_garment(pattern, colours, defects, korean, english):
    assert compose(category="blouse_shirt", colors=colours, pattern=pattern, defects=defects, garment_box=BOX) == \
        {"ko": korean, "en": english}


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_colours_may_come_as_the_pipelines_entries():
    entries = [{"name": "navy", "hex": "#1e2850", "share": 0.7}, {"name": "white", "hex": "#f5f5f2", "share": 0.3}]
    assert compose(category="hoodie", colors=entries)["ko"] == "네이비와 흰색 후드티"


def test_defect_places_are_cells_of_the_garment_box_not_the_photo():
    # The garment is the right half of the photo: a stain at x=0.6 is on its left.
    stain = {"type": "stain", "confidence": 0.9, "box": [0.55, 0.45, 0.6, 0.5]}
    assert compose(category="hoodie", defects=[stain], garment_box=[0.5, 0.0, 1.0, 1.0])["en"] == \
        "Hoodie with a stain at the centre left"


@pytest.mark.parametrize("word, final", [
    ("얼룩", True), ("구멍", True), ("찢어짐", True), ("네이비", False), ("하늘색", True), ("흰색", True),
    ("개", False), ("3", True), ("2", False), ("", False),
])
def test_final_consonants(word, final):
    assert has_final_consonant(word) is final


@pytest.mark.parametrize("word, pair, expected", [
    ("얼룩", ("이", "가"), "얼룩이"), ("네이비", ("이", "가"), "네이비가"),
    ("코트", ("은", "는"), "코트는"), ("청바지", ("을", "를"), "청바지를"), ("신발", ("을", "를"), "신발을"),
    ("검정", ("과", "와"), "검정과"), ("보라", ("과", "와"), "보라와"),
])
def test_particles_follow_the_last_sound(word, pair, expected):
    assert particle(word, *pair) == expected


# --- on the item ----------------------------------------------------------------------------

@pytest.fixture
def captioned(user, db):
    from tests.test_closet_views import ready_item

    return ready_item(user, category="hoodie", colors=[{"name": "navy", "hex": "#1e2850", "share": 0.8}],
                      defects=[CENTRE_RIGHT])


def test_the_pipelines_caption_is_stored(captioned):
    assert captioned.caption_ko == "우측 중앙에 얼룩이 있는 네이비 후드티"
    assert captioned.caption_en == "Navy hoodie with a stain at the centre right"


def test_editing_category_colours_or_boxes_rewrites_the_caption(captioned):
    from wardrobe import services

    item = services.update_item(item=captioned, changes={"category": "sweater"})
    assert item.caption_en == "Navy sweater with a stain at the centre right"
    item = services.update_item(item=item, changes={"colors": ["navy", "white"]})
    assert item.caption_ko == "우측 중앙에 얼룩이 있는 네이비와 흰색 니트/스웨터"
    item = services.remove_defect(item=item, index=0)
    assert item.caption_en == "Navy and white sweater"
    item = services.update_item(item=item, changes={"pattern": "striped"})
    assert item.caption_ko == "네이비와 흰색 스트라이프 니트/스웨터"


def test_the_owners_own_caption_stays_and_a_cleared_one_comes_back_composed(captioned):
    from tests.test_condition import rerun
    from wardrobe import services

    item = services.update_item(item=captioned, changes={"caption_en": "My favourite hoodie"})
    item = services.update_item(item=item, changes={"category": "sweater"})
    assert item.caption_en == "My favourite hoodie"  # theirs
    assert item.caption_ko == "우측 중앙에 얼룩이 있는 네이비 니트/스웨터"  # still composed
    item = rerun(item, [])
    assert item.caption_en == "My favourite hoodie"
    assert item.caption_ko == "네이비 니트/스웨터"  # composed from the owner's category
    item = services.update_item(item=item, changes={"caption_en": ""})
    assert item.caption_en == "Navy sweater" and "caption_en" not in item.user_edited_fields


def test_the_item_page_shows_the_caption_in_the_pages_language(client, make_user):
    from django.urls import reverse

    from tests.test_closet_views import ready_item

    owner = make_user(language="ko")
    client.force_login(owner)
    item = ready_item(owner, category="hoodie", defects=[CENTRE_RIGHT])
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    korean = page.index("우측 중앙에 얼룩이 있는 네이비 후드티")
    assert korean < page.index("Navy hoodie with a stain at the centre right")  # the other one a click away
    assert 'name="caption_ko"' in page


def test_owners_captions_are_exported_for_fine_tuning(captioned, user, tmp_path):
    import json

    from django.core.management import call_command

    from tests.test_closet_views import ready_item
    from wardrobe import services

    services.update_item(item=captioned, changes={"caption_ko": "아끼는 네이비 후드티"})
    ready_item(user)  # composed captions only: not a label
    call_command("export_captions", "--out", str(tmp_path / "captions.jsonl"), "--images", str(tmp_path / "images"))
    lines = [json.loads(line) for line in (tmp_path / "captions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines == [{"image": f"{captioned.pk}.jpg", "caption": "아끼는 네이비 후드티", "language": "ko"}]
    assert (tmp_path / "images" / f"{captioned.pk}.jpg").stat().st_size > 0
