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


# --- Your data: exports, imports, today's outfit (wardrobe.portability, wardrobe.daily) --------

def _retry_transient(task, error, *, cap: int = 300):
    if is_transient(error) and task.request.retries < task.max_retries:
        raise task.retry(exc=error, countdown=min(cap, 5 * 2 ** task.request.retries))


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep_data() -> dict:
    from accounts.services import sweep_deletions
    from wardrobe import portability

    swept = portability.sweep_data()
    swept["deletions"] = sweep_deletions()
    return swept


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=5)
def build_export(self, export_id: str) -> None:
    from wardrobe import portability

    try:
        portability.build_export(export_id=export_id)
    except Exception as error:
        _retry_transient(self, error)
        portability.fail_export(export_id=export_id)
        raise


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=5)
def run_import(self, import_id: str) -> None:
    from wardrobe import portability

    try:
        portability.run_import(import_id=import_id)
    except Exception as error:
        _retry_transient(self, error)
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_daily_outfits() -> dict:
    from wardrobe import daily

    return daily.schedule()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=5)
def deliver_daily_outfit(self, delivery_id: str) -> None:
    from wardrobe import daily

    try:
        daily.deliver(delivery_id=int(delivery_id))
    except Exception as error:
        if isinstance(error, OSError) and self.request.retries < self.max_retries:  # the mail server away
            raise self.retry(exc=error, countdown=min(300, 30 * 2 ** self.request.retries))
        _retry_transient(self, error)
        raise


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def post_daily_webhook(self, delivery_id: int) -> None:
    """Timeouts, refused connections, 429 and 5xx are tried again with backoff."""
    from django.conf import settings

    from wardrobe import daily, webhooks

    try:
        daily.post_webhook(delivery_id=int(delivery_id), first_try=self.request.retries == 0)
    except webhooks.WebhookUnavailable as error:
        if self.request.retries < settings.DAILY_WEBHOOK_MAX_RETRIES:
            raise self.retry(exc=error, countdown=min(3600, 15 * 2 ** self.request.retries),
                             max_retries=settings.DAILY_WEBHOOK_MAX_RETRIES)
        daily.give_up_webhook(delivery_id=int(delivery_id), reason=str(error))
