from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm, SignupForm
from accounts.models import User


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in User.Language.values else User.Language.KOREAN
        user = services.create_user(
            username=data["username"], email=data["email"], password=data["password1"],
            nickname=data["nickname"], language=language,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome, %(nickname)s! Add your first clothes.") % {"nickname": user.nickname})
        return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def my_page(request):
    user = request.user
    form = ProfileForm(request.POST or None, user=user, initial={
        "nickname": user.nickname, "email": user.email, "language": user.language, "city": user.city,
        "show_photos": user.show_photos,
    })
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return redirect("my-page")
    return render(request, "accounts/my_page.html", {"form": form})


@require_POST
def set_language(request):
    """Switches the page language; for a signed-in user it is saved to the profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language in dict(settings.LANGUAGES):
        services.set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
