"""Insights (the closet in charts) and the cleanout (items to reconsider, the decisions,
what is missing). Each shows the signed-in owner's own items only."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from wardrobe import charts, cleanout, insights, selectors
from wardrobe.models import Item
from wardrobe.views import is_htmx

QUEUE_PER_PAGE = 30
GROUP_COLOURS = {"tops": "#3b5bdb", "bottoms": "#0ca678", "outerwear": "#f08c00", "onepiece": "#d6336c",
                 "shoes": "#495057", "hats": "#7048e8", "other": "#adb5bd", "": "#ced4da"}
GRADE_COLOURS = {"reuse": "#2b8a3e", "recycle": "#e8590c", "dispose": "#c92a2a", "": "#adb5bd"}
DECISION_NAMES = dict(Item._meta.get_field("cleanout").choices)
SLOT_NAMES = {
    "top": gettext_lazy("tops"), "bottom": gettext_lazy("bottoms"), "onepiece": gettext_lazy("one-pieces"),
    "outerwear": gettext_lazy("outerwear"), "shoes": gettext_lazy("shoes"), "hat": gettext_lazy("hats"),
}



# --- Insights ----------------------------------------------------------------------------------

def _item_rows(figures, value, text, top=None) -> list[dict]:
    """Items as rows of a picture list: the photo, its name, a bar and the figure."""
    values = [value(figure) for figure in figures]
    top = top if top is not None else max(values, default=0)
    return [{"item": figure, "text": text(figure), "percent": round(100 * float(v) / float(top), 1) if top else 0}
            for figure, v in zip(figures, values)]


def _month_axis(month) -> str:
    return str(month.year) if month.month == 1 else formats.date_format(month, "M")


def _charts(figures: insights.Insights) -> dict:
    groups = []
    for entry in figures.groups:
        groups.append(charts.Bar(str(entry.group.label), entry.count, heading=True,
                                 color=GROUP_COLOURS.get(entry.group.code, charts.ACCENT)))
        groups += [charts.Bar(str(category.category.label), category.count, indent=True, color=charts.MUTED)
                   for category in entry.categories]
    colour_bars = [charts.Bar(str(entry.color.label), entry.count, segments=entry.shades,
                              title=ngettext("%(colour)s: %(count)s item", "%(colour)s: %(count)s items", entry.count)
                              % {"colour": entry.color.label, "count": charts.number(entry.count)})
                   for entry in figures.colours]
    season_bars = [charts.Bar(str(entry.season.label), entry.count,
                              segments=[(count, GROUP_COLOURS.get(group.code, charts.ACCENT))
                                        for group, count in entry.by_group],
                              title=f"{entry.season.label}: " + ", ".join(
                                  f"{group.label} {charts.number(count)}" for group, count in entry.by_group))
                   for entry in figures.seasons]
    season_groups = {group.code: group for entry in figures.seasons for group, _count in entry.by_group}
    grade_names = dict(Item.Grade.choices) | {insights.UNGRADED: _("Not graded")}
    grade_bars = [charts.Bar(str(grade_names[code]), count, color=GRADE_COLOURS[code]) for code, count in figures.grades]
    months = [charts.Column(count, f"{formats.date_format(month, 'YEAR_MONTH_FORMAT')}: {charts.number(count)}",
                            axis=_month_axis(month) if index % 3 == 0 else "")
              for index, (month, count) in enumerate(figures.added_per_month)]
    weeks = [charts.Column(count, _("Week of %(day)s: %(count)s") % {
        "day": formats.date_format(monday, "SHORT_DATE_FORMAT"), "count": charts.number(count)},
        axis=formats.date_format(monday, "M") if index % 13 == 0 else "")
        for index, (monday, count) in enumerate(figures.outfits_per_week)]
    return {
        "groups": charts.bar_chart(groups, label=_("Items by group and category")),
        "colours": charts.bar_chart(colour_bars, label=_("Colours")),
        "seasons": charts.bar_chart(season_bars, label=_("Season coverage"), max_value=max(
            [figures.items] + [entry.count for entry in figures.seasons])),
        "seasons_legend": charts.legend([(GROUP_COLOURS.get(code, charts.ACCENT), str(group.label))
                                         for code, group in season_groups.items()]),
        "grades": charts.bar_chart(grade_bars, label=_("Grades")),
        "months": charts.column_chart(months, label=_("Items added per month")),
        "weeks": charts.column_chart(weeks, label=_("Outfits worn per week"), color="#0ca678"),
        "most_worn": _item_rows(figures.most_worn, lambda f: f.wears, lambda f: charts.number(f.wears)),
        "least_worn": _item_rows(figures.least_worn, lambda f: f.wears, lambda f: charts.number(f.wears),
                                 top=max([f.wears for f in figures.most_worn] or [0])),
        "best_value": _item_rows(figures.best_value, lambda f: f.cost_per_wear, lambda f: charts.won(f.cost_per_wear),
                                 top=max([f.cost_per_wear for f in figures.worst_value] or [0])),
        "worst_value": _item_rows(figures.worst_value, lambda f: f.cost_per_wear,
                                  lambda f: charts.won(f.cost_per_wear)),
    }


@login_required
@require_GET
def insights_page(request):
    figures = insights.insights(owner=request.user)
    return render(request, "wardrobe/insights.html", {"figures": figures, "charts": _charts(figures)})


# --- Cleanout ------------------------------------------------------------------------------------

def reason_text(reason: dict) -> str:
    """A reason in the page's language; one of another shape (an older export's) is left out."""
    try:
        return _reason_text(reason)
    except (KeyError, TypeError, ValueError):
        return ""


def _reason_text(reason: dict) -> str:
    code = reason["code"]
    if code == "unworn":
        months = reason["months"]
        if reason.get("last_worn"):
            return ngettext("Not worn in %(months)d month", "Not worn in %(months)d months", months) % {"months": months}
        return ngettext("Never worn since you added it %(months)d month ago",
                        "Never worn since you added it %(months)d months ago", months) % {"months": months}
    if code == "versatility":
        return ngettext(
            "In %(count)d outfit that goes together with the rest of your closet (your %(kind)s: typically %(typical)d)",
            "In %(count)d outfits that go together with the rest of your closet (your %(kind)s: typically %(typical)d)",
            reason["outfits"]) % {"count": reason["outfits"], "typical": reason["typical"],
                                  "kind": SLOT_NAMES.get(reason.get("slot"), "")}
    if code == "duplicate":
        return _("Looks like another item you have")
    if code == "grade":
        return _("Graded %(grade)s") % {"grade": Item.Grade(reason["grade"]).label}
    return code


def _shown(entry: cleanout.Entry) -> dict:
    return {"entry": entry, "item": entry.item,
            "reasons": [{**reason, "text": reason_text(reason)} for reason in entry.reasons]}


def _decisions() -> list[tuple[str, str]]:
    return [(code, DECISION_NAMES[code]) for code in cleanout.DECISIONS]


def _history(owner) -> list[dict]:
    """The latest decisions; the newest one of an item gone from the closet can be undone."""
    rows, seen = [], set()
    for decision in cleanout.history(owner=owner):
        latest = decision.item_id not in seen
        seen.add(decision.item_id)
        rows.append({"decision": decision, "name": DECISION_NAMES.get(decision.decision, decision.decision),
                     "reasons": [text for reason in decision.reasons if (text := reason_text(reason))],
                     "can_return": latest and decision.item.cleanout in cleanout.LEFT})
    return rows


@login_required
@require_GET
def cleanout_page(request):
    analysis = cleanout.analyse(owner=request.user)
    queue = cleanout.queue(owner=request.user, analysis=analysis)
    page = Paginator(queue, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "wardrobe/cleanout.html", {
        "page": page, "entries": [_shown(entry) for entry in page.object_list], "queue_size": len(queue),
        "missing": cleanout.whats_missing(closet=analysis.closet),
        "history": _history(request.user),
        "decisions": _decisions(),
        "unworn_months": settings.CLEANOUT_UNWORN_MONTHS,
        "keep_days": settings.CLEANOUT_KEEP_DAYS,
    })


DECIDED_MESSAGES = {
    "keep": gettext_lazy("Kept. It stays out of the cleanout for %(days)d days."),
    "maybe": gettext_lazy("Marked maybe: it stays in the queue."),
    "recycle": gettext_lazy("Marked for recycling: it leaves your outfits and stays in your history."),
    "sell": gettext_lazy("Marked to sell: it leaves your outfits. Here is its listing."),
    "donate": gettext_lazy("Marked to donate: it leaves your outfits. Here is its listing."),
}


@login_required
@require_POST
def cleanout_decide(request, item_id):
    item = get_object_or_404(selectors.items_of(request.user).only(
        "id", "owner", "category", "thumb_small", "cutout", "cutout_small", "cleanout"), pk=item_id)
    decision = request.POST.get("decision", "")
    if decision not in cleanout.DECISIONS:
        return HttpResponse(_("Unknown decision."), status=400)
    cleanout.decide(owner=request.user, item=item, decision=decision)
    message = str(DECIDED_MESSAGES[decision]) % {"days": settings.CLEANOUT_KEEP_DAYS}
    if decision in cleanout.LISTING_DECISIONS:
        listing = reverse("item-detail", kwargs={"item_id": item.pk}) + "#listing"
        messages.success(request, message)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = listing
            return response
        return redirect(listing)
    if is_htmx(request):
        return render(request, "wardrobe/_cleanout_decided.html",
                      {"item": item, "decision": decision, "name": DECISION_NAMES[decision], "message": message,
                       "decisions": _decisions()})
    messages.success(request, message)
    return redirect("cleanout")
