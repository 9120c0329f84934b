"""Account work on the "default" queue."""

from celery import shared_task

from inference.transient import is_transient


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=8)
def delete_account(self, deletion_id: str) -> None:
    from accounts import services

    try:
        services.delete_account(deletion_id=int(deletion_id))
    except Exception as error:
        if (is_transient(error) or isinstance(error, OSError)) and self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=min(300, 5 * 2 ** self.request.retries))
        raise
