"""The pipeline's steps on real photos (fixtures) and on drawn images with known answers."""

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw

from inference import colors, phash, pipeline
from inference.images import encode, open_rgb
from tests.conftest import GARMENT_PHOTOS, image_bytes, photo_bytes, photo_path


def jpeg_with_orientation(orientation: int) -> bytes:
    image = Image.new("RGB", (80, 40), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 20, 40), fill=(0, 0, 0))  # black band on the left
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_normalize_turns_the_photo_upright_and_writes_jpeg_and_thumbnails():
    result = pipeline.run(jpeg_with_orientation(6), steps=[pipeline.NormalizeStep()])
    assert result.ok and (result.fields["width"], result.fields["height"]) == (40, 80)
    upright = Image.open(io.BytesIO(result.artifacts["image"]))
    assert upright.format == "JPEG" and upright.size == (40, 80)
    assert np.asarray(upright.convert("L"))[:15].mean() < 60  # the band is now on top
    for name in ("thumb_small", "thumb_medium"):
        assert Image.open(io.BytesIO(result.artifacts[name])).format == "JPEG"


def test_large_photos_get_bounded_images_and_small_thumbnails():
    big = image_bytes("JPEG", size=(4000, 3000))
    result = pipeline.run(big, steps=[pipeline.NormalizeStep()])
    sizes = {name: Image.open(io.BytesIO(data)).size for name, data in result.artifacts.items()}
    assert sizes["image"] == (pipeline.IMAGE_SIDE, 1200)
    assert max(sizes["thumb_medium"]) == pipeline.THUMB_MEDIUM_SIDE
    assert max(sizes["thumb_small"]) == pipeline.THUMB_SMALL_SIDE


def test_a_photo_that_cannot_be_decoded_fails_alone():
    good, bad = photo_bytes("hat"), b"\xff\xd8\xff\xe0 not really a jpeg"
    results = pipeline.run_batch([good, bad], steps=[pipeline.NormalizeStep(), pipeline.PhashStep()])
    assert results[0].ok and "phash" in results[0].fields
    assert not results[1].ok and "could not be decoded" in results[1].error
    assert "phash" not in results[1].timings_ms


def test_transparent_png_is_flattened_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, "PNG")
    assert open_rgb(buffer.getvalue()).getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("mode, key", [("RGB", (0, 0, 0)), ("L", 0)])
def test_a_png_colour_keyed_transparent_is_flattened_on_white(mode, key):
    image = Image.new(mode, (32, 32), key)  # all of it the transparent colour but a patch
    image.paste((200, 30, 40) if mode == "RGB" else 120, (8, 8, 24, 24))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=key)
    flat = open_rgb(buffer.getvalue())
    assert flat.getpixel((0, 0)) == (255, 255, 255)
    assert flat.getpixel((16, 16)) == ((200, 30, 40) if mode == "RGB" else (120, 120, 120))


def test_a_sixteen_bit_grey_png_keeps_its_tones():
    buffer = io.BytesIO()
    image = Image.new("I;16", (32, 32), 32768)
    image.paste(65535, (0, 0, 16, 32))
    image.save(buffer, "PNG")
    flat = open_rgb(buffer.getvalue())
    assert flat.getpixel((20, 5)) == (128, 128, 128) and flat.getpixel((5, 5)) == (255, 255, 255)


def test_a_sixteen_bit_grey_png_with_a_colour_key_is_flattened_on_white():
    grey = np.full((20, 40), 40000, np.uint16)
    grey[:5] = 0  # the key
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "PNG", transparency=0)
    flat = open_rgb(buffer.getvalue())
    assert flat.getpixel((20, 10)) == (156, 156, 156) and flat.getpixel((0, 0)) == (255, 255, 255)


def test_the_stain_detectors_version_names_its_thresholds(tmp_path):
    from inference.defects import DEFAULT_WEIGHTS_DIR, DefectDetector

    stricter = tmp_path / "stricter"
    stricter.mkdir()
    (stricter / "defects.onnx").symlink_to(DEFAULT_WEIGHTS_DIR / "defects.onnx")
    metadata = json.loads((DEFAULT_WEIGHTS_DIR / "metadata.json").read_text())
    (stricter / "metadata.json").write_text(json.dumps({**metadata, "confidence_threshold": 0.9}))
    shipped, other = DefectDetector(DEFAULT_WEIGHTS_DIR), DefectDetector(stricter)
    assert shipped.version != other.version and other.version.split("-c")[0] == shipped.version.split("-c")[0]


def test_a_pattern_step_without_an_answer_clears_an_earlier_models_pattern(user):
    from inference.pattern import load
    from tests.factories import fake_result, make_item, unit_vector
    from wardrobe import services

    item = make_item(user, pattern="striped", pattern_confidence=0.91)
    photo = pipeline.Photo(source=b"", image=Image.new("RGB", (64, 64)),
                           embedding=pipeline.Embedding(unit_vector(1, 0), "garment-new@abc", 0.9))
    assert load().embedding_version != "garment-new@abc"  # weights fitted on another garment model
    [answer] = pipeline.PatternStep().run_batch([photo])
    assert answer == {"pattern": "", "pattern_confidence": None}
    services.reprocess_items(items=[item])
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    result = fake_result()
    result.fields.update(answer)
    services.apply_results(item_id=item.pk, token=claim.token, result=result)
    item.refresh_from_db()
    assert (item.pattern, item.pattern_confidence) == ("", None) and "striped" not in item.caption_en.lower()


def test_segmentation_finds_the_garment_and_cuts_it_out():
    steps = [pipeline.NormalizeStep(), pipeline.SegmentStep()]
    result = pipeline.run(photo_bytes("tshirt"), steps=steps)
    assert result.fields["garment_found"] is True
    x0, y0, x1, y1 = result.fields["garment_box"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and (x1 - x0) * (y1 - y0) > 0.1
    cutout = Image.open(io.BytesIO(result.artifacts["cutout"]))
    alpha = np.asarray(cutout.getchannel("A"))
    assert cutout.mode == "RGBA" and alpha.min() == 0 and alpha.max() == 255
    small = Image.open(io.BytesIO(result.artifacts["cutout_small"]))  # for grids: a few KB, not the large one
    assert small.mode == "RGBA" and max(small.size) == min(pipeline.THUMB_SMALL_SIDE, max(cutout.size))
    mask = np.asarray(Image.open(io.BytesIO(result.artifacts["mask"])))
    assert 0.1 < (mask > 127).mean() < 0.9
    assert result.model_versions["segment"].startswith("u2netp@")


def _drawn_garment(fill, background=(250, 250, 250), trim=None):
    image = Image.new("RGB", (200, 200), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 40, 150, 170), fill=fill)
    if trim:
        draw.rectangle((50, 150, 150, 170), fill=trim)
    mask = np.zeros((200, 200), dtype=bool)
    mask[40:171, 50:151] = True
    return image, mask


def test_colours_are_measured_inside_the_mask_only():
    image, mask = _drawn_garment((200, 30, 40), background=(20, 20, 20))
    found = colors.dominant_colors(image, mask)
    assert [c["name"] for c in found] == ["red"]
    assert found[0]["share"] == pytest.approx(1.0, abs=0.02)


def test_two_colours_with_their_shares_and_names_in_both_languages():
    image, mask = _drawn_garment((30, 40, 80), trim=(245, 245, 242))
    found = colors.dominant_colors(image, mask)
    assert [c["name"] for c in found] == ["navy", "white"]
    assert found[0]["share"] == pytest.approx(0.85, abs=0.05)
    assert 0.95 <= sum(c["share"] for c in found) <= 1.0
    assert found[0]["hex"].startswith("#") and len(found[0]["hex"]) == 7
    assert (found[0]["en"], found[0]["ko"]) == ("Navy", "네이비")


def test_colours_on_a_real_photo_are_at_most_three():
    steps = [pipeline.NormalizeStep(), pipeline.SegmentStep(), pipeline.ColorsStep()]
    found = pipeline.run(photo_bytes("dress"), steps=steps).fields["colors"]
    assert 1 <= len(found) <= 3
    assert all(c["share"] >= colors.MIN_SHARE for c in found)


def test_phash_survives_reencoding_and_resizing_but_not_a_different_photo():
    original = open_rgb(photo_path("tshirt"))
    reencoded = open_rgb(encode(original.resize((200, 260)), "JPEG", quality=50))
    other = open_rgb(photo_path("pants"))
    assert phash.distance(phash.phash(original), phash.phash(reencoded)) <= 6
    assert phash.distance(phash.phash(original), phash.phash(other)) > 16


def test_phash_round_trips_through_a_signed_database_integer():
    value = 0xF0F0_0000_0000_0001
    assert phash.to_unsigned(phash.to_signed(value)) == value
    assert -(2 ** 63) <= phash.to_signed(value) < 2 ** 63


def test_analyze_prints_one_json_object_per_image(capsys, with_detector):
    paths = [str(photo_path("hat")), str(photo_path("shoes"))]
    call_command("analyze", *paths, "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for path, line in zip(paths, lines):
        record = json.loads(line)
        assert record["path"] == path
        assert {"colors", "phash", "garment_box", "category", "category_confidence", "category_top3",
                "pattern", "pattern_confidence", "defects", "grade", "caption"} <= set(record)
        assert set(record["timings_ms"]) == set(record["model_versions"]) == {
            "normalize", "segment", "colors", "phash", "garment", "pattern", "defects", "grade", "caption"}
        assert set(record["caption"]) == {"ko", "en"} and record["caption"]["ko"] and record["caption"]["en"]
        assert all(ms >= 0 for ms in record["timings_ms"].values())
        for found in record["defects"]:
            assert found["type"] in ("stain", "hole", "tear") and 0 < found["confidence"] <= 1
            x0, y0, x1, y1 = found["box"]
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        assert record["grade"]["label"] in ("reuse", "recycle", "dispose")
        assert sum(record["grade"]["probabilities"].values()) == pytest.approx(1.0)
        assert record["grade"]["reason"].endswith(record["grade"]["label"])
        assert record["model_versions"]["grade"].endswith(record["model_versions"]["defects"].split("@")[1])


def test_analyze_reports_a_broken_file_without_stopping(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    call_command("analyze", str(broken), str(photo_path("hat")), "--json")
    first, second = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    assert "could not be decoded" in first["error"]
    assert "category" in second


@pytest.mark.parametrize("path", GARMENT_PHOTOS[:3], ids=lambda p: p.stem)
def test_the_garment_step_gives_category_confidence_top3_and_a_unit_embedding(path):
    result = pipeline.run(path.read_bytes())
    fields = result.fields
    top3 = fields["category_top3"]
    assert len(top3) == 3 and top3[0][0] == fields["category"]
    assert top3[0][1] == fields["category_confidence"] >= top3[1][1] >= top3[2][1]
    assert sum(fields["category_probabilities"].values()) == pytest.approx(1.0, abs=0.01)
    assert np.linalg.norm(result.embedding.vector) == pytest.approx(1.0, abs=1e-3)
    # The embedding is named by the weights alone: a new calibration temperature leaves it comparable.
    model_version = result.model_versions["garment"]
    assert model_version.startswith(result.embedding.version) and model_version != result.embedding.version
    assert 0.5 < result.embedding.duplicate_similarity < 1.0


def test_the_detector_decodes_boxes_above_its_threshold_anywhere_on_the_photo():
    """Boxes come back as fractions of the photo, strongest first; a box off the garment
    is kept (on close-ups the segmenter's subject is a ruler or a label, not the fabric)."""
    import numpy as np

    from inference.defects import DefectDetector

    detector = DefectDetector.__new__(DefectDetector)
    detector.classes, detector.confidence_threshold, detector.iou_threshold = ["stain", "hole", "tear"], 0.25, 0.5
    image = Image.new("RGB", (100, 100))
    # The model's output: one column per anchor, rows cx, cy, w, h and the three class scores,
    # on a 200 px letterbox with the photo scaled by 2 and shifted 10 px right.
    anchors = np.array([[50, 50, 20, 20, 0.9, 0.0, 0.0],
                        [170, 170, 20, 20, 0.0, 0.8, 0.0],
                        [52, 52, 20, 20, 0.6, 0.0, 0.0],  # the first stain again, weaker: suppressed
                        [110, 110, 20, 20, 0.1, 0.1, 0.1]],  # too unsure
                       np.float32).T
    found = detector._decode(anchors, image, 2.0, (10, 0))
    assert [(d.type, round(d.confidence, 2)) for d in found] == [("stain", 0.9), ("hole", 0.8)]
    assert found[0].box == pytest.approx((0.15, 0.2, 0.25, 0.3))


def test_without_a_detector_there_is_no_defects_or_grade_step(capsys, settings, tmp_path, monkeypatch):
    """A checkout without the shipped weights (and no DEFECT_MODEL_DIR) still runs."""
    from inference import defects

    settings.DEFECT_MODEL_DIR = ""
    monkeypatch.setattr(defects, "DEFAULT_WEIGHTS_DIR", tmp_path)
    pipeline._process_steps.cache_clear()
    try:
        call_command("analyze", str(photo_path("hat")), "--json")
    finally:
        pipeline._process_steps.cache_clear()
    record = json.loads(capsys.readouterr().out.strip())
    assert set(record["model_versions"]) == {"normalize", "segment", "colors", "phash", "garment", "pattern", "caption"}
    assert "defects" not in record and record["caption"]["en"].endswith("hat")
