"""Time to compose one caption pair (Korean and English) from an item's fields.

    .venv/bin/python scripts/bench/captions.py [--rounds 2000]

Target: well under 5 ms a caption.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from _setup import django_app, percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    django_app()
    from inference.captions import compose

    fields = [
        {"category": "short_sleeve_top", "colors": ["sky_blue"], "defects": []},
        {"category": "blazer", "colors": ["navy", "white"], "defects": [
            {"type": "stain", "confidence": 0.9, "box": [0.7, 0.4, 0.8, 0.5]},
            {"type": "hole", "confidence": 0.8, "box": [0.1, 0.8, 0.2, 0.9]}]},
        {"category": "", "colors": [], "defects": []},
    ]
    times = []
    for round_ in range(args.rounds):
        started = time.perf_counter()
        compose(**fields[round_ % len(fields)], garment_box=[0, 0, 1, 1])
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(f"compose: p50 {p50:.3f} ms  p95 {p95:.3f} ms a caption pair ({p95 / 5:.4f} of the 5 ms target)")


if __name__ == "__main__":
    main()
