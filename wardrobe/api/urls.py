"""/api/v1/ and /metrics (wardrobe/urls.py includes this module with one line)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from wardrobe import metrics
from wardrobe.api import views

v1 = [
    path("items/", views.ItemsView.as_view(), name="items"),
    path("items/<uuid:item_id>/", views.ItemView.as_view(), name="item"),
    path("items/<uuid:item_id>/status/", views.ItemStatusView.as_view(), name="item-status"),
    path("items/<uuid:item_id>/retry/", views.ItemRetryView.as_view(), name="item-retry"),
    path("items/<uuid:item_id>/media/<slug:kind>/", views.ItemMediaView.as_view(), name="item-media"),
    path("items/<uuid:item_id>/similar-products/", views.ItemSimilarProductsView.as_view(), name="item-similar-products"),
    path("items/<uuid:item_id>/goes-with/", views.ItemGoesWithView.as_view(), name="item-goes-with"),
    path("products/<uuid:product_id>/", views.ProductView.as_view(), name="product"),
    path("recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
    path("recommendations/<uuid:request_id>/", views.RecommendationView.as_view(), name="recommendation"),
    path("outfits/", views.OutfitsView.as_view(), name="outfits"),
    path("outfits/<uuid:outfit_id>/", views.OutfitView.as_view(), name="outfit"),
    path("outfits/<uuid:outfit_id>/feedback/", views.OutfitFeedbackView.as_view(), name="outfit-feedback"),
    path("outfits/<uuid:outfit_id>/wear/", views.OutfitWearView.as_view(), name="outfit-wear"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[]), name="docs"),
]

urlpatterns = [
    path("api/v1/", include((v1, "api"))),
    path("metrics", metrics.metrics_view, name="metrics"),
]
