"""Stain and damage detector latency on this machine, and the whole pipeline with it.

    .venv/bin/python scripts/bench/defect_model.py [--photos DIR] [--count 60]

Targets: detection <= 80 ms a photo at batch 1; the whole pipeline <= 1 s a photo.
Photos are decoded and scaled as the pipeline does before timing the detector.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
from _setup import django_app, percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", default=str(ROOT / "tests" / "fixtures" / "garments" / "images"))
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args()
    django_app()
    from django.conf import settings

    from inference import defects, pipeline
    from inference.images import fit_within, open_rgb

    paths = sorted(Path(args.photos).glob("*.jpg"))[: args.count]
    detector = defects.load(settings.DEFECT_MODEL_DIR or None)
    images = [fit_within(open_rgb(path), pipeline.IMAGE_SIDE) for path in paths]
    detector.predict(images[:2])  # warm-up

    rounds = max(1, args.count // len(images))
    single, batched = [], []
    for _ in range(rounds):
        for image in images:
            started = time.perf_counter()
            detector.predict([image])
            single.append((time.perf_counter() - started) * 1000)
        for start in range(0, len(images) - 7, 8):
            started = time.perf_counter()
            detector.predict(images[start:start + 8])
            batched.append((time.perf_counter() - started) * 1000 / 8)
    print(f"detector {detector.name}@{detector.version}, input {detector.image_size}px, "
          f"{len(single)} timed photos, {os.cpu_count()} CPU cores")
    p50, p95 = percentile(single, 0.5), percentile(single, 0.95)
    print(f"batch 1: p50 {p50:.1f} ms  p95 {p95:.1f} ms a photo  ({p95 / 80:.2f} of the 80 ms target)")
    if batched:
        print(f"batch 8: p50 {percentile(batched, 0.5):.1f} ms a photo  "
              f"({percentile(batched, 0.5) / p50:.2f}x the batch-1 time)")
    results = pipeline.run_batch([path.read_bytes() for path in paths[:8]])
    totals = [sum(r.timings_ms.values()) for r in results]
    print("whole pipeline, batch of 8, mean ms a photo: " + ", ".join(
        f"{step} {np.mean([r.timings_ms[step] for r in results]):.0f}" for step in results[0].timings_ms)
        + f"; total {np.mean(totals):.0f} ({np.mean(totals) / 1000:.2f} of the 1 s target)")


if __name__ == "__main__":
    main()
