from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wardrobe.catalog import services
from wardrobe.catalog.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "name", "brand", "shop", "sku", "price", "currency", "category", "status", "hidden")
    list_filter = ("shop", "status", "hidden", "group")
    search_fields = ("name", "brand", "sku")
    readonly_fields = ("category", "group", "colors", "model_versions", "status", "failure_reason", "processed_at")
    exclude = ("embedding", "claim_token", "heartbeat_at", "enqueued_at", "phash")
    actions = ["hide", "show"]

    @admin.display(description=_("photo"))
    def thumbnail(self, product):
        if not product.thumb_small:
            return "—"
        return format_html('<img src="{}" alt="" style="height:64px;border-radius:4px">',
                           reverse("admin-product-media", args=[product.pk]))

    @admin.action(description=_("Hide from people"))
    def hide(self, request, queryset):
        self.message_user(request, _("%(count)d hidden.") % {"count": services.set_hidden(products=queryset, hidden=True)})

    @admin.action(description=_("Show to people"))
    def show(self, request, queryset):
        self.message_user(request, _("%(count)d shown.") % {"count": services.set_hidden(products=queryset, hidden=False)})
