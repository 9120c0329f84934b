"""Shared start for the benchmarks: Django on a throwaway database unless DATABASE_URL is set."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def django_with_scratch_database() -> None:
    sys.path.insert(0, str(ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="wardrobe-bench-"))
    os.environ.setdefault("WARDROBE_VAR_DIR", str(scratch))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_ROOT", str(scratch / "static"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    import gc

    gc.freeze()  # as the web and worker processes do once started


def django_app() -> None:
    """Django with the app's own settings and database, for benchmarks of the models alone."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    import django

    django.setup()


def page_figures(client, url: str, requests: int, target_ms: float, *, warmup: int = 3) -> str:
    """Server time of `requests` GETs of `url` (p50, p95, against the target) and the SQL
    queries one of them makes."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
    return (f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({p95 / target_ms:.2f} of the {target_ms:g} ms target)  "
            f"{len(queries.captured_queries)} queries")


def percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def make_closet(user, count: int, rng, *, prices=(None,)) -> None:
    """`count` processed items of random wearable categories, colours and seasons."""
    from inference import taxonomy
    from wardrobe.models import Item

    categories = [c.code for c in taxonomy.CATEGORIES if c.group != "other"]
    colors = [c.code for c in taxonomy.COLORS]
    items = []
    for index in range(count):
        category = rng.choice(categories)
        items.append(Item(
            owner=user, status=Item.Status.READY, category=category, group=taxonomy.group_of(category),
            original=f"items/{user.pk}/{index}/original.jpg", season_mask=rng.randint(0, 15),
            colors=[{"name": name, "hex": taxonomy.COLOR_BY_CODE[name].hex, "share": 0.4}
                    for name in rng.sample(colors, rng.randint(1, 2))],
            purchase_price=rng.choice(prices)))
    Item.objects.bulk_create(items, batch_size=500)
