"""Model work, on the "gpu" queue. Tasks carry a consumer's name and a key, call a service."""

import random

from celery import shared_task

from inference import services
from inference.transient import is_transient

RETRY_BACKOFF_SECONDS, RETRY_BACKOFF_MAX_SECONDS = 5, 120


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8)
def process_photos(self, consumer: str, key: str) -> int:
    try:
        return services.process_batch(consumer=consumer, key=key)
    except Exception as error:
        if not is_transient(error):
            raise
        # The database, broker or storage was briefly away: try again, waiting longer each time.
        delay = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** self.request.retries)
        raise self.retry(exc=error, countdown=random.uniform(delay / 2, delay))
