"""Your data: export, import, today's outfit settings, deleting the account, and the mail's
one-click links. Thin: the work is in wardrobe.portability, wardrobe.daily, wardrobe.oneclick
and accounts.services."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as account_services
from accounts import throttling
from wardrobe import daily, oneclick, portability
from wardrobe.data_forms import DeleteAccountForm, ImportForm, daily_form_for
from wardrobe.media import stored_file_response
from wardrobe.models import ClosetExport, ClosetImport
from wardrobe.views import is_htmx, safe_next

RECENT = 5
REPORT_LABELS = {
    "items": gettext_lazy("items"), "predictions": gettext_lazy("model predictions"),
    "recommendation_requests": gettext_lazy("recommendation requests"), "outfits": gettext_lazy("outfits"),
    "outfit_feedback": gettext_lazy("likes and dislikes"), "wears": gettext_lazy("wear log entries"),
    "lookbooks": gettext_lazy("lookbooks"), "outfit_plans": gettext_lazy("outfit plans"),
    "cleanout_decisions": gettext_lazy("cleanout decisions"),
}



def _page(request, *, daily_form=None, import_form=None, status=200):
    user = request.user
    return render(request, "wardrobe/data/my_data.html", {
        "imports": ClosetImport.objects.filter(owner=user)[:RECENT],
        "daily_form": daily_form or daily_form_for(user), "import_form": import_form or ImportForm(),
        "deliveries": user.daily_deliveries.all()[:RECENT], "now": timezone.now(),
    }, status=status)


@login_required
@require_GET
def my_data(request):
    return _page(request)


@login_required
@require_GET
def export_panel(request):
    """My page's "download my closet" box (htmx; polls while an export is being made)."""
    latest = ClosetExport.objects.filter(owner=request.user).first()
    return render(request, "wardrobe/data/_export_panel.html", {"export": latest, "now": timezone.now()})


@login_required
@require_POST
def export_start(request):
    export = portability.start_export(owner=request.user)
    if is_htmx(request):
        return render(request, "wardrobe/data/_export_panel.html", {"export": export, "now": timezone.now()})
    messages.success(request, _("Your closet is being packed; the link appears here when it is ready."))
    return redirect(safe_next(request, "my-data"))  # My page or the data page


@login_required
@require_GET
def export_download(request, export_id):
    export = get_object_or_404(ClosetExport.objects.filter(owner=request.user), pk=export_id)
    if not portability.downloadable(export):
        return render(request, "wardrobe/data/message.html", {
            "message": _("This download has expired or is not ready; ask for a new one.")}, status=410)
    day = timezone.localdate(export.finished_at).isoformat()
    return stored_file_response(export.file.name, download_name=f"closet-{request.user.username}-{day}.zip")


@login_required
@require_POST
def import_start(request):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form, status=400)
    try:
        job = portability.start_import(owner=request.user, upload=form.cleaned_data["archive"],
                                       rerun_models=form.cleaned_data["rerun_models"])
    except portability.ImportRefused as refusal:
        form.add_error("archive", refusal.message)
        return _page(request, import_form=form, status=400)
    return redirect("import-detail", import_id=job.pk)


@login_required
@require_GET
def import_detail(request, import_id):
    job = get_object_or_404(ClosetImport.objects.filter(owner=request.user), pk=import_id)
    template = "wardrobe/data/_import_report.html" if is_htmx(request) else "wardrobe/data/import_detail.html"

    def counted(bucket):
        return [(REPORT_LABELS.get(name, name), count) for name, count in job.report.get(bucket, {}).items() if count]

    return render(request, template, {"job": job, "created": counted("created"), "skipped": counted("skipped")})


@login_required
@require_POST
def daily_settings(request):
    form = daily_form_for(request.user, request.POST)
    if not form.is_valid():
        return _page(request, daily_form=form, status=400)
    daily.update_subscription(owner=request.user, **form.cleaned_data)
    messages.success(request, _("Today's outfit: saved."))
    return redirect(safe_next(request, "my-data"))  # My page or the data page


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None)
    address = request.META.get("REMOTE_ADDR", "")
    if request.method == "POST" and form.is_valid():
        user = request.user
        if throttling.is_locked(username=user.username, address=address):
            form.add_error("password", _("Too many failed attempts. Wait a few minutes and try again."))
        elif account_services.request_account_deletion(user=user, password=form.cleaned_data["password"]) is None:
            throttling.record_failure(username=user.username, address=address)
            form.add_error("password", _("That is not your password."))
        else:
            logout(request)
            return redirect("account-deleted")
    return render(request, "wardrobe/data/account_delete.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
def account_deleted(request):
    return render(request, "wardrobe/data/message.html", {"message": _(
        "Your account is being deleted, with every item, photo and outfit in it. "
        "A confirmation mail follows when it is done.")})


@require_http_methods(["GET", "POST"])
def one_click(request, purpose, token):
    """A mail's "wore it", "like" or "dislike": no login, that one action only. Opening the
    link asks (mail scanners open links too); the button does it."""
    if purpose not in oneclick.PURPOSES:
        raise Http404
    try:
        if request.method == "POST":
            used = oneclick.use(purpose=purpose, token=token)
            outfit, on, already_used = used.outfit, None, not used.first_time
        else:
            link = oneclick.check(purpose=purpose, token=token)
            outfit, on, already_used = link.outfit, link.on, link.used
    except oneclick.LinkExpired:
        return render(request, "wardrobe/data/message.html", {"message": _(
            "This link has expired. Open the outfit in the app instead.")}, status=410)
    except oneclick.LinkInvalid:
        return render(request, "wardrobe/data/message.html", {"message": _(
            "This link is not valid.")}, status=400)
    with translation.override(outfit.owner.language):  # the mail's language
        if already_used:
            response = render(request, "wardrobe/data/message.html",
                              {"message": _("This link was used already; nothing changed.")})
        elif request.method == "POST":
            response = render(request, "wardrobe/data/message.html", {"message": {
                "wear": _("Logged as worn that day."),
                "like": _("Thanks: you like this outfit."),
                "dislike": _("Thanks: outfits like this one will come less often.")}[purpose]})
        else:
            response = render(request, "wardrobe/data/one_click.html", {
                "purpose": purpose, "outfit": outfit, "on": on})
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    response["X-Robots-Tag"] = "noindex"
    return response
