"""My page's access tokens: make one (its secret shown this once), revoke one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import tokens


class AccessTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=80,
                           help_text=gettext_lazy("Where it will be used, e.g. “phone” or “backup script”."))


@login_required
@require_POST
@never_cache
def create_token(request):
    form = AccessTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name of at most 80 characters."))
        return redirect(reverse("my-page") + "#access-tokens")
    try:
        token, secret = tokens.create_token(user=request.user, name=form.cleaned_data["name"])
    except tokens.TokenRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(reverse("my-page") + "#access-tokens")
    # Rendered, not redirected: the secret is never stored, in the session or anywhere else.
    # never_cache: no browser or proxy keeps the page.
    return render(request, "accounts/access_token_created.html", {"token": token, "secret": secret}, status=201)


@login_required
@require_POST
def revoke_token(request, token_id):
    if not tokens.revoke_token(user=request.user, token_id=token_id):
        raise Http404("no such token")
    messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect(reverse("my-page") + "#access-tokens")
