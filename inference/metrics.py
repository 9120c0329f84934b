"""What the processing worker measures, for Prometheus (prometheus_client; no domain import).

In a prefork worker the pool's processes observe these; set PROMETHEUS_MULTIPROC_DIR so
the exporter the worker's main process starts (wardrobe.metrics) sees them all.
"""

from prometheus_client import Counter, Gauge, Histogram

# Seconds per photo: from a quick hash to a slow model on a busy CPU.
STEP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

STEP_SECONDS = Histogram(
    "wardrobe_pipeline_step_seconds", "Time a pipeline step took per photo (the batch's time over its photos).",
    ["consumer", "step"], buckets=STEP_BUCKETS)
PHOTOS = Counter("wardrobe_photos_processed_total", "Photos the pipeline finished, by outcome (ready or failed).",
                 ["consumer", "outcome"])
FAILURES = Counter(
    "wardrobe_photo_failures_total",
    "Photos that failed, by reason: bad_photo (a step could not take it; `step` says which), "
    "missing_original, internal_error, worker_lost (its workers died too often).",
    ["consumer", "reason", "step"])
MODEL_INFO = Gauge("wardrobe_pipeline_model_info", "The model and version each step ran in this worker (1).",
                   ["consumer", "step", "model", "version"], multiprocess_mode="max")


def observe_results(consumer: str, results) -> None:
    """One batch's results: step times, the models that ran, outcomes and failure reasons."""
    for result in results:
        for step, milliseconds in result.timings_ms.items():
            STEP_SECONDS.labels(consumer, step).observe(milliseconds / 1000)
        for step, record in result.steps.items():
            MODEL_INFO.labels(consumer, step, record.model_name, record.version).set(1)
        if result.ok:
            PHOTOS.labels(consumer, "ready").inc()
        else:
            # The step a photo dropped out at is the last it was timed in; none: the batch broke.
            failed_at = list(result.timings_ms)[-1] if result.timings_ms else ""
            count_failure(consumer, "bad_photo" if failed_at else "internal_error", failed_at)


def count_failure(consumer: str, reason: str, step: str = "", count: int = 1) -> None:
    if count:
        FAILURES.labels(consumer, reason, step).inc(count)
        PHOTOS.labels(consumer, "failed").inc(count)
