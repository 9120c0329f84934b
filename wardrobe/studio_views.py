"""The outfit studio, an outfit's own page (swap, clone, plan, lookbook), lookbooks and packing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inference import taxonomy
from wardrobe import selectors, studio
from wardrobe.forms import LookbookForm, PackingForm, PlanForm, StudioForm
from wardrobe.models import Lookbook
from wardrobe.outfit_views import owned_outfit
from wardrobe.views import SLOT_NAMES


def _chosen(data) -> dict[str, str]:
    return {slot: data.get(f"slot_{slot}", "") for slot in studio.STUDIO_SLOTS}


def _studio_options(form: StudioForm) -> dict:
    data = form.cleaned_data if form.is_valid() else {}
    return {"occasion": data.get("occasion", ""), "seasons": data.get("seasons", []),
            "temperature": data.get("temperature")}


@login_required
def outfit_studio(request):
    source = None
    if request.GET.get("from"):
        source = get_object_or_404(selectors.outfits_of(owner=request.user), pk=studio.uuid_or_none(request.GET["from"]))
    if request.method == "POST":
        form = StudioForm(request.POST)
        if form.is_valid():
            try:
                outfit = studio.save_outfit(owner=request.user, chosen=_chosen(request.POST),
                                            name=form.cleaned_data["name"], cloned_from=source,
                                            **_studio_options(form))
            except studio.OutfitInvalid as invalid:
                messages.error(request, invalid.message)
            else:
                messages.success(request, _("Outfit saved."))
                return redirect("outfit-detail", outfit_id=outfit.pk)
        chosen = _chosen(request.POST)
    else:
        chosen = studio.chosen_of(source) if source else {}
        form = StudioForm(initial={"name": source.name, "occasion": source.occasion, "seasons": source.seasons}
                          if source else None)
    filters = {name: request.GET.get(name, "") for name in ("color", "season", "style")}
    by_slot = studio.picker_items(owner=request.user, **filters)
    return render(request, "wardrobe/studio.html", {
        "form": form, "source": source, "filters": filters, "season_terms": taxonomy.SEASONS,
        "slots": [(slot, SLOT_NAMES[slot], by_slot[slot], chosen.get(slot, "")) for slot in studio.STUDIO_SLOTS
                  if by_slot[slot]],
    })


@login_required
@require_POST
def outfit_studio_preview(request):
    form = StudioForm(request.POST)
    try:
        rated = studio.rate(owner=request.user, chosen=_chosen(request.POST), **_studio_options(form))
    except studio.OutfitInvalid as invalid:
        return render(request, "wardrobe/_studio_preview.html", {"error": invalid.message})
    pieces = [{"slot": slot, "item": item} for slot, item in rated.pieces]
    return render(request, "wardrobe/_studio_preview.html", {"rated": rated, "pieces": pieces})


@login_required
@require_GET
def outfit_detail(request, outfit_id):
    outfit = selectors.outfit_with_items(owned_outfit(request, outfit_id).pk)
    slot = request.GET.get("swap", "")
    return render(request, "wardrobe/outfit_detail.html", {
        "outfit": outfit, "lookbooks": selectors.lookbooks_of(owner=request.user), "plan_form": PlanForm(),
        "swap_slot": slot, "swap_slot_name": SLOT_NAMES.get(slot, ""),
        "swaps": studio.swap_choices(outfit=outfit, slot=slot) if slot in SLOT_NAMES else [],
        "slots": [(entry.slot, SLOT_NAMES.get(entry.slot, entry.slot)) for entry in outfit.entries.all()
                  if entry.item_id],
        "plans": outfit.plans.order_by("planned_on"),
    })


@login_required
@require_POST
def outfit_clone(request, outfit_id):
    outfit = owned_outfit(request, outfit_id)
    try:
        copy = studio.clone_outfit(outfit=outfit)
    except studio.OutfitInvalid as invalid:  # one of its items is being analysed again, or none is yours
        messages.error(request, invalid.message)
        return redirect("outfit-detail", outfit_id=outfit.pk)
    messages.success(request, _("A copy to change as you like."))
    return redirect("outfit-detail", outfit_id=copy.pk)


@login_required
@require_POST
def outfit_swap(request, outfit_id, slot):
    outfit = owned_outfit(request, outfit_id)
    try:
        changed = studio.swap_item(outfit=outfit, slot=slot, item_id=request.POST.get("item", ""))
    except studio.OutfitInvalid as invalid:
        messages.error(request, invalid.message)
        return redirect("outfit-detail", outfit_id=outfit.pk)
    if changed.pk != outfit.pk:
        messages.success(request, _("The recommendation stays as it was; this is your copy with the change."))
    return redirect("outfit-detail", outfit_id=changed.pk)


@login_required
@require_POST
def outfit_plan(request, outfit_id):
    outfit = owned_outfit(request, outfit_id)
    form = PlanForm(request.POST)
    if form.is_valid():
        studio.plan_outfit(outfit=outfit, on=form.cleaned_data["day"])
        messages.success(request, _("Planned; it shows on the calendar."))
    else:
        messages.error(request, _("Pick a day."))
    return redirect("outfit-detail", outfit_id=outfit.pk)


@login_required
def lookbooks(request):
    form = LookbookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lookbook = studio.create_lookbook(owner=request.user, name=form.cleaned_data["name"])
        return redirect("lookbook-detail", lookbook_id=lookbook.pk)
    return render(request, "wardrobe/lookbooks.html", {"form": form, "lookbooks": selectors.lookbooks_of(owner=request.user)})


def _owned_lookbook(request, lookbook_id) -> Lookbook:
    return get_object_or_404(Lookbook.objects.filter(owner=request.user), pk=studio.uuid_or_none(lookbook_id))


@login_required
@require_GET
def lookbook_detail(request, lookbook_id):
    lookbook = _owned_lookbook(request, lookbook_id)
    return render(request, "wardrobe/lookbook_detail.html", {
        "lookbook": lookbook, "outfits": selectors.outfits_in_lookbook(lookbook),
        "plans": selectors.plans_in_lookbook(lookbook)})


@login_required
@require_POST
def lookbook_add(request, outfit_id):
    outfit = owned_outfit(request, outfit_id)
    studio.add_to_lookbook(lookbook=_owned_lookbook(request, request.POST.get("lookbook")), outfit=outfit)
    messages.success(request, _("Added to the lookbook."))
    return redirect("outfit-detail", outfit_id=outfit.pk)


@login_required
@require_POST
def lookbook_remove(request, lookbook_id, outfit_id):
    lookbook = _owned_lookbook(request, lookbook_id)
    studio.remove_from_lookbook(lookbook=lookbook, outfit=owned_outfit(request, outfit_id))
    return redirect("lookbook-detail", lookbook_id=lookbook.pk)


@login_required
@require_POST
def lookbook_delete(request, lookbook_id):
    studio.delete_lookbook(lookbook=_owned_lookbook(request, lookbook_id))
    return redirect("lookbooks")


@login_required
def packing(request):
    form = PackingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = studio.packing_list(owner=request.user, start=data["start"], end=data["end"],
                                       occasions=data["occasions"], temperature=data["temperature"],
                                       precipitation=data["precipitation"])
        except studio.OutfitInvalid as invalid:
            form.add_error(None, invalid.message)
        else:
            if not any(day.outfit for day in plan):
                form.add_error(None, _("Your closet cannot make an outfit for this trip yet."))
            else:
                lookbook = studio.save_trip(owner=request.user, name=data["name"], plan=plan)
                return redirect("lookbook-detail", lookbook_id=lookbook.pk)
    return render(request, "wardrobe/packing.html", {"form": form})
