"""Nearest items by embedding: the one place a vector index (pgvector) would replace.

Exact cosine search over the owner's embeddings, held in memory per process. A cheap
COUNT/MAX query on every lookup tells whether the owner's processed items changed;
then only the newly processed items are fetched. Deleted items may linger as rows,
so the ids returned can name items that are gone: callers look them up anyway.
scripts/bench/similar_items.py measures it on a 10,000-item closet.
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, Max

from wardrobe.models import Item

TABLES_KEPT = 8  # owners whose embeddings a process keeps; 10,000 items take 10 MB
# Rows of deleted items may stay (callers look the ids up, and deleted ones drop out)
# until they are this share of the owner's items; then the table is read anew.
STALE_ROWS_ALLOWED = 1.2


@dataclass
class _Table:
    signature: dict
    ids: list  # primary keys as the database driver returns them; made UUIDs only when returned
    matrix: np.ndarray  # float32, one L2-normalised row per item


_tables: "OrderedDict[tuple, _Table]" = OrderedDict()
_lock = threading.Lock()


def _owner_rows(owner_id, version):
    # An item has an embedding exactly when it has an embedding version (services.apply_results),
    # so the signature query is answered from the (owner, version, processed_at) index alone.
    return Item.objects.filter(owner_id=owner_id, embedding_version=version)


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _vectors(blobs) -> np.ndarray:
    blob = b"".join(bytes(embedding) for embedding in blobs)
    return np.frombuffer(blob, dtype=np.float16).reshape(len(blobs), -1).astype(np.float32)


def _fetch(rows) -> list[tuple]:
    # Raw rows: for thousands of items the ORM's per-row conversions (UUIDs above all)
    # cost more than the search.
    sql, params = rows.values_list("pk", "embedding").query.sql_with_params()
    if connection.vendor == "postgresql":
        import psycopg

        # Django's cursors bind on the client, which returns bytea as hex text; binary
        # results move half the bytes (10,000 embeddings: about 35 -> 20 ms).
        connection.ensure_connection()
        # Errors still arrive as Django's (the tasks retry on django.db.OperationalError).
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, binary=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _load(rows, signature) -> _Table:
    fetched = _fetch(rows)
    if not fetched:
        return _Table(signature, [], np.zeros((0, 0), np.float32))
    return _Table(signature, [pk for pk, _ in fetched], _vectors([blob for _, blob in fetched]))


def _refreshed(table: _Table, rows, signature) -> _Table | None:
    """The table with the items processed since it was built (fetched alone), or None
    when it would hold too many rows of deleted items."""
    if table.signature["last"] is None or len(table.ids) > STALE_ROWS_ALLOWED * signature["count"] + 10:
        return None
    changed = _fetch(rows.filter(processed_at__gt=table.signature["last"]))
    position = {item_id: index for index, item_id in enumerate(table.ids)}
    ids, matrix, added = list(table.ids), table.matrix.copy(), []
    for item_id, blob in changed:
        vector = _vectors([blob])[0]
        if item_id in position:
            matrix[position[item_id]] = vector  # reprocessed
        else:
            ids.append(item_id)
            added.append(vector)
    if added:
        matrix = np.vstack([matrix, *added]) if len(matrix) else np.stack(added)
    if len(ids) < signature["count"]:
        return None  # something came in that the processed_at cursor did not see
    return _Table(signature, ids, matrix)


def _table(owner_id, version) -> _Table:
    rows = _owner_rows(owner_id, version)
    signature = rows.aggregate(count=Count("pk"), last=Max("processed_at"))
    key = (owner_id, version)
    with _lock:
        cached = _tables.get(key)
    if cached is not None and cached.signature == signature:
        table = cached
    else:
        table = (_refreshed(cached, rows, signature) if cached is not None else None) or _load(rows, signature)
    with _lock:
        _tables[key] = table
        _tables.move_to_end(key)
        while len(_tables) > TABLES_KEPT:
            _tables.popitem(last=False)
    return table


def nearest_items(*, owner_id, version: str, vector: np.ndarray, limit: int = 5,
                  exclude_id=None) -> list[tuple[uuid.UUID, float]]:
    """(item id, cosine similarity) of the owner's items nearest to `vector`, best first;
    an id may belong to an item deleted a moment ago."""
    table = _table(owner_id, version)
    if not table.ids:
        return []
    scores = table.matrix @ np.asarray(vector, dtype=np.float32)
    count = min(limit + 1, len(scores))
    best = np.argpartition(-scores, count - 1)[:count]
    ranked = [(_as_uuid(table.ids[i]), float(scores[i])) for i in best[np.argsort(-scores[best])]]
    return [(item_id, score) for item_id, score in ranked if item_id != exclude_id][:limit]


def forget_tables() -> None:
    """Drop every owner's table; the next lookup reads its owner's embeddings anew."""
    with _lock:
        _tables.clear()
