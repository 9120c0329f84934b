"""Which picture of an item a grid, strip or collage shows: {% item_thumb item %}."""

from django import template
from django.urls import reverse

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
                return reverse("item-media", args=[item.pk, kind])
    return reverse("item-media", args=[item.pk, "small"])
