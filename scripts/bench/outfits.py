"""Time to generate 5 outfits for a 500-item closet: the whole service (read the closet and
the owner's feedback, score, store the outfits) and the scorer alone.

    .venv/bin/python scripts/bench/outfits.py [--items 500] [--rounds 20]

Target: <= 300 ms (median).
"""

import argparse
import time

from _setup import django_with_scratch_database, make_closet, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    django_with_scratch_database()

    import random

    from django.db import connection

    from accounts.models import User
    from inference import outfits as scorer
    from wardrobe import outfits

    user = User.objects.create_user("bench", "bench@example.com", "bench-pass-123", nickname="Bench")
    rng = random.Random(0)
    make_closet(user, args.items, rng, prices=(None, 19000, 39000, 89000))
    # Some history, as a user who has used the page a while has.
    for _ in range(10):
        made = outfits.generate_recommendations(request_id=outfits.request_recommendations(
            owner=user, style="casual", temperature=10, count=5).pk)
        for outfit in made.outfits.all()[:2]:
            outfits.give_feedback(outfit=outfit, liked=rng.random() < 0.5)

    service, alone = [], []
    closet = outfits.garments(user)
    for round_ in range(args.rounds):
        request = outfits.request_recommendations(owner=user, style=rng.choice(["casual", "office", "street"]),
                                                  occasion=rng.choice(list(scorer.OCCASIONS)),
                                                  temperature=rng.choice([None, -3, 8, 15, 24, 31]), count=5)
        started = time.perf_counter()
        outfits.generate_recommendations(request_id=request.pk)
        service.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scorer.recommend(closet, outfits.scorer_request(request))
        alone.append((time.perf_counter() - started) * 1000)
    print(f"{args.items} items, 5 outfits a request, {args.rounds} requests, database {connection.vendor}")
    for name, times in (("generate_recommendations (service)", service), ("scorer alone", alone)):
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(f"{name}: median {p50:.1f} ms  p95 {p95:.1f} ms ({p50 / 300:.2f} of the 300 ms target)")


if __name__ == "__main__":
    main()
