import gc
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")

app = Celery("wardrobe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def freeze_startup_objects(**kwargs):
    # As in wsgi.py: what the worker loaded at start stays out of full garbage collections.
    gc.freeze()


@signals.worker_process_init.connect
def load_models_before_the_first_photo(**kwargs):
    """A worker of the model queue loads every model (and runs them once) when it starts,
    so the first photo does not wait for them."""
    if "gpu" not in app.amqp.queues.consume_from:
        return
    import io

    from PIL import Image

    from inference import pipeline

    photo = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 120, 120)).save(photo, "JPEG")
    pipeline.run_batch([photo.getvalue()])
