"""Light closet work, on the "default" queue."""

from celery import shared_task

from inference.transient import is_transient
from wardrobe import outfits, services
from wardrobe.catalog import services as catalog


def _processing_queue_depth() -> int | None:
    """Messages waiting on the processing queue, or None when the broker cannot say."""
    from wardrobe.celery import app

    try:
        with app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue="gpu", passive=True).message_count
    except Exception:  # queue not declared yet, or broker away: the sweep skips that rule
        return None


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_processing() -> dict:
    swept = services.sweep_processing(queue_depth=_processing_queue_depth)
    swept["recommendations"] = outfits.sweep_recommendations()
    swept["catalog"] = catalog.sweep_catalog()
    return swept


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=5)
def generate_recommendations(self, request_id: str) -> None:
    """Needs no model runtime: the scorer is rules and the closet's stored fields."""
    try:
        outfits.generate_recommendations(request_id=request_id)
    except Exception as error:
        if is_transient(error) and self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=min(60, 2 ** self.request.retries))
        outfits.fail_recommendations(request_id=request_id)
        raise
