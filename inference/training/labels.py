"""How dataset labels and closet categories map onto the garment model's classes.

The clothing dataset's labels (T-Shirt, Outwear, ...) are not our taxonomy. Where the
photos cannot tell two taxonomy types apart, the model predicts the coarse class
(`skirt`, `outerwear`) and the user picks the fine type.
"""

from inference.taxonomy import CATEGORY_BY_CODE

DATASET_LABEL_TO_CLASS = {
    "T-Shirt": "short_sleeve_top",
    "Polo": "short_sleeve_top",
    "Longsleeve": "long_sleeve_top",
    "Shirt": "blouse_shirt",
    "Blouse": "blouse_shirt",
    "Hoodie": "hoodie",
    # Both are tank tops and camisoles in the photos.
    "Undershirt": "sleeveless_top",
    "Top": "sleeveless_top",
    "Pants": "long_pants",
    "Shorts": "short_pants",
    "Skirt": "skirt",
    "Outwear": "outerwear",
    "Blazer": "blazer",
    "Dress": "dress",
    "Shoes": "shoes",
    "Hat": "hat",
    # Baby bodysuits: not a closet type of ours, so "other".
    "Body": "other",
}
# "Not sure", "Other" (a mix of sets, overalls, gloves...) and "Skip" are not labels.

MAIN_LABELS = (
    "T-Shirt", "Longsleeve", "Pants", "Shoes", "Shirt",
    "Dress", "Outwear", "Shorts", "Hat", "Skirt",
)

MODEL_CLASSES = tuple(sorted(set(DATASET_LABEL_TO_CLASS.values())))

# Closet categories the model has no class for, and the class that stands in for them
# when a reviewed item is added to training.
_NEAREST_CLASS = {
    "jeans": "long_pants",
    "training_bottom": "long_pants",
    "sweater": "long_sleeve_top",
    "training_top": "long_sleeve_top",
    "vest": "sleeveless_top",
}


def class_for_label(label: str) -> str | None:
    """The model class for a dataset label or a closet category code; None if unusable."""
    if label in DATASET_LABEL_TO_CLASS:
        return DATASET_LABEL_TO_CLASS[label]
    if label in MODEL_CLASSES:
        return label
    if label in _NEAREST_CLASS:
        return _NEAREST_CLASS[label]
    for category in CATEGORY_BY_CODE.values():
        if label in category.fine_types and category.code in MODEL_CLASSES:
            return category.code
    return None
