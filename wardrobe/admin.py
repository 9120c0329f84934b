from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from wardrobe import selectors, services
from wardrobe.views import MEDIA_KINDS
from wardrobe.media import stored_file_response
from wardrobe.models import Item, Prediction, ReviewQueueItem

# With calibrated confidences (inference/weights/garment/MODEL_CARD.md) 0.95 and above is rarely wrong.
CONFIDENT = 0.95


class ConfidenceBandFilter(admin.SimpleListFilter):
    title = _("model confidence")
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return [
            ("low", _("low (below the review threshold)")),
            ("medium", _("medium")),
            ("high", _("high (%(value)s and above)") % {"value": CONFIDENT}),
            ("none", _("none yet")),
        ]

    def queryset(self, request, queryset):
        threshold = settings.REVIEW_CONFIDENCE_THRESHOLD
        return {
            "low": lambda: queryset.filter(category_confidence__lt=threshold),
            "medium": lambda: queryset.filter(category_confidence__gte=threshold, category_confidence__lt=CONFIDENT),
            "high": lambda: queryset.filter(category_confidence__gte=CONFIDENT),
            "none": lambda: queryset.filter(category_confidence__isnull=True),
        }.get(self.value(), lambda: queryset)()


class ModelVersionFilter(admin.SimpleListFilter):
    title = _("garment model version")
    parameter_name = "garment_model"

    def lookups(self, request, model_admin):
        return [(version, version) for version in selectors.garment_model_versions()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(predictions__step="garment", predictions__model_version=self.value())
        return queryset


class PredictionInline(admin.TabularInline):
    model = Prediction
    extra = 0
    can_delete = False
    fields = ("step", "model_name", "model_version", "confidence", "duration_ms", "value", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "category", "status", "confidence", "grade", "caption", "owner", "reviewed_category",
                    "created_at")
    list_filter = ("status", "category", "pattern", ConfidenceBandFilter, ModelVersionFilter,
                   ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("id", "owner__username", "owner__nickname", "notes", "brand", "caption_en", "caption_ko", "original_name")
    list_select_related = ("owner",)
    list_per_page = 50
    actions = ("reprocess", "mark_reviewed")
    inlines = (PredictionInline,)
    fields = (
        "photo", "owner", "status", "failure_reason", "attempts", "category", "category_confidence",
        "reviewed_category", "grade", "grade_probabilities", "reviewed_grade", "defect_boxes",
        "reviewed_by", "reviewed_at", "colors", "pattern", "pattern_confidence", "season_mask", "style_mask",
        "brand", "size", "notes", "caption_ko", "caption_en", "user_edited_fields", "duplicate_of", "embedding_version",
        "created_at", "processed_at",
    )

    def get_readonly_fields(self, request, obj=None):
        # Only the reviewed labels are edited here; everything else goes through the owner or the models.
        return [name for name in self.fields if name not in ("reviewed_category", "reviewed_grade")]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("photo"))
    def thumbnail(self, item):
        if not item.thumb_small:
            return "—"
        url = reverse("admin:wardrobe_item_media", args=[item.pk, "small"])
        return format_html('<img src="{}" style="height:64px;width:48px;object-fit:cover;border-radius:4px" alt="">', url)

    @admin.display(description=_("photo"))
    def photo(self, item):
        if not item.thumb_medium:
            return "—"
        url = reverse("admin:wardrobe_item_media", args=[item.pk, "medium"])
        return format_html('<img src="{}" style="max-height:320px;border-radius:6px" alt="">', url)

    @admin.display(description=_("caption"))
    def caption(self, item):
        return item.caption_ko or item.caption_en or "—"

    @admin.display(description=_("confidence"), ordering="category_confidence")
    def confidence(self, item):
        return "—" if item.category_confidence is None else f"{item.category_confidence:.2f}"

    @admin.display(description=_("stains and damage"))
    def defect_boxes(self, item):
        if not item.defects:
            return "—"
        # The change page is one form already: each button posts it (with its CSRF token) elsewhere.
        rows = format_html_join("", '<li>{} {} <button type="submit" formaction="{}" formmethod="post">{}</button></li>', (
            (d["type"], f'{d["confidence"]:.2f}', reverse("admin:wardrobe_item_remove_defect", args=[item.pk, index])
             + f"?box={services.defect_key(d)}", _("remove"))
            for index, d in enumerate(item.defects)))
        return format_html("<ul>{}</ul>", rows)

    def save_model(self, request, obj, form, change):
        if "reviewed_category" in form.changed_data and obj.reviewed_category:
            services.review_item(item=obj, reviewer=request.user, category=obj.reviewed_category)
        if "reviewed_grade" in form.changed_data and obj.reviewed_grade:
            services.review_grade(item=obj, reviewer=request.user, grade=obj.reviewed_grade)

    @admin.action(description=_("Reprocess with the current models"), permissions=["change"])
    def reprocess(self, request, queryset):
        count = services.reprocess_items(items=list(queryset))
        self.message_user(request, _("%(count)d items queued.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Mark reviewed (the category is right)"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = services.mark_reviewed(items=list(queryset), reviewer=request.user)
        self.message_user(request, _("%(count)d items marked reviewed.") % {"count": count}, messages.SUCCESS)

    # Deleting takes the item's photos from storage too (the admin's own delete left them).
    def delete_model(self, request, obj):
        services.delete_item(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            services.delete_item(item=item)

    def get_urls(self):
        return [
            path("<uuid:item_id>/media/<slug:kind>/", self.admin_site.admin_view(self.media_view),
                 name="wardrobe_item_media"),
            path("<uuid:item_id>/defects/<int:index>/remove/", self.admin_site.admin_view(self.remove_defect_view),
                 name="wardrobe_item_remove_defect"),
        ] + super().get_urls()

    def remove_defect_view(self, request, item_id, index):
        if request.method != "POST" or not self._may(request, "change"):
            raise Http404
        item = get_object_or_404(Item, pk=item_id)
        try:
            services.remove_defect(item=item, index=index, reviewer=request.user, key=request.GET.get("box", ""))
        except services.BoxChanged as changed:
            self.message_user(request, str(changed), messages.WARNING)
            return redirect(reverse("admin:wardrobe_item_change", args=[item.pk]))
        except ValueError:
            raise Http404
        self.message_user(request, _("Box removed; it is a reviewed label now."), messages.SUCCESS)
        return redirect(reverse("admin:wardrobe_item_change", args=[item.pk]))

    def _may(self, request, action: str) -> bool:
        """The item pages' permission, or the review queue's (its thumbnails and buttons come here)."""
        return (getattr(self, f"has_{action}_permission")(request)
                or request.user.has_perm(f"wardrobe.{action}_reviewqueueitem"))

    def media_view(self, request, item_id, kind):
        """Staff see any item's photos; the public media view serves owners only."""
        if not self._may(request, "view"):
            raise Http404
        if kind not in MEDIA_KINDS:
            raise Http404
        item = get_object_or_404(Item.objects.only("id", MEDIA_KINDS[kind]), pk=item_id)
        return stored_file_response(getattr(item, MEDIA_KINDS[kind]).name)


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(ItemAdmin):
    """Failed items and unsure predictions, oldest first; set the right category to review one."""

    list_display = ("thumbnail", "category", "confidence", "status", "failure_reason", "reviewed_category", "owner", "created_at")
    list_editable = ("reviewed_category",)
    list_filter = ("status", "category", ModelVersionFilter)
    ordering = ("created_at",)

    def get_queryset(self, request):
        return selectors.review_queue().select_related("owner")

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)
