import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inference import taxonomy

# The closet's prices, outfit budgets and totals are in won.
CLOSET_CURRENCY = "KRW"


class Status(models.TextChoices):
    # The same values as the closet's items: wardrobe.claims works on both.
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Analysing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ProcessedPhoto(models.Model):
    """The columns a processing worker's claim needs (wardrobe.claims)."""

    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(_("category"), max_length=32, blank=True,
                                choices=[(c.code, c.label) for c in taxonomy.CATEGORIES])
    group = models.CharField(_("group"), max_length=16, blank=True)
    colors = models.JSONField(_("colours"), default=list, blank=True)
    phash = models.BigIntegerField(null=True, blank=True)
    embedding = models.BinaryField(null=True, blank=True)  # float16, L2-normalised
    embedding_version = models.CharField(max_length=80, blank=True)
    model_versions = models.JSONField(default=dict, blank=True)  # step -> "model@version"

    class Meta:
        abstract = True

    @property
    def category_term(self):
        return taxonomy.CATEGORY_BY_CODE.get(self.category)


def product_media_path(product: "Product", filename: str) -> str:
    return f"products/{product.id}/{uuid.uuid4().hex[:10]}-{filename}"


class Product(ProcessedPhoto):
    """A shop's product: nobody's item, seen by every signed-in person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    shop = models.CharField(_("shop"), max_length=80)
    sku = models.CharField(_("SKU"), max_length=120)
    name = models.CharField(_("name"), max_length=300)
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CLOSET_CURRENCY)
    url = models.URLField(_("product page"), max_length=1000)
    image_source = models.CharField(max_length=1000)  # the feed's path or URL, to see when it changes
    image_digest = models.CharField(max_length=64, blank=True)  # sha256 of the fetched bytes
    original = models.FileField(upload_to=product_media_path, max_length=255)
    thumb_small = models.FileField(upload_to=product_media_path, max_length=255, blank=True)
    cutout = models.FileField(upload_to=product_media_path, max_length=255, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    # Not in the shop's latest full feed (sold out, discontinued): not suggested, kept so a
    # feed that lists it again brings it back with its analysis.
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["shop", "name"]
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="one_product_per_shop_sku")]
        indexes = [models.Index(fields=["status", "enqueued_at"]), models.Index(fields=["hidden", "embedding_version"]),
                   models.Index(fields=["phash"])]

    def __str__(self):
        return f"{self.shop}: {self.name}"

    @property
    def suggestable(self) -> bool:
        return not self.hidden and not self.withdrawn and self.status == Status.READY


def search_media_path(search: "ShopSearch", filename: str) -> str:
    return f"searches/{search.owner_id}/{uuid.uuid4().hex}-{filename}"


class ShopSearch(ProcessedPhoto):
    """"Find it in the shop" for a photo that is not in the closet: the photo is kept only
    until the worker has analysed it, the row only a day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_searches")
    photo = models.FileField(upload_to=search_media_path, max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "enqueued_at"])]
