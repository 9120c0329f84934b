"""Prometheus metrics: /metrics is not public; the counters move when a photo is uploaded
and processed; the worker exports its own on a port (and, with several processes, through
prometheus_client's multiprocess folder); the Grafana dashboard asks only for what is exported."""

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from accounts import tokens
from inference import pipeline
from inference import services as processing
from tests.conftest import image_bytes, upload
from tests.factories import fake_result, make_item
from tests.processes import free_port
from wardrobe import metrics
from wardrobe.models import Item

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "metrics-secret-for-tests"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.UPLOADS_PER_HOUR = 10**6  # the hourly count lives in the shared cache


def scrape(client) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of one scrape."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_not_public(client, settings):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def run_pipeline(monkeypatch, outcome):
    monkeypatch.setattr(pipeline, "run_batch", lambda sources, steps=None: [outcome() for _ in sources])


def test_the_counters_move_after_an_upload_is_processed(client, user, sent_tasks, monkeypatch):
    before = scrape(client)
    secret = tokens.create_token(user=user, name="phone")[1]
    response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes())]},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    queued = scrape(client)
    assert value(queued, "wardrobe_items", status="queued") == 1
    run_pipeline(monkeypatch, fake_result)
    assert processing.process_batch(consumer="closet", key=response.json()["items"][0]["id"]) == 1
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # The web: requests by view and status, and their latency.
    assert moved("django_http_responses_total_by_status_view_method_total",
                 method="POST", status="201", view="api:items") == 1
    assert moved("django_http_requests_latency_seconds_by_view_method_count", method="POST", view="api:items") == 1
    # The worker: time per step, outcomes, the models that ran.
    for step in ("normalize", "segment", "colors", "garment", "caption"):
        assert moved("wardrobe_pipeline_step_seconds_count", consumer="closet", step=step) == 1
    assert moved("wardrobe_photos_processed_total", consumer="closet", outcome="ready") == 1
    assert value(after, "wardrobe_pipeline_model_info", consumer="closet", step="garment",
                 model="garment-test", version="v-test") == 1
    # What the closet holds, read at the scrape.
    assert value(after, "wardrobe_items", status="ready") == 1 and value(after, "wardrobe_items", status="queued") == 0
    assert value(after, "wardrobe_model_version_items", step="garment", model="garment-test", version="v-test") == 1
    assert value(after, "wardrobe_database_up") == 1 and value(after, "wardrobe_broker_up") == 1
    assert {"gpu", "default"} <= {dict(labels)["queue"] for name, labels in after if name == "wardrobe_queue_messages"}


def test_failures_are_counted_by_reason(client, user, monkeypatch):
    before = scrape(client)

    def bad_photo():
        result = fake_result()
        result.error, result.timings_ms = "The photo could not be decoded.", {"normalize": 2.0}
        return result

    run_pipeline(monkeypatch, bad_photo)
    processing.process_batch(consumer="closet", key=str(make_item(user, status=Item.Status.QUEUED).pk))

    def broken(sources, steps=None):
        raise ValueError("model exploded")

    monkeypatch.setattr(pipeline, "run_batch", broken)
    processing.process_batch(consumer="closet", key=str(make_item(user, status=Item.Status.QUEUED).pk))
    missing = make_item(user, status=Item.Status.QUEUED)
    missing.original.delete(save=False)
    Item.objects.filter(pk=missing.pk).update(original="items/gone.jpg")
    processing.process_batch(consumer="closet", key=str(missing.pk))
    # The sweep gives up on a photo whose workers kept dying.
    from wardrobe.tasks import sweep_processing

    metrics.count_sweep(sender=sweep_processing, result={"reclaimed": 2, "failed": 1, "lost": 0, "outbox": 0})
    after = scrape(client)

    def moved(**labels):
        name = "wardrobe_photo_failures_total"
        return value(after, name, consumer="closet", **labels) - value(before, name, consumer="closet", **labels)

    assert moved(reason="bad_photo", step="normalize") == 1
    assert moved(reason="internal_error", step="") == 1
    assert moved(reason="missing_original", step="") == 1
    assert moved(reason="worker_lost", step="") == 1
    assert value(after, "wardrobe_sweep_items_total", action="reclaimed") - value(
        before, "wardrobe_sweep_items_total", action="reclaimed") == 2
    assert value(after, "wardrobe_items", status="failed") == 3


def test_the_scrape_still_answers_with_the_broker_away(client, monkeypatch):
    monkeypatch.setattr(metrics, "queue_depths", lambda: None)
    samples = scrape(client)
    assert value(samples, "wardrobe_broker_up") == 0
    assert not [name for name, _labels in samples if name == "wardrobe_queue_messages"]


def test_the_worker_exports_on_its_own_port(user, monkeypatch):
    run_pipeline(monkeypatch, fake_result)
    processing.process_batch(consumer="closet", key=str(make_item(user, status=Item.Status.QUEUED).pk))
    port = free_port()
    server, thread = metrics.start_worker_exporter(port=port, address="127.0.0.1")
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'wardrobe_pipeline_step_seconds_count{consumer="closet",step="segment"}' in text
    assert "wardrobe_items" not in text  # the closet's own counts come from the web


def test_the_worker_starts_its_exporter_only_when_a_port_is_set(settings, monkeypatch):
    started = []
    monkeypatch.setattr(metrics, "start_worker_exporter", lambda **where: started.append(where))
    settings.WORKER_METRICS_PORT = 0
    metrics.export_worker_metrics(sender=None)
    assert started == []
    settings.WORKER_METRICS_PORT, settings.WORKER_METRICS_ADDRESS = 9808, "127.0.0.1"
    metrics.export_worker_metrics(sender=None)
    assert started == [{"port": 9808, "address": "127.0.0.1"}]


def test_multiprocess_mode_sums_every_process(tmp_path):
    """As gunicorn's workers or a prefork pool: each process writes its own file, one exporter reads them all."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PROMETHEUS_MULTIPROC_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
           "WARDROBE_VAR_DIR": str(tmp_path / "var")}
    observe = ("from inference import metrics; metrics.STEP_SECONDS.labels('closet', 'segment').observe(0.4); "
               "metrics.count_failure('closet', 'bad_photo', 'normalize')")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", observe], cwd=ROOT, env=env, check=True, timeout=60)
    export = "import sys; from wardrobe import metrics; sys.stdout.write(metrics.generate_latest(metrics.process_registry()).decode())"
    text = subprocess.run([sys.executable, "-c", export], cwd=ROOT, env=env, check=True, timeout=60,
                          capture_output=True, text=True).stdout
    assert 'wardrobe_pipeline_step_seconds_count{consumer="closet",step="segment"} 2.0' in text
    assert 'wardrobe_photo_failures_total{consumer="closet",reason="bad_photo",step="normalize"} 2.0' in text


def test_the_dashboard_asks_only_for_exported_metrics(client, user, sent_tasks, monkeypatch):
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(expressions) >= 10
    # Every metric the issue names is on it.
    wanted = ["django_http_requests_total_by_view_transport_method", "django_http_responses_total_by_status_view_method",
              "django_http_requests_latency_seconds_by_view_method", "wardrobe_items", "wardrobe_queue_messages",
              "wardrobe_pipeline_step_seconds", "wardrobe_photo_failures_total", "wardrobe_pipeline_model_info",
              "wardrobe_model_version_items"]
    assert all(any(name in expr for expr in expressions) for name in wanted)
    # Something of each: an upload processed, a failure, a sweep.
    secret = tokens.create_token(user=user, name="phone")[1]
    response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes())]},
                           headers={"Authorization": f"Bearer {secret}"})
    run_pipeline(monkeypatch, fake_result)
    processing.process_batch(consumer="closet", key=response.json()["items"][0]["id"])
    from wardrobe.tasks import sweep_processing

    metrics.count_sweep(sender=sweep_processing, result={"reclaimed": 1, "failed": 1, "lost": 1, "outbox": 1})
    exported = {name for name, _labels in scrape(client)}
    asked = {name for expr in expressions for name in re.findall(r"\b((?:django|wardrobe)_[a-z_]+)", expr)}
    assert asked - exported == set()
