"""Which stored files belong to whom: every file a row points to, every file under an
owner's folders, and files no row points to (orphans). Works on local disk and on S3."""

import logging
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

# Top folders of the media storage, and which rows point into them.
TOP_FOLDERS = ("items", "products", "searches", "exports", "imports")
OWNER_FOLDERS = ("items", "searches", "exports", "imports")  # <folder>/<owner id>/...


def walk(prefix: str):
    """Every file name under `prefix` (a folder, no trailing slash)."""
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{prefix}/{name}"
    for folder in folders:
        yield from walk(f"{prefix}/{folder}")


def owner_folders(owner_id) -> list[str]:
    return [f"{folder}/{owner_id}" for folder in OWNER_FOLDERS]


def owned_files(owner_id) -> set[str]:
    """Files the owner's rows point to (wherever they are), and every file in the owner's folders."""
    from wardrobe.catalog.models import ShopSearch
    from wardrobe.models import ClosetExport, ClosetImport, Item

    names = set()
    for values in Item.objects.filter(owner_id=owner_id).values_list(*Item.MEDIA_FIELDS).iterator():
        names |= {name for name in values if name}
    for model, column in ((ClosetExport, "file"), (ClosetImport, "file"), (ShopSearch, "photo")):
        names |= {name for name in model.objects.filter(owner_id=owner_id).values_list(column, flat=True) if name}
    for folder in owner_folders(owner_id):
        names |= set(walk(folder))
    return names


def delete_files(names) -> int:
    deleted = 0
    for name in sorted(names):
        default_storage.delete(name)  # a missing file is no error, on disk or S3
        deleted += 1
    return deleted


def referenced_files() -> set[str]:
    """Every file some row points to."""
    from wardrobe.catalog.models import Product, ShopSearch
    from wardrobe.models import ClosetExport, ClosetImport, Item

    names = set()
    for model, columns in ((Item, Item.MEDIA_FIELDS), (Product, ("original", "thumb_small", "cutout")),
                           (ShopSearch, ("photo",)), (ClosetExport, ("file",)), (ClosetImport, ("file",))):
        for values in model.objects.values_list(*columns).iterator():
            names |= {name for name in values if name}
    return names


def orphans(*, min_age: timedelta = timedelta(hours=1)) -> list[str]:
    """Files under the media folders that no row points to, older than `min_age` (a worker
    stores a file a moment before its row names it)."""
    referenced = referenced_files()
    cutoff = timezone.now() - min_age
    found = []
    for folder in TOP_FOLDERS:
        for name in walk(folder):
            if name in referenced:
                continue
            try:
                if min_age and default_storage.get_modified_time(name) > cutoff:
                    continue
            except (FileNotFoundError, NotImplementedError):
                continue
            found.append(name)
    return sorted(found)
