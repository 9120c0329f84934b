"""Your data stays yours: a closet out as a zip (closet.json, items.csv, every photo) and back in.

The format is docs/export-format.md, its JSON Schema docs/export-schema.json (validated on
import). An import is checked whole before anything is written: a hostile or broken
archive is refused with a message and changes nothing. Ids are the archive's own: an id
the importing account already owns is that row (nothing new), any other gets a new id made
from the account and the archive's id, so importing the same file twice creates nothing
new and no row of another account is ever attached to. Spreadsheets (a CSV and photos)
come in through wardrobe/spreadsheet.py.
"""

import base64
import csv
import io
import json
import logging
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from inference import taxonomy
from inference.transient import is_transient
from wardrobe import services
from wardrobe.archives import ArchiveRefused, SafeArchive
from wardrobe.catalog.models import Product
from wardrobe.models import (
    CleanoutDecision, ClosetExport, ClosetImport, Item, Lookbook, Outfit, OutfitFeedback, OutfitItem,
    OutfitPlan, Prediction, RecommendationRequest, Wear, media_path,
)
from wardrobe.uploads import PhotoRejected, check_photo

logger = logging.getLogger(__name__)

FORMAT = "ai-wardrobe-closet"
VERSION = 1
CLOSET_JSON = "closet.json"
ITEMS_CSV = "items.csv"
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "export-schema.json"
# The import's new ids: uuid5 of this namespace and "<account id>:<kind>:<archive id>".
ID_NAMESPACE = uuid.UUID("6f1c1a3e-4f0e-5b8e-9a57-3c1d2b7e9f10")
# items.csv: the spreadsheet import's columns first, so an export's CSV imports as one.
CSV_COLUMNS = ("image", "category", "colors", "brand", "size", "price", "purchase_date", "notes",
               "id", "category_en", "category_ko", "seasons", "styles", "available", "cleanout", "wear_count",
               "last_worn_on", "grade", "caption_en", "caption_ko", "status", "created_at")
MEDIA_FILE_NAMES = {"original": "original", **{k: v.rsplit(".", 1)[0] for k, v in services.ARTIFACT_FILES.items()}}
STALE_EXPORT = timedelta(minutes=30)
# An import claimed this long ago and not finished lost its worker (killed, out of memory):
# its transaction was rolled back, and a run again would be claimed by nobody.
STALE_IMPORT = timedelta(hours=2)


class ImportRefused(Exception):
    """The archive is refused as a whole; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ImportReport:
    kind: str = "closet"  # or "spreadsheet"
    created: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)  # already in the account (an earlier import)
    bad_rows: list = field(default_factory=list)  # [{"line": n, "reason": "..."}]
    warnings: list = field(default_factory=list)
    queued: int = 0  # items sent to the models

    def count(self, bucket: str, name: str, n: int = 1) -> None:
        counts = getattr(self, bucket)
        counts[name] = counts.get(name, 0) + n

    def as_dict(self) -> dict:
        return {"kind": self.kind, "created": self.created, "skipped": self.skipped, "bad_rows": self.bad_rows,
                "warnings": self.warnings, "queued": self.queued}


# --- closet.json ------------------------------------------------------------------------------

def _dt(value):
    return value.isoformat() if value else None


def _day(value):
    return value.isoformat() if value else None


def _money(value):
    return None if value is None else f"{Decimal(value):.2f}"


def _budget(value):
    return None if value is None else str(int(value))


def _item_document(item: Item, files: dict, *, known) -> dict:
    return {
        "id": str(item.pk), "created_at": _dt(item.created_at), "updated_at": _dt(item.updated_at),
        "status": item.status, "failure_reason": item.failure_reason, "processed_at": _dt(item.processed_at),
        "original_name": item.original_name, "files": files,
        "category": item.category, "category_confidence": item.category_confidence, "colors": item.colors,
        "pattern": item.pattern, "pattern_confidence": item.pattern_confidence,
        "seasons": [term.code for term in item.seasons], "styles": [term.code for term in item.styles],
        "brand": item.brand, "size": item.size, "purchase_price": _money(item.purchase_price),
        "purchase_date": _day(item.purchase_date), "notes": item.notes, "available": item.available,
        "cleanout": item.cleanout, "wear_count": item.wear_count, "last_worn_on": _day(item.last_worn_on),
        "caption_ko": item.caption_ko, "caption_en": item.caption_en, "garment_box": item.garment_box,
        "garment_coverage": item.garment_coverage, "defects": item.defects, "defects_reviewed": item.defects_reviewed,
        "grade": item.grade, "grade_probabilities": item.grade_probabilities, "grade_reason": item.grade_reason,
        "reviewed_grade": item.reviewed_grade, "reviewed_category": item.reviewed_category,
        "reviewed_at": _dt(item.reviewed_at), "phash": item.phash,
        "embedding": base64.b64encode(bytes(item.embedding)).decode() if item.embedding is not None else None,
        "embedding_version": item.embedding_version,
        # Only an item in the archive: one left out (its photo lost) is no reference to keep.
        "duplicate_of": str(item.duplicate_of_id) if item.duplicate_of_id in known else None,
        "user_edited_fields": sorted(item.user_edited_fields),
        "predictions": [{
            "step": p.step, "model_name": p.model_name, "model_version": p.model_version, "value": p.value,
            "confidence": p.confidence, "duration_ms": p.duration_ms, "created_at": _dt(p.created_at),
        } for p in sorted(item.predictions.all(), key=lambda p: p.step)],
    }


def _archive_name(item: Item, column: str) -> str:
    suffix = PurePosixPath(getattr(item, column).name).suffix.lower() or ".bin"
    return f"photos/{item.pk}/{column}{suffix}"


def closet_document(*, owner, items_files: dict | None = None) -> dict:
    """The owner's closet as closet.json describes it. `items_files`: item id -> the archive
    paths of its files (all its stored files when not given)."""
    items = list(Item.objects.filter(owner=owner).order_by("created_at", "id").prefetch_related("predictions"))
    if items_files is not None:
        items = [item for item in items if item.pk in items_files]
    item_index = {item.pk: index for index, item in enumerate(items)}
    outfits = list(Outfit.objects.filter(owner=owner).order_by("created_at", "id")
                   .prefetch_related("entries__product"))
    outfit_index = {outfit.pk: index for index, outfit in enumerate(outfits)}
    requests = RecommendationRequest.objects.filter(owner=owner).order_by("created_at", "id")

    def files_of(item):
        if items_files is not None:
            return items_files[item.pk]
        return {column: _archive_name(item, column) for column in Item.MEDIA_FIELDS if getattr(item, column)}

    def entry(e):
        if e.product_id:
            return {"slot": e.slot, "product": {"shop": e.product.shop, "sku": e.product.sku, "name": e.product.name}}
        return {"slot": e.slot, "item": str(e.item_id)}

    def item_ref(item_id):
        return str(item_id) if item_id else None

    wears = sorted(Wear.objects.filter(owner=owner, item_id__in=item_index),
                   key=lambda w: (w.worn_on, item_index[w.item_id]))
    plans = sorted(OutfitPlan.objects.filter(owner=owner), key=lambda p: (p.planned_on, outfit_index[p.outfit_id]))
    decisions = sorted(CleanoutDecision.objects.filter(owner=owner, item_id__in=item_index),
                       key=lambda d: (d.decided_at, item_index[d.item_id], d.decision))
    return {
        "format": FORMAT, "version": VERSION, "exported_at": _dt(timezone.now()),
        "account": {"username": owner.username, "nickname": owner.nickname, "language": owner.language,
                    "city": owner.city},
        "items": [_item_document(item, files_of(item), known=item_index) for item in items],
        "recommendation_requests": [{
            "id": str(r.pk), "created_at": _dt(r.created_at), "style": r.style, "occasion": r.occasion,
            "season": r.season, "temperature": r.temperature, "precipitation": r.precipitation,
            "weather_from_provider": r.weather_from_provider, "budget": _budget(r.budget), "count": r.count,
            "shop_items": r.shop_items, "seed": r.seed, "status": r.status, "message": r.message,
            "finished_at": _dt(r.finished_at),
        } for r in requests],
        "outfits": [{
            "id": str(o.pk), "created_at": _dt(o.created_at), "request": item_ref(o.request_id), "source": o.source,
            "name": o.name, "rank": o.rank, "score": o.score, "terms": o.terms, "explanation": o.explanation,
            "hashtags": o.hashtags, "scorer_version": o.scorer_version, "saved": o.saved, "feedback": o.feedback,
            "occasion": o.occasion, "seasons": o.seasons, "cloned_from": item_ref(o.cloned_from_id),
            "entries": [entry(e) for e in sorted(o.entries.all(), key=lambda e: e.slot)
                        if e.product_id or e.item_id in item_index],
        } for o in outfits],
        "outfit_feedback": [{
            "created_at": _dt(f.created_at), "outfit": item_ref(f.outfit_id), "liked": f.liked,
            "item_ids": list(f.item_ids), "terms": f.terms,
        } for f in OutfitFeedback.objects.filter(owner=owner).order_by("created_at", "pk")],
        "wears": [{"item": str(w.item_id), "outfit": item_ref(w.outfit_id), "worn_on": _day(w.worn_on)} for w in wears],
        "lookbooks": [{
            "id": str(b.pk), "name": b.name, "created_at": _dt(b.created_at),
            "outfits": [str(pk) for pk in sorted(b.outfits.values_list("pk", flat=True), key=outfit_index.get)],
        } for b in Lookbook.objects.filter(owner=owner).order_by("name", "created_at", "id")],
        "outfit_plans": [{"outfit": str(p.outfit_id), "planned_on": _day(p.planned_on)} for p in plans],
        "cleanout_decisions": [{
            "item": str(d.item_id), "decision": d.decision, "reasons": d.reasons, "decided_at": _dt(d.decided_at),
        } for d in decisions],
    }


# A cell a spreadsheet app would run as a formula (=HYPERLINK(...) in a brand or a note) is
# written with a leading apostrophe, which the apps show as text; the import takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def from_spreadsheet_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def items_csv(document: dict) -> str:
    """items.csv: one line per item, for spreadsheets (and importable as a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in document["items"]:
        term = taxonomy.CATEGORY_BY_CODE.get(item["category"])
        writer.writerow([spreadsheet_cell(value) for value in (
            item["files"]["original"], item["category"], ";".join(c["name"] for c in item["colors"]),
            item["brand"], item["size"], item["purchase_price"] or "", item["purchase_date"] or "", item["notes"],
            item["id"], term.en if term else "", term.ko if term else "", ";".join(item["seasons"]),
            ";".join(item["styles"]), "yes" if item["available"] else "no", item["cleanout"], item["wear_count"],
            item["last_worn_on"] or "", item["grade"], item["caption_en"], item["caption_ko"], item["status"],
            item["created_at"],
        )])
    return out.getvalue()


def write_archive(*, owner, out) -> dict:
    """Writes the owner's closet as a zip to the binary file `out`. Returns counts."""
    import zipfile

    items_files, missing = {}, 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in Item.objects.filter(owner=owner).order_by("created_at", "id").only("id", *Item.MEDIA_FIELDS):
            files = {}
            for column in Item.MEDIA_FIELDS:
                name = getattr(item, column).name
                if not name:
                    continue
                try:
                    with default_storage.open(name, "rb") as handle:
                        data = handle.read()
                except FileNotFoundError:
                    logger.warning("export: %s of item %s is missing from storage", column, item.pk)
                    continue
                path = _archive_name(item, column)
                # Photos are compressed already: stored as they are, which is faster and no bigger.
                archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
                files[column] = path
            if "original" in files:
                items_files[item.pk] = files
            else:
                missing += 1
        document = closet_document(owner=owner, items_files=items_files)
        archive.writestr(CLOSET_JSON, json.dumps(document, ensure_ascii=False, indent=1))
        archive.writestr(ITEMS_CSV, "\ufeff" + items_csv(document))  # the BOM: spreadsheet apps read it as UTF-8
        archive.writestr("README.txt", _("Your AI Wardrobe closet. closet.json has everything (its format: "
                                         "docs/export-format.md), items.csv one line per item, photos/ "
                                         "every photo and cut-out.") + "\n")
    return {"items": len(items_files), "left_out": missing, "outfits": len(document["outfits"])}


# --- Exports in the background ---------------------------------------------------------------

@transaction.atomic
def start_export(*, owner) -> ClosetExport:
    """Asks for an export; one being prepared already is the answer to a second ask."""
    pending = ClosetExport.objects.filter(owner=owner, status=ClosetExport.Status.PENDING).first()
    if pending is not None:
        return pending
    export = ClosetExport.objects.create(owner=owner)
    transaction.on_commit(lambda: publish_exports([export.pk]))
    return export


def send_with_outbox(task, model, ids) -> bool:
    """Sends `task(id)` for each row; one that cannot be sent (broker away) keeps `enqueued_at`
    empty, and the sweep sends it later. Returns False when something was left unsent."""
    from wardrobe.services import PUBLISH_RETRY_POLICY

    sent = []
    for pk in ids:
        try:
            task.apply_async(args=[str(pk)], retry_policy=PUBLISH_RETRY_POLICY)
        except Exception as error:
            if not is_transient(error):
                raise
            logger.warning("broker unreachable, %s left in the outbox: %s", model.__name__, error)
            break
        sent.append(pk)
    if sent:
        model.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent) == len(ids)


def publish_exports(ids) -> bool:
    from wardrobe.tasks import build_export

    return send_with_outbox(build_export, ClosetExport, ids)


def publish_imports(ids) -> bool:
    from wardrobe.tasks import run_import

    return send_with_outbox(run_import, ClosetImport, ids)


def build_export(*, export_id) -> ClosetExport | None:
    """Builds the zip and stores it; run twice, the first to finish wins."""
    export = ClosetExport.objects.select_related("owner").filter(
        pk=export_id, status=ClosetExport.Status.PENDING).first()
    if export is None:
        return None
    with tempfile.TemporaryFile() as out:
        counts = write_archive(owner=export.owner, out=out)
        size = out.tell()
        out.seek(0)
        name = default_storage.save(f"exports/{export.owner_id}/{export.pk}/closet.zip", File(out))
    try:
        with transaction.atomic():
            current = ClosetExport.objects.select_for_update().filter(
                pk=export_id, status=ClosetExport.Status.PENDING).first()
            if current is None:
                raise _Lost
            current.file, current.size, current.status = name, size, ClosetExport.Status.READY
            current.finished_at = timezone.now()
            current.expires_at = current.finished_at + timedelta(hours=settings.EXPORT_EXPIRY_HOURS)
            current.message = (_("%(count)d items were left out: their photo is missing from storage.")
                               % {"count": counts["left_out"]}) if counts["left_out"] else ""
            current.save(update_fields=["file", "size", "status", "finished_at", "expires_at", "message"])
    except BaseException as error:
        services._delete_quietly(name)
        if isinstance(error, _Lost):
            return None
        raise
    return current


class _Lost(Exception):
    pass


def fail_export(*, export_id) -> None:
    ClosetExport.objects.filter(pk=export_id, status=ClosetExport.Status.PENDING).update(
        status=ClosetExport.Status.FAILED, finished_at=timezone.now(),
        message=_("The export could not be made; try again."))


def downloadable(export: ClosetExport, *, now=None) -> bool:
    now = now or timezone.now()
    return export.status == ClosetExport.Status.READY and bool(export.file) and export.expires_at > now


def sweep_data(*, now=None) -> dict:
    """Deletes expired exports' files, sends exports and imports the broker missed, and ends
    imports whose worker died."""
    now = now or timezone.now()
    dead = list(ClosetImport.objects.filter(status=ClosetImport.Status.PENDING, finished_at__lt=now - STALE_IMPORT))
    for job in dead:
        services._delete_quietly(job.file.name)
    ClosetImport.objects.filter(pk__in=[job.pk for job in dead], status=ClosetImport.Status.PENDING).update(
        status=ClosetImport.Status.FAILED, file="",
        message=_("The import stopped before it finished (its worker ended); nothing was changed. "
                  "Importing the archive again is safe."))
    expired = list(ClosetExport.objects.filter(status=ClosetExport.Status.READY, expires_at__lte=now))
    for export in expired:
        services._delete_quietly(export.file.name)
    ClosetExport.objects.filter(pk__in=[e.pk for e in expired]).update(status=ClosetExport.Status.EXPIRED, file="")
    grace = now - timedelta(seconds=settings.OUTBOX_GRACE_SECONDS)
    stale = now - STALE_EXPORT
    unsent = {}
    for model in (ClosetExport, ClosetImport):
        unsent[model] = list(model.objects.filter(status="pending", created_at__lt=grace)
                             .filter(enqueued_at__isnull=True).values_list("pk", flat=True)[:100]) + list(
            model.objects.filter(status="pending", enqueued_at__lt=stale).values_list("pk", flat=True)[:100])
    if unsent[ClosetExport]:
        publish_exports(unsent[ClosetExport])
    if unsent[ClosetImport]:
        publish_imports(unsent[ClosetImport])
    return {"expired": len(expired), "exports": len(unsent[ClosetExport]), "imports": len(unsent[ClosetImport]),
            "dead_imports": len(dead)}


# --- Import -----------------------------------------------------------------------------------

@cache
def _validator():
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_document(document) -> None:
    """ImportRefused naming the first few places closet.json differs from its schema."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:160]}"
                          for e in errors[:3])
        raise ImportRefused(_("closet.json does not match its format (docs/export-format.md): %(where)s") % {
            "where": where})


def import_archive(*, owner, path, rerun_models: bool = False) -> ImportReport:
    """Restores an export (or a spreadsheet zip: a CSV and its photos) into the owner's closet.
    Raises ImportRefused (nothing changed) for an archive that is hostile, broken or not ours."""
    try:
        with open(path, "rb") as handle, SafeArchive(handle) as archive:
            if CLOSET_JSON in archive.entries:
                return _import_closet(owner=owner, archive=archive, rerun_models=rerun_models)
            sheets = [name for name in archive.entries if name.lower().endswith(".csv") and "/" not in name]
            if len(sheets) == 1:
                from wardrobe import spreadsheet

                data = archive.read(sheets[0], limit=settings.IMPORT_MAX_JSON_BYTES)
                return spreadsheet.import_rows(owner=owner, data=data, photos=_ArchivePhotos(archive))
            raise ImportRefused(_("The archive has no closet.json, and not one CSV file at its top: "
                                  "nothing to import."))
    except ArchiveRefused as refusal:
        raise ImportRefused(refusal.message) from refusal


class _ArchivePhotos:
    """The spreadsheet's photos, read from the archive."""

    def __init__(self, archive: SafeArchive):
        self.archive = archive

    def read(self, name: str) -> bytes | None:
        from wardrobe.archives import unsafe_name_reason

        if unsafe_name_reason(name):
            raise PhotoRejected(unsafe_name_reason(name))
        if name not in self.archive.entries:
            return None
        return self.archive.read(name, limit=settings.MAX_UPLOAD_BYTES)


class _Ids:
    """Archive ids -> the importing account's ids (see the module's docstring)."""

    def __init__(self, owner):
        self.owner = owner
        self.maps: dict[str, dict[str, uuid.UUID]] = {}

    def resolve(self, kind: str, model, source_ids) -> dict[str, uuid.UUID]:
        owned = {str(pk) for pk in model.objects.filter(owner=self.owner, pk__in=list(source_ids))
                 .values_list("pk", flat=True)}
        mapping = {source: uuid.UUID(source) if source in owned else self.derived(kind, source)
                   for source in source_ids}
        self.maps[kind] = mapping
        return mapping

    def derived(self, kind: str, source: str) -> uuid.UUID:
        return uuid.uuid5(ID_NAMESPACE, f"{self.owner.pk}:{kind}:{source}")

    def item_string(self, value: str) -> str:
        """An id in a feedback's item list: mapped like the items; products stay as they are."""
        if value.startswith("product:"):
            return value
        try:
            return str(self.maps["item"].get(value) or self.derived("item", str(uuid.UUID(value))))
        except ValueError:
            return value


def _check_references(document: dict, owner) -> None:
    """Every id the archive refers to is one of its own rows: an id of someone else's row
    (or of nothing) is refused, never attached."""
    kinds = {"item": {i["id"] for i in document["items"]},
             "request": {r["id"] for r in document["recommendation_requests"]},
             "outfit": {o["id"] for o in document["outfits"]},
             "lookbook": {b["id"] for b in document["lookbooks"]}}
    for kind, rows in (("item", document["items"]), ("request", document["recommendation_requests"]),
                       ("outfit", document["outfits"]), ("lookbook", document["lookbooks"])):
        if len(kinds[kind]) != len(rows):
            raise ImportRefused(_("closet.json lists the same %(kind)s twice.") % {"kind": kind})
    models = {"item": Item, "request": RecommendationRequest, "outfit": Outfit}

    def check(kind, value, where):
        if value is None or value in kinds[kind]:
            return
        foreign = models[kind].objects.filter(pk=value).exclude(owner=owner).exists()
        raise ImportRefused(
            (_("closet.json refers to %(kind)s %(id)s (%(where)s), which belongs to another account: refused.")
             if foreign else
             _("closet.json refers to %(kind)s %(id)s (%(where)s), which is not in the archive: refused."))
            % {"kind": kind, "id": value, "where": where})

    for item in document["items"]:
        check("item", item["duplicate_of"], "items/duplicate_of")
    for outfit in document["outfits"]:
        check("request", outfit["request"], "outfits/request")
        check("outfit", outfit["cloned_from"], "outfits/cloned_from")
        for entry in outfit["entries"]:
            check("item", entry.get("item"), "outfits/entries")
    for feedback in document["outfit_feedback"]:
        check("outfit", feedback["outfit"], "outfit_feedback/outfit")
    for wear in document["wears"]:
        check("item", wear["item"], "wears/item")
        check("outfit", wear["outfit"], "wears/outfit")
    for lookbook in document["lookbooks"]:
        for outfit_id in lookbook["outfits"]:
            check("outfit", outfit_id, "lookbooks/outfits")
    for plan in document["outfit_plans"]:
        check("outfit", plan["outfit"], "outfit_plans/outfit")
    for decision in document["cleanout_decisions"]:
        check("item", decision["item"], "cleanout_decisions/item")


def _check_photos(archive: SafeArchive, items: list[dict]) -> dict[str, dict[str, tuple[str, int]]]:
    """Each new item's files: in the archive, photos (checked like an upload). Returns
    item id -> {column: (archive path, file extension)}."""
    checked = {}
    for item in items:
        files = {}
        for column, path in item["files"].items():
            if path not in archive.entries:
                raise ImportRefused(_("%(path)s is named in closet.json but not in the archive.") % {"path": path})
            data = archive.read(path, limit=settings.MAX_UPLOAD_BYTES)
            try:
                photo = check_photo(ContentFile(data, name=PurePosixPath(path).name))
            except PhotoRejected as rejection:
                raise ImportRefused(_("%(path)s is not a photo we accept: %(reason)s") % {
                    "path": path, "reason": rejection.message})
            files[column] = (path, photo.extension, len(data))
        checked[item["id"]] = files
    return checked


def _check_quota(owner, new_items: int, new_bytes: int) -> None:
    quota = services._Quota(owner)
    if quota.items + new_items > settings.MAX_ITEMS_PER_USER:
        raise ImportRefused(_("Your closet would hold %(count)d items; it holds at most %(limit)d.") % {
            "count": quota.items + new_items, "limit": settings.MAX_ITEMS_PER_USER})
    if quota.bytes + new_bytes > settings.MAX_STORAGE_BYTES_PER_USER:
        raise ImportRefused(_("Your photos would use more than your %(size)d MB of storage.") % {
            "size": settings.MAX_STORAGE_BYTES_PER_USER // (1024 * 1024)})


def _import_closet(*, owner, archive: SafeArchive, rerun_models: bool) -> ImportReport:
    try:
        document = json.loads(archive.read(CLOSET_JSON, limit=settings.IMPORT_MAX_JSON_BYTES).decode("utf-8"),
                              parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise ImportRefused(_("closet.json is not JSON: %(error)s") % {"error": str(error)[:200]}) from error
    validate_document(document)
    _check_references(document, owner)
    _check_embeddings(document)

    report = ImportReport(kind="closet")
    ids = _Ids(owner)
    item_ids = ids.resolve("item", Item, [i["id"] for i in document["items"]])
    ids.resolve("request", RecommendationRequest, [r["id"] for r in document["recommendation_requests"]])
    ids.resolve("outfit", Outfit, [o["id"] for o in document["outfits"]])
    ids.resolve("lookbook", Lookbook, [b["id"] for b in document["lookbooks"]])
    existing_items = set(Item.objects.filter(owner=owner, pk__in=item_ids.values()).values_list("pk", flat=True))
    new_items = [i for i in document["items"] if item_ids[i["id"]] not in existing_items]
    report.count("skipped", "items", len(document["items"]) - len(new_items))

    photos = _check_photos(archive, new_items)
    _check_quota(owner, len(new_items), sum(size for files in photos.values() for _, _, size in files.values()))

    # Files first, outside the transaction (storage may be slow and remote); removed again if the rows fail.
    saved_names = []
    try:
        stored = {}
        for item in new_items:
            target = Item(id=item_ids[item["id"]], owner=owner)
            stored[item["id"]] = {}
            for column, (path, extension, _size) in photos[item["id"]].items():
                name = f"{MEDIA_FILE_NAMES[column]}.{extension}"
                saved = default_storage.save(media_path(target, name), ContentFile(archive.read(
                    path, limit=settings.MAX_UPLOAD_BYTES)))
                saved_names.append(saved)
                stored[item["id"]][column] = saved
        try:
            with transaction.atomic():
                queued = _write_rows(owner=owner, document=document, new_items=new_items, stored=stored,
                                     photos=photos, ids=ids, report=report, rerun_models=rerun_models)
                if queued:
                    transaction.on_commit(lambda: services.publish_processing(queued))
                report.queued = len(queued)
        except (ValueError, TypeError, OverflowError, DatabaseError) as error:
            if is_transient(error):
                raise
            # A value the format's schema lets through but the closet cannot hold (a 30th of
            # February, one step twice, a slot twice): rolled back whole, so a refusal.
            raise ImportRefused(_("closet.json holds a value the closet cannot take (%(error)s).") % {
                "error": str(error)[:200]}) from error
    except BaseException:
        for name in saved_names:
            services._delete_quietly(name)
        raise
    return report


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number closet.json may hold")


def _check_embeddings(document: dict) -> None:
    """Embeddings decode, and those of one model version have one length (cosines are taken
    between them: a stray length broke the pages that compare items)."""
    lengths: dict[str, set[int]] = {}
    for item in document["items"]:
        if item["embedding"] is None:
            continue
        try:
            data = base64.b64decode(item["embedding"], validate=True)
        except ValueError as error:
            raise ImportRefused(_("closet.json: item %(id)s has an embedding that is not base64.") % {
                "id": item["id"]}) from error
        if not data or len(data) % 2:
            raise ImportRefused(_("closet.json: item %(id)s has an embedding of %(size)d bytes.") % {
                "id": item["id"], "size": len(data)})
        lengths.setdefault(item["embedding_version"], set()).add(len(data))
    mixed = sorted(version for version, sizes in lengths.items() if len(sizes) > 1)
    if mixed:
        raise ImportRefused(_("closet.json: the embeddings of %(version)s differ in length.") % {"version": mixed[0]})


def _parse_dt(value):
    return parse_datetime(value) if value else None


def _parse_day(value):
    return parse_date(value) if value else None


def _restore_times(rows: list, columns: list[str]) -> None:
    """auto_now_add/auto_now columns take the archive's times (bulk_update sets them as given)."""
    if rows:
        type(rows[0]).objects.bulk_update(rows, columns, batch_size=500)


def _create_keeping_times(model, rows: list, columns: list[str]) -> list:
    """bulk_create, then the archive's times back (creating sets auto_now_add columns to now)."""
    times = [[getattr(row, column) for column in columns] for row in rows]
    model.objects.bulk_create(rows, batch_size=500)
    for row, values in zip(rows, times):
        for column, value in zip(columns, values):
            setattr(row, column, value)
    _restore_times(rows, columns)
    return rows


def _write_rows(*, owner, document, new_items, stored, photos, ids: _Ids, report: ImportReport,
                rerun_models: bool) -> list:
    item_ids, request_ids = ids.maps["item"], ids.maps["request"]
    outfit_ids, lookbook_ids = ids.maps["outfit"], ids.maps["lookbook"]
    queued, created_items, predictions = [], [], []
    for doc in new_items:
        status = doc["status"]
        if rerun_models or status in (Item.Status.QUEUED, Item.Status.PROCESSING):
            status = Item.Status.QUEUED
        item = Item(
            id=item_ids[doc["id"]], owner=owner, status=status, failure_reason=doc["failure_reason"],
            processed_at=_parse_dt(doc["processed_at"]), original_name=doc["original_name"],
            category=doc["category"], category_confidence=doc["category_confidence"], colors=doc["colors"],
            # Archives written before the pattern field have none.
            pattern=doc.get("pattern", ""), pattern_confidence=doc.get("pattern_confidence"),
            season_mask=taxonomy.to_mask(doc["seasons"], taxonomy.SEASONS),
            style_mask=taxonomy.to_mask(doc["styles"], taxonomy.STYLES), brand=doc["brand"], size=doc["size"],
            purchase_price=Decimal(doc["purchase_price"]) if doc["purchase_price"] is not None else None,
            purchase_date=_parse_day(doc["purchase_date"]), notes=doc["notes"], available=doc["available"],
            cleanout=doc["cleanout"], wear_count=doc["wear_count"], last_worn_on=_parse_day(doc["last_worn_on"]),
            caption_ko=doc["caption_ko"], caption_en=doc["caption_en"], garment_box=doc["garment_box"],
            garment_coverage=doc["garment_coverage"], defects=doc["defects"],
            defects_reviewed=doc["defects_reviewed"], grade=doc["grade"],
            grade_probabilities=doc["grade_probabilities"], grade_reason=doc["grade_reason"],
            reviewed_grade=doc["reviewed_grade"], reviewed_category=doc["reviewed_category"],
            reviewed_at=_parse_dt(doc["reviewed_at"]), phash=doc["phash"],
            embedding=base64.b64decode(doc["embedding"]) if doc["embedding"] is not None else None,
            embedding_version=doc["embedding_version"], user_edited_fields=doc["user_edited_fields"],
            stored_bytes=sum(size for _, _, size in photos[doc["id"]].values()),
        )
        for column, name in stored[doc["id"]].items():
            setattr(item, column, name)
        item.save()
        item.created_at, item.updated_at = _parse_dt(doc["created_at"]), _parse_dt(doc["updated_at"])
        item.status_changed_at = item.updated_at
        created_items.append(item)
        if status == Item.Status.QUEUED:
            queued.append(item.pk)
        predictions += [Prediction(item=item, step=p["step"], model_name=p["model_name"],
                                   model_version=p["model_version"], value=p["value"], confidence=p["confidence"],
                                   duration_ms=p["duration_ms"], created_at=_parse_dt(p["created_at"]))
                        for p in doc["predictions"]]
    _restore_times(created_items, ["created_at", "updated_at", "status_changed_at"])
    created_predictions = _create_keeping_times(Prediction, predictions, ["created_at"])
    duplicates = [item for doc, item in zip(new_items, created_items) if doc["duplicate_of"]]
    for doc, item in zip(new_items, created_items):
        if doc["duplicate_of"]:
            item.duplicate_of_id = item_ids[doc["duplicate_of"]]
    if duplicates:
        Item.objects.bulk_update(duplicates, ["duplicate_of"])
    report.count("created", "items", len(created_items))
    report.count("created", "predictions", len(created_predictions))

    # Recommendation requests: one left unfinished is not finished by the import.
    existing = set(RecommendationRequest.objects.filter(owner=owner, pk__in=request_ids.values())
                   .values_list("pk", flat=True))
    requests = []
    for doc in document["recommendation_requests"]:
        if request_ids[doc["id"]] in existing:
            report.count("skipped", "recommendation_requests")
            continue
        pending = doc["status"] == RecommendationRequest.Status.PENDING
        requests.append(RecommendationRequest(
            id=request_ids[doc["id"]], owner=owner, created_at=_parse_dt(doc["created_at"]), style=doc["style"],
            occasion=doc["occasion"], season=doc["season"], temperature=doc["temperature"],
            precipitation=doc["precipitation"], weather_from_provider=doc["weather_from_provider"],
            budget=Decimal(doc["budget"]) if doc["budget"] is not None else None, count=doc["count"],
            shop_items=doc["shop_items"], seed=doc["seed"],
            status=RecommendationRequest.Status.FAILED if pending else doc["status"],
            message=_("Imported before it was finished.") if pending else doc["message"],
            finished_at=_parse_dt(doc["finished_at"]), enqueued_at=timezone.now()))
    _create_keeping_times(RecommendationRequest, requests, ["created_at"])
    report.count("created", "recommendation_requests", len(requests))

    # Outfits and their slots.
    existing = set(Outfit.objects.filter(owner=owner, pk__in=outfit_ids.values()).values_list("pk", flat=True))
    products = {}
    outfits, entries, clones = [], [], []
    for doc in document["outfits"]:
        if outfit_ids[doc["id"]] in existing:
            report.count("skipped", "outfits")
            continue
        outfit = Outfit(
            id=outfit_ids[doc["id"]], owner=owner, request_id=request_ids[doc["request"]] if doc["request"] else None,
            source=doc["source"], name=doc["name"], rank=doc["rank"], score=doc["score"], terms=doc["terms"],
            explanation=doc["explanation"], hashtags=doc["hashtags"], scorer_version=doc["scorer_version"],
            saved=doc["saved"], feedback=doc["feedback"], occasion=doc["occasion"], seasons=list(dict.fromkeys(doc["seasons"])),
            created_at=_parse_dt(doc["created_at"]))
        outfits.append(outfit)
        if doc["cloned_from"]:
            clones.append((outfit, outfit_ids[doc["cloned_from"]]))
        for entry in doc["entries"]:
            if "item" in entry:
                entries.append(OutfitItem(outfit=outfit, slot=entry["slot"], item_id=item_ids[entry["item"]]))
                continue
            key = (entry["product"]["shop"], entry["product"]["sku"])
            if key not in products:
                products[key] = Product.objects.filter(shop=key[0], sku=key[1]).values_list("pk", flat=True).first()
            if products[key] is None:
                report.warnings.append(_("The shop's %(name)s (outfit %(outfit)s) is not in this catalog: "
                                         "left out of the outfit.") % {"name": entry["product"]["name"],
                                                                        "outfit": doc["name"] or doc["id"][:8]})
                continue
            entries.append(OutfitItem(outfit=outfit, slot=entry["slot"], product_id=products[key]))
    _create_keeping_times(Outfit, outfits, ["created_at"])
    for outfit, source in clones:
        outfit.cloned_from_id = source
    if clones:
        Outfit.objects.bulk_update([o for o, _ in clones], ["cloned_from"])
    OutfitItem.objects.bulk_create(entries)
    report.count("created", "outfits", len(outfits))

    # Feedback (what the scorer learned), wear log, lookbooks, plans, cleanout decisions.
    feedback = []
    for doc in document["outfit_feedback"]:
        created_at = _parse_dt(doc["created_at"])
        # An outfit the closet already had keeps the opinion it has now (a like since changed
        # to a dislike does not come back); feedback without an outfit is matched by its time.
        if (doc["outfit"] and outfit_ids[doc["outfit"]] in existing) or OutfitFeedback.objects.filter(
                owner=owner, created_at=created_at, liked=doc["liked"]).exists():
            report.count("skipped", "outfit_feedback")
            continue
        feedback.append(OutfitFeedback(owner=owner, outfit_id=outfit_ids[doc["outfit"]] if doc["outfit"] else None,
                                       liked=doc["liked"], item_ids=[ids.item_string(v) for v in doc["item_ids"]],
                                       terms=doc["terms"], created_at=created_at))
    _create_keeping_times(OutfitFeedback, feedback, ["created_at"])
    report.count("created", "outfit_feedback", len(feedback))

    worn = set(Wear.objects.filter(owner=owner, item_id__in=item_ids.values()).values_list("item_id", "worn_on"))
    wears = []
    for doc in document["wears"]:
        key = (item_ids[doc["item"]], _parse_day(doc["worn_on"]))
        if key in worn:
            report.count("skipped", "wears")
            continue
        worn.add(key)
        wears.append(Wear(owner=owner, item_id=key[0], worn_on=key[1],
                          outfit_id=outfit_ids[doc["outfit"]] if doc["outfit"] else None))
    Wear.objects.bulk_create(wears)
    report.count("created", "wears", len(wears))

    existing = set(Lookbook.objects.filter(owner=owner, pk__in=lookbook_ids.values()).values_list("pk", flat=True))
    for doc in document["lookbooks"]:
        if lookbook_ids[doc["id"]] in existing:
            report.count("skipped", "lookbooks")
            continue
        lookbook = Lookbook.objects.create(id=lookbook_ids[doc["id"]], owner=owner, name=doc["name"])
        Lookbook.objects.filter(pk=lookbook.pk).update(created_at=_parse_dt(doc["created_at"]))
        lookbook.outfits.add(*[outfit_ids[o] for o in doc["outfits"]])
        report.count("created", "lookbooks")

    planned = set(OutfitPlan.objects.filter(owner=owner, outfit_id__in=outfit_ids.values())
                  .values_list("outfit_id", "planned_on"))
    plans = []
    for doc in document["outfit_plans"]:
        key = (outfit_ids[doc["outfit"]], _parse_day(doc["planned_on"]))
        if key in planned:
            report.count("skipped", "outfit_plans")
            continue
        planned.add(key)
        plans.append(OutfitPlan(owner=owner, outfit_id=key[0], planned_on=key[1]))
    OutfitPlan.objects.bulk_create(plans)
    report.count("created", "outfit_plans", len(plans))

    decided = set(CleanoutDecision.objects.filter(owner=owner, item_id__in=item_ids.values())
                  .values_list("item_id", "decided_at", "decision"))
    decisions = []
    for doc in document["cleanout_decisions"]:
        key = (item_ids[doc["item"]], _parse_dt(doc["decided_at"]), doc["decision"])
        if key in decided:
            report.count("skipped", "cleanout_decisions")
            continue
        decided.add(key)
        decisions.append(CleanoutDecision(owner=owner, item_id=key[0], decision=key[2], reasons=doc["reasons"],
                                          decided_at=key[1]))
    _create_keeping_times(CleanoutDecision, decisions, ["decided_at"])
    report.count("created", "cleanout_decisions", len(decisions))
    return queued


# --- Imports from My page, in the background ----------------------------------------------------

@transaction.atomic
def start_import(*, owner, upload, rerun_models: bool = False) -> ClosetImport:
    """Keeps the uploaded archive and imports it in the background (wardrobe.tasks.run_import)."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(_("The archive is larger than %(limit)d MB.") % {
            "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
    job = ClosetImport(owner=owner, original_name=(upload.name or "")[:255], rerun_models=rerun_models)
    job.file.save("archive.zip", upload, save=False)
    try:
        job.save()
    except BaseException:
        services._delete_quietly(job.file.name)
        raise
    transaction.on_commit(lambda: publish_imports([job.pk]))
    return job


def run_import(*, import_id) -> ClosetImport | None:
    """The task's body: claims the job (once), imports, keeps the report, deletes the archive."""
    claimed = ClosetImport.objects.filter(pk=import_id, status=ClosetImport.Status.PENDING,
                                          finished_at__isnull=True).update(finished_at=timezone.now())
    if not claimed:
        return None
    job = ClosetImport.objects.select_related("owner").get(pk=import_id)
    try:
        with tempfile.NamedTemporaryFile(suffix=".zip") as local:
            with default_storage.open(job.file.name, "rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    local.write(chunk)
            local.flush()
            report = import_archive(owner=job.owner, path=local.name, rerun_models=job.rerun_models)
        job.status, job.report, job.message = ClosetImport.Status.DONE, report.as_dict(), ""
    except ImportRefused as refusal:
        job.status, job.message = ClosetImport.Status.REFUSED, refusal.message
    except Exception as error:
        if is_transient(error):
            ClosetImport.objects.filter(pk=import_id).update(finished_at=None)  # the retry may claim it again
            raise
        logger.exception("import %s failed", import_id)
        job.status, job.message = ClosetImport.Status.FAILED, _("The import failed; nothing was changed.")
    job.finished_at = timezone.now()
    name, job.file = job.file.name, ""
    job.save(update_fields=["status", "report", "message", "finished_at", "file"])
    services._delete_quietly(name)
    return job
