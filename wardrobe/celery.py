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
