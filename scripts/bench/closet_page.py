"""Server time of the closet page for a user with 1,000 items: p50/p95 over repeated requests.

    .venv/bin/python scripts/bench/closet_page.py [--items 1000] [--requests 200]

Time is measured around Django's handler (middleware, view, queries, template), with the
test client, so the network is not counted. Target: p95 <= 100 ms.
"""

import argparse

from _setup import django_with_scratch_database, page_figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    django_with_scratch_database()

    import random

    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from inference import taxonomy
    from wardrobe.models import Item

    user = User.objects.create_user("bench", "bench@example.com", "bench-pass-123", nickname="Bench")
    rng = random.Random(0)
    categories = [c.code for c in taxonomy.CATEGORIES]
    colors = [c.code for c in taxonomy.COLORS]
    items = []
    for index in range(args.items):
        names = rng.sample(colors, rng.randint(1, 3))
        items.append(Item(
            owner=user, status=Item.Status.READY, category=rng.choice(categories),
            category_confidence=rng.random(), original=f"items/{user.pk}/{index}/original.jpg",
            thumb_small=f"items/{user.pk}/{index}/small.jpg", original_name=f"IMG_{index:04d}.HEIC",
            colors=[{"name": name, "hex": taxonomy.COLOR_BY_CODE[name].hex, "share": 0.3} for name in names],
            season_mask=rng.randint(0, 15), notes=rng.choice(["", "gift", "needs ironing"]),
        ))
    for item in items:
        item.group = taxonomy.group_of(item.category)
        item.color_mask = taxonomy.to_mask([c["name"] for c in item.colors], taxonomy.COLORS)
    Item.objects.bulk_create(items, batch_size=500)

    client = Client()
    client.force_login(user)
    pages = {
        "closet (first page)": "/closet/",
        "closet, page 10": "/closet/?page=10",
        "closet, colour + season filter": "/closet/?color=navy&season=winter",
        "closet, text search": "/closet/?q=ironing",
        "home": "/",
    }
    print(f"{args.items} items, {args.requests} requests per page, database {connection.vendor}")
    for label, url in pages.items():
        print(f"{label:34s} " + page_figures(client, url, args.requests, 100, warmup=5))


if __name__ == "__main__":
    main()
