"""Real dirt marks lifted from their photo and pasted onto other garments (defect_paste)."""

import numpy as np
from PIL import Image

from inference.training.defect_paste import Mark, _transformed, lift_marks, paste_marks
from inference.training.defect_synthesis import STAIN


def fabric_with_a_mark(ruler=False):
    """A 200 x 200 shirt lit from the left (a gradient), a mark darkening it by 30 % at 90..110."""
    light = np.linspace(180, 240, 200)[None, :, None] * np.ones((200, 1, 3))
    pixels = light.copy()
    pixels[90:110, 90:110] *= 0.7
    if ruler:
        pixels[60:140, 75:80] = 40  # a dark line through the ring
    return Image.fromarray(pixels.astype(np.uint8)), "0 0.5 0.5 0.1 0.1"


def test_a_mark_is_lifted_as_its_change_to_the_fabric_not_the_fabrics_light():
    image, line = fabric_with_a_mark()
    [mark] = lift_marks(image, [line])
    x0, y0, x1, y1 = mark.box
    assert (x1 - x0, y1 - y0) == (20, 20)
    inside = mark.ratio[y0:y1, x0:x1]
    assert np.allclose(inside, 0.7, atol=0.02)  # the same factor on the lit and the shaded side
    ring = np.ones(mark.ratio.shape[:2], bool)
    ring[y0:y1, x0:x1] = False
    assert np.allclose(mark.ratio[ring], 1.0, atol=0.02)


def test_a_mark_beside_a_ruler_is_left_out():
    image, line = fabric_with_a_mark(ruler=True)
    assert lift_marks(image, [line]) == []


def test_a_turned_or_mirrored_mark_keeps_its_box_on_the_mark():
    ratio = np.ones((30, 50, 3), np.float32)
    ratio[5:12, 30:45] = 0.5  # off centre, so a wrong turn or mirror misses it
    mark = Mark(ratio, (30, 5, 45, 12))
    for seed in range(16):
        moved = _transformed(mark, np.random.default_rng(seed), 1.0)
        x0, y0, x1, y1 = moved.box
        dark = moved.ratio[..., 0] < 0.75
        inside = np.zeros_like(dark)
        inside[y0:y1, x0:x1] = True
        assert dark.sum() == 7 * 15 and not (dark & ~inside).any()


def test_pasted_marks_lie_wholly_on_the_garment_and_change_nothing_off_it():
    image, line = fabric_with_a_mark()
    marks = lift_marks(image, [line])
    garment = np.full((300, 240, 3), 200, np.uint8)
    mask = np.zeros((300, 240), bool)
    mask[50:250, 40:200] = True
    found = 0
    for seed in range(10):
        out, defects = paste_marks(garment, mask, marks, np.random.default_rng(seed), count=2, serve_size=300)
        changed = np.abs(out.astype(int) - garment.astype(int)).sum(axis=2) > 0
        assert not changed[~mask].any()
        for defect in defects:
            x0, y0, x1, y1 = defect.box
            assert defect.cls == STAIN and mask[y0:y1, x0:x1].all()
            assert out[y0:y1, x0:x1].mean() < 190  # the mark is there, darker than the garment
        found += len(defects)
    assert found >= 10


def test_a_mark_dark_fabric_hides_is_not_pasted_or_labelled():
    image, line = fabric_with_a_mark()
    marks = lift_marks(image, [line])
    black = np.full((300, 240, 3), 8, np.uint8)
    out, defects = paste_marks(black, np.ones((300, 240), bool), marks, np.random.default_rng(0), count=3,
                               serve_size=300)
    assert defects == [] and (out == black).all()


def test_the_data_set_pastes_the_tuning_marks_into_stained_training_photos_only(tmp_path, settings):
    import pytest

    from inference.training.defect_data import DefectDataConfig, build
    from inference.training.defects import DefectTrainConfig
    from tests.conftest import GARMENT_DATA

    dirty = tmp_path / "dirty" / "train"
    for kind in ("images", "labels"):
        (dirty / kind).mkdir(parents=True)
    for index in range(4):
        image, line = fabric_with_a_mark()
        image.save(dirty / "images" / f"Dirt-Mark-{index}_jpg.rf.{index}.jpg", quality=95)
        (dirty / "labels" / f"Dirt-Mark-{index}_jpg.rf.{index}.txt").write_text(line + "\n")
    config = dict(clothing_dir=GARMENT_DATA, dirty_marks_dir=tmp_path / "dirty", out_dir=tmp_path / "data",
                  cache_dir=tmp_path / "cache", train_photos=6, val_photos=6, val_share=0.4, dirty_marks_repeats=1)
    plain = build(DefectDataConfig(**config))
    pasted = build(DefectDataConfig(**config, pasted_marks_share=1.0))
    assert "pasted_marks" not in plain["train"] and pasted["train"]["pasted_marks"] >= pasted["train"]["stained"]
    # the same tiles of the same photos, now with the marks too (a tile may cut one off)
    assert plain["train"]["boxes"][STAIN] < pasted["train"]["boxes"][STAIN] <= (
        plain["train"]["boxes"][STAIN] + pasted["train"]["pasted_marks"])
    assert pasted["train"]["clean"] == plain["train"]["clean"] and pasted["val"] == plain["val"]
    with pytest.raises(ValueError, match="do not combine"):
        DefectTrainConfig(data=DefectDataConfig(**config, pasted_marks_share=0.5, serve_size=512),
                          out_dir=tmp_path, finetune_epochs=2)


def test_the_model_card_says_when_marks_were_pasted(tmp_path):
    import json

    from inference.defects import DEFAULT_WEIGHTS_DIR
    from inference.training.defect_model_card import write_model_card

    metadata = json.loads((DEFAULT_WEIGHTS_DIR / "metadata.json").read_text())
    assert "Pasted real marks" not in write_model_card(tmp_path, metadata).read_text()
    metadata["data"]["train"]["pasted_marks"] = 123
    metadata["config"]["data"]["pasted_marks_share"] = 0.5
    card = write_model_card(tmp_path, metadata).read_text()
    assert "**Pasted real marks**" in card and "50% of the stained training photos" in card and "(123 in all)" in card
