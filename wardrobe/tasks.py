"""Light closet work, on the "default" queue."""

from celery import shared_task

from wardrobe import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def requeue_stuck_items() -> dict:
    return services.requeue_stuck_items()
