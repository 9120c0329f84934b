"""The catalog's writes: importing a feed, storing what the pipeline saw of a product,
hiding one, and "find it in the shop" searches."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from inference import phash as phash_codec
from inference import taxonomy
from inference.images import open_rgb
from wardrobe import claims
from wardrobe.catalog.feed import BadRow, FeedRow, read_feed
from wardrobe.catalog.fetch import ImageUnavailable, read_image
from wardrobe.catalog.models import Product, ShopSearch, Status, product_media_path
from wardrobe.services import publish_processing
from wardrobe.uploads import check_photo

logger = logging.getLogger(__name__)

PRODUCT_CONSUMER = "catalog"
SEARCH_CONSUMER = "shop-search"
PRODUCT_FILES = {"thumb_small": "small.jpg", "cutout": "cutout.webp"}
SEARCH_KEPT = timedelta(days=1)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # line, sku, the sku it repeats
    withdrawn: list[str] = field(default_factory=list)  # the shop's products the feed no longer lists
    withdrawal_skipped: bool = False  # a line could not be read: which products are gone is unknown
    bad: list[BadRow] = field(default_factory=list)
    queue_unavailable: bool = False


def _phash(data: bytes) -> int:
    return phash_codec.phash(open_rgb(data))


def import_feed(*, path: Path, shop: str, progress=None, partial: bool = False) -> ImportReport:
    """Imports a feed, idempotent by sku: new rows are created, changed rows updated (a new
    image is processed again), the rest kept. A photo that repeats another product's
    (perceptual hash) is skipped and reported; bad rows are reported with their line.
    A feed is the shop's whole catalogue: its products the feed does not name are withdrawn
    (no longer suggested) unless `partial` (a feed of changes only); a feed naming none is
    refused rather than read as a shop that sells nothing."""
    rows, bad, listed = read_feed(path)
    if listed is not None and not listed and not partial:
        raise ValueError("the feed names no product (an empty or unreadable feed would withdraw the whole shop)")
    report = ImportReport(bad=list(bad))
    existing = {product.sku: product for product in Product.objects.filter(shop=shop)}
    known_hashes = [(phash_codec.to_unsigned(p), sku) for sku, p in Product.objects.filter(shop=shop)
                    .exclude(phash=None).values_list("sku", "phash")]
    queued = []
    for index, row in enumerate(rows, 1):
        try:
            outcome = _import_row(row, shop=shop, product=existing.get(row.sku), known_hashes=known_hashes,
                                  base_dir=path.parent)
        except ImageUnavailable as error:
            report.bad.append(BadRow(row.line, f"image: {error}"))
            outcome = None
        if outcome is None:
            pass
        elif outcome[0] == "duplicate":
            report.duplicates.append((row.line, row.sku, outcome[1]))
        else:
            kind, product = outcome
            getattr(report, kind).append(row.sku)
            if kind == "created" or product.status == Status.QUEUED and product.enqueued_at is None:
                queued.append(product.pk)
        if progress:
            progress(index, len(rows))
    report.withdrawal_skipped = not partial and listed is None
    if not partial and listed is not None:
        gone = Product.objects.filter(shop=shop, withdrawn=False).exclude(sku__in=listed)
        report.withdrawn = sorted(gone.values_list("sku", flat=True))
        gone.update(withdrawn=True, updated_at=timezone.now())
    if queued:
        report.queue_unavailable = not publish_processing(queued, consumer=PRODUCT_CONSUMER, model=Product)
    report.bad.sort(key=lambda bad_row: bad_row.line)
    return report


def _import_row(row: FeedRow, *, shop, product, known_hashes, base_dir):
    """("created" | "updated" | "unchanged", product), or ("duplicate", other sku)."""
    fields = {"name": row.name, "brand": row.brand, "price": row.price, "currency": row.currency, "url": row.url,
              "withdrawn": False}
    if product is not None and product.image_source == row.image:
        changed = {name for name, value in fields.items() if getattr(product, name) != value}
        if not changed:
            return "unchanged", product
        for name in changed:
            setattr(product, name, fields[name])
        product.save(update_fields=changed | {"updated_at"})
        return "updated", product
    data, checked = read_image(row.image, base_dir=base_dir)
    digest = hashlib.sha256(data).hexdigest()
    if product is not None and product.image_digest == digest:
        product.image_source = row.image
        for name, value in fields.items():
            setattr(product, name, value)
        product.save()
        return "updated", product
    photo_hash = _phash(data)
    repeated = next((sku for other, sku in known_hashes if sku != row.sku
                     and (other ^ photo_hash).bit_count() <= settings.DUPLICATE_PHASH_DISTANCE), None)
    if repeated:
        return "duplicate", repeated
    known_hashes.append((photo_hash, row.sku))
    kind = "created" if product is None else "updated"
    with transaction.atomic():
        product = product or Product(shop=shop, sku=row.sku)
        old = [name for name in (product.original.name, product.thumb_small.name, product.cutout.name) if name]
        for name, value in fields.items():
            setattr(product, name, value)
        product.image_source, product.image_digest = row.image, digest
        product.phash = phash_codec.to_signed(photo_hash)
        product.original.save(f"original.{checked.extension}", ContentFile(data), save=False)
        product.status, product.enqueued_at, product.attempts = Status.QUEUED, None, 0
        product.status_changed_at = timezone.now()
        product.save()
        if old:
            transaction.on_commit(lambda: [default_storage.delete(name) for name in old])
    return kind, product


@transaction.atomic
def set_hidden(*, products, hidden: bool) -> int:
    return Product.objects.filter(pk__in=[p.pk for p in products]).update(hidden=hidden, updated_at=timezone.now())


# --- Storing what the pipeline saw ---------------------------------------------------------

def _apply(row, result) -> set[str]:
    fields = result.fields
    row.category = fields.get("category", "")
    row.group = taxonomy.group_of(row.category) if row.category in taxonomy.CATEGORY_BY_CODE else ""
    row.colors = fields.get("colors", [])
    if "phash" in fields:
        row.phash = phash_codec.to_signed(int(fields["phash"], 16))
    if result.embedding is not None:
        row.embedding = np.asarray(result.embedding.vector, dtype=np.float16).tobytes()
        row.embedding_version = result.embedding.version
    row.model_versions = result.model_versions
    row.status, row.failure_reason, row.claim_token = Status.READY, "", None
    row.status_changed_at = row.processed_at = timezone.now()
    return {"category", "group", "colors", "phash", "embedding", "embedding_version", "model_versions", "status",
            "failure_reason", "claim_token", "status_changed_at", "processed_at"}


def apply_product_result(*, product_id, token, result) -> Product | None:
    product = Product.objects.filter(pk=product_id, claim_token=token).first()
    if product is None:
        return None
    saved = {column: default_storage.save(product_media_path(product, filename), ContentFile(result.artifacts[column]))
             for column, filename in PRODUCT_FILES.items() if column in result.artifacts}
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id, claim_token=token).first()
        if product is None:
            transaction.on_commit(lambda: [default_storage.delete(name) for name in saved.values()])
            return None
        replaced = [getattr(product, column).name for column in saved if getattr(product, column)]
        for column, name in saved.items():
            setattr(product, column, name)
        product.save(update_fields=_apply(product, result) | set(saved) | {"updated_at"})
        if replaced:
            transaction.on_commit(lambda: [default_storage.delete(name) for name in replaced])
    return product


def apply_search_result(*, search_id, token, result) -> ShopSearch | None:
    """Keeps what the photo is (category, colours, embedding) and deletes the photo."""
    with transaction.atomic():
        search = ShopSearch.objects.select_for_update().filter(pk=search_id, claim_token=token).first()
        if search is None:
            return None
        photo = search.photo.name
        search.photo = ""
        search.save(update_fields=_apply(search, result) | {"photo"})
        if photo:
            transaction.on_commit(lambda: default_storage.delete(photo))
    return search


def fail_search(*, search_id, token, reason: str) -> None:
    if claims.fail(ShopSearch, pk=search_id, token=token, reason=reason):
        photo = ShopSearch.objects.filter(pk=search_id).values_list("photo", flat=True).first()
        if photo:
            default_storage.delete(photo)
            ShopSearch.objects.filter(pk=search_id).update(photo="")


# --- "Find it in the shop" ----------------------------------------------------------------

@transaction.atomic
def start_search(*, owner, upload) -> ShopSearch:
    """Keeps the photo only until the worker has looked at it; PhotoRejected as for uploads."""
    checked = check_photo(upload)
    search = ShopSearch(owner=owner)
    upload.seek(0)
    search.photo.save(f"query.{checked.extension}", upload, save=False)
    search.save()
    transaction.on_commit(lambda: publish_processing([search.pk], consumer=SEARCH_CONSUMER, model=ShopSearch))
    return search


def sweep_catalog(*, now=None) -> dict:
    """As the closet's sweep: dead workers' claims back, the outbox sent, old searches gone."""
    now = now or timezone.now()
    swept = {}
    for name, model, consumer in (("products", Product, PRODUCT_CONSUMER), ("searches", ShopSearch, SEARCH_CONSUMER)):
        failed, requeued = claims.take_back_dead(model, now=now, failure_reason="Processing stopped too many times.")
        outbox = claims.outbox(model, now=now)
        if outbox:
            publish_processing(outbox, consumer=consumer, model=model)
        swept[name] = {"failed": failed, "requeued": requeued, "outbox": len(outbox)}
    old = ShopSearch.objects.filter(created_at__lt=now - SEARCH_KEPT)
    for photo in old.exclude(photo="").values_list("photo", flat=True):
        default_storage.delete(photo)
    swept["searches"]["deleted"] = old.delete()[0]
    return swept
