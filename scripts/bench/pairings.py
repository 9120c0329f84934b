"""Time of "goes with" for one item of a 500-item closet (wardrobe.pairings.goes_with: the
best items of each other slot and the best outfit around it), the median over items.

    .venv/bin/python scripts/bench/pairings.py [--items 500] [--rounds 30]

Target: <= 50 ms.
"""

import argparse
import time

from _setup import django_with_scratch_database, make_closet, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    django_with_scratch_database()

    import random

    from django.db import connection

    from accounts.models import User
    from wardrobe.models import Item
    from wardrobe.pairings import goes_with

    user = User.objects.create_user("bench", "bench@example.com", "bench-pass-123", nickname="Bench")
    rng = random.Random(0)
    make_closet(user, args.items, rng)
    chosen = rng.sample(list(Item.objects.filter(owner=user)), args.rounds)
    goes_with(item=chosen[0])  # the process's first call imports and warms up
    times = []
    for item in chosen:
        started = time.perf_counter()
        goes_with(item=item)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(f"{args.items} items, {args.rounds} items asked, database {connection.vendor}")
    print(f"goes_with: median {p50:.1f} ms  p95 {p95:.1f} ms ({p50 / 50:.2f} of the 50 ms target)")


if __name__ == "__main__":
    main()
