"""The catalog's reads. `similar_products` is the one place a vector index would replace:
exact cosine over the visible products' embeddings, held in memory per process and read
again when the catalog changed. Whether it changed (a COUNT/MAX over the catalog) is asked
at most every REFRESH_SECONDS: a product imported or hidden shows within that time."""

import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, QuerySet

from wardrobe.catalog.models import Product, ShopSearch, Status

REFRESH_SECONDS = 10.0
PRODUCT_CARD_FIELDS = ("id", "shop", "name", "brand", "price", "currency", "url", "thumb_small", "cutout", "group",
                       "category")


def visible_products() -> QuerySet:
    return Product.objects.filter(hidden=False, withdrawn=False, status=Status.READY)


def searches_of(owner) -> QuerySet:
    return ShopSearch.objects.filter(owner=owner)


def rank(matrix: np.ndarray, groups: np.ndarray, vector: np.ndarray, *, group: str, limit: int,
         exclude: np.ndarray | None = None, in_group: np.ndarray | None = None) -> list[tuple[int, float]]:
    """(row, cosine) of the best `limit` rows: those of `group` first, each part by similarity
    (`in_group`: the rows of `group`, when the caller has them at hand)."""
    if not len(matrix):
        return []
    scores = matrix @ np.asarray(vector, dtype=np.float32)
    if exclude is not None:
        scores = np.where(exclude, -np.inf, scores)
    # Same group first: lift its scores above every other (cosines lie in [-1, 1]).
    if group:
        ordered = scores + 4.0 * (in_group if in_group is not None else groups == group)
    else:
        ordered = scores
    count = min(limit, int(np.isfinite(ordered).sum()))
    if count <= 0:
        return []
    best = np.argpartition(-ordered, count - 1)[:count]
    best = best[np.argsort(-ordered[best])]
    return [(int(row), float(scores[row])) for row in best]


@dataclass
class _Table:
    signature: dict
    checked_at: float
    ids: list
    groups: np.ndarray
    matrix: np.ndarray
    group_rows: dict  # group -> boolean mask of its rows


_tables: dict[str, _Table] = {}
_lock = threading.Lock()


def _table(version: str) -> _Table:
    with _lock:
        cached = _tables.get(version)
    if cached is not None and time.monotonic() - cached.checked_at < REFRESH_SECONDS:
        return cached
    rows = visible_products().filter(embedding_version=version)
    signature = rows.aggregate(count=Count("pk"), last=Max("updated_at"))
    if cached is not None and cached.signature == signature:
        cached.checked_at = time.monotonic()
        return cached
    fetched = list(rows.values_list("pk", "group", "embedding"))
    if fetched:
        blob = b"".join(bytes(embedding) for _, _, embedding in fetched)
        matrix = np.frombuffer(blob, dtype=np.float16).reshape(len(fetched), -1).astype(np.float32)
    else:
        matrix = np.zeros((0, 0), np.float32)
    groups = np.array([group for _, group, _ in fetched])
    table = _Table(signature, time.monotonic(), [pk for pk, _, _ in fetched], groups, matrix,
                   {group: groups == group for group in set(groups.tolist())})
    with _lock:
        _tables.clear()  # one embedding version is in use at a time
        _tables[version] = table
    return table


def similar_products(*, vector: np.ndarray | None, version: str, group: str = "", limit: int = 5) -> list:
    """The visible products most like `vector` (an item's or a search photo's embedding,
    of model `version`): same group first. Products with their `similarity` set."""
    if vector is None or not version:
        return []
    table = _table(version)
    ranked = rank(table.matrix, table.groups, vector, group=group, limit=limit,
                  in_group=table.group_rows.get(group, np.zeros(len(table.ids), dtype=bool)))
    # By primary key alone: with the visibility filter in SQL, SQLite picks the (hidden, ...)
    # index and reads the whole catalog.
    found = Product.objects.only(*PRODUCT_CARD_FIELDS, "hidden", "withdrawn", "status").in_bulk(
        [table.ids[row] for row, _ in ranked])
    products = []
    for row, score in ranked:
        product = found.get(table.ids[row])
        if product is not None and product.suggestable:  # hidden or withdrawn a moment ago?
            product.similarity = score
            products.append(product)
    return products


def forget_tables() -> None:
    with _lock:
        _tables.clear()
