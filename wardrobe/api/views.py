"""The API's views: thin, like the pages' (wardrobe.views, wardrobe.outfit_views). They read
through wardrobe.selectors and write through wardrobe.services and wardrobe.outfits; every
object is looked up among the signed-in person's own, so anyone else's answers 404."""

from django.core.exceptions import TooManyFilesSent
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe import outfits, selectors, services
from wardrobe import views as pages
from wardrobe.api import serializers as s
from wardrobe.forms import FilterForm, UploadForm
from wardrobe.media import stored_file_response
from wardrobe.models import Prediction

NOT_FOUND = OpenApiResponse(description="Not found, or not yours.")
INVALID = OpenApiResponse(description="Invalid input: the answer names each field's problem.")


class Pages(PageNumberPagination):
    page_size = pages.ITEMS_PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = 200


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
    OpenApiParameter("page_size", OpenApiTypes.INT,
                     description=f"Entries a page (default {Pages.page_size}, at most {Pages.max_page_size})"),
]


def page_of(serializer_class):
    """The schema of one page of a list."""
    return inline_serializer(name=f"{serializer_class.__name__.removesuffix('Serializer')}Page", fields={
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer_class(many=True)})


def _paginated(view, request, queryset, serializer_class):
    paginator = Pages()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)


def _owned_item(request, item_id, *, detail=False):
    items = selectors.items_of(request.user)
    if detail:
        items = items.prefetch_related(Prefetch("predictions", queryset=Prediction.objects.order_by("created_at", "pk")))
    return get_object_or_404(items, pk=item_id)


def _item(request, item_id):
    return s.ItemSerializer(_owned_item(request, item_id, detail=True), context={"request": request}).data


def _filter_parameters() -> list[OpenApiParameter]:
    """The closet page's filters (wardrobe.forms.FilterForm), as query parameters."""
    parameters = []
    for name, field in FilterForm().fields.items():
        codes = None
        if hasattr(field, "choices"):
            codes = []
            for code, label in field.choices:  # a category's choices come in groups
                codes += [inner for inner, _label in label] if isinstance(label, (list, tuple)) else [code]
        parameters.append(OpenApiParameter(name, OpenApiTypes.STR, description=str(field.label), enum=codes))
    return parameters + PAGE_PARAMETERS


class ItemsView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="items_list", tags=["items"], parameters=_filter_parameters(),
                   summary="Your closet, newest first (or least worn), with the closet page's filters",
                   responses={200: page_of(s.ItemSummarySerializer), 400: INVALID})
    def get(self, request):
        form = FilterForm(request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise ValidationError(form.errors)
        items = selectors.closet_items(owner=request.user, filters=form.filters())
        return _paginated(self, request, items, s.ItemSummarySerializer)

    @extend_schema(operation_id="items_upload", tags=["items"], request={"multipart/form-data": s.UploadSerializer},
                   summary="Upload one or more photos: each is checked and queued, or refused with its reason",
                   responses={201: s.UploadResultSerializer, 400: s.UploadResultSerializer,
                              503: s.StorageUnavailableSerializer})
    def post(self, request):
        try:
            form = UploadForm(request.data, request.FILES)
        except TooManyFilesSent:  # Django stops reading past DATA_UPLOAD_MAX_NUMBER_FILES
            rejected = [{"name": "", "reason": services.too_many_photos_message()}]
            return Response({"items": [], "rejected": rejected, "queue_unavailable": False},
                            status=status.HTTP_400_BAD_REQUEST)
        if not form.is_valid():
            rejected = [{"name": "", "reason": str(error)} for error in form.errors.get("photos", [])]
            return Response({"items": [], "rejected": rejected, "queue_unavailable": False},
                            status=status.HTTP_400_BAD_REQUEST)
        context = {"request": request}
        try:
            result = services.add_items(owner=request.user, uploads=form.cleaned_data["photos"])
        except services.StorageUnavailable as outage:
            return Response({"detail": _("Photo storage cannot be reached right now, so this photo was not saved. "
                                         "Try again in a minute."),
                             "items": s.ItemSummarySerializer(outage.saved, many=True, context=context).data},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "60"})
        body = {"items": s.ItemSummarySerializer(result.items, many=True, context=context).data,
                "rejected": [{"name": name, "reason": str(reason)} for name, reason in result.rejected],
                "queue_unavailable": result.queue_unavailable}
        return Response(body, status=status.HTTP_201_CREATED if result.items else status.HTTP_400_BAD_REQUEST)


class ItemView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(operation_id="items_detail", tags=["items"], responses={200: s.ItemSerializer, 404: NOT_FOUND})
    def get(self, request, item_id):
        return Response(_item(request, item_id))

    @extend_schema(operation_id="items_edit", tags=["items"], request=s.ItemEditSerializer,
                   summary="Edit an item: the fields sent become yours, and later analyses leave them alone",
                   responses={200: s.ItemSerializer, 400: INVALID, 404: NOT_FOUND})
    def patch(self, request, item_id):
        item = _owned_item(request, item_id)
        edit = s.ItemEditSerializer(data=request.data)
        edit.is_valid(raise_exception=True)
        changes = dict(edit.validated_data)
        available = changes.pop("available", None)
        if changes:
            item = services.update_item(item=item, changes=changes)
        if available is not None:
            outfits.set_available(item=item, available=available)
        return Response(_item(request, item_id))

    @extend_schema(operation_id="items_delete", tags=["items"], summary="Delete an item and its photos",
                   responses={204: None, 404: NOT_FOUND})
    def delete(self, request, item_id):
        services.delete_item(item=_owned_item(request, item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemStatusView(APIView):
    @extend_schema(operation_id="items_status", tags=["items"], summary="Where an item's analysis is (cheap to poll)",
                   responses={200: s.ItemStatusSerializer, 404: NOT_FOUND})
    def get(self, request, item_id):
        item = get_object_or_404(selectors.items_of(request.user).only(*s.ItemStatusSerializer.Meta.fields, "owner"),
                                 pk=item_id)
        return Response(s.ItemStatusSerializer(item).data)


class ItemRetryView(APIView):
    @extend_schema(operation_id="items_retry", tags=["items"], request=None,
                   summary="Send a failed item back to the queue",
                   responses={202: s.ItemStatusSerializer, 404: NOT_FOUND,
                              409: OpenApiResponse(description="The item has not failed.")})
    def post(self, request, item_id):
        item = _owned_item(request, item_id)
        if not services.retry_item(item=item):
            return Response({"detail": _("Only a failed item can be retried.")}, status=status.HTTP_409_CONFLICT)
        item.refresh_from_db()
        return Response(s.ItemStatusSerializer(item).data, status=status.HTTP_202_ACCEPTED)


class AnyAccept(BaseContentNegotiation):
    """A photo is what it is, whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ItemMediaView(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(operation_id="items_media", tags=["items"],
                   summary="One of the item's photos (on S3: a redirect to a URL that expires)",
                   parameters=[OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                enum=list(pages.MEDIA_KINDS))],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              302: OpenApiResponse(description="The photo's presigned URL."), 404: NOT_FOUND})
    def get(self, request, item_id, kind):
        if kind not in pages.MEDIA_KINDS:
            return Response({"detail": _("No such photo.")}, status=status.HTTP_404_NOT_FOUND)
        field = pages.MEDIA_KINDS[kind]
        item = get_object_or_404(selectors.items_of(request.user).only("id", "owner", field, "original_name"),
                                 pk=item_id)
        download_name = (item.original_name or "original") if kind == "original" else None
        return stored_file_response(getattr(item, field).name, download_name=download_name,
                                    version=request.query_params.get("v", ""))


# --- Outfits -----------------------------------------------------------------------------------

class RecommendationsView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(operation_id="recommendations_list", tags=["outfits"], summary="Your outfit requests, newest first",
                   parameters=PAGE_PARAMETERS, responses={200: page_of(s.RecommendationRequestSerializer)})
    def get(self, request):
        return _paginated(self, request, selectors.recommendation_requests(owner=request.user),
                          s.RecommendationRequestSerializer)

    @extend_schema(operation_id="recommendations_create", tags=["outfits"], request=s.RecommendSerializer,
                   summary="Ask for outfits: the request is pending until its outfits are ready (poll its URL)",
                   responses={202: s.RecommendationSerializer, 400: INVALID})
    def post(self, request):
        wanted = s.RecommendSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        made = outfits.request_recommendations(owner=request.user, **wanted.validated_data)
        body = s.RecommendationSerializer(made, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class RecommendationView(APIView):
    @extend_schema(operation_id="recommendations_detail", tags=["outfits"],
                   summary="A request: pending, then ready with its outfits (or failed with a message)",
                   responses={200: s.RecommendationSerializer, 404: NOT_FOUND})
    def get(self, request, request_id):
        made = get_object_or_404(selectors.recommendation_requests(owner=request.user), pk=request_id)
        return Response(s.RecommendationSerializer(made, context={"request": request}).data)


def _owned_outfit(request, outfit_id):
    return get_object_or_404(selectors.outfits_of(owner=request.user), pk=outfit_id)


def _outfit(request, outfit_id):
    return s.OutfitSerializer(selectors.outfit_with_items(outfit_id), context={"request": request}).data


class OutfitsView(APIView):
    @extend_schema(operation_id="outfits_list", tags=["outfits"], summary="Your outfits, newest first",
                   parameters=[OpenApiParameter("saved", OpenApiTypes.BOOL, description="Only saved (or unsaved) ones"),
                               *PAGE_PARAMETERS],
                   responses={200: page_of(s.OutfitSerializer), 400: INVALID})
    def get(self, request):
        chosen = selectors.outfits_of(owner=request.user)
        saved = request.query_params.get("saved")
        if saved is not None:
            if saved not in ("true", "false", "1", "0"):
                raise ValidationError({"saved": [_("true or false.")]})
            chosen = chosen.filter(saved=saved in ("true", "1"))
        return _paginated(self, request, selectors._with_items(chosen).order_by("-created_at"), s.OutfitSerializer)


class OutfitView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(operation_id="outfits_detail", tags=["outfits"], responses={200: s.OutfitSerializer, 404: NOT_FOUND})
    def get(self, request, outfit_id):
        _owned_outfit(request, outfit_id)
        return Response(_outfit(request, outfit_id))

    @extend_schema(operation_id="outfits_edit", tags=["outfits"], request=s.OutfitEditSerializer,
                   summary="Rename (which saves it), save or unsave an outfit",
                   responses={200: s.OutfitSerializer, 400: INVALID, 404: NOT_FOUND})
    def patch(self, request, outfit_id):
        outfit = _owned_outfit(request, outfit_id)
        edit = s.OutfitEditSerializer(data=request.data)
        edit.is_valid(raise_exception=True)
        if "name" in edit.validated_data:
            outfit = outfits.rename_outfit(outfit=outfit, name=edit.validated_data["name"])
        if "saved" in edit.validated_data:
            outfits.set_saved(outfit=outfit, saved=edit.validated_data["saved"])
        return Response(_outfit(request, outfit_id))

    @extend_schema(operation_id="outfits_delete", tags=["outfits"],
                   summary="Delete an outfit (its like or dislike still teaches the recommendations)",
                   responses={204: None, 404: NOT_FOUND})
    def delete(self, request, outfit_id):
        outfits.delete_outfit(outfit=_owned_outfit(request, outfit_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutfitFeedbackView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(operation_id="outfits_feedback", tags=["outfits"], request=s.FeedbackSerializer,
                   summary="Like or dislike an outfit", responses={200: s.OutfitSerializer, 400: INVALID, 404: NOT_FOUND})
    def post(self, request, outfit_id):
        outfit = _owned_outfit(request, outfit_id)
        judged = s.FeedbackSerializer(data=request.data)
        judged.is_valid(raise_exception=True)
        outfits.give_feedback(outfit=outfit, liked=judged.validated_data["liked"])
        return Response(_outfit(request, outfit_id))


class OutfitWearView(APIView):
    @extend_schema(operation_id="outfits_wear", tags=["outfits"], request=None,
                   summary="Log the outfit as worn today (once a day, however often it is sent)",
                   responses={200: s.OutfitSerializer, 404: NOT_FOUND})
    def post(self, request, outfit_id):
        outfits.wear_outfit(outfit=_owned_outfit(request, outfit_id))
        return Response(_outfit(request, outfit_id))


class ItemSimilarProductsView(APIView):
    @extend_schema(operation_id="items_similar_products", tags=["shop"],
                   summary="The 5 most similar products in the shop, same group first",
                   responses={200: s.ProductSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, item_id):
        from wardrobe.catalog.selectors import similar_products

        item = _owned_item(request, item_id)
        found = similar_products(vector=selectors.item_embedding(item), version=item.embedding_version,
                                 group=item.group)
        return Response(s.ProductSerializer(found, many=True).data)


class ItemGoesWithView(APIView):
    @extend_schema(operation_id="items_goes_with", tags=["outfits"],
                   summary="What goes with the item: the best of each other slot, the best outfit around it",
                   responses={200: s.PairingsSerializer, 404: NOT_FOUND})
    def get(self, request, item_id):
        from wardrobe.pairings import goes_with

        pairings = goes_with(item=_owned_item(request, item_id))
        return Response(s.PairingsSerializer(s.PairingsSerializer.of(pairings), context={"request": request}).data)


class ProductView(APIView):
    @extend_schema(operation_id="products_detail", tags=["shop"],
                   responses={200: s.ProductSerializer, 404: OpenApiResponse(description="No such visible product.")})
    def get(self, request, product_id):
        from wardrobe.catalog.selectors import visible_products

        return Response(s.ProductSerializer(get_object_or_404(visible_products(), pk=product_id)).data)
