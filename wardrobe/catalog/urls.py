from django.urls import path

from wardrobe.catalog import views

urlpatterns = [
    path("search/", views.search_start, name="shop-search-start"),
    path("search/<uuid:search_id>/", views.search_detail, name="shop-search"),
    path("products/<uuid:product_id>/media/<slug:kind>/", views.product_media, name="product-media"),
    path("admin/products/<uuid:product_id>/thumbnail/", views.admin_product_media, name="admin-product-media"),
]
