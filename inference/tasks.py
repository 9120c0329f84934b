"""Model work, on the "gpu" queue. Tasks load by id and call a service; nothing more."""

from botocore.exceptions import BotoCoreError
from celery import shared_task
from django.db import InterfaceError, OperationalError

from inference import services

# Worth another try: the database, the broker or the storage was briefly away.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, BotoCoreError)


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=6,
)
def process_item(self, item_id: str) -> int:
    return services.process_items(item_id=item_id, transient_errors=TRANSIENT_ERRORS)
