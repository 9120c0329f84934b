"""Server time of the insights page for a 1,000-item closet with two years of wear log
(an outfit of 3-4 items on 5 days of 7), and of the cleanout page for 500 and 1,000 items:
p50/p95 over repeated requests, and the number of SQL queries.

    .venv/bin/python scripts/bench/insights.py [--items 1000] [--requests 100] [--cleanout-items 500]

Time is measured around Django's handler (middleware, view, queries, template) with the
test client, so the network is not counted. Targets: insights p95 <= 150 ms; the cleanout
a few hundred ms for 500 items. The closet page is timed too, for scale: on a machine
other jobs keep busy, compare with its idle figure in the README.
"""

import argparse

from _setup import django_with_scratch_database, page_figures


def make_closet(username, size, days, seed):
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import User
    from inference import taxonomy
    from wardrobe.models import CleanoutDecision, Item, Outfit, Wear

    user = User.objects.create_user(username, f"{username}@example.com", "bench-pass-123", nickname=username)
    rng = random.Random(seed)
    categories = [c.code for c in taxonomy.CATEGORIES]
    colors = [c.code for c in taxonomy.COLORS]
    now = timezone.now()
    items = []
    for index in range(size):
        category = rng.choice(categories)
        names = rng.sample(colors, rng.randint(1, 3))
        items.append(Item(
            owner=user, status=Item.Status.READY, category=category, group=taxonomy.group_of(category),
            original=f"items/{user.pk}/{index}/original.jpg", thumb_small=f"items/{user.pk}/{index}/small.jpg",
            colors=[{"name": name, "hex": taxonomy.COLOR_BY_CODE[name].hex, "share": round(rng.random(), 2)}
                    for name in names],
            season_mask=rng.randint(0, 15), purchase_price=rng.choice([None, Decimal(19000), Decimal(39000),
                                                                       Decimal(89000), Decimal(249000)]),
            grade=rng.choice(["", "reuse", "reuse", "recycle", "dispose"]),
            cleanout=rng.choice([""] * 20 + ["keep", "maybe", "sell"])))
    Item.objects.bulk_create(items, batch_size=500)
    # Added over three years.
    for item in items:
        item.created_at = now - timedelta(days=rng.randint(0, 3 * 365), hours=rng.randint(0, 23))
    Item.objects.bulk_update(items, ["created_at"], batch_size=500)
    by_group = {}
    for item in items:
        by_group.setdefault(item.group, []).append(item)
    today = timezone.localdate()
    outfits, wears = [], []
    for day in range(days):
        if rng.random() > 5 / 7:
            continue
        outfit = Outfit(owner=user, source=Outfit.Source.MANUAL)
        outfits.append(outfit)
        groups = ["tops", "bottoms", "shoes"] + (["outerwear"] if rng.random() < 0.4 else [])
        for group in groups:
            wears.append(Wear(owner=user, item=rng.choice(by_group[group]), outfit=outfit,
                              worn_on=today - timedelta(days=day)))
    Outfit.objects.bulk_create(outfits, batch_size=500)
    Wear.objects.bulk_create(wears, batch_size=500, ignore_conflicts=True)
    CleanoutDecision.objects.bulk_create([CleanoutDecision(owner=user, item=item, decision=item.cleanout)
                                          for item in items if item.cleanout])
    return user, len(wears)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cleanout-items", type=int, default=500)
    args = parser.parse_args()
    django_with_scratch_database()

    from django.db import connection
    from django.test import Client

    big, wear_rows = make_closet("bench", args.items, args.days, seed=0)
    smaller, _ = make_closet("bench500", args.cleanout_items, args.days, seed=1)
    client = Client()
    print(f"database {connection.vendor}, {args.requests} requests a page")
    client.force_login(big)
    print(f"insights, {args.items} items, {wear_rows} wear rows ({args.days} days): "
          + page_figures(client, "/insights/", args.requests, 150))
    print(f"cleanout, {args.items} items: " + page_figures(client, "/cleanout/", max(20, args.requests // 4), 300))
    # For scale on a busy machine: the closet page, whose idle figure the README gives.
    print(f"closet page, {args.items} items (for scale): " + page_figures(client, "/closet/", args.requests, 100))
    client.force_login(smaller)
    print(f"cleanout, {args.cleanout_items} items: " + page_figures(client, "/cleanout/", max(20, args.requests // 4), 300))


if __name__ == "__main__":
    main()
