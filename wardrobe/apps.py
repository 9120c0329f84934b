from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WardrobeConfig(AppConfig):
    name = "wardrobe"
    verbose_name = _("Closet")

    def ready(self):
        from inference import consumers
        from wardrobe.processing import ClosetPhotos

        consumers.register(ClosetPhotos())
        from wardrobe import metrics  # noqa: F401  (connects the worker's metric signals)
