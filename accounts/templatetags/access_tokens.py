from django import template

from accounts import tokens
from accounts.token_views import AccessTokenForm

register = template.Library()


@register.inclusion_tag("accounts/_access_tokens.html", takes_context=True)
def access_tokens(context):
    """My page's token section: the live tokens, and a form to make one."""
    return {"tokens": list(tokens.active_tokens(context["request"].user)), "form": AccessTokenForm(),
            "csrf_token": context.get("csrf_token")}
