from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import AdminAddUserForm
from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "nickname", "email", "language", "is_staff", "date_joined")
    search_fields = ("username", "nickname", "email")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Profile"), {"fields": ("nickname", "language", "city")}),)
    add_form = AdminAddUserForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": (
        "username", "email", "nickname", "usable_password", "password1", "password2")}),)

    # Deleting goes the way a person's own deletion goes: their photos in storage too.
    def delete_model(self, request, obj):
        services.start_account_deletion(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.start_account_deletion(user=user)
