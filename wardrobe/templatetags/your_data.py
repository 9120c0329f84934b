from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("wardrobe/data/_your_data.html", takes_context=True)
def your_data(context, import_form=None, daily_form=None):
    """My page's "your data" section: download my closet, import a closet, today's outfit,
    delete the account (wardrobe/data_views.py handles the forms)."""
    from wardrobe.data_forms import ImportForm, daily_form_for
    from wardrobe.models import ClosetExport

    request = context["request"]
    return {"export": ClosetExport.objects.filter(owner=request.user).first(), "now": timezone.now(),
            "import_form": import_form or ImportForm(), "daily_form": daily_form or daily_form_for(request.user),
            "csrf_token": context.get("csrf_token"), "request": request}
