"""Processing queued items: claim a batch, run the pipeline, store each result."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage

from inference import pipeline
from wardrobe import services as closet

logger = logging.getLogger(__name__)


def _read_original(item) -> bytes:
    with default_storage.open(item.original.name, "rb") as handle:
        return handle.read()


def process_items(*, item_id, transient_errors: tuple = ()) -> int:
    """Processes the item and, in the same batch, other queued items; returns how many.

    On a transient error the claimed items go back on the queue and the error is
    raised for the task to retry.
    """
    claim = closet.claim_items(item_id=item_id, batch_size=settings.PROCESSING_BATCH_SIZE)
    if not claim.items:
        return 0  # already done, or another worker has it
    try:
        readable, sources = [], []
        for item in claim.items:
            try:
                sources.append(_read_original(item))
                readable.append(item)
            except FileNotFoundError:
                closet.fail_item(item_id=item.pk, token=claim.token, reason="The original photo is missing.")
        results = _run(sources, transient_errors)
        for item, result in zip(readable, results):
            if result.ok:
                closet.apply_results(item_id=item.pk, token=claim.token, result=result)
            else:
                closet.fail_item(item_id=item.pk, token=claim.token, reason=result.error)
    except transient_errors:
        closet.release_claim(token=claim.token)
        raise
    return len(claim.items)


def _run(sources: list[bytes], transient_errors: tuple) -> list[pipeline.PipelineResult]:
    try:
        return pipeline.run_batch(sources)
    except transient_errors:
        raise
    except Exception:
        if len(sources) == 1:
            logger.exception("pipeline failed on a photo")
            return [_failed("Processing failed with an internal error; it is in the worker log.")]
    # One photo broke the batch: run them one by one so only that one fails.
    return [_run([source], transient_errors)[0] for source in sources]


def _failed(reason: str) -> pipeline.PipelineResult:
    return pipeline.PipelineResult(fields={}, artifacts={}, embedding=None, steps={}, step_outputs={},
                                   confidences={}, timings_ms={}, error=reason)
