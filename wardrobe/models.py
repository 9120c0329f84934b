import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inference import taxonomy


def media_path(instance: "Item", filename: str) -> str:
    # A random part per file: a reprocessed image gets a new name, so no cache serves the old one.
    return f"items/{instance.owner_id}/{instance.id}/{uuid.uuid4().hex[:10]}-{filename}"


def effective_grade(*, grade: str, reviewed_grade: str, user_edited_fields) -> str:
    """The grade outfits, cleanout and insights go by: the owner's choice is theirs; else an
    admin's review; else the model's."""
    if "grade" in (user_edited_fields or ()):
        return grade
    return reviewed_grade or grade


class Item(models.Model):
    class Grade(models.TextChoices):
        REUSE = "reuse", _("Reuse")
        RECYCLE = "recycle", _("Recycle")
        DISPOSE = "dispose", _("Dispose")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # Fields a person can set; once they do, model results leave them alone.
    EDITABLE_FIELDS = (
        "category", "colors", "pattern", "seasons", "styles", "brand", "size",
        "purchase_price", "purchase_date", "notes", "grade", "defects", "caption_ko", "caption_en",
    )
    MEDIA_FIELDS = ("original", "image", "thumb_small", "thumb_medium", "cutout", "cutout_small", "mask")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="items")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Processing
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)  # the claiming worker's last beat
    # When the processing task was sent; empty while it waits in the outbox (broker away).
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)

    # Media
    original_name = models.CharField(max_length=255, blank=True)
    original = models.FileField(upload_to=media_path, max_length=255)
    image = models.FileField(upload_to=media_path, max_length=255, blank=True)
    thumb_small = models.FileField(upload_to=media_path, max_length=255, blank=True)
    thumb_medium = models.FileField(upload_to=media_path, max_length=255, blank=True)
    cutout = models.FileField(upload_to=media_path, max_length=255, blank=True)
    cutout_small = models.FileField(upload_to=media_path, max_length=255, blank=True)  # for grids and strips
    mask = models.FileField(upload_to=media_path, max_length=255, blank=True)
    stored_bytes = models.BigIntegerField(default=0, editable=False)  # all its files, for the owner's quota

    # What the garment is
    category = models.CharField(_("category"), max_length=32, blank=True,
                                choices=[(c.code, c.label) for c in taxonomy.CATEGORIES])
    group = models.CharField(_("group"), max_length=16, blank=True, editable=False,
                             choices=[(g.code, g.label) for g in taxonomy.GROUPS])
    category_confidence = models.FloatField(_("model confidence"), null=True, blank=True)
    colors = models.JSONField(_("colours"), default=list, blank=True)  # [{"name", "en", "ko", "hex", "share"}]
    color_mask = models.BigIntegerField(default=0, editable=False)
    pattern = models.CharField(_("pattern"), max_length=16, blank=True,
                               choices=[(p.code, p.label) for p in taxonomy.PATTERNS])
    pattern_confidence = models.FloatField(_("pattern confidence"), null=True, blank=True)
    season_mask = models.PositiveSmallIntegerField(default=0)
    style_mask = models.PositiveIntegerField(default=0)
    brand = models.CharField(_("brand"), max_length=80, blank=True)
    size = models.CharField(_("size"), max_length=20, blank=True)
    purchase_price = models.DecimalField(_("purchase price"), max_digits=12, decimal_places=2, null=True, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Off while it is in the laundry, lent out...: outfits leave it out.
    available = models.BooleanField(_("available"), default=True)
    # The owner's cleanout decision: sold, donated or recycled items leave recommendations.
    cleanout = models.CharField(_("cleanout decision"), max_length=8, blank=True, choices=[
        ("keep", _("Keep")), ("maybe", _("Maybe")), ("sell", _("Sell")), ("donate", _("Donate")),
        ("recycle", _("Recycle"))])
    wear_count = models.PositiveIntegerField(_("times worn"), default=0, editable=False)
    last_worn_on = models.DateField(_("last worn"), null=True, blank=True, editable=False)
    caption_ko = models.TextField(_("caption (Korean)"), blank=True)
    caption_en = models.TextField(_("caption (English)"), blank=True)
    garment_box = models.JSONField(null=True, blank=True)  # [x0, y0, x1, y1] as fractions
    garment_coverage = models.FloatField(null=True, blank=True, editable=False)  # the mask's share of the photo

    # Condition: stains and damage, and what to do with the garment
    defects = models.JSONField(_("stains and damage"), default=list, blank=True)  # [{"type", "confidence", "box"}]
    defect_count = models.PositiveSmallIntegerField(default=0, editable=False)
    defect_min_confidence = models.FloatField(null=True, blank=True, editable=False)  # the least sure box
    defects_reviewed = models.BooleanField(default=False, editable=False)  # an admin corrected the boxes
    grade = models.CharField(_("grade"), max_length=8, blank=True, choices=Grade.choices)
    grade_probabilities = models.JSONField(null=True, blank=True)  # {"reuse": p, "recycle": p, "dispose": p}
    grade_reason = models.JSONField(null=True, blank=True)  # inference.grade's reason parts
    reviewed_grade = models.CharField(_("reviewed grade"), max_length=8, blank=True, choices=Grade.choices)

    # Finding look-alikes
    phash = models.BigIntegerField(null=True, blank=True)
    embedding = models.BinaryField(null=True, blank=True)  # float16, L2-normalised
    embedding_version = models.CharField(max_length=80, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("looks like"))

    # Who said what
    user_edited_fields = models.JSONField(default=list, blank=True)
    reviewed_category = models.CharField(_("reviewed category"), max_length=32, blank=True,
                                         choices=[(c.code, c.label) for c in taxonomy.CATEGORIES])
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "group"]),
            models.Index(fields=["status", "status_changed_at"]),
            models.Index(fields=["status", "enqueued_at"]),
            models.Index(fields=["owner", "grade"]),
            models.Index(fields=["owner", "embedding_version", "processed_at"]),
        ]

    def __str__(self):
        return f"{self.category_term.en if self.category else 'item'} {str(self.id)[:8]}"

    DERIVED_COLUMNS = {"category": ("group",), "colors": ("color_mask",),
                       "defects": ("defect_count", "defect_min_confidence")}

    def save(self, *args, **kwargs):
        # Derived columns are kept in step here, the one place every write passes.
        self.group = taxonomy.group_of(self.category)
        self.color_mask = taxonomy.to_mask([c["name"] for c in self.colors], taxonomy.COLORS)
        self.defect_count = len(self.defects)
        self.defect_min_confidence = min((d["confidence"] for d in self.defects), default=None)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # Only the columns derived from what this save writes: the rest may be a worker's
            # newer result that this copy has not seen.
            written = set(update_fields)
            kwargs["update_fields"] = written | {"updated_at"} | {
                derived for source, columns in self.DERIVED_COLUMNS.items() if source in written for derived in columns}
        super().save(*args, **kwargs)

    @property
    def category_term(self):
        return taxonomy.CATEGORY_BY_CODE.get(self.category)

    @property
    def pattern_term(self):
        return taxonomy.PATTERN_BY_CODE.get(self.pattern)

    @property
    def seasons(self):
        return taxonomy.from_mask(self.season_mask, taxonomy.SEASONS)

    @property
    def styles(self):
        return taxonomy.from_mask(self.style_mask, taxonomy.STYLES)

    @property
    def color_terms(self):
        return [
            {"term": taxonomy.COLOR_BY_CODE[c["name"]], "hex": c["hex"], "share": c.get("share")}
            for c in self.colors if c["name"] in taxonomy.COLOR_BY_CODE
        ]

    @property
    def effective_grade(self) -> str:
        return effective_grade(grade=self.grade, reviewed_grade=self.reviewed_grade,
                               user_edited_fields=self.user_edited_fields)

    @property
    def cost_per_wear(self):
        if self.purchase_price is None or not self.wear_count:
            return None
        return self.purchase_price / self.wear_count

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.PROCESSING)

    @property
    def poll_interval_ms(self) -> int:
        """How often a page asks for this item's status: often while a photo is new (most
        are ready within a second), then less, so a long queue costs few requests."""
        from django.utils import timezone

        age = (timezone.now() - self.created_at).total_seconds()
        return 200 if age < 15 else 1000 if age < 60 else 3000

    def stored_files(self) -> list[str]:
        return [getattr(self, name).name for name in self.MEDIA_FIELDS if getattr(self, name)]


class Prediction(models.Model):
    """What one pipeline step said about an item, with the model that said it."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="predictions")
    step = models.CharField(max_length=32)
    model_name = models.CharField(max_length=80)
    model_version = models.CharField(max_length=80)
    value = models.JSONField()
    confidence = models.FloatField(null=True, blank=True)
    duration_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "step"], name="one_prediction_per_step")]
        indexes = [models.Index(fields=["step", "model_version"])]

    def __str__(self):
        return f"{self.step} {self.model_name}@{self.model_version}"


class ReviewQueueItem(Item):
    """The admins' review queue (see selectors.review_queue)."""

    class Meta:
        proxy = True
        verbose_name = _("item to review")
        verbose_name_plural = _("review queue")


class RecommendationRequest(models.Model):
    """One "recommend" with its options (the seed's recommendinfo), and its outfits."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Working")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Occasion(models.TextChoices):
        DAILY = "daily", _("Daily")
        WORK = "work", _("Work")
        DATE = "date", _("Date")
        EXERCISE = "exercise", _("Exercise")
        FORMAL_EVENT = "formal_event", _("Formal event")
        TRAVEL = "travel", _("Travel")

    class Precipitation(models.TextChoices):
        NONE = "", _("None")
        RAIN = "rain", _("Rain")
        SNOW = "snow", _("Snow")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendation_requests")
    created_at = models.DateTimeField(auto_now_add=True)
    style = models.CharField(_("style"), max_length=16, choices=[(s.code, s.label) for s in taxonomy.STYLES])
    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices, default=Occasion.DAILY)
    season = models.CharField(_("season"), max_length=8, choices=[(s.code, s.label) for s in taxonomy.SEASONS])
    temperature = models.FloatField(_("temperature (°C)"), null=True, blank=True)
    precipitation = models.CharField(_("rain or snow"), max_length=4, choices=Precipitation.choices, blank=True)
    weather_from_provider = models.BooleanField(default=False)
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=0, null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of outfits"), default=3)
    shop_items = models.PositiveSmallIntegerField(_("shop items per outfit"), default=0)
    seed = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)  # why fewer outfits than asked, or why it failed
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)  # empty: not sent yet (outbox)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "enqueued_at"])]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Outfit(models.Model):
    class Source(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended")
        MANUAL = "manual", _("Made by hand")

    class Feedback(models.TextChoices):
        NONE = "", ""
        LIKE = "like", _("Liked")
        DISLIKE = "dislike", _("Disliked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfits")
    request = models.ForeignKey(RecommendationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="outfits")
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.RECOMMENDED)
    name = models.CharField(_("name"), max_length=80, blank=True)
    rank = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(null=True, blank=True)
    terms = models.JSONField(default=dict, blank=True)  # the scorer's terms, each 0-1
    explanation = models.JSONField(default=dict, blank=True)  # {"ko": ..., "en": ...}
    hashtags = models.JSONField(default=dict, blank=True)  # {"ko": [...], "en": [...]}
    scorer_version = models.CharField(max_length=40, blank=True)
    saved = models.BooleanField(default=False)
    feedback = models.CharField(max_length=8, choices=Feedback.choices, blank=True)
    occasion = models.CharField(_("occasion"), max_length=16, blank=True)
    seasons = models.JSONField(_("seasons"), default=list, blank=True)  # season codes
    cloned_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    items = models.ManyToManyField(Item, through="OutfitItem", related_name="outfits")

    class Meta:
        ordering = ["rank", "-created_at"]
        indexes = [models.Index(fields=["owner", "saved", "-created_at"])]

    @property
    def price(self):
        prices = [entry.price for entry in self.entries.all() if entry.price is not None]
        return sum(prices) if prices else None


class OutfitItem(models.Model):
    """One slot of an outfit: an item of the owner's, or a product from the shop."""

    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.CASCADE, related_name="outfit_entries")
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="outfit_entries")
    slot = models.CharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outfit", "slot"], name="one_item_per_slot"),
            models.CheckConstraint(condition=models.Q(item__isnull=False) ^ models.Q(product__isnull=False),
                                   name="an_item_or_a_product"),
        ]

    @property
    def price(self):
        return self.product.price if self.product_id else self.item.purchase_price


class OutfitFeedback(models.Model):
    """A like or dislike, kept when the outfit is deleted: what the scorer learns from."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfit_feedback")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    liked = models.BooleanField()
    item_ids = models.JSONField()  # the outfit's items, as strings
    terms = models.JSONField()  # the outfit's score terms when it was judged

    class Meta:
        ordering = ["created_at", "pk"]


class Wear(models.Model):
    """An item worn on a day ("wore it today"), with the outfit it was worn in."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wears")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="wears")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.SET_NULL, related_name="wears")
    worn_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "worn_on"], name="one_wear_per_item_and_day")]
        indexes = [models.Index(fields=["owner", "worn_on"])]


class Lookbook(models.Model):
    """A named collection of outfits ("Summer", "Work trip")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lookbooks")
    name = models.CharField(_("name"), max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    outfits = models.ManyToManyField(Outfit, related_name="lookbooks", blank=True)

    class Meta:
        ordering = ["name"]


class OutfitPlan(models.Model):
    """An outfit planned for a day: it shows on the calendar."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfit_plans")
    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="plans")
    planned_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outfit", "planned_on"], name="one_plan_per_outfit_and_day")]
        indexes = [models.Index(fields=["owner", "planned_on"])]


class CleanoutDecision(models.Model):
    """What the owner decided about an item in the cleanout, with the reasons shown: history."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cleanout_decisions")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="cleanout_decisions")
    decision = models.CharField(max_length=8)
    reasons = models.JSONField(default=list)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]


# --- Your data: export, import, the daily outfit ------------------------------------------------

def export_path(instance: "ClosetExport", filename: str) -> str:
    return f"exports/{instance.owner_id}/{instance.id}/{filename}"


def import_path(instance: "ClosetImport", filename: str) -> str:
    return f"imports/{instance.owner_id}/{instance.id}/{uuid.uuid4().hex[:10]}.zip"


class ClosetExport(models.Model):
    """"Download my closet": a zip built in the background, downloadable by its owner until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="closet_exports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to=export_path, max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)  # empty: not sent yet (outbox)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "expires_at"])]


class ClosetImport(models.Model):
    """An archive uploaded on My page, restored into its owner's closet in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being imported")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="closet_imports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to=import_path, max_length=255, blank=True)  # deleted once read
    original_name = models.CharField(max_length=255, blank=True)
    rerun_models = models.BooleanField(default=False)
    report = models.JSONField(default=dict, blank=True)  # counts, bad rows with their line and reason
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "enqueued_at"])]


class DailyOutfitSubscription(models.Model):
    """"Today's outfit" by email and/or webhook at the owner's local hour (language: User.language)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_outfit")
    enabled = models.BooleanField(_("send me today's outfit"), default=False)
    hour = models.PositiveSmallIntegerField(_("hour"), default=7)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    by_email = models.BooleanField(_("by email"), default=True)
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    style = models.CharField(_("style"), max_length=16, default="casual",
                             choices=[(s.code, s.label) for s in taxonomy.STYLES])
    occasion = models.CharField(_("occasion"), max_length=16, default="daily",
                                choices=RecommendationRequest.Occasion.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["enabled", "time_zone", "hour"])]


class DailyDelivery(models.Model):
    """One owner's "today's outfit" for one local date: the row is claimed before anything is
    sent, so no scheduler or worker can send a second one for that day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Nothing to send")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_deliveries")
    local_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    request = models.ForeignKey(RecommendationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_status = models.CharField(max_length=8, blank=True)  # "", "sending", "sent", "failed"
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-local_date"]
        constraints = [models.UniqueConstraint(fields=["owner", "local_date"], name="one_daily_delivery_per_day")]
        indexes = [models.Index(fields=["status", "enqueued_at"])]


class OneClickUse(models.Model):
    """A one-click mail link that was used: the same link a second time changes nothing."""

    digest = models.CharField(max_length=64, unique=True)  # sha256 of the token
    purpose = models.CharField(max_length=16)
    used_at = models.DateTimeField(auto_now_add=True)


class AccountDeletion(models.Model):
    """An account deleted in the background (accounts.services): its files, then its rows,
    then a confirmation mail. No key to the user, who is gone at the end; the address is
    emptied once the confirmation is sent."""

    user_id = models.BigIntegerField(db_index=True)
    email = models.EmailField(blank=True)
    username = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=5, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_deleted = models.PositiveIntegerField(default=0)
