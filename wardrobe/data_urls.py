"""Your data (mounted under /me/data/): export, import, today's outfit, deleting the account."""

from django.urls import path

from wardrobe import data_views

urlpatterns = [
    path("", data_views.my_data, name="my-data"),
    path("export/", data_views.export_start, name="export-start"),
    path("export/panel/", data_views.export_panel, name="export-panel"),
    path("export/<uuid:export_id>/download/", data_views.export_download, name="export-download"),
    path("import/", data_views.import_start, name="import-start"),
    path("import/<uuid:import_id>/", data_views.import_detail, name="import-detail"),
    path("daily/", data_views.daily_settings, name="daily-settings"),
    path("delete/", data_views.account_delete, name="account-delete"),
    path("deleted/", data_views.account_deleted, name="account-deleted"),
    # A mail's one-click links: no login, one action.
    path("o/<slug:purpose>/<str:token>/", data_views.one_click, name="daily-one-click"),
]
