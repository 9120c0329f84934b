"""Products and "find it in the shop" photos as consumers of the processing worker
(inference.consumers): the same pipeline, batching and model versions as the closet."""

from django.core.files.storage import default_storage

from wardrobe import claims
from wardrobe.catalog import services
from wardrobe.catalog.models import Product, ShopSearch


class _Photos:
    model = None
    column = ""

    def claim(self, *, key, batch_size):
        from inference.consumers import Batch

        token, rows = claims.claim(self.model, pk=key, batch_size=batch_size)
        return Batch(token=str(token), keys=[str(row.pk) for row in rows])

    def renew(self, *, token):
        claims.renew(self.model, token=token)

    def read(self, *, key):
        name = self.model.objects.filter(pk=key).values_list(self.column, flat=True).first()
        if not name:
            raise FileNotFoundError(key)
        with default_storage.open(name, "rb") as handle:
            return handle.read()

    def release(self, *, token, retried_key):
        claims.release(self.model, token=token, retried_key=retried_key)


class ProductPhotos(_Photos):
    name = services.PRODUCT_CONSUMER
    model, column = Product, "original"

    def store(self, *, key, token, result):
        services.apply_product_result(product_id=key, token=token, result=result)

    def fail(self, *, key, token, reason):
        claims.fail(Product, pk=key, token=token, reason=reason)


class SearchPhotos(_Photos):
    name = services.SEARCH_CONSUMER
    model, column = ShopSearch, "photo"

    def store(self, *, key, token, result):
        services.apply_search_result(search_id=key, token=token, result=result)

    def fail(self, *, key, token, reason):
        services.fail_search(search_id=key, token=token, reason=reason)
