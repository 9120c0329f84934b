"""Shop pages: a product's photo, and "find it in the shop" for a photo not in the closet."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wardrobe.catalog import selectors, services
from wardrobe.catalog.models import Product, Status
from wardrobe.media import PRODUCT_MEDIA, stored_file_response
from wardrobe.selectors import item_embedding
from wardrobe.uploads import PhotoRejected



@login_required
@require_GET
def product_media(request, product_id, kind):
    if kind not in PRODUCT_MEDIA:
        return HttpResponse(status=404)
    # A withdrawn product still shows in the outfits it is part of; a hidden one shows nowhere.
    product = get_object_or_404(Product.objects.filter(hidden=False, status=Status.READY).only(
        "id", PRODUCT_MEDIA[kind]), pk=product_id)
    return stored_file_response(getattr(product, PRODUCT_MEDIA[kind]).name, version=request.GET.get("v", ""))


@login_required
@require_POST
def search_start(request):
    photo = request.FILES.get("photo")
    if photo is None:
        return render(request, "catalog/search.html", {"error": _("Choose a photo.")}, status=400)
    try:
        search = services.start_search(owner=request.user, upload=photo)
    except PhotoRejected as rejected:
        return render(request, "catalog/search.html", {"error": rejected.message}, status=400)
    return redirect("shop-search", search_id=search.pk)


@login_required
@require_GET
def search_detail(request, search_id):
    search = get_object_or_404(selectors.searches_of(request.user), pk=search_id)
    pending = search.status in (Status.QUEUED, Status.PROCESSING)
    if request.headers.get("HX-Request") == "true" and pending:
        return HttpResponse(status=204)
    products = [] if pending else selectors.similar_products(
        vector=item_embedding(search), version=search.embedding_version, group=search.group)
    template = "catalog/_search_result.html" if request.headers.get("HX-Request") == "true" else "catalog/search.html"
    return render(request, template, {"search": search, "pending": pending, "products": products})


@staff_member_required
@require_GET
def admin_product_media(request, product_id):
    """The admin's thumbnails, hidden products' too, for staff who may view products."""
    if not request.user.has_perm("catalog.view_product"):
        raise Http404
    product = get_object_or_404(Product.objects.only("id", "thumb_small"), pk=product_id)
    return stored_file_response(product.thumb_small.name)
