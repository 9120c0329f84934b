"""Prometheus metrics: the web's /metrics and the worker's own exporter.

- Requests by view and status, with latency histograms: django-prometheus's middleware.
- What the closet holds, read at scrape time: items by status, queue depth per Celery
  queue (asked of the broker), the model versions behind the stored predictions.
- The worker's pipeline (inference.metrics): time per step, outcomes, failures by reason,
  the models it runs; and the sweep's take-backs (a Celery signal, below).

Neither is public: /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` (404
without a token set), and a worker exports on WORKER_METRICS_ADDRESS:WORKER_METRICS_PORT
(127.0.0.1 unless told). Several processes (gunicorn's workers, a prefork pool) are summed
by prometheus_client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR names a folder.
"""

import logging
import os
from pathlib import Path

from celery import signals
from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, generate_latest,
                               multiprocess, start_http_server)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2

SWEPT = Counter("wardrobe_sweep_items_total", "What the sweep did: items taken back from dead workers "
                "(reclaimed), failed after too many tries (failed), re-sent (lost) and sent from the outbox.",
                ["action"])


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def process_registry() -> CollectorRegistry:
    """This process's metrics, or every process's of the multiprocess folder."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def celery_queues() -> list[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route}
    return sorted(routed | {settings.CELERY_TASK_DEFAULT_QUEUE})


def queue_depths() -> dict[str, int] | None:
    """Messages waiting per queue, or None when the broker does not answer."""
    from kombu.exceptions import ChannelError

    from wardrobe.celery import app

    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            depths = {}
            for queue in celery_queues():
                try:
                    depths[queue] = connection.default_channel.queue_declare(queue=queue, passive=True).message_count
                except ChannelError:  # never declared (Redis drops an empty queue's key): nothing waits
                    depths[queue] = 0
            return depths
    except Exception as error:  # broker away: the scrape still answers, saying so
        logger.warning("metrics: broker unreachable: %s", error)
        return None


class ClosetCollector(Collector):
    """Read at each scrape, from the database and the broker."""

    def collect(self):
        from wardrobe.models import Item, Prediction, RecommendationRequest

        database_up = GaugeMetricFamily("wardrobe_database_up", "1 when the database answered this scrape.")
        try:
            counts = dict(Item.objects.values_list("status").annotate(n=Count("pk")).order_by())
            requests = dict(RecommendationRequest.objects.values_list("status").annotate(n=Count("pk")).order_by())
            versions = list(Prediction.objects.values_list("step", "model_name", "model_version")
                            .annotate(n=Count("pk")).order_by())
        except Exception as error:
            logger.warning("metrics: database unreachable: %s", error)
            database_up.add_metric([], 0)
            yield database_up
        else:
            database_up.add_metric([], 1)
            yield database_up
            items = GaugeMetricFamily("wardrobe_items", "Closet items by processing status.", labels=["status"])
            for status in Item.Status.values:
                items.add_metric([status], counts.get(status, 0))
            yield items
            made = GaugeMetricFamily("wardrobe_recommendation_requests", "Outfit requests by status.",
                                     labels=["status"])
            for status in RecommendationRequest.Status.values:
                made.add_metric([status], requests.get(status, 0))
            yield made
            in_use = GaugeMetricFamily("wardrobe_model_version_items",
                                       "Items whose stored prediction of a step came from this model version.",
                                       labels=["step", "model", "version"])
            for step, model, version, count in versions:
                in_use.add_metric([step, model, version], count)
            yield in_use
        depths = queue_depths()
        broker_up = GaugeMetricFamily("wardrobe_broker_up", "1 when the broker answered this scrape.")
        broker_up.add_metric([], 0 if depths is None else 1)
        yield broker_up
        if depths is not None:
            queued = GaugeMetricFamily("wardrobe_queue_messages", "Messages waiting on each Celery queue.",
                                       labels=["queue"])
            for queue, depth in depths.items():
                queued.add_metric([queue], depth)
            yield queued


CLOSET_REGISTRY = CollectorRegistry(auto_describe=False)
CLOSET_REGISTRY.register(ClosetCollector())


def exposition() -> bytes:
    return generate_latest(process_registry()) + generate_latest(CLOSET_REGISTRY)


@require_GET
@never_cache
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are not exported here")
    if not constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


# --- The worker ---------------------------------------------------------------------------

def start_worker_exporter(*, port: int, address: str):
    """The worker's own /metrics on a port: its processes' metrics (all of the prefork pool's
    with PROMETHEUS_MULTIPROC_DIR), not the closet's (the web exports those). Returns the
    server and its thread."""
    return start_http_server(port, addr=address, registry=process_registry())


@signals.worker_init.connect
def export_worker_metrics(sender=None, **kwargs):
    """In the worker's main process, before its pool starts."""
    if not settings.WORKER_METRICS_PORT:
        return
    folder = multiprocess_dir()
    if folder:
        # The pool's processes are about to start: what earlier ones left is stale.
        for stale in Path(folder).glob("*.db"):
            stale.unlink(missing_ok=True)
    elif getattr(sender, "pool_cls", None) not in ("solo", "threads"):
        logger.warning("worker metrics: without PROMETHEUS_MULTIPROC_DIR the exporter sees only the main "
                       "process, not the pool's processes that run the tasks")
    start_worker_exporter(port=settings.WORKER_METRICS_PORT, address=settings.WORKER_METRICS_ADDRESS)
    logger.info("worker metrics on %s:%d", settings.WORKER_METRICS_ADDRESS, settings.WORKER_METRICS_PORT)


@signals.worker_process_shutdown.connect
def forget_pool_process(pid=None, **kwargs):
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid or os.getpid())


@signals.task_success.connect
def count_sweep(sender=None, result=None, **kwargs):
    if getattr(sender, "name", "") != "wardrobe.tasks.sweep_processing" or not isinstance(result, dict):
        return
    from inference.metrics import count_failure
    from wardrobe.services import PHOTO_CONSUMER

    for action in ("reclaimed", "failed", "lost", "outbox"):
        if result.get(action):
            SWEPT.labels(action).inc(result[action])
    count_failure(PHOTO_CONSUMER, "worker_lost", count=result.get("failed") or 0)
