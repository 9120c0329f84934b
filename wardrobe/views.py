from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST, require_safe

from inference import taxonomy
from wardrobe import condition, selectors, services
from wardrobe.catalog import selectors as catalog_selectors
from wardrobe.pairings import Pairings
from wardrobe.pairings import goes_with as pairings_of
from wardrobe.forms import FilterForm, ItemForm, ListingCheckForm, UploadForm
from wardrobe.media import MEDIA_KINDS, stored_file_response
from wardrobe.models import Item

ITEMS_PER_PAGE = 48
QUEUE_AWAY_NOTICE = gettext_lazy("Your photos are saved. The processing queue is away for a moment; "
                                 "analysis starts by itself when it is back.")
# Alternatives the model gives less than this are not worth a button.
ALTERNATIVE_MIN_PROBABILITY = 0.05


def _owned_item(request, item_id, *fields) -> Item:
    items = selectors.items_of(request.user)
    return get_object_or_404(items.only(*fields) if fields else items, pk=item_id)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request, default: str) -> str:
    """The form's `next` when it points into this site, else `default` (a URL name or path):
    a crafted form must not send people elsewhere."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(default)


@login_required
def home(request):
    from wardrobe import weather

    return render(request, "wardrobe/home.html", {"summary": selectors.home_summary(owner=request.user),
                                                  "weather_enabled": weather.enabled()})


@login_required
def closet(request):
    filter_form = FilterForm(request.GET or None)
    items = selectors.closet_items(owner=request.user, filters=filter_form.filters())
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "wardrobe/closet.html", {
        "filter_form": filter_form, "page": page, "query": query.urlencode(), "upload_form": UploadForm(),
    })


@login_required
@require_POST
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        result = services.AddItemsResult()
        rejected = [("", error) for error in form.errors.get("photos", [])]
    else:
        try:
            result = services.add_items(owner=request.user, uploads=form.cleaned_data["photos"])
        except services.StorageUnavailable as outage:
            return _storage_unavailable(request, outage.saved)
        rejected = result.rejected
    notices = [QUEUE_AWAY_NOTICE] if result.queue_unavailable else []
    if is_htmx(request):
        total = selectors.items_of(request.user).count() if result.items else None
        return render(request, "wardrobe/_upload_result.html",
                      {"items": result.items, "rejected": rejected, "total": total, "notices": notices},
                      status=200 if result.items or not rejected else 400)
    if result.items:
        messages.success(request, _("%(count)d photos added; they are being analysed.") % {"count": len(result.items)})
    for notice in notices:
        messages.info(request, notice)
    for name, reason in rejected:
        messages.error(request, f"{name}: {reason}" if name else reason)
    return redirect("closet")


def _storage_unavailable(request, saved) -> HttpResponse:
    message = _("Photo storage cannot be reached right now, so this photo was not saved. Try again in a minute.")
    if saved:
        message += " " + _("%(count)d photos of this upload were saved before that.") % {"count": len(saved)}
    return _upload_problem(request, _("Photos cannot be saved right now"), message, saved=saved, status=503)


def _upload_problem(request, title: str, message: str, *, saved=(), status: int) -> HttpResponse:
    if is_htmx(request):
        return render(request, "wardrobe/_upload_result.html",
                      {"items": saved, "rejected": [("", message)], "total": None, "notices": []}, status=status)
    return render(request, "wardrobe/upload_problem.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception):
    """Django's 400 page, except for an upload of more photos than a request may carry: Django
    stops reading those (DATA_UPLOAD_MAX_NUMBER_FILES) before any view runs, so it is said here."""
    if isinstance(exception, TooManyFilesSent):
        return _upload_problem(request, _("These photos were not added"), services.too_many_photos_message(),
                               status=400)
    return defaults.bad_request(request, exception)


@login_required
def item_detail(request, item_id):
    item = _owned_item(request, item_id)
    form = ItemForm(initial=services.editable_values(item))
    return render(request, "wardrobe/item_detail.html", _detail_context(item, form))


SLOT_NAMES = {
    "top": gettext_lazy("Tops"), "bottom": gettext_lazy("Bottoms"), "onepiece": gettext_lazy("One-pieces"),
    "outerwear": gettext_lazy("Outerwear"), "shoes": gettext_lazy("Shoes"), "hat": gettext_lazy("Hats"),
    "accessory": gettext_lazy("Bags and accessories"),
}


def _detail_context(item: Item, form: ItemForm) -> dict:
    top3 = []
    predictions = list(item.predictions.all().order_by("created_at", "pk"))
    for prediction in predictions:
        if prediction.step == "garment":
            top3 = [(taxonomy.CATEGORY_BY_CODE.get(code), probability)
                    for code, probability in prediction.value.get("category_top3", [])
                    if probability >= ALTERNATIVE_MIN_PROBABILITY]
    pairings = pairings_of(item=item) if item.status == Item.Status.READY else Pairings()
    return {
        "item": item,
        "form": form,
        "pairings": pairings,
        "pairing_slots": [(SLOT_NAMES[slot], scored) for slot, scored in pairings.by_slot],
        "predictions": predictions,
        "top3": top3,
        "fine_types": [taxonomy.CATEGORY_BY_CODE[code] for code in item.category_term.fine_types]
        if item.category_term else [],
        "similar": selectors.similar_items(item=item),
        "shop": catalog_selectors.similar_products(
            vector=selectors.item_embedding(item), version=item.embedding_version, group=item.group),
        "duplicate": item.duplicate_of if item.duplicate_of_id else None,
        "edited": set(item.user_edited_fields),
        "defects": [{**defect, "index": index, "key": services.defect_key(defect), "label": condition.KIND_NAMES.get(defect["type"], defect["type"]),
                     "where": condition.defect_position(defect, item.garment_box),
                     "width": defect["box"][2] - defect["box"][0], "height": defect["box"][3] - defect["box"][1]}
                    for index, defect in enumerate(item.defects)],
        "grade_reason": condition.reason_sentence(item.grade_reason) if item.grade and "grade" not in
        item.user_edited_fields else "",
        "grade_probabilities": [(Item.Grade(code).label, p) for code, p in (item.grade_probabilities or {}).items()],
        "next_step": condition.NEXT_STEPS.get(item.grade, ""),
        "listing": condition.draft_listing(item) if item.status == Item.Status.READY else None,
    }


@login_required
@require_POST
def item_edit(request, item_id):
    item = _owned_item(request, item_id)
    form = ItemForm(request.POST, initial=services.editable_values(item))
    if not form.is_valid():
        return render(request, "wardrobe/item_detail.html", _detail_context(item, form), status=400)
    services.update_item(item=item, changes=form.edits())
    messages.success(request, _("Saved. Your changes stay even when the photo is analysed again."))
    return redirect("item-detail", item_id=item.pk)


@login_required
@require_POST
def item_remove_defect(request, item_id, index):
    item = _owned_item(request, item_id)
    try:
        services.remove_defect(item=item, index=index, key=request.GET.get("box", ""))
    except services.BoxChanged as changed:
        messages.error(request, str(changed))
        return redirect("item-detail", item_id=item.pk)
    except ValueError:
        raise Http404("no such box")
    messages.success(request, _("Box removed. Your correction stays when the photo is analysed again."))
    return redirect("item-detail", item_id=item.pk)


@login_required
@require_POST
def item_check_listing(request, item_id):
    """Warns before someone copies a listing that promises what the photo contradicts."""
    item = _owned_item(request, item_id)
    form = ListingCheckForm(request.POST)
    claims = condition.misleading_claims(form.cleaned_data["text"], item) if form.is_valid() else []
    return render(request, "wardrobe/_listing_check.html", {"claims": claims, "item": item})


@login_required
@require_POST
def item_set_category(request, item_id):
    """One-tap answers on the item page: "looks right", or a fine type for a coarse guess."""
    item = _owned_item(request, item_id)
    category = request.POST.get("category", "")
    if category == item.category:
        services.confirm_category(item=item)
    elif category in taxonomy.CATEGORY_BY_CODE:
        services.update_item(item=item, changes={"category": category})
    else:
        raise Http404
    return redirect("item-detail", item_id=item.pk)


@login_required
def item_delete(request, item_id):
    item = _owned_item(request, item_id)
    if request.method == "POST":
        services.delete_item(item=item)
        messages.success(request, _("The item and its photos were deleted."))
        return redirect("closet")
    return render(request, "wardrobe/item_confirm_delete.html", {"item": item})


@login_required
@require_POST
def item_retry(request, item_id):
    item = _owned_item(request, item_id)
    services.retry_item(item=item)
    if is_htmx(request):
        item.refresh_from_db()
        return render(request, "wardrobe/_item_card.html", {"item": item})
    return redirect("item-detail", item_id=item.pk)


@login_required
@require_POST
def item_set_available(request, item_id):
    """The "in the laundry" toggle: an unavailable item stays out of outfits."""
    from wardrobe import outfits

    item = outfits.set_available(item=_owned_item(request, item_id), available=request.POST.get("available") == "1")
    return redirect("item-detail", item_id=item.pk)


@login_required
@require_GET
def item_status(request, item_id):
    """Polled by pending cards; 204 (nothing to swap) until the status moves on."""
    item = _owned_item(request, item_id, *selectors.GRID_FIELDS)
    unchanged = request.GET.get("known") == item.status and request.GET.get("every") == str(item.poll_interval_ms)
    if unchanged and item.is_pending:
        return HttpResponse(status=204)  # nothing new; a new polling interval re-renders below
    if request.GET.get("view") == "page":
        if request.GET.get("known") == item.status and item.is_pending:
            # Only the interval moved on: the poller, not the page (a reload would lose what is typed).
            return render(request, "wardrobe/_item_page_status.html", {"item": item})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "wardrobe/_item_card.html", {"item": item})


@login_required
@require_safe
def item_media(request, item_id, kind):
    """Photos are private: served to their owner only (a short-lived presigned URL on S3)."""
    if kind not in MEDIA_KINDS:
        raise Http404
    field = MEDIA_KINDS[kind]
    item = _owned_item(request, item_id, "id", "owner", field, "original_name")
    download_name = (item.original_name or "original") if kind == "original" else None
    return stored_file_response(getattr(item, field).name, download_name=download_name,
                                version=request.GET.get("v", ""))
