"""Model work, on the "gpu" queue. Tasks carry a consumer's name and a key, call a service."""

import random

from celery import shared_task

from inference import services
from inference.transient import is_transient

RETRY_BACKOFF_SECONDS, RETRY_BACKOFF_MAX_SECONDS = 5, 120


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8)
def process_photos(self, consumer: str, key: str, held: str | None = None) -> int:
    # The database, broker or storage was briefly away: try again, waiting longer each time.
    delay = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2 ** self.request.retries)
    try:
        return services.process_batch(consumer=consumer, key=key, held=held)
    except services.BatchNotGivenBack as stuck:
        raise self.retry(args=[consumer, key], kwargs={"held": stuck.token},
                         exc=stuck.__cause__, countdown=random.uniform(delay / 2, delay))
    except Exception as error:
        if not is_transient(error):
            raise
        raise self.retry(exc=error, countdown=random.uniform(delay / 2, delay))
