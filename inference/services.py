"""Processing photos for a consumer: claim a batch, run the pipeline, hand back each result.

While the batch runs, a heartbeat thread renews the claim, so a sweep can tell a dead
worker's batch (no heartbeat) from a slow one (still beating) and never takes the latter.
"""

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from inference import consumers, metrics, pipeline
from inference.transient import is_transient

logger = logging.getLogger(__name__)


class BatchNotGivenBack(Exception):
    """A transient error stopped the batch while the database was still away to take it
    back: the task's retry gives back `token` first, so the photos need not wait for the
    sweep to find the claim dead, nor lose an attempt."""

    def __init__(self, token: str):
        super().__init__(f"batch {token} could not be given back")
        self.token = token


def process_batch(*, consumer: str, key: str, held: str | None = None) -> int:
    """Processes photo `key` and other waiting photos of the same consumer; returns how many.

    On a transient error the batch is given back and the error raised for the task to retry;
    if giving it back failed too, BatchNotGivenBack is raised, and the retry passes its
    token as `held` to give it back before claiming again.
    """
    owner = consumers.get(consumer)
    if held:
        owner.release(token=held, retried_key=key)  # no-op if the sweep took it back already
    batch = owner.claim(key=key, batch_size=settings.PROCESSING_BATCH_SIZE)
    if not batch.keys:
        return 0  # already done, or another worker has it
    try:
        with _heartbeat(owner, batch.token):
            readable, sources = [], []
            for photo_key in batch.keys:
                try:
                    sources.append(owner.read(key=photo_key))
                    readable.append(photo_key)
                except FileNotFoundError:
                    owner.fail(key=photo_key, token=batch.token, reason="The original photo is missing.")
                    metrics.count_failure(consumer, "missing_original")
                except Exception as error:  # denied, refused by the storage: this photo, not the batch
                    if is_transient(error):
                        raise
                    logger.warning("photo %s of %s cannot be read: %r", photo_key, consumer, error)
                    owner.fail(key=photo_key, token=batch.token, reason="The original photo cannot be read.")
                    metrics.count_failure(consumer, "unreadable_original")
            results = _run(sources)
            metrics.observe_results(consumer, results)
            _replace_dropped_connections()  # the batch may have run past a server's idle timeout
            for photo_key, result in zip(readable, results):
                if result.ok:
                    owner.store(key=photo_key, token=batch.token, result=result)
                else:
                    owner.fail(key=photo_key, token=batch.token, reason=result.error)
    except Exception as error:
        if is_transient(error) and not _release(owner, batch.token, key):
            raise BatchNotGivenBack(batch.token) from error
        raise
    return len(batch.keys)


def _replace_dropped_connections() -> None:
    """Closes this thread's connections the server dropped (an outage, a restart, an idle
    timeout), so the next query opens a new one. Django checks only between tasks, and a
    broken connection otherwise fails every later query of this one."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block and not connection.is_usable():
            connection.close()


def _release(owner, token, key) -> bool:
    try:
        _replace_dropped_connections()  # the error that brought us here may have broken it
        owner.release(token=token, retried_key=key)
        return True
    except Exception as error:
        if not is_transient(error):
            raise
        logger.warning("could not give back batch %s (%s); the retry will", token, error)
        return False


@contextmanager
def _heartbeat(owner, token):
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.CLAIM_HEARTBEAT_SECONDS):
                try:
                    owner.renew(token=token)
                except Exception as error:  # a missed beat is survivable; the next may pass
                    logger.warning("heartbeat for batch %s failed: %s", token, error)
                    _replace_dropped_connections()
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{token}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _run(sources: list[bytes]) -> list[pipeline.PipelineResult]:
    try:
        return pipeline.run_batch(sources)
    except Exception as error:
        if is_transient(error):
            raise
        if len(sources) == 1:
            logger.exception("pipeline failed on a photo")
            return [_failed("Processing failed with an internal error; it is in the worker log.")]
    # One photo broke the batch: run them one by one so only that one fails.
    return [_run([source])[0] for source in sources]


def _failed(reason: str) -> pipeline.PipelineResult:
    return pipeline.PipelineResult(fields={}, artifacts={}, embedding=None, steps={}, step_outputs={},
                                   confidences={}, timings_ms={}, error=reason)
