"""The closet's photos as a consumer of the processing worker (inference.consumers).

inference/ runs the pipeline and knows no closet model; it calls back here to claim,
read, store and fail items, so all writes stay in wardrobe.services.
"""

from django.core.files.storage import default_storage

from wardrobe import services
from wardrobe.models import Item


class ClosetPhotos:
    name = services.PHOTO_CONSUMER

    def claim(self, *, key, batch_size):
        from inference.consumers import Batch

        claim = services.claim_items(item_id=key, batch_size=batch_size)
        return Batch(token=str(claim.token), keys=[str(item.pk) for item in claim.items])

    def renew(self, *, token):
        services.renew_claim(token=token)

    def read(self, *, key):
        name = Item.objects.filter(pk=key).values_list("original", flat=True).first()
        if not name:
            raise FileNotFoundError(key)
        with default_storage.open(name, "rb") as handle:
            return handle.read()

    def store(self, *, key, token, result):
        services.apply_results(item_id=key, token=token, result=result)

    def fail(self, *, key, token, reason):
        services.fail_item(item_id=key, token=token, reason=reason)

    def release(self, *, token, retried_key):
        services.release_claim(token=token, retried_key=retried_key)
