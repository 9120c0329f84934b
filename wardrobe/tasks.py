"""Light closet work, on the "default" queue."""

from celery import shared_task

from wardrobe import services


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
    return services.sweep_processing(queue_depth=_processing_queue_depth)
