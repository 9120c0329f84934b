"""Outfit pages: ask for recommendations, watch them arrive, keep, rename, judge, wear."""

import calendar
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wardrobe import outfits, selectors, weather
from wardrobe.forms import OutfitNameForm, RecommendForm
from wardrobe.views import is_htmx, safe_next


def _weather_for(user):
    """(Weather or None, a message when the provider is on but gave nothing)."""
    if not weather.enabled():
        return None, ""
    if not user.city:
        return None, _("Add your city on My page to fill in today's weather.")
    try:
        return weather.current_weather(user.city), ""
    except weather.WeatherUnavailable:
        return None, _("Today's weather is not available right now: type the temperature yourself.")


@login_required
def recommend(request):
    if request.method == "POST":
        form = RecommendForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            made = outfits.request_recommendations(
                owner=request.user, style=data["style"], occasion=data["occasion"], season=data["season"],
                temperature=data["temperature"], precipitation=data["precipitation"], budget=data["budget"],
                count=data["count"], weather_from_provider=data["weather_from_provider"],
                shop_items=data["shop_items"] or 0)
            return redirect("recommendation-detail", request_id=made.pk)
        current, weather_message = None, ""
    else:
        current, weather_message = _weather_for(request.user)
        initial = {"season": "", "count": 3}
        if current:
            initial |= {"temperature": current.temperature, "precipitation": current.precipitation,
                        "weather_from_provider": True}
        form = RecommendForm(initial=initial)
    return render(request, "wardrobe/recommend.html",
                  {"form": form, "weather": current, "weather_message": weather_message,
                   "season_today": outfits.season_of(timezone.localdate())})


@login_required
@require_GET
def recommendation_detail(request, request_id):
    made = get_object_or_404(selectors.recommendation_requests(owner=request.user), pk=request_id)
    context = {"made": made, "outfits": selectors.outfits_of_request(made)}
    if is_htmx(request):
        if made.is_pending:
            return HttpResponse(status=204)  # nothing to swap yet: htmx polls again
        return render(request, "wardrobe/_recommendation_result.html", context)
    return render(request, "wardrobe/recommendation_detail.html", context)


@login_required
@require_GET
def recommendations(request):
    return render(request, "wardrobe/recommendations.html", {
        "requests": selectors.recent_requests(owner=request.user),
        "saved": selectors.saved_outfits(owner=request.user),
    })


def owned_outfit(request, outfit_id):
    return get_object_or_404(selectors.outfits_of(owner=request.user), pk=outfit_id)


def _outfit_response(request, outfit):
    if is_htmx(request):
        return render(request, "wardrobe/_outfit.html", {"outfit": selectors.outfit_with_items(outfit.pk)})
    return redirect(safe_next(request, "recommendations"))


@login_required
@require_POST
def outfit_save(request, outfit_id):
    outfit = outfits.set_saved(outfit=owned_outfit(request, outfit_id), saved=request.POST.get("saved") != "0")
    return _outfit_response(request, outfit)


@login_required
@require_POST
def outfit_rename(request, outfit_id):
    outfit = owned_outfit(request, outfit_id)
    form = OutfitNameForm(request.POST)
    if form.is_valid():
        outfit = outfits.rename_outfit(outfit=outfit, name=form.cleaned_data["name"])
    else:
        messages.error(request, _("A name of at most 80 characters, please."))
    return _outfit_response(request, outfit)


@login_required
@require_POST
def outfit_feedback(request, outfit_id):
    liked = request.POST.get("liked")
    if liked not in ("1", "0"):
        return HttpResponse(status=400)
    outfit = outfits.give_feedback(outfit=owned_outfit(request, outfit_id), liked=liked == "1")
    return _outfit_response(request, outfit)


@login_required
@require_POST
def outfit_wear(request, outfit_id):
    outfit = outfits.wear_outfit(outfit=owned_outfit(request, outfit_id))
    if not is_htmx(request):
        messages.success(request, _("Logged as worn today."))
    return _outfit_response(request, outfit)


@login_required
@require_POST
def outfit_delete(request, outfit_id):
    outfits.delete_outfit(outfit=owned_outfit(request, outfit_id))
    if is_htmx(request):
        return HttpResponse("")  # the card is swapped for nothing
    return redirect(safe_next(request, "recommendations"))


@login_required
@require_GET
def wear_calendar(request):
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    worn = selectors.wears_in_month(owner=request.user, first=first)
    planned = selectors.plans_in_month(owner=request.user, first=first)
    weeks = [[{"day": day, "in_month": day.month == first.month, "outfits": worn.get(day, []),
               "planned": planned.get(day, [])} for day in week]
             for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]
    previous = (first.replace(day=1) - date.resolution).replace(day=1)
    following = (first.replace(day=28) + date.resolution * 4).replace(day=1)
    return render(request, "wardrobe/calendar.html", {
        "first": first, "weeks": weeks, "today": today,
        "previous": previous.strftime("%Y-%m"), "following": following.strftime("%Y-%m")})


@login_required
@require_GET
def weather_widget(request):
    current, message = _weather_for(request.user)
    return render(request, "wardrobe/_weather.html", {"weather": current, "weather_message": message})
