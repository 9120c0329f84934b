"""Stains and damage on an item: the grade policy at its thresholds, storing the step's
results, corrections that win, filters, review, the item page and the listing helper."""

import re

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from inference.grade import GradePolicy, grade, grid_position
from inference.training.detection_metrics import evaluate
from inference.training.defect_synthesis import STAIN, SynthesisSettings, synthesize
from tests.factories import fake_result, make_item
from wardrobe import condition, outfits, selectors, services
from wardrobe.models import Item, Prediction

POLICY = GradePolicy()
GARMENT = [0.0, 0.0, 1.0, 1.0]  # a garment filling the photo: box areas are garment shares


def defect(kind="stain", confidence=1.0, area=0.01, x=0.1, y=0.1):
    side = area ** 0.5
    return {"type": kind, "confidence": confidence, "box": [x, y, x + side, y + side]}


def label(defects, garment_area=1.0):
    return grade(defects, garment_area=garment_area, garment_box=GARMENT, policy=POLICY)["label"]


# --- the policy at its thresholds ------------------------------------------------------

def test_no_defects_is_reuse_with_certainty():
    result = grade([], garment_area=0.5, garment_box=GARMENT, policy=POLICY)
    assert result["label"] == "reuse" and result["probabilities"] == {"reuse": 1.0, "recycle": 0.0, "dispose": 0.0}
    assert result["reason_text"] == "no stains or damage found → reuse"


def test_stain_area_just_under_and_at_the_recycle_threshold():
    assert label([defect(area=POLICY.recycle_stain_area * 0.99)]) == "reuse"
    assert label([defect(area=POLICY.recycle_stain_area * 1.01)]) == "recycle"


def test_stain_count_threshold():
    few = [defect(area=0.001, x=0.1 * n) for n in range(POLICY.recycle_stain_count - 1)]
    assert label(few) == "reuse"
    assert label(few + [defect(area=0.001, x=0.8)]) == "recycle"


def test_any_damage_is_recycle_and_large_damage_is_dispose():
    assert label([defect("hole", area=0.001)]) == "recycle"
    assert label([defect("tear", area=POLICY.dispose_damage_area * 0.99)]) == "recycle"
    assert label([defect("tear", area=POLICY.dispose_damage_area * 1.01)]) == "dispose"


def test_stains_over_the_dispose_area():
    assert label([defect(area=POLICY.dispose_stain_area * 0.99)]) == "recycle"
    assert label([defect(area=POLICY.dispose_stain_area * 1.01)]) == "dispose"


def test_areas_are_shares_of_the_garment_not_the_photo():
    small_on_photo = defect(area=0.015)
    assert label([small_on_photo], garment_area=1.0) == "reuse"
    assert label([small_on_photo], garment_area=0.5) == "recycle"  # 3 % of a garment half the photo


def test_probabilities_follow_the_confidences_and_the_label_is_the_likeliest():
    result = grade([defect("hole", confidence=0.6, area=0.001)], garment_area=1.0, garment_box=GARMENT, policy=POLICY)
    assert result["probabilities"] == pytest.approx({"reuse": 0.4, "recycle": 0.6, "dispose": 0.0})
    assert result["label"] == "recycle"
    two = grade([defect("hole", confidence=0.3, area=0.05), defect("tear", confidence=0.3, area=0.05, x=0.5)],
                garment_area=1.0, garment_box=GARMENT, policy=POLICY)
    # Each alone is recycle (5 %); both real (0.09) is dispose (10 %).
    assert two["probabilities"] == pytest.approx({"reuse": 0.49, "recycle": 0.42, "dispose": 0.09})
    assert sum(two["probabilities"].values()) == pytest.approx(1.0)
    assert two["label"] == "reuse"


def test_detections_under_the_minimum_confidence_are_ignored():
    assert label([defect("hole", confidence=POLICY.min_confidence - 0.01)]) == "reuse"


def test_the_reason_names_counts_area_and_place():
    result = grade([defect(area=0.03, x=0.05, y=0.8), defect(area=0.0004, x=0.1, y=0.85)],
                   garment_area=1.0, garment_box=GARMENT, policy=POLICY)
    assert result["reason_text"] == "2 stains covering 3% of the garment, lower left → recycle"
    assert result["reason"]["if_all_real"] == ""


def test_the_reason_says_when_unsure_boxes_alone_would_grade_otherwise():
    # Together 2.5 % (recycle), but only a 34 % chance that both are real: reuse.
    result = grade([defect(confidence=0.71, area=0.016, x=0.4, y=0.7), defect(confidence=0.48, area=0.009, x=0.7)],
                   garment_area=1.0, garment_box=GARMENT, policy=POLICY)
    assert result["label"] == "reuse" and result["reason"]["if_all_real"] == "recycle"
    assert result["reason_text"].endswith("→ reuse (recycle if every box is right)")
    from django.utils import translation

    from wardrobe.condition import reason_sentence

    with translation.override("en"):
        assert reason_sentence(result["reason"]).endswith("→ Reuse (Recycle if every box is right)")
    with translation.override("ko"):
        assert "모든 표시가 맞다면 재활용" in reason_sentence(result["reason"])


@pytest.mark.parametrize("box, cell", [
    ([0.0, 0.0, 0.1, 0.1], "upper-left"), ([0.45, 0.45, 0.55, 0.55], "middle-centre"),
    ([0.8, 0.4, 0.9, 0.5], "middle-right"), ([0.4, 0.9, 0.5, 1.0], "lower-centre"),
])
def test_grid_position(box, cell):
    assert grid_position(box, GARMENT) == cell


def test_the_policy_version_changes_with_a_threshold():
    assert GradePolicy().version != GradePolicy(recycle_stain_area=0.05).version


# --- the generator and the metrics ---------------------------------------------------------

def test_synthetic_defects_stay_on_the_garment_and_are_labelled():
    image = np.full((200, 160, 3), 200, np.uint8)
    mask = np.zeros((200, 160), bool)
    mask[40:180, 30:130] = True
    for seed in range(20):
        result = synthesize(image, mask, np.random.default_rng(seed), SynthesisSettings(min_contrast=0))
        changed = np.abs(result.image.astype(int) - image.astype(int)).sum(axis=2) > 0
        assert not changed[~mask].any(), "a defect was drawn off the garment"
        for item in result.defects:
            x0, y0, x1, y1 = item.box
            assert 30 <= x0 < x1 <= 130 and 40 <= y0 < y1 <= 180


def test_the_data_set_keeps_clean_photos_as_negatives_without_labels(tmp_path, settings):
    from inference.training.defect_data import DefectDataConfig, build
    from tests.conftest import GARMENT_DATA

    counts = build(DefectDataConfig(clothing_dir=GARMENT_DATA, dirty_marks_dir=None, out_dir=tmp_path / "data",
                                    cache_dir=tmp_path / "cache", train_photos=6, val_photos=6, val_share=0.4))
    labels = sorted((tmp_path / "data" / "labels" / "train").glob("*.txt"))
    assert len(labels) == counts["train"]["stained"] + counts["train"]["clean"]
    empty = [path for path in labels if not path.read_text().strip()]
    assert len(empty) >= len(labels) - len(empty)  # at least as many clean as stained
    for path in labels:
        for line in path.read_text().split("\n"):
            if line:
                cls, cx, cy, w, h = line.split()
                assert int(cls) in (0, 1, 2) and all(0 <= float(v) <= 1 for v in (cx, cy, w, h))
    assert "names:" in (tmp_path / "data" / "data.yaml").read_text()


def test_the_fine_tuning_sets_keep_each_source_on_one_side(tmp_path, settings):
    from inference.training.defect_data import DefectDataConfig, build, dirty_mark_source
    from tests.conftest import GARMENT_DATA, write_dirty_marks

    dirty = write_dirty_marks(tmp_path / "dirty", sources=8)
    out = tmp_path / "data"
    counts = build(DefectDataConfig(clothing_dir=GARMENT_DATA, dirty_marks_dir=dirty, out_dir=out,
                                    cache_dir=tmp_path / "cache", train_photos=6, val_photos=6, val_share=0.4,
                                    dirty_marks_repeats=2, finetune_folds=2), finetune=True)
    assert counts["dirty_marks"] == {"tune_photos": 8, "heldout_photos": 8, "tune_sources": 4, "heldout_sources": 4}

    def sources(names):
        return {dirty_mark_source(name.removeprefix("dirty-").rsplit("-", 1)[0] + ".jpg") for name in names}

    main = sorted(p.name for p in (out / "images" / "train").iterdir())
    assert not [name for name in main if name.startswith("dirty-")]  # the main stage sees no dirty mark
    held = sources(p.stem + "-0" for p in (out / "dirty-heldout" / "images").iterdir())
    tuned = sources(p.stem for p in (out / "finetune" / "images" / "train").iterdir() if p.name.startswith("dirty-"))
    assert len(tuned) == 4 and not tuned & held
    measured = []
    for fold in (0, 1):
        folder = out / f"finetune-fold{fold}"
        trained = [p.stem for p in (folder / "images" / "train").iterdir()]
        own = sources(p.stem + "-0" for p in (folder / "measure" / "images").iterdir())
        dirty_tiles = [name for name in trained if name.startswith("dirty-")]
        assert own and not own & sources(dirty_tiles) and own | sources(dirty_tiles) == tuned
        assert len(dirty_tiles) == 2 * 2 * len(tuned - own)  # two names a source, two tiles each
        assert sum(name.startswith("main-") for name in trained) == min(len(dirty_tiles), len(main))
        assert all((folder / "labels" / "train" / f"{name}.txt").exists() for name in trained)
        assert "measure" not in (folder / "data.yaml").read_text()
        measured.append(own)
    assert not measured[0] & measured[1]


def test_training_tiles_keep_the_serving_scale_and_clip_the_boxes():
    from PIL import Image

    from inference.training.defect_data import tile

    photo = Image.new("RGB", (480, 640))  # served at 512: scaled to 384 x 512
    inside = "0 0.5 0.5 0.05 0.05"  # 19 x 26 px at the serving scale, in every tile's reach
    cut = "0 0.02 0.02 0.04 0.04"  # at the corner: half of it or none in a tile
    for seed in range(10):
        crop, lines = tile(photo, [inside, cut], serve_size=512, tile_size=352, rng=np.random.default_rng(seed))
        assert crop.size == (352, 352)
        kept = [tuple(map(float, line.split()[1:])) for line in lines]
        centre = next(box for box in kept if box[2] > 0.05)  # the inside box, whole
        assert centre[2] * 352 == pytest.approx(0.05 * 384, abs=0.01)
        assert centre[3] * 352 == pytest.approx(0.05 * 512, abs=0.01)
        for cx, cy, w, h in kept:
            assert 0 <= cx - w / 2 and cx + w / 2 <= 1 and 0 <= cy - h / 2 and cy + h / 2 <= 1
    small, _ = tile(Image.new("RGB", (48, 64)), [], serve_size=64, tile_size=352, rng=np.random.default_rng(0))
    assert small.size == (48, 64)  # smaller than a tile: the whole photo


def test_dirty_mark_copies_of_one_photo_land_on_the_same_side():
    from inference.training.defect_data import dirty_mark_source

    assert dirty_mark_source("Dirt-Mark-2-_jpg.rf.2f32.jpg") == dirty_mark_source("Dirt-Mark-2_jpg.rf.1247.jpg")
    assert dirty_mark_source("Dirt-Mark-2_jpg.rf.1.jpg") != dirty_mark_source("Dirt-Mark-3_jpg.rf.1.jpg")


def test_metrics_on_a_tiny_known_case():
    box = (0.1, 0.1, 0.3, 0.3)
    images = [
        {"truths": [(STAIN, box)], "predictions": [(STAIN, 0.9, box)]},  # found
        {"truths": [(STAIN, box)], "predictions": []},  # missed
        {"truths": [], "predictions": [(STAIN, 0.8, (0.5, 0.5, 0.6, 0.6))]},  # a clean photo flagged
        {"truths": [], "predictions": [(STAIN, 0.1, (0.5, 0.5, 0.6, 0.6))]},  # below the threshold
    ]
    report = evaluate(images, ["stain", "hole", "tear"], confidence_threshold=0.25)
    assert report["per_class"]["stain"]["precision"] == 0.5 and report["recall"] == 0.5
    assert report["image_recall"] == 0.5 and report["clean_flag_rate"] == 0.5
    # Ranked: hit (0.9), miss (0.8), miss (0.1); recall 0.5 reached at precision 1.
    assert report["map50"] == pytest.approx(51 / 101)
    perfect = evaluate(images[:1], ["stain"], confidence_threshold=0.25)
    assert perfect["map50"] == 1.0 and perfect["map50_95"] == 1.0


# --- storing, correcting, filtering, reviewing ----------------------------------------------

HOLE = {"type": "hole", "confidence": 0.9, "box": [0.2, 0.6, 0.3, 0.7]}
STAIN_BOX = {"type": "stain", "confidence": 0.8, "box": [0.5, 0.2, 0.56, 0.26]}


def processed(user, defects=(HOLE, STAIN_BOX), **extra):
    item = make_item(user, status=Item.Status.QUEUED, **extra)
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(defects=list(defects)))
    item.refresh_from_db()
    return item


def rerun(item, defects):
    services.reprocess_items(items=[item])
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(defects=defects))
    item.refresh_from_db()
    return item


@pytest.mark.django_db
def test_the_step_stores_boxes_grade_and_model_versions(user):
    item = processed(user)
    assert item.defects == [HOLE, STAIN_BOX] and item.defect_count == 2
    assert item.grade == "recycle" and set(item.grade_probabilities) == {"reuse", "recycle", "dispose"}
    assert item.grade_reason["damage"] == 1 and item.grade_reason["stains"] == 1
    versions = dict(Prediction.objects.filter(item=item).values_list("step", "model_version"))
    assert versions["defects"] == "d-test" and versions["grade"] == "p-test+d-test"


@pytest.mark.django_db
def test_a_removed_box_stays_removed_and_the_grade_follows(user):
    item = processed(user)
    item = services.remove_defect(item=item, index=0)  # the hole was a shadow
    assert item.defects == [STAIN_BOX] and item.grade == "reuse"
    item = rerun(item, [HOLE, STAIN_BOX])
    assert item.defects == [STAIN_BOX] and item.grade == "reuse"  # the person's boxes won
    with pytest.raises(ValueError):
        services.remove_defect(item=item, index=5)


@pytest.mark.django_db
def test_the_owners_grade_wins_over_later_runs_and_over_an_admin(user, admin_user):
    item = processed(user, defects=[])
    services.update_item(item=item, changes={"grade": "recycle"})
    item = rerun(item, [])
    assert item.grade == "recycle"
    item = services.review_grade(item=item, reviewer=admin_user, grade="dispose")
    assert (item.grade, item.reviewed_grade) == ("recycle", "dispose")


@pytest.mark.django_db
def test_an_admins_grade_and_box_removal_win_over_later_runs(user, admin_user):
    item = processed(user)
    services.review_grade(item=item, reviewer=admin_user, grade="reuse")
    services.remove_defect(item=item, index=1, reviewer=admin_user)
    item = rerun(item, [HOLE, STAIN_BOX, STAIN_BOX])
    assert item.grade == "reuse" and item.defects == [HOLE] and item.defects_reviewed
    assert "defects" not in item.user_edited_fields  # the admin's correction is not the owner's


@pytest.mark.django_db
def test_corrections_are_exported_as_training_labels(user, other_user, admin_user, tmp_path):
    from django.core.management import call_command

    owners = processed(user)
    services.remove_defect(item=owners, index=0)
    reviewed = processed(other_user)
    services.review_grade(item=reviewed, reviewer=admin_user, grade="dispose")
    processed(user)  # nobody corrected it: no label
    call_command("export_training_data", "--out", str(tmp_path))
    rows = (tmp_path / "condition" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3
    assert f"{reviewed.pk},user-{other_user.pk},dispose,False,admin" in rows
    assert (tmp_path / "condition" / "labels" / f"{owners.pk}.txt").read_text().startswith("0 0.530000 0.230000")
    assert not (tmp_path / "condition" / "labels" / f"{reviewed.pk}.txt").exists()


@pytest.mark.django_db
def test_the_closet_filters_by_grade_and_by_defects(user):
    stained, clean = processed(user), processed(user, defects=[])
    pending = make_item(user, status=Item.Status.QUEUED)

    def ids(**filters):
        return {item.pk for item in selectors.closet_items(owner=user, filters=selectors.ClosetFilters(**filters))}

    assert ids(grade="recycle") == {stained.pk}
    assert ids(defects="yes") == {stained.pk}
    assert ids(defects="no") == {clean.pk}  # not the photo nobody has looked at yet
    assert pending.pk in ids()


@pytest.mark.django_db
def test_the_review_queue_has_dispose_and_uncertain_detections(user, settings):
    settings.REVIEW_CONFIDENCE_THRESHOLD = 0.1  # the categories are sure
    sure = processed(user, defects=[{**STAIN_BOX, "confidence": 0.9}])
    unsure = processed(user, defects=[{**STAIN_BOX, "confidence": 0.3}])
    disposed = processed(user, defects=[{"type": "tear", "confidence": 0.95, "box": [0.1, 0.1, 0.5, 0.5]}])
    assert disposed.grade == "dispose"
    queue = set(selectors.review_queue().values_list("pk", flat=True))
    assert queue == {unsure.pk, disposed.pk} and sure.pk not in queue


# --- the item page and the listing helper ------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("language, reason, next_step", [
    ("en", "1 stain and 1 hole or tear covering", "textile recycling point"),
    ("ko", "얼룩 1개, 구멍·찢어짐 1개", "의류 수거함"),
])
def test_the_item_page_draws_the_boxes_and_says_what_to_do(client, make_user, language, reason, next_step):
    owner = make_user(language=language)
    client.force_login(owner)
    item = processed(owner)
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert page.count('<rect class="defect defect-') == 2 and 'viewBox="0 0 1 1"' in page
    assert reason in page and next_step in page
    assert reverse("item-remove-defect", args=[item.pk, 0]) + "?box=" in page


@pytest.mark.django_db
def test_a_page_drawn_before_the_boxes_changed_removes_nothing(alice_client, user):
    item = processed(user)
    page = alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()
    shown_first = re.search(r'action="([^"]*/defects/0/remove/\?box=\w+)"', page).group(1)
    services.reprocess_items(items=[item])
    claim = services.claim_items(item_id=item.pk, batch_size=1)
    services.apply_results(item_id=item.pk, token=claim.token, result=fake_result(defects=[STAIN_BOX]))
    response = alice_client.post(shown_first, follow=True)
    item.refresh_from_db()
    assert item.defects == [STAIN_BOX] and "defects" not in item.user_edited_fields
    assert "nothing was removed" in response.content.decode()


@pytest.mark.django_db
def test_removing_a_box_from_the_page(alice_client, user):
    item = processed(user)
    response = alice_client.post(reverse("item-remove-defect", args=[item.pk, 0]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.defects == [STAIN_BOX] and "defects" in item.user_edited_fields
    assert alice_client.post(reverse("item-remove-defect", args=[item.pk, 9])).status_code == 404


@pytest.mark.django_db
def test_condition_urls_answer_404_to_other_people(client, user, other_user):
    item = processed(user)
    client.force_login(other_user)
    assert client.post(reverse("item-remove-defect", args=[item.pk, 0])).status_code == 404
    assert client.post(reverse("item-check-listing", args=[item.pk]), {"text": "clean"}).status_code == 404
    item.refresh_from_db()
    assert len(item.defects) == 2


@pytest.mark.parametrize("text, claims", [
    ("Like new, no stains, barely worn", {"Like new", "no stains"}),
    ("Brand-new hoodie, spotless", {"Brand-new", "spotless"}),
    ("Stain-free and flawless", {"Stain-free", "flawless"}),
    ("얼룩 없음, 새것 같아요", {"얼룩 없", "새것"}),
    ("깨끗하고 하자 없습니다", {"깨끗", "하자 없"}),
    ("상태 최상, S급", {"상태 최상", "S급"}),
    ("Dry clean only. A small mark on the sleeve.", set()),
    ("소매에 작은 얼룩이 있어요", set()),
])
def test_clean_claims_in_both_languages(text, claims):
    item = Item(defects=[STAIN_BOX])
    assert set(condition.misleading_claims(text, item)) == claims
    assert condition.misleading_claims(text, Item(defects=[])) == []  # nothing found: nothing to contradict


@pytest.mark.django_db
@pytest.mark.parametrize("language, text, warning", [
    ("en", "Like new, no stains", "but the photo shows stains or damage"),
    ("ko", "얼룩 없음, 새것", "사진에는 얼룩이나 손상이 보입니다"),
])
def test_the_listing_check_warns_before_copying(client, make_user, language, text, warning):
    owner = make_user(language=language)
    client.force_login(owner)
    item = processed(owner)
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert "Sell or donate" in page or "판매" in page
    response = client.post(reverse("item-check-listing", args=[item.pk]), {"text": text}, headers={"HX-Request": "true"})
    assert warning in response.content.decode()


@pytest.mark.django_db
def test_the_drafted_listing_is_honest_about_what_was_found(user):
    item = processed(user, brand="Uniqlo", size="M")
    drafts = condition.draft_listing(item)
    assert "Uniqlo" in drafts["en"] and "Size: M" in drafts["en"]
    assert "hole (lower left)" in drafts["en"] and "stain (upper centre)" in drafts["en"]
    assert "구멍" in drafts["ko"] and "얼룩" in drafts["ko"]
    assert condition.misleading_claims(drafts["en"], item) == [] and condition.misleading_claims(drafts["ko"], item) == []


# The policy's probabilities and reason follow the boxes the item has now, whoever set its grade.
def policy_grade(item):
    return grade(item.defects, garment_area=item.garment_coverage, garment_box=item.garment_box,
                 policy=GradePolicy(**django_settings.GRADE_POLICY))


@pytest.mark.django_db
def test_probabilities_and_reason_follow_a_removed_box_under_an_admins_grade(user, admin_user):
    item = processed(user)  # hole + stain -> recycle
    services.review_grade(item=item, reviewer=admin_user, grade="recycle")
    item = services.remove_defect(item=item, index=0, reviewer=admin_user)  # the hole was a shadow
    assert item.defects == [STAIN_BOX]
    expected = policy_grade(item)
    assert item.grade_reason["damage"] == 0
    assert item.grade_probabilities == expected["probabilities"]


@pytest.mark.django_db
def test_probabilities_follow_the_owners_removed_box_under_the_owners_grade(user):
    item = processed(user)
    item = services.update_item(item=item, changes={"grade": "dispose"})
    assert "grade" in item.user_edited_fields
    item = services.remove_defect(item=item, index=0)
    assert item.grade_probabilities == policy_grade(item)["probabilities"]


@pytest.mark.django_db
def test_probabilities_follow_new_boxes_of_a_rerun_under_an_admins_grade(user, admin_user):
    item = processed(user, defects=[])
    services.review_grade(item=item, reviewer=admin_user, grade="reuse")
    item = rerun(item, [HOLE, STAIN_BOX])  # a better detector finds boxes; the grade stays the admin's
    assert item.defects == [HOLE, STAIN_BOX]
    assert item.grade_probabilities == policy_grade(item)["probabilities"]


@pytest.mark.django_db
def test_the_owners_later_grade_wins_over_an_earlier_admin_review(user, admin_user):
    item = processed(user, defects=[])
    item = services.review_grade(item=item, reviewer=admin_user, grade="dispose")
    item = services.update_item(item=item, changes={"grade": "reuse"})  # the owner, later: it is fine
    assert item.grade == "reuse"
    assert item.effective_grade == "reuse"
    assert str(item.pk) in {garment.id for garment in outfits.garments(user)}  # back in outfits
