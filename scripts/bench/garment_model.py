"""Garment classifier latency on this machine, and where a photo's time goes in the pipeline.

    .venv/bin/python scripts/bench/garment_model.py [--photos DIR] [--count 60]

Batch 1 is the target case (<= 60 ms a photo); batch 8 is what a worker does when
several photos are queued. The model's views of each photo are made before timing.
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
    from inference import garment, pipeline, segmenter
    from inference.images import open_rgb

    paths = sorted(Path(args.photos).glob("*.jpg"))[: args.count]
    classifier = garment.load()
    images = [open_rgb(path) for path in paths]
    views = [classifier.views(image, segmentation)
             for image, segmentation in zip(images, segmenter.load().predict(images))]
    classifier.predict(views[:8])  # warm-up

    rounds = max(1, args.count // len(views))
    single = []
    for _ in range(rounds):
        for view in views:
            started = time.perf_counter()
            classifier.predict([view])  # one photo (all of its views)
            single.append((time.perf_counter() - started) * 1000)
    batched = []
    for _ in range(rounds):
        for start in range(0, len(views) - 7, 8):
            started = time.perf_counter()
            classifier.predict(views[start:start + 8])
            batched.append((time.perf_counter() - started) * 1000 / 8)
    print(f"garment model {classifier.name}@{classifier.version}, input {classifier.image_size}px "
          f"({classifier.input_mode}), {len(single)} timed photos, {os.cpu_count()} CPU cores")
    p50, p95 = percentile(single, 0.5), percentile(single, 0.95)
    print(f"batch 1: p50 {p50:.1f} ms  p95 {p95:.1f} ms a photo  ({p95 / 60:.2f} of the 60 ms target)")
    if batched:
        print(f"batch 8: p50 {percentile(batched, 0.5):.1f} ms a photo  "
              f"({percentile(batched, 0.5) / p50:.2f}x the batch-1 time)")

    results = pipeline.run_batch([path.read_bytes() for path in paths[:8]])
    steps = results[0].timings_ms
    print("whole pipeline, batch of 8, mean ms a photo: " + ", ".join(
        f"{step} {np.mean([r.timings_ms[step] for r in results]):.0f}" for step in steps)
        + f"; total {np.mean([sum(r.timings_ms.values()) for r in results]):.0f}")


if __name__ == "__main__":
    main()
