"""Photo URLs for pages: {% item_media item "medium" %}, {% product_media product "small" %}, and
which picture of an item a grid, strip or collage shows: {% item_thumb item %}. Each URL names
the file's version, so a photo analysed again is fetched again."""

from django import template
from django.urls import reverse

from wardrobe.media import MEDIA_KINDS, PRODUCT_MEDIA, versioned

register = template.Library()


@register.simple_tag(takes_context=True)
def item_thumb(context, item, *, cutout: bool | None = None) -> str:
    """The item's small cut-out unless the person keeps photos (`cutout` decides instead when
    given); items processed before small cut-outs existed fall back to the large one."""
    if cutout is None:
        cutout = not getattr(context.get("user"), "show_photos", False)
    if cutout:
        for field, kind in (("cutout_small", "cutout-small"), ("cutout", "cutout")):
            if getattr(item, field):
                return item_media(item, kind)
    return item_media(item, "small")


def _name(stored) -> str:
    """A file field's stored name (summaries built from .values() hold the name itself)."""
    return getattr(stored, "name", stored) or ""


@register.simple_tag
def item_media(item, kind: str) -> str:
    return versioned(reverse("item-media", args=[item.pk, kind]), _name(getattr(item, MEDIA_KINDS[kind])))


@register.simple_tag
def product_media(product, kind: str) -> str:
    return versioned(reverse("product-media", args=[product.pk, kind]), _name(getattr(product, PRODUCT_MEDIA[kind])))
