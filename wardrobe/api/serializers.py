"""What the API reads and writes. Input limits come from the page forms' fields and the
same vocabularies (inference.taxonomy), so the API and the pages accept the same values;
what a change does is the services' business."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inference import taxonomy
from wardrobe import outfits
from wardrobe.forms import ItemForm, RecommendForm
from wardrobe.models import Item, Outfit, Prediction, RecommendationRequest
from wardrobe.media import MEDIA_KINDS, versioned

ITEM_FORM = ItemForm.base_fields
RECOMMEND_FORM = RecommendForm.base_fields
# The vocabularies as the models' fields name them, so the schema has one enum for each.
CATEGORY_CHOICES = taxonomy.choices(taxonomy.CATEGORIES)
COLOR_CHOICES = taxonomy.choices(taxonomy.COLORS)
PATTERN_CHOICES = taxonomy.choices(taxonomy.PATTERNS)
SEASON_CHOICES = taxonomy.choices(taxonomy.SEASONS)
STYLE_CHOICES = taxonomy.choices(taxonomy.STYLES)


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def media_url(context, item: Item, kind: str) -> str | None:
    """The API's own media URL (a token opens it; the pages' URLs want a session)."""
    stored = getattr(item, MEDIA_KINDS[kind])
    if not stored:
        return None
    return _absolute(context, versioned(reverse("api:item-media", args=[item.pk, kind]), stored.name))


class ColorSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="A colour code of the closet's vocabulary.")
    en = serializers.CharField(required=False)
    ko = serializers.CharField(required=False)
    hex = serializers.CharField()
    share = serializers.FloatField(allow_null=True, help_text="Its share of the garment, when the model measured it.")


class DefectSerializer(serializers.Serializer):
    type = serializers.CharField()
    confidence = serializers.FloatField()
    box = serializers.ListField(child=serializers.FloatField(), help_text="[x0, y0, x1, y1] as fractions of the photo.")


class ItemSummarySerializer(serializers.ModelSerializer):
    """An item as the closet grid shows it (the grid's columns only)."""

    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    colors = ColorSerializer(many=True, read_only=True)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", read_only=True, allow_null=True,
                                         help_text="An earlier item of yours that looks like the same garment.")

    class Meta:
        model = Item
        fields = ["id", "url", "status", "failure_reason", "category", "group", "category_confidence", "colors",
                  "grade", "original_name", "created_at", "status_changed_at", "duplicate_of", "thumbnail"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item) -> str:
        return _absolute(self.context, reverse("api:item", args=[item.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail(self, item):
        return media_url(self.context, item, "small")


class PredictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Prediction
        fields = ["step", "model_name", "model_version", "confidence", "duration_ms"]


class ItemSerializer(ItemSummarySerializer):
    """An item with everything the item page shows."""

    seasons = serializers.SerializerMethodField()
    styles = serializers.SerializerMethodField()
    defects = DefectSerializer(many=True, read_only=True)
    media = serializers.SerializerMethodField()
    cost_per_wear = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    predictions = PredictionSerializer(many=True, read_only=True)

    class Meta(ItemSummarySerializer.Meta):
        fields = ItemSummarySerializer.Meta.fields + [
            "processed_at", "pattern", "pattern_confidence", "seasons", "styles", "brand", "size", "purchase_price", "purchase_date", "notes",
            "available", "wear_count", "last_worn_on", "cost_per_wear", "caption_ko", "caption_en", "garment_box",
            "defects", "grade_probabilities", "user_edited_fields", "media", "predictions"]
        read_only_fields = fields

    def get_seasons(self, item) -> list[str]:
        return [term.code for term in item.seasons]

    def get_styles(self, item) -> list[str]:
        return [term.code for term in item.styles]

    @extend_schema_field({"type": "object", "properties": {
        kind: {"type": "string", "format": "uri", "nullable": True} for kind in MEDIA_KINDS}})
    def get_media(self, item):
        return {kind: media_url(self.context, item, kind) for kind in MEDIA_KINDS}


def _text(name: str) -> serializers.CharField:
    return serializers.CharField(max_length=ITEM_FORM[name].max_length, required=False, allow_blank=True)


class DistinctChoicesField(serializers.ListField):
    """A list of codes, each at most once (as the page's ticks send them), in the order given."""

    def to_internal_value(self, data):
        return list(dict.fromkeys(super().to_internal_value(data)))


def _choices_list(choices) -> DistinctChoicesField:
    return DistinctChoicesField(child=serializers.ChoiceField(choices=choices), required=False)


class StrictFloatField(serializers.FloatField):
    """A number; true and false are not numbers (DRF's FloatField reads true as 1.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ItemEditSerializer(serializers.Serializer):
    """A partial edit: only the fields sent change, and from then on they are the owner's
    (later analyses leave them alone). An empty grade leaves the model's; an empty caption
    goes back to the composed one."""

    category = serializers.ChoiceField(choices=CATEGORY_CHOICES, required=False, allow_blank=True)
    colors = _choices_list(COLOR_CHOICES)
    pattern = serializers.ChoiceField(choices=PATTERN_CHOICES, required=False, allow_blank=True)
    seasons = _choices_list(SEASON_CHOICES)
    styles = _choices_list(STYLE_CHOICES)
    brand = _text("brand")
    size = _text("size")
    purchase_price = serializers.DecimalField(
        max_digits=ITEM_FORM["purchase_price"].max_digits, decimal_places=ITEM_FORM["purchase_price"].decimal_places,
        min_value=ITEM_FORM["purchase_price"].min_value, required=False, allow_null=True)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    notes = _text("notes")
    grade = serializers.ChoiceField(choices=Item.Grade.choices, required=False, allow_blank=True)
    caption_ko = _text("caption_ko")
    caption_en = _text("caption_en")
    available = serializers.BooleanField(required=False, help_text="Off while it is in the laundry: outfits leave it out.")


class UploadSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), help_text="One or more photos (multipart).")


class RejectedSerializer(serializers.Serializer):
    name = serializers.CharField()
    reason = serializers.CharField()


class UploadResultSerializer(serializers.Serializer):
    items = ItemSummarySerializer(many=True)
    rejected = RejectedSerializer(many=True)
    queue_unavailable = serializers.BooleanField(
        help_text="The photos are stored; analysis starts by itself when the processing queue is back.")


class StorageUnavailableSerializer(serializers.Serializer):
    detail = serializers.CharField()
    items = ItemSummarySerializer(many=True, help_text="Photos of this upload stored before the storage went away.")


class ItemStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "status", "failure_reason", "status_changed_at"]
        read_only_fields = fields


# --- Outfits -----------------------------------------------------------------------------------

class OutfitEntrySerializer(serializers.Serializer):
    """One slot: an item of yours, or a product from the shop."""

    slot = serializers.CharField()
    item = serializers.SerializerMethodField()
    product = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "id": {"type": "string", "format": "uuid"}, "url": {"type": "string", "format": "uri"},
        "category": {"type": "string"}, "group": {"type": "string"},
        "colors": {"type": "array", "items": {"type": "object"}}, "caption_ko": {"type": "string"},
        "caption_en": {"type": "string"}, "purchase_price": {"type": "string", "nullable": True},
        "thumbnail": {"type": "string", "format": "uri", "nullable": True},
        "cutout": {"type": "string", "format": "uri", "nullable": True}}})
    def get_item(self, entry):
        item = entry.item if entry.item_id else None
        if item is None:
            return None
        return {"id": str(item.pk), "url": _absolute(self.context, reverse("api:item", args=[item.pk])),
                "category": item.category, "group": item.group, "colors": item.colors,
                "caption_ko": item.caption_ko, "caption_en": item.caption_en,
                "purchase_price": None if item.purchase_price is None else str(item.purchase_price),
                "thumbnail": media_url(self.context, item, "small"), "cutout": media_url(self.context, item, "cutout")}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "price": {"type": "string"},
        "currency": {"type": "string"}, "url": {"type": "string", "format": "uri"}, "category": {"type": "string"}}})
    def get_product(self, entry):
        if not entry.product_id:
            return None
        product = entry.product
        return {"id": str(product.pk), "name": product.name, "price": str(product.price),
                "currency": product.currency, "url": product.url, "category": product.category}


class OutfitSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    request = serializers.UUIDField(source="request_id", read_only=True, allow_null=True)
    entries = OutfitEntrySerializer(many=True, read_only=True)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Outfit
        fields = ["id", "url", "name", "saved", "feedback", "score", "terms", "explanation", "hashtags",
                  "source", "request", "created_at", "price", "entries"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, outfit) -> str:
        return _absolute(self.context, reverse("api:outfit", args=[outfit.pk]))


class OutfitEditSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, help_text="Naming an outfit also saves it.")
    saved = serializers.BooleanField(required=False)


class FeedbackSerializer(serializers.Serializer):
    liked = serializers.BooleanField(help_text="true: like, false: dislike; the other one replaces it.")


class RecommendationRequestSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationRequest
        fields = ["id", "url", "status", "message", "created_at", "finished_at", "style", "occasion", "season",
                  "temperature", "precipitation", "budget", "count", "shop_items"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, made) -> str:
        return _absolute(self.context, reverse("api:recommendation", args=[made.pk]))


class RecommendationSerializer(RecommendationRequestSerializer):
    outfits = serializers.SerializerMethodField()

    class Meta(RecommendationRequestSerializer.Meta):
        fields = RecommendationRequestSerializer.Meta.fields + ["outfits"]
        read_only_fields = fields

    @extend_schema_field(OutfitSerializer(many=True))
    def get_outfits(self, made):
        from wardrobe import selectors

        return OutfitSerializer(selectors.outfits_of_request(made), many=True, context=self.context).data


class RecommendSerializer(serializers.Serializer):
    """What to recommend for; the season comes from today's date unless given."""

    style = serializers.ChoiceField(choices=STYLE_CHOICES)
    occasion = serializers.ChoiceField(choices=RecommendationRequest.Occasion.choices, default="daily")
    season = serializers.ChoiceField(choices=SEASON_CHOICES, default="", allow_blank=True)
    temperature = StrictFloatField(min_value=RECOMMEND_FORM["temperature"].min_value,
                                         max_value=RECOMMEND_FORM["temperature"].max_value,
                                         allow_null=True, default=None, help_text="°C")
    precipitation = serializers.ChoiceField(choices=RecommendationRequest.Precipitation.choices, default="",
                                            allow_blank=True)
    budget = serializers.DecimalField(max_digits=RECOMMEND_FORM["budget"].max_digits, decimal_places=0,
                                      min_value=RECOMMEND_FORM["budget"].min_value,
                                      allow_null=True, default=None, help_text="What the outfit's items may cost.")
    count = serializers.IntegerField(min_value=RECOMMEND_FORM["count"].min_value,
                                     max_value=RECOMMEND_FORM["count"].max_value, default=3)
    shop_items = serializers.IntegerField(min_value=0, max_value=outfits.MAX_SHOP_ITEMS, default=0,
                                          help_text="Shop products an outfit may include (0: only your closet).")


# --- Shop and pairings -------------------------------------------------------------------------

class ProductSerializer(serializers.Serializer):
    """A shop's product (nobody's item)."""

    id = serializers.UUIDField()
    shop = serializers.CharField()
    name = serializers.CharField()
    brand = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    url = serializers.URLField(help_text="The product's page in its shop.")
    category = serializers.CharField()
    group = serializers.CharField()
    similarity = serializers.FloatField(required=False, help_text="Cosine to the item asked about, when ranked.")


class PairedItemSerializer(serializers.Serializer):
    item = ItemSummarySerializer()
    score = serializers.FloatField(help_text="The outfit scorer's score of the pair.")


class PairingSlotSerializer(serializers.Serializer):
    slot = serializers.CharField()
    items = PairedItemSerializer(many=True)


class PairingsSerializer(serializers.Serializer):
    by_slot = PairingSlotSerializer(many=True)
    look = ItemSummarySerializer(many=True, help_text="The best outfit around the item, the item included.")
    look_explanation = serializers.DictField(child=serializers.CharField())
    shop = ProductSerializer(many=True, help_text="Products that would complete the look.")

    @staticmethod
    def of(pairings) -> dict:
        return {"by_slot": [{"slot": slot, "items": [{"item": item, "score": score} for item, score in scored]}
                            for slot, scored in pairings.by_slot],
                "look": [piece.item for piece in pairings.look], "look_explanation": pairings.look_explanation,
                "shop": pairings.shop}
