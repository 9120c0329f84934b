"""Time of one "similar in the shop" lookup over 20,000 products (catalog.selectors.similar_products):
the first (it reads the catalog's embeddings) and the steady state.

    .venv/bin/python scripts/bench/product_search.py [--products 20000] [--lookups 200]

Target: <= 50 ms a lookup.
"""

import argparse
import time

from _setup import ROOT, django_with_scratch_database, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    django_with_scratch_database()

    import numpy as np
    from django.db import connection
    from django.utils import timezone

    from inference import pipeline, taxonomy
    from wardrobe.catalog import selectors
    from wardrobe.catalog.models import Product, Status

    # The real embedding size and version, from one photo through the pipeline.
    result = pipeline.run((ROOT / "tests" / "fixtures" / "garments" / "images" / "tshirt-7e697e4d.jpg").read_bytes())
    dimension, version = len(result.embedding.vector), result.embedding.version
    rng = np.random.default_rng(0)
    groups = [g.code for g in taxonomy.GROUPS]
    now = timezone.now()
    vectors = rng.standard_normal((args.products, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    Product.objects.bulk_create([
        Product(shop="bench", sku=f"sku-{index}", name=f"Product {index}", price=10000, url="https://example.com/p",
                image_source="x.jpg", original="products/x.jpg", status=Status.READY, processed_at=now,
                group=groups[index % len(groups)], embedding=vector.astype(np.float16).tobytes(),
                embedding_version=version)
        for index, vector in enumerate(vectors)], batch_size=1000)

    queries = rng.standard_normal((args.lookups, dimension)).astype(np.float32)
    started = time.perf_counter()
    selectors.similar_products(vector=queries[0], version=version, group="tops")
    first = (time.perf_counter() - started) * 1000
    times = []
    for index, query in enumerate(queries):
        started = time.perf_counter()
        found = selectors.similar_products(vector=query, version=version, group=groups[index % len(groups)])
        times.append((time.perf_counter() - started) * 1000)
    assert len(found) == 5
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(f"{args.products} products of {dimension} dimensions, database {connection.vendor}")
    print(f"first lookup (reads the embeddings) {first:.1f} ms; then p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"({p95 / 50:.2f} of the 50 ms target)")


if __name__ == "__main__":
    main()
