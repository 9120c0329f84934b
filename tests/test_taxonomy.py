from django.utils import translation

from inference import taxonomy

SEED_TYPES = {
    "blouse_shirt", "hoodie", "long_sleeve_top", "short_sleeve_top", "sweater", "training_top", "vest",
    "sleeveless_top", "jeans", "long_pants", "long_skirt", "short_pants", "short_skirt", "training_bottom",
    "blazer", "cardigan", "coat", "jacket", "parka", "padding", "dress",
}


def test_the_seed_services_21_types_plus_shoes_hat_and_other():
    codes = {category.code for category in taxonomy.CATEGORIES}
    assert SEED_TYPES | {"shoes", "hat", "other"} <= codes
    assert len(SEED_TYPES) == 21


def test_every_category_has_a_group_and_both_names():
    groups = {group.code for group in taxonomy.GROUPS}
    for category in taxonomy.CATEGORIES:
        assert category.group in groups
        assert category.en and category.ko and category.en != category.ko


def test_coarse_categories_list_fine_types_of_their_own_group():
    for category in taxonomy.CATEGORIES:
        for fine in category.fine_types:
            assert taxonomy.CATEGORY_BY_CODE[fine].group == category.group
            assert not taxonomy.CATEGORY_BY_CODE[fine].is_coarse


def test_labels_follow_the_active_language():
    hoodie = taxonomy.CATEGORY_BY_CODE["hoodie"]
    with translation.override("ko"):
        assert str(hoodie.label) == "후드티"
    with translation.override("en"):
        assert str(hoodie.label) == "Hoodie"


def test_masks_round_trip():
    mask = taxonomy.to_mask(["summer", "winter"], taxonomy.SEASONS)
    assert [season.code for season in taxonomy.from_mask(mask, taxonomy.SEASONS)] == ["summer", "winter"]
    assert taxonomy.to_mask([], taxonomy.STYLES) == 0
    assert taxonomy.to_mask([c.code for c in taxonomy.COLORS], taxonomy.COLORS) < 2 ** 63
