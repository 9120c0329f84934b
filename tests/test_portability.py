"""Your data out and back in: the export's contents against the rows, a round trip into a
new account, imports that create nothing new the second time, spreadsheets with good and
bad rows, and hostile archives refused with nothing changed."""

import csv
import io
import json
import re
import stat
import zipfile
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from inference import taxonomy
from tests.conftest import image_bytes, photo_bytes, stored_media
from tests.factories import make_item
from tests.test_closet_views import ready_item
from wardrobe import cleanout, outfits, portability, services, spreadsheet
from wardrobe.models import (
    CleanoutDecision, Item, Lookbook, Outfit, OutfitFeedback, OutfitItem, OutfitPlan,
    Prediction, RecommendationRequest, Wear,
)

pytestmark = pytest.mark.django_db
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MODELS = (Item, Prediction, RecommendationRequest, Outfit, OutfitItem, OutfitFeedback, Wear, Lookbook, OutfitPlan,
          CleanoutDecision)


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, 30, 15, 123456, tzinfo=dt_timezone.utc)


@pytest.fixture
def full_closet(user, sent_tasks):
    closet = make_full_closet(user)
    sent_tasks.clear()
    return closet


def make_full_closet(user) -> dict:
    """A closet with every kind of data the export holds."""
    tee = ready_item(user, category="short_sleeve_top", colors=[{"name": "white", "hex": "#f5f5f2", "share": 0.7}])
    jeans = ready_item(user, category="jeans", colors=[{"name": "denim", "hex": "#4b6991", "share": 0.9}],
                       defects=[{"type": "stain", "confidence": 0.8, "box": [0.2, 0.2, 0.3, 0.3]}])
    coat = ready_item(user, category="coat")
    services.update_item(item=tee, changes={"brand": "Uniqlo", "purchase_price": Decimal("19900.00"),
                                            "purchase_date": date(2025, 5, 1), "notes": "가장 좋아하는 티",
                                            "styles": ["casual", "minimal"], "category": "short_sleeve_top"})
    Item.objects.filter(pk=coat.pk).update(cleanout="sell", duplicate_of=jeans, available=False)
    failed = make_item(user, status=Item.Status.FAILED, failure_reason="The photo is damaged")
    for day, item in enumerate([tee, jeans, coat, failed], start=1):
        Item.objects.filter(pk=item.pk).update(created_at=at(day), updated_at=at(day + 10))
    CleanoutDecision.objects.create(owner=user, item=coat, decision="sell", reasons=[{"code": "unworn", "months": 12, "last_worn": "2025-03-01"}])

    request = RecommendationRequest.objects.create(
        owner=user, style="casual", season="spring", temperature=14.5, precipitation="rain", budget=Decimal("90000"),
        count=3, seed=42, status=RecommendationRequest.Status.READY, finished_at=at(5))
    RecommendationRequest.objects.filter(pk=request.pk).update(created_at=at(5))
    made = Outfit.objects.create(owner=user, request=request, rank=0, score=0.8, terms={"warmth": 0.9},
                                 explanation={"en": "white and denim", "ko": "흰색과 데님"},
                                 hashtags={"en": ["#casual"], "ko": ["#캐주얼"]}, scorer_version="rules-1")
    OutfitItem.objects.create(outfit=made, slot="top", item=tee)
    OutfitItem.objects.create(outfit=made, slot="bottom", item=jeans)
    Outfit.objects.filter(pk=made.pk).update(created_at=at(6))
    by_hand = Outfit.objects.create(owner=user, source=Outfit.Source.MANUAL, name="Rainy Monday", cloned_from=made,
                                    saved=True, occasion="work", seasons=["spring"])
    OutfitItem.objects.create(outfit=by_hand, slot="top", item=tee)
    OutfitItem.objects.create(outfit=by_hand, slot="outerwear", item=coat)
    Outfit.objects.filter(pk=by_hand.pk).update(created_at=at(7))
    made.refresh_from_db()
    outfits.give_feedback(outfit=made, liked=True)
    OutfitFeedback.objects.filter(outfit=made).update(created_at=at(8))
    outfits.wear_outfit(outfit=made, on=date(2026, 3, 9))
    outfits.wear_outfit(outfit=by_hand, on=date(2026, 3, 10))
    lookbook = Lookbook.objects.create(owner=user, name="Spring")
    lookbook.outfits.add(made, by_hand)
    OutfitPlan.objects.create(owner=user, outfit=by_hand, planned_on=date(2026, 4, 1))
    return {"tee": tee, "jeans": jeans, "coat": coat, "failed": failed, "outfit": made, "by_hand": by_hand}


def export_zip(owner) -> zipfile.ZipFile:
    out = io.BytesIO()
    portability.write_archive(owner=owner, out=out)
    out.seek(0)
    return zipfile.ZipFile(out)


def document_of(owner) -> dict:
    return json.loads(export_zip(owner).read("closet.json"))


def save_zip(path, archive: zipfile.ZipFile):
    with zipfile.ZipFile(path, "w") as out:
        for info in archive.infolist():
            out.writestr(info, archive.read(info.filename))
    return path


def normalized(document: dict) -> dict:
    """Ids in order of appearance, and the fields the format documents as the export's own."""
    text = json.dumps({key: value for key, value in document.items() if key not in ("exported_at", "account")})
    seen = {}
    return json.loads(UUID.sub(lambda m: seen.setdefault(m.group(0), f"id-{len(seen)}"), text))


def counts(owner) -> dict:
    by = {Prediction: "item__owner", OutfitItem: "outfit__owner"}
    return {model.__name__: model.objects.filter(**{by.get(model, "owner"): owner}).count() for model in MODELS}


# --- Export -----------------------------------------------------------------------------------

def test_the_export_holds_every_row_and_file(user, full_closet):
    archive = export_zip(user)
    document = json.loads(archive.read("closet.json"))
    portability.validate_document(document)
    assert document["format"] == "ai-wardrobe-closet" and document["version"] == 1
    items = {entry["id"]: entry for entry in document["items"]}
    assert [entry["id"] for entry in document["items"]] == [
        str(full_closet[name].pk) for name in ("tee", "jeans", "coat", "failed")]
    for item in Item.objects.filter(owner=user):
        entry = items[str(item.pk)]
        assert set(entry["files"]) == {f for f in Item.MEDIA_FIELDS if getattr(item, f)}
        for column, path in entry["files"].items():
            assert archive.read(path) == default_storage.open(getattr(item, column).name).read()
        assert entry["category"] == item.category and entry["colors"] == item.colors
        assert entry["user_edited_fields"] == sorted(item.user_edited_fields)
        assert {p["step"]: p["model_version"] for p in entry["predictions"]} == dict(
            item.predictions.values_list("step", "model_version"))
    tee = items[str(full_closet["tee"].pk)]
    assert tee["brand"] == "Uniqlo" and tee["purchase_price"] == "19900.00" and tee["purchase_date"] == "2025-05-01"
    assert tee["notes"] == "가장 좋아하는 티" and tee["styles"] == ["casual", "minimal"]
    assert set(tee["user_edited_fields"]) == {"brand", "purchase_price", "purchase_date", "notes", "styles"}
    assert tee["wear_count"] == 2 and tee["last_worn_on"] == "2026-03-10"
    assert {p["step"]: p["model_name"] for p in tee["predictions"]}["garment"] == "garment-test"
    coat = items[str(full_closet["coat"].pk)]
    assert coat["cleanout"] == "sell" and coat["duplicate_of"] == str(full_closet["jeans"].pk)
    assert not coat["available"]
    assert items[str(full_closet["jeans"].pk)]["defects"][0]["type"] == "stain"
    assert items[str(full_closet["failed"].pk)]["status"] == "failed"

    [made, by_hand] = document["outfits"]
    assert made["entries"] == [{"slot": "bottom", "item": str(full_closet["jeans"].pk)},
                               {"slot": "top", "item": str(full_closet["tee"].pk)}]
    assert made["explanation"]["ko"] == "흰색과 데님" and made["hashtags"]["en"] == ["#casual"]
    assert made["feedback"] == "like" and made["request"] == document["recommendation_requests"][0]["id"]
    assert by_hand["cloned_from"] == made["id"] and by_hand["name"] == "Rainy Monday"
    assert document["recommendation_requests"][0]["budget"] == "90000"
    assert document["outfit_feedback"][0]["liked"] and document["outfit_feedback"][0]["outfit"] == made["id"]
    assert [(w["worn_on"], w["outfit"]) for w in document["wears"]] == [
        ("2026-03-09", made["id"]), ("2026-03-09", made["id"]), ("2026-03-10", by_hand["id"]),
        ("2026-03-10", by_hand["id"])]
    assert document["lookbooks"] == [{"id": str(Lookbook.objects.get().pk), "name": "Spring",
                                      "created_at": document["lookbooks"][0]["created_at"],
                                      "outfits": [made["id"], by_hand["id"]]}]
    assert document["outfit_plans"] == [{"outfit": by_hand["id"], "planned_on": "2026-04-01"}]
    assert document["cleanout_decisions"][0]["decision"] == "sell"

    rows = list(csv.DictReader(io.StringIO(archive.read("items.csv").decode("utf-8-sig"))))
    assert list(rows[0])[:8] == list(spreadsheet.COLUMNS)
    assert rows[0]["image"] == tee["files"]["original"] and rows[0]["price"] == "19900.00"
    assert rows[0]["category_ko"] == "반팔 티셔츠" and rows[1]["colors"] == "denim"


def test_the_schema_knows_the_taxonomy():
    schema = json.loads(portability.SCHEMA_PATH.read_text())
    item = schema["$defs"]["item"]["properties"]
    assert item["category"]["enum"] == [""] + [c.code for c in taxonomy.CATEGORIES]
    assert schema["$defs"]["color"]["properties"]["name"]["enum"] == [c.code for c in taxonomy.COLORS]
    assert item["pattern"]["enum"] == [""] + [p.code for p in taxonomy.PATTERNS]
    assert set(item) - {"id", "files", "predictions", "seasons", "styles"} <= {f.name for f in Item._meta.fields}
    # An owner's edit of any field must survive their own export and import.
    assert item["user_edited_fields"]["items"]["enum"] == list(Item.EDITABLE_FIELDS)
    # What the pages read back: an imported value outside these broke them (a cleanout reason, an occasion).
    outfit = schema["$defs"]["outfit"]["properties"]
    assert outfit["occasion"]["enum"] == [""] + list(RecommendationRequest.Occasion.values)
    assert outfit["seasons"]["items"]["enum"] == [s.code for s in taxonomy.SEASONS]
    assert schema["$defs"]["cleanout_decision"]["properties"]["decision"]["enum"] == list(cleanout.DECISIONS)


# --- Import: round trip, twice, re-run ----------------------------------------------------------

def test_round_trip_into_a_new_account_gives_the_same_closet(user, other_user, full_closet, tmp_path, sent_tasks):
    first = export_zip(user)
    report = portability.import_archive(owner=other_user, path=save_zip(tmp_path / "a.zip", first))
    assert report.created["items"] == 4 and report.queued == 0 and sent_tasks == []  # no model runs again
    assert counts(other_user) == counts(user)
    again = document_of(other_user)
    original = json.loads(first.read("closet.json"))
    assert normalized(again) == normalized(original)
    assert again["account"]["username"] == other_user.username
    # New ids, the photos byte for byte, and nothing of the first account touched.
    mine = {str(pk) for pk in Item.objects.filter(owner=user).values_list("pk", flat=True)}
    theirs = {entry["id"] for entry in again["items"]}
    assert mine.isdisjoint(theirs)
    for before, after in zip(original["items"], again["items"]):
        for column in before["files"]:
            imported = Item.objects.get(pk=after["id"])
            assert default_storage.open(getattr(imported, column).name).read() == first.read(before["files"][column])
            assert getattr(imported, column).name.startswith(f"items/{other_user.pk}/")
    assert Item.objects.filter(owner=other_user, status="ready").count() == 3


def test_importing_the_same_file_twice_creates_nothing_new(user, other_user, full_closet, tmp_path, media_storage):
    path = save_zip(tmp_path / "a.zip", export_zip(user))
    portability.import_archive(owner=other_user, path=path)
    before, files = counts(other_user), stored_media(media_storage)
    report = portability.import_archive(owner=other_user, path=path)
    assert report.created == {"items": 0, "predictions": 0, "recommendation_requests": 0, "outfits": 0,
                              "outfit_feedback": 0, "wears": 0, "outfit_plans": 0, "cleanout_decisions": 0}
    assert report.skipped["items"] == 4 and report.skipped["outfits"] == 2
    assert counts(other_user) == before and stored_media(media_storage) == files
    # Into the account it came from: all there already.
    before = counts(user)
    portability.import_archive(owner=user, path=path)
    assert counts(user) == before


def test_rerun_models_queues_every_photo_and_keeps_the_owners_edits(user, other_user, full_closet, tmp_path,
                                                                   sent_tasks, django_capture_on_commit_callbacks):
    path = save_zip(tmp_path / "a.zip", export_zip(user))
    with django_capture_on_commit_callbacks(execute=True):
        report = portability.import_archive(owner=other_user, path=path, rerun_models=True)
    assert report.queued == 4 and len(sent_tasks) == 4
    tee = Item.objects.get(owner=other_user, brand="Uniqlo")
    assert tee.status == Item.Status.QUEUED and "brand" in tee.user_edited_fields


# --- Hostile archives ----------------------------------------------------------------------------

def _good_entries(user) -> dict[str, bytes]:
    archive = export_zip(user)
    return {name: archive.read(name) for name in archive.namelist()}


def _write(path, entries: dict, *, infos=()):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in entries.items():
            out.writestr(name, data)
        for info, data in infos:
            out.writestr(info, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _doc(entries) -> dict:
    return json.loads(entries["closet.json"])


def _with_doc(entries, change) -> dict:
    document = _doc(entries)
    change(document)
    return {**entries, "closet.json": json.dumps(document).encode()}


def _not_a_photo(entries):
    document = _doc(entries)
    path = document["items"][0]["files"]["original"]
    return {**entries, path: b"<html>not a photo</html>"}


def _foreign_item(entries, other_item_id):
    def change(document):
        document["outfits"][0]["entries"][0]["item"] = other_item_id
    return _with_doc(entries, change)


HOSTILE = {
    "dot-dot path": lambda e, _o: {**e, "../../etc/evil.jpg": image_bytes()},
    "absolute path": lambda e, _o: {**e, "/tmp/evil.jpg": image_bytes()},
    "windows path": lambda e, _o: {**e, "photos\\..\\evil.jpg": image_bytes()},
    "not a photo": lambda e, _o: _not_a_photo(e),
    "another account's item": lambda e, other: _foreign_item(e, other),
    "an id in no archive": lambda e, _o: _foreign_item(e, "00000000-0000-4000-8000-000000000000"),
    "schema: a field missing": lambda e, _o: _with_doc(e, lambda d: d["items"][0].pop("category")),
    "schema: a wrong type": lambda e, _o: _with_doc(e, lambda d: d["items"][0].update(wear_count="many")),
    "schema: unknown category": lambda e, _o: _with_doc(e, lambda d: d["items"][0].update(category="cape")),
    "schema: another version": lambda e, _o: _with_doc(e, lambda d: d.update(version=99)),
    "schema: a file outside photos/": lambda e, _o: _with_doc(
        e, lambda d: d["items"][0]["files"].update(original="closet.json")),
    "not json": lambda e, _o: {**e, "closet.json": b"{nope"},
    # Past the schema, refused before anything stays written:
    "a 30th of February": lambda e, _o: _with_doc(e, lambda d: d["items"][0].update(purchase_date="2025-02-30")),
    "a 13th month": lambda e, _o: _with_doc(
        e, lambda d: d["cleanout_decisions"][0].update(decided_at="2026-13-01T09:30:15+00:00")),
    "json nested too deep": lambda e, _o: {**e, "closet.json": b"[" * 200_000 + b"]" * 200_000},
    "Infinity": lambda e, _o: {**e, "closet.json": _doc_text(e).replace(
        '"score": 0.', '"score": Infinity, "x": 0.', 1).encode()},
    "one step twice": lambda e, _o: _with_doc(
        e, lambda d: d["items"][0]["predictions"].append(dict(d["items"][0]["predictions"][0]))),
    "one slot twice": lambda e, _o: _with_doc(e, _slot_twice),
    "an embedding not base64": lambda e, _o: _with_doc(e, lambda d: d["items"][0].update(embedding="A")),
    "an embedding of another length": lambda e, _o: _with_doc(e, _short_embedding),
    "schema: a cleanout reason of another shape": lambda e, _o: _with_doc(
        e, lambda d: d["cleanout_decisions"][0].update(reasons=["not worn"])),
    "schema: an unknown occasion": lambda e, _o: _with_doc(e, lambda d: d["outfits"][0].update(occasion="picnic")),
}


def _doc_text(entries) -> str:
    text = json.dumps(_doc(entries))
    assert '"score": 0.' in text
    return text


def _slot_twice(document):
    entries = document["outfits"][0]["entries"]
    entries[1]["slot"] = entries[0]["slot"]


def _short_embedding(document):
    with_one = [item for item in document["items"] if item["embedding"]]
    with_one[0]["embedding"] = "AAAA"


def test_importing_a_backup_again_keeps_the_opinion_an_outfit_has_now(user, full_closet, tmp_path):
    path = save_zip(tmp_path / "a.zip", export_zip(user))
    outfit = full_closet["outfit"]
    outfit.refresh_from_db()
    outfits.give_feedback(outfit=outfit, liked=False)  # the like the backup holds, changed since
    portability.import_archive(owner=user, path=path)
    outfit.refresh_from_db()
    assert outfit.feedback == "dislike"
    assert list(OutfitFeedback.objects.filter(owner=user, outfit=outfit).values_list("liked", flat=True)) == [False]


def test_an_imported_outfit_and_cleanout_decision_open_their_pages(client, user, other_user, full_closet, tmp_path):
    portability.import_archive(owner=other_user, path=save_zip(tmp_path / "a.zip", export_zip(user)))
    client.force_login(other_user)
    assert client.get(reverse("cleanout")).status_code == 200
    outfit = Outfit.objects.filter(owner=other_user).first()
    assert client.post(reverse("outfit-clone", args=[outfit.pk])).status_code == 302


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_archives_are_refused_and_change_nothing(case, user, other_user, full_closet, tmp_path,
                                                         media_storage):
    victim = ready_item(other_user)  # other_user's own item: never attached to the importer
    importer = user.__class__.objects.create_user(username="carol", password="a-long-passphrase-1",
                                                  email="carol@example.com")
    entries = HOSTILE[case](_good_entries(user), str(victim.pk))
    path = _write(tmp_path / "hostile.zip", entries)
    before, files = counts(importer), stored_media(media_storage)
    with pytest.raises(portability.ImportRefused) as refused:
        portability.import_archive(owner=importer, path=path)
    assert refused.value.message
    assert counts(importer) == before == {name: 0 for name in before}
    assert stored_media(media_storage) == files
    assert OutfitItem.objects.filter(item=victim).count() == 0
    if case == "another account's item":
        assert "another account" in refused.value.message


def test_links_and_bombs_are_refused(user, tmp_path):
    cases = {
        "symlink": _write(tmp_path / "link.zip", {"closet.json": b"{}"}, infos=[(_symlink("photos/x.jpg"), b"/etc/passwd")]),
        "bomb": _write(tmp_path / "bomb.zip", {"closet.json": b"{}", "photos/big.jpg": bytes(50 * 1024 * 1024)}),
        "not a zip": tmp_path / "plain.zip",
    }
    cases["not a zip"].write_bytes(b"PK? no")
    messages = {}
    for name, path in cases.items():
        with pytest.raises(portability.ImportRefused) as refused:
            portability.import_archive(owner=user, path=path)
        messages[name] = refused.value.message
    assert "link" in messages["symlink"] and "zip bomb" in messages["bomb"] and "not a zip" in messages["not a zip"]


def test_archive_limits_on_entries_total_and_file_size(user, other_user, full_closet, tmp_path, settings):
    path = save_zip(tmp_path / "a.zip", export_zip(user))
    settings.IMPORT_MAX_ENTRIES = 3
    with pytest.raises(portability.ImportRefused, match="the limit is 3"):
        portability.import_archive(owner=user, path=path)
    settings.IMPORT_MAX_ENTRIES = 1000
    settings.IMPORT_MAX_UNPACKED_BYTES = 1000
    with pytest.raises(portability.ImportRefused, match="unpacks to more than"):
        portability.import_archive(owner=user, path=path)
    settings.IMPORT_MAX_UNPACKED_BYTES = 10**9
    settings.MAX_UPLOAD_BYTES = 100  # every photo is larger
    with pytest.raises(portability.ImportRefused, match="larger than"):
        portability.import_archive(owner=other_user, path=path)
    assert not Item.objects.filter(owner=other_user).exists()


def test_the_quota_holds_for_an_import(user, other_user, full_closet, tmp_path, settings):
    settings.MAX_ITEMS_PER_USER = 3
    path = save_zip(tmp_path / "a.zip", export_zip(user))
    with pytest.raises(portability.ImportRefused, match="at most 3"):
        portability.import_archive(owner=other_user, path=path)
    assert not Item.objects.filter(owner=other_user).exists()


# --- Spreadsheets --------------------------------------------------------------------------------

SHEET = """image,category,colors,brand,size,price,purchase_date,notes
tee.jpg,tee,"white, navy blue",Uniqlo,M,"₩19,900",2025-05-01,favourite
jeans.jpg,청바지,grey,,30,39000원,2024/11/03,
cape.jpg,cape,black,,,,,
shirt.jpg,shirt,plaid,,,,,
missing.jpg,hoodie,,,,,,
text.jpg,hoodie,,,,,,
price.jpg,hoodie,,,,cheap,,
date.jpg,hoodie,,,,,31/12/2024,
../secret.jpg,hoodie,,,,,,
tee-again.jpg,tee,,,,,,
plain.jpg,,,,,,,
"""


@pytest.fixture
def sheet_dir(tmp_path):
    folder = tmp_path / "sheet"
    folder.mkdir()
    (folder / "tee.jpg").write_bytes(photo_bytes("tshirt"))
    (folder / "jeans.jpg").write_bytes(photo_bytes("pants"))
    (folder / "plain.jpg").write_bytes(photo_bytes("dress"))
    (folder / "tee-again.jpg").write_bytes(photo_bytes("tshirt"))
    for name in ("cape.jpg", "shirt.jpg", "price.jpg", "date.jpg"):
        (folder / name).write_bytes(image_bytes(color=(len(name), 10, 10)))
    (folder / "text.jpg").write_text("not a photo")
    (tmp_path / "secret.jpg").write_bytes(image_bytes())
    (folder / "items.csv").write_text(SHEET)
    return folder


def test_a_spreadsheet_imports_good_rows_and_lists_bad_ones(user, sheet_dir, sent_tasks,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = spreadsheet.import_rows(owner=user, data=(sheet_dir / "items.csv").read_bytes(),
                                         photos=spreadsheet.FolderPhotos(sheet_dir))
    reasons = {row["line"]: row["reason"] for row in report.bad_rows}
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10, 11}, reasons
    assert "unknown category 'cape'" in reasons[4] and "unknown colour 'plaid'" in reasons[5]
    assert "no photo missing.jpg" in reasons[6] and "not a photo" in reasons[7]
    assert "price" in reasons[8] and "date" in reasons[9] and "leaves" in reasons[10]
    assert "same photo as line 2" in reasons[11]
    assert report.created == {"items": 3} and report.queued == 3 and len(sent_tasks) == 3
    tee = Item.objects.get(owner=user, original_name="tee.jpg")
    assert tee.category == "short_sleeve_top" and [c["name"] for c in tee.colors] == ["white", "navy"]
    assert (tee.brand, tee.size, tee.purchase_price, tee.purchase_date, tee.notes) == (
        "Uniqlo", "M", Decimal("19900.00"), date(2025, 5, 1), "favourite")
    assert set(tee.user_edited_fields) == {"category", "colors", "brand", "size", "purchase_price",
                                           "purchase_date", "notes"}
    jeans = Item.objects.get(owner=user, original_name="jeans.jpg")
    assert (jeans.category, jeans.colors[0]["name"], jeans.purchase_price) == ("jeans", "gray", Decimal("39000.00"))
    plain = Item.objects.get(owner=user, original_name="plain.jpg")
    assert plain.category == "" and plain.user_edited_fields == [] and plain.status == Item.Status.QUEUED
    # Again: nothing new.
    again = spreadsheet.import_rows(owner=user, data=(sheet_dir / "items.csv").read_bytes(),
                                    photos=spreadsheet.FolderPhotos(sheet_dir))
    assert again.created == {} and again.skipped == {"items": 3} and Item.objects.filter(owner=user).count() == 3


def test_a_spreadsheet_zip_and_the_commands(user, other_user, sheet_dir, tmp_path, sent_tasks, capsys):
    call_command("import_closet", str(sheet_dir / "items.csv"), "--user", user.username)
    out = capsys.readouterr().out
    assert "created 3 items" in out and "line 4: unknown category 'cape'" in out
    with zipfile.ZipFile(tmp_path / "sheet.zip", "w") as archive:
        for path in sheet_dir.iterdir():
            archive.write(path, path.name)
    report = portability.import_archive(owner=other_user, path=tmp_path / "sheet.zip")
    assert report.kind == "spreadsheet" and report.created == {"items": 3}

    call_command("export_closet", "--user", user.username, "--out", str(tmp_path / "out.zip"))
    assert "3 items" in capsys.readouterr().out
    third = user.__class__.objects.create_user(username="dan", password="x-long-passphrase-9", email="d@example.com")
    call_command("import_closet", str(tmp_path / "out.zip"), "--user", "dan", "--json")
    assert json.loads(capsys.readouterr().out)["created"]["items"] == 3
    assert Item.objects.filter(owner=third).count() == 3
    (tmp_path / "evil.zip").write_bytes(b"nope")
    with pytest.raises(CommandError, match="refused, nothing changed"):
        call_command("import_closet", str(tmp_path / "evil.zip"), "--user", "dan")


def test_a_nan_price_or_an_over_long_field_is_a_bad_row(user, sheet_dir, sent_tasks):
    (sheet_dir / "items.csv").write_text("image,category,price,notes\ntee.jpg,tee,NaN,\n"
                                         "jeans.jpg,jeans,1,\"" + "n" * 200_000 + "\"\nplain.jpg,dress,1.005,\n")
    report = spreadsheet.import_rows(owner=user, data=(sheet_dir / "items.csv").read_bytes(),
                                     photos=spreadsheet.FolderPhotos(sheet_dir))
    reasons = {row["line"]: row["reason"] for row in report.bad_rows}
    assert set(reasons) == {2, 3} and "out of range" in reasons[2] and "not readable as CSV" in reasons[3]
    assert report.created == {"items": 1}
    assert Item.objects.get(owner=user).purchase_price == Decimal("1.01")


def test_a_sheet_that_fails_midway_takes_back_what_it_saved(user, sheet_dir, sent_tasks, monkeypatch, media_storage):
    saved = spreadsheet._import_row

    def fails_on_the_second_row(*, line, **arguments):
        if line == 3:
            raise RuntimeError("the database went away")
        return saved(line=line, **arguments)

    monkeypatch.setattr(spreadsheet, "_import_row", fails_on_the_second_row)
    (sheet_dir / "items.csv").write_text("image,category\ntee.jpg,tee\njeans.jpg,jeans\n")
    with pytest.raises(RuntimeError):
        spreadsheet.import_rows(owner=user, data=(sheet_dir / "items.csv").read_bytes(),
                                photos=spreadsheet.FolderPhotos(sheet_dir))
    assert not Item.objects.filter(owner=user).exists() and stored_media(media_storage) == []
    assert sent_tasks == []


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_exported_as_text_and_imports_back(user, other_user, tmp_path):
    make_item(user, category="hoodie", brand='=HYPERLINK("http://evil.example","x")', notes="-- worn twice")
    text = portability.items_csv(portability.closet_document(owner=user))
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'-- worn twice" in cells
    assert not [cell for cell in cells if cell.startswith(portability.FORMULA_STARTS)]
    row = next(csv.DictReader(io.StringIO(text)))
    assert portability.from_spreadsheet_cell(row["brand"]) == '=HYPERLINK("http://evil.example","x")'
    assert portability.from_spreadsheet_cell("'plain") == "'plain"  # an apostrophe of the owner's stays


def test_the_synonyms_know_korean_and_english():
    assert taxonomy.category_from_text("Tee") == "short_sleeve_top"
    assert taxonomy.category_from_text("청바지") == "jeans" and taxonomy.category_from_text("T-shirt") == "short_sleeve_top"
    assert taxonomy.color_from_text("grey") == "gray" and taxonomy.color_from_text("Navy Blue") == "navy"
    assert taxonomy.color_from_text("남색") == "navy" and taxonomy.color_from_text("plaid") is None
    assert all(code in taxonomy.CATEGORY_BY_CODE for code in taxonomy.CATEGORY_SYNONYMS.values())
    assert all(code in taxonomy.COLOR_BY_CODE for code in taxonomy.COLOR_SYNONYMS.values())


def test_an_item_whose_photo_is_lost_is_left_out_and_the_rest_still_imports(user, other_user, full_closet,
                                                                             tmp_path):
    jeans = full_closet["jeans"]  # the coat says it looks like the jeans; an outfit and a wear use them
    default_storage.delete(jeans.original.name)
    out = tmp_path / "a.zip"
    with open(out, "wb") as handle:
        assert portability.write_archive(owner=user, out=handle)["left_out"] == 1
    document = json.loads(zipfile.ZipFile(out).read("closet.json"))
    assert str(jeans.pk) not in json.dumps(document["items"]) + json.dumps(document["outfits"])
    report = portability.import_archive(owner=other_user, path=out)
    assert report.created["items"] == 3
