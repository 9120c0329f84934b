from django.contrib import admin
from django.urls import include, path

from wardrobe import health, insight_views, outfit_views, studio_views, views

item_patterns = [
    path("upload/", views.upload, name="upload"),
    path("<uuid:item_id>/", views.item_detail, name="item-detail"),
    path("<uuid:item_id>/edit/", views.item_edit, name="item-edit"),
    path("<uuid:item_id>/category/", views.item_set_category, name="item-set-category"),
    path("<uuid:item_id>/delete/", views.item_delete, name="item-delete"),
    path("<uuid:item_id>/retry/", views.item_retry, name="item-retry"),
    path("<uuid:item_id>/defects/<int:index>/remove/", views.item_remove_defect, name="item-remove-defect"),
    path("<uuid:item_id>/listing/check/", views.item_check_listing, name="item-check-listing"),
    path("<uuid:item_id>/status/", views.item_status, name="item-status"),
    path("<uuid:item_id>/media/<slug:kind>/", views.item_media, name="item-media"),
    path("<uuid:item_id>/available/", views.item_set_available, name="item-set-available"),
]

outfit_patterns = [
    path("", outfit_views.recommendations, name="recommendations"),
    path("recommend/", outfit_views.recommend, name="recommend"),
    path("requests/<uuid:request_id>/", outfit_views.recommendation_detail, name="recommendation-detail"),
    path("calendar/", outfit_views.wear_calendar, name="wear-calendar"),
    path("weather/", outfit_views.weather_widget, name="weather-widget"),
    path("<uuid:outfit_id>/save/", outfit_views.outfit_save, name="outfit-save"),
    path("<uuid:outfit_id>/rename/", outfit_views.outfit_rename, name="outfit-rename"),
    path("<uuid:outfit_id>/feedback/", outfit_views.outfit_feedback, name="outfit-feedback"),
    path("<uuid:outfit_id>/wear/", outfit_views.outfit_wear, name="outfit-wear"),
    path("<uuid:outfit_id>/delete/", outfit_views.outfit_delete, name="outfit-delete"),
    path("studio/", studio_views.outfit_studio, name="outfit-studio"),
    path("studio/preview/", studio_views.outfit_studio_preview, name="outfit-studio-preview"),
    path("<uuid:outfit_id>/", studio_views.outfit_detail, name="outfit-detail"),
    path("<uuid:outfit_id>/clone/", studio_views.outfit_clone, name="outfit-clone"),
    path("<uuid:outfit_id>/swap/<slug:slot>/", studio_views.outfit_swap, name="outfit-swap"),
    path("<uuid:outfit_id>/plan/", studio_views.outfit_plan, name="outfit-plan"),
    path("<uuid:outfit_id>/lookbook/", studio_views.lookbook_add, name="lookbook-add"),
    path("lookbooks/", studio_views.lookbooks, name="lookbooks"),
    path("lookbooks/<uuid:lookbook_id>/", studio_views.lookbook_detail, name="lookbook-detail"),
    path("lookbooks/<uuid:lookbook_id>/remove/<uuid:outfit_id>/", studio_views.lookbook_remove, name="lookbook-remove"),
    path("lookbooks/<uuid:lookbook_id>/delete/", studio_views.lookbook_delete, name="lookbook-delete"),
    path("packing/", studio_views.packing, name="packing"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("closet/", views.closet, name="closet"),
    path("insights/", insight_views.insights_page, name="insights"),
    path("cleanout/", insight_views.cleanout_page, name="cleanout"),
    path("cleanout/<uuid:item_id>/decide/", insight_views.cleanout_decide, name="cleanout-decide"),
    path("items/", include(item_patterns)),
    path("outfits/", include(outfit_patterns)),
    path("shop/", include("wardrobe.catalog.urls")),
    path("", include("wardrobe.api.urls")),  # /api/v1/ and /metrics
    path("me/data/", include("wardrobe.data_urls")),  # export, import, daily outfit, delete account
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "wardrobe.views.bad_request"
