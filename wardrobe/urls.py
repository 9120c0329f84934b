from django.contrib import admin
from django.urls import include, path

from wardrobe import health, views

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
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("closet/", views.closet, name="closet"),
    path("items/", include(item_patterns)),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
