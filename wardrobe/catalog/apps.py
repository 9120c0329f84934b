from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The shop catalog: products from shops' feeds, apart from anyone's closet."""

    name = "wardrobe.catalog"
    label = "catalog"
    verbose_name = _("Shop catalog")

    def ready(self):
        from inference import consumers
        from wardrobe.catalog.processing import ProductPhotos, SearchPhotos

        consumers.register(ProductPhotos())
        consumers.register(SearchPhotos())
