import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
application = get_wsgi_application()
# Startup objects live as long as the process: kept out of full garbage collections,
# those pauses stay short (see scripts/bench/similar_items.py).
gc.freeze()
