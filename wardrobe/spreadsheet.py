"""A closet from a spreadsheet: a CSV and its photos (docs/export-format.md, "From a spreadsheet").

Columns: image,category,colors,brand,size,price,purchase_date,notes (only `image` is
required; an export's items.csv has these first). Categories and colours are read through
the taxonomy's names and synonyms ("tee", "청바지", "grey", "navy blue"); a row the closet
cannot take is reported with its line and reason while the good rows are imported, each
photo checked like an upload, then queued for the models. The values a row gives are the
owner's (the models leave them alone). Importing the same sheet again creates nothing new:
an item's id comes from the account and its photo's bytes.
"""

import csv
import hashlib
import io
import logging
import re
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from inference import taxonomy
from wardrobe import services
from wardrobe.archives import ArchiveRefused, unsafe_name_reason
from wardrobe.csv_records import records
from wardrobe.models import Item
from wardrobe.portability import ID_NAMESPACE, ImportRefused, ImportReport, from_spreadsheet_cell
from wardrobe.uploads import PhotoRejected, check_photo

logger = logging.getLogger(__name__)

COLUMNS = ("image", "category", "colors", "brand", "size", "price", "purchase_date", "notes")
COLOR_SEPARATORS = re.compile(r"[;,/|+]")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
MAX_ROWS = 20_000


class FolderPhotos:
    """Photos from a folder on this machine: a name may not leave the folder (no `..`,
    no absolute path, no link pointing elsewhere)."""

    def __init__(self, folder):
        self.folder = Path(folder).resolve()

    def read(self, name: str) -> bytes | None:
        if reason := unsafe_name_reason(name):
            raise PhotoRejected(reason)
        path = (self.folder / name).resolve()
        if not path.is_relative_to(self.folder):
            raise PhotoRejected(_("a path that leaves the photo folder (%(name)s)") % {"name": name})
        if not path.is_file():
            return None
        if path.stat().st_size > settings.MAX_UPLOAD_BYTES:
            return path.read_bytes()[: settings.MAX_UPLOAD_BYTES + 1]  # check_photo names the limit
        return path.read_bytes()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # Korean Excel saves CSV as CP949
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(_("The CSV file is neither UTF-8 nor CP949 text."))


def _price(text: str) -> Decimal | None:
    cleaned = re.sub(r"[₩$€£¥,\s]|원|krw|usd", "", text.lower())
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("the price %(value)r is not a number") % {"value": text})
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise ValueError(_("the price %(value)r is out of range") % {"value": text})
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _date(text: str):
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("the date %(value)r is not a date like 2024-03-31") % {"value": text})


def _row_values(row: dict) -> dict:
    """The row's fields in the closet's terms; ValueError with the reason when it cannot be."""
    values, edited = {}, []
    category_text = row.get("category", "")
    if category_text:
        category = taxonomy.category_from_text(category_text)
        if category is None:
            raise ValueError(_("unknown category %(value)r") % {"value": category_text})
        values["category"] = category
        edited.append("category")
    color_texts = [part.strip() for part in COLOR_SEPARATORS.split(row.get("colors", "")) if part.strip()]
    if color_texts:
        colors = [taxonomy.color_from_text(text) for text in color_texts]
        unknown = [text for text, code in zip(color_texts, colors) if code is None]
        if unknown:
            raise ValueError(_("unknown colour %(value)s") % {"value": ", ".join(repr(u) for u in unknown)})
        values["colors"] = services._color_entries(list(dict.fromkeys(colors)), [])
        edited.append("colors")
    for name, limit in (("brand", 80), ("size", 20)):
        text = row.get(name, "")
        if len(text) > limit:
            raise ValueError(_("%(field)s is longer than %(limit)d characters") % {"field": name, "limit": limit})
        if text:
            values[name] = text
            edited.append(name)
    if (price := _price(row.get("price", ""))) is not None:
        values["purchase_price"] = price
        edited.append("purchase_price")
    if (day := _date(row.get("purchase_date", ""))) is not None:
        values["purchase_date"] = day
        edited.append("purchase_date")
    if row.get("notes"):
        values["notes"] = row["notes"]
        edited.append("notes")
    values["user_edited_fields"] = sorted(edited)
    return values


def import_rows(*, owner, data: bytes, photos) -> ImportReport:
    """Imports each good row; `photos.read(name)` gives a photo's bytes (None: not there).
    All or nothing against failures other than a bad row: the rows saved before it are
    taken back with their photos, so "nothing was changed" holds. Each row is its own short
    write (one transaction for the sheet would hold SQLite's lock for every photo)."""
    report = ImportReport(kind="spreadsheet")
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    try:
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise ImportRefused(_("The CSV file cannot be read (%(error)s).") % {"error": error})
    if "image" not in header:
        raise ImportRefused(_("The CSV file has no \"image\" column (the columns: %(columns)s).") % {
            "columns": ",".join(COLUMNS)})
    reader.fieldnames = header
    stored: list[str] = []
    created: list[uuid.UUID] = []
    try:
        _import_sheet(owner=owner, reader=reader, photos=photos, report=report, stored=stored, created=created)
    except BaseException:
        try:
            Item.objects.filter(pk__in=created).delete()
        except Exception as error:  # the database away too: the retry finds them and skips them
            logger.warning("spreadsheet import: %d rows not taken back: %s", len(created), error)
        for name in stored:
            services._delete_quietly(name)
        raise
    if created:
        transaction.on_commit(lambda: services.publish_processing(created))
    report.queued = len(created)
    return report


def _import_sheet(*, owner, reader, photos, report, stored, created) -> None:
    """Imports the rows, noting the items made (`created`) and the files stored (`stored`)."""
    quota = services._Quota(owner)
    seen: dict[str, int] = {}
    line = 1  # the header's
    for last_line, row, error in records(reader):
        if error is not None:
            line = last_line
            report.bad_rows.append({"line": line, "reason": _("not readable as CSV (%(error)s)") % {"error": error}})
            continue
        start, line = line + 1, last_line
        if start - 1 > MAX_ROWS:
            report.bad_rows.append({"line": start, "reason": _("more than %(count)d rows: the rest was not read") % {
                "count": MAX_ROWS}})
            break
        row = {key: from_spreadsheet_cell((value or "").strip()) for key, value in row.items() if key}
        if not any(row.values()):
            continue
        try:
            item_id = _import_row(owner=owner, row=row, photos=photos, quota=quota, seen=seen, line=start,
                                  report=report, stored=stored)
        except ValueError as error:
            report.bad_rows.append({"line": start, "reason": str(error)})
            continue
        if item_id is not None:
            created.append(item_id)


def _import_row(*, owner, row, photos, quota, seen, line, report, stored) -> uuid.UUID | None:
    name = row.get("image", "")
    if not name:
        raise ValueError(_("no image named"))
    values = _row_values(row)
    try:
        data = photos.read(name)
    except ArchiveRefused as refusal:
        raise ValueError(refusal.message)
    except PhotoRejected as rejection:
        raise ValueError(_("the image is %(reason)s") % {"reason": rejection.message})
    if data is None:
        raise ValueError(_("no photo %(name)s next to the CSV file") % {"name": name})
    upload = ContentFile(data, name=PurePosixPath(name).name)
    try:
        photo = check_photo(upload)
    except PhotoRejected as rejection:
        raise ValueError(f"{name}: {rejection.message}")
    digest = hashlib.sha256(data).hexdigest()
    if digest in seen:
        raise ValueError(_("the same photo as line %(line)d") % {"line": seen[digest]})
    seen[digest] = line
    item_id = uuid.uuid5(ID_NAMESPACE, f"{owner.pk}:csv:{digest}")
    if Item.objects.filter(pk=item_id).exists():
        report.count("skipped", "items")
        return None
    # The closet's size limits hold; the hourly upload limit does not (one import is one act).
    if quota.items >= settings.MAX_ITEMS_PER_USER:
        raise ValueError(_("your closet is full: it holds at most %(count)d items") % {
            "count": settings.MAX_ITEMS_PER_USER})
    if quota.bytes + len(data) > settings.MAX_STORAGE_BYTES_PER_USER:
        raise ValueError(_("your photos would use more than your %(size)d MB of storage") % {
            "size": settings.MAX_STORAGE_BYTES_PER_USER // (1024 * 1024)})
    item = Item(id=item_id, owner=owner, original_name=PurePosixPath(name).name[:255], stored_bytes=len(data),
                **values)
    stored_name = ""
    try:
        with transaction.atomic():
            item.original.save(f"original.{photo.extension}", upload, save=False)
            stored_name = item.original.name
            item.save()
    except BaseException:
        if stored_name:
            services._delete_quietly(stored_name)
        raise
    stored.append(stored_name)
    quota.items += 1
    quota.bytes += len(data)
    report.count("created", "items")
    return item.pk
