"""The colour step's naming rules on drawn garments with known answers, and its evaluation."""

import json

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw

from inference import colors
from inference.management.commands.evaluate_colors import score
from inference.taxonomy import COLORS
from tests.conftest import FIXTURES

GARMENT = (50, 40, 150, 170)  # left, top, right, bottom


def drawn(fill, background=(250, 250, 250), patches=()):
    """A garment rectangle on a background, with its mask; `patches` are (box, colour) drawn
    over it and inside the mask too (a hand, an arm, a shadow)."""
    image = Image.new("RGB", (200, 200), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle(GARMENT, fill=fill)
    mask = np.zeros((200, 200), dtype=bool)
    left, top, right, bottom = GARMENT
    mask[top:bottom + 1, left:right + 1] = True
    for (x0, y0, x1, y1), colour in patches:
        draw.rectangle((x0, y0, x1, y1), fill=colour)
        mask[y0:y1 + 1, x0:x1 + 1] = True
    return image, mask


def names(image, mask):
    return [entry["name"] for entry in colors.dominant_colors(image, mask)]


@pytest.mark.parametrize("color", COLORS, ids=lambda color: color.code)
def test_each_closet_colour_drawn_flat_is_named_as_itself(color):
    assert names(*drawn(color.rgb)) == [color.code]


@pytest.mark.parametrize("rgb", [(245, 212, 220), (240, 200, 210), (236, 190, 196)])
def test_a_pale_pink_is_pink_not_grey_or_white(rgb):
    assert names(*drawn(rgb)) == ["pink"]


@pytest.mark.parametrize("rgb", [(240, 228, 200), (235, 225, 195)])
def test_a_cream_is_ivory_or_beige(rgb):
    assert names(*drawn(rgb))[0] in {"ivory", "beige"}


def test_white_under_a_warm_lamp_is_still_white(monkeypatch):
    # The lamp tints the wall and the shirt alike.
    photo = drawn((250, 228, 195), background=(228, 205, 170))
    assert names(*photo) == ["white"]
    monkeypatch.setattr(colors, "CAST_DEAD_ZONE", 1000.0)  # without the correction
    assert names(*photo) != ["white"]


def test_a_cream_on_a_white_sheet_is_not_balanced_away():
    assert names(*drawn((240, 228, 200), background=(245, 245, 245))) == ["ivory"]


def test_a_dim_photo_of_a_white_shirt_is_white():
    # Exposed for mid-grey, the shirt filling the frame comes out grey.
    assert names(*drawn((165, 166, 170), background=(120, 110, 100))) == ["white"]


def test_skin_inside_the_mask_is_not_a_garment_colour():
    arm = ((20, 60, 60, 160), (224, 172, 150))
    hand = ((60, 150, 100, 185), (198, 134, 110))
    found = colors.dominant_colors(*drawn((40, 90, 190), patches=[arm, hand]))
    assert [c["name"] for c in found] == ["blue"]
    assert found[0]["share"] == pytest.approx(1.0)  # shares are of the garment, skin left out


def test_a_skin_toned_garment_is_still_named():
    assert names(*drawn((224, 172, 150))) in (["beige"], ["pink"], ["orange"])


def test_a_fold_in_shadow_stays_with_the_lit_cloth():
    image, mask = drawn((240, 150, 175))
    pixels = np.asarray(image).copy()
    pixels[40:171, 117:151] = (pixels[40:171, 117:151] * 0.6).astype(np.uint8)  # a third in shadow
    assert names(Image.fromarray(pixels), mask) == ["pink"]


def test_stripes_give_both_colours_with_shares_that_add_up():
    image, mask = drawn((30, 40, 80))
    draw = ImageDraw.Draw(image)
    for top in range(40, 171, 20):
        draw.rectangle((50, top, 150, top + 9), fill=(245, 245, 242))
    found = colors.dominant_colors(image, mask)
    assert {c["name"] for c in found} == {"navy", "white"}
    assert sum(c["share"] for c in found) == pytest.approx(1.0, abs=0.01)


def test_score_counts_any_acceptable_name_and_the_first_two():
    rows = [{"main": ["navy", "blue"]}, {"main": ["pink"]}, {"main": ["white"]}]
    report = score(rows, [["blue", "white"], ["gray", "pink"], []])
    assert (report["main_agreement"], report["top2_agreement"], report["count"]) == (0.3333, 0.6667, 3)
    assert report["strict_agreement"] == 0.0  # "blue" is fair for the first, but not the name listed first
    assert report["confusion"] == {("blue", "blue"): 1, ("pink", "gray"): 1, ("white", "none"): 1}


@pytest.mark.parametrize("arguments", [
    ["--data", str(FIXTURES / "colors")],
    ["--data", str(FIXTURES / "garments"), "--labels", str(FIXTURES / "colors" / "colors.csv")],
], ids=["colors.csv in the folder", "labels elsewhere"])
def test_evaluate_colors_on_the_fixture(arguments, capsys):
    call_command("evaluate_colors", *arguments, "--json")
    output = capsys.readouterr().out.strip().splitlines()
    report = json.loads(output[-1])
    assert {"main_agreement", "top2_agreement", "count"} <= set(report)
    assert report["count"] == 8 and report["skipped"] == 0
    assert 0 <= report["main_agreement"] <= report["top2_agreement"] <= 1
    assert {name: part["count"] for name, part in report["splits"].items()} == {"tune": 4, "held_out": 4}
    assert any(line.startswith("labelled") for line in output)  # the confusion table


def test_a_very_dark_navy_is_navy_but_a_dark_grey_black_stays_black():
    # At L 6 a chroma of 12 is a deep blue to the eye; a black's slight tint is not.
    assert names(*drawn((14, 18, 34))) == ["navy"]
    assert names(*drawn((22, 22, 26))) == ["black"]


def test_a_bright_saturated_golden_yellow_is_yellow_not_beige():
    # L 82, C 68, hue 87: beige is a dull colour, this one is not.
    assert names(*drawn((245, 200, 70))) == ["yellow"]


def test_a_dim_white_shirt_on_a_bright_yellow_sheet_is_white():
    # The sheet is brighter than the shirt but says nothing about exposure: it is not pale.
    assert names(*drawn((165, 166, 170), background=(240, 210, 50))) == ["white"]


def test_a_mask_that_holds_only_the_print_gives_the_garment_colour():
    # The segmenter kept the small pink print of a black T-shirt that fills the photo's middle.
    image = Image.new("RGB", (200, 200), (210, 190, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 170, 170), fill=(20, 20, 22))
    draw.rectangle((85, 85, 115, 105), fill=(240, 150, 185))
    mask = np.zeros((200, 200), dtype=bool)
    mask[85:106, 85:116] = True  # 1.6% of the photo
    assert names(image, mask)[0] == "black"
    mask[30:171, 30:171] = True  # the whole T-shirt: the mask is used as it is
    assert names(image, mask)[0] == "black" and colors.dominant_colors(image, mask)[0]["share"] > 0.9


def test_evaluate_colors_keeps_the_masks_and_answers_the_same_from_them(tmp_path, capsys):
    arguments = ["--data", str(FIXTURES / "colors"), "--json", "--cache", str(tmp_path)]
    call_command("evaluate_colors", *arguments)
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    kept = sorted(tmp_path.glob("*/*.npy"))
    assert len(kept) == first["count"] == 8
    call_command("evaluate_colors", *arguments)
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sorted(tmp_path.glob("*/*.npy")) == kept
    assert {key: second[key] for key in ("main_agreement", "top2_agreement", "count")} == \
        {key: first[key] for key in ("main_agreement", "top2_agreement", "count")}
