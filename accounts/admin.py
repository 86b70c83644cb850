from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Company, User


class UserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "company", "region", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups", "region"]
    search_fields = ["email", "company__name_ko"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Company and region"),
            {"fields": ["company", "region", "preferred_language"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "usable_password", "password1", "password2"],
            },
        )
    ]


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = [
        "name_ko",
        "name_en",
        "business_number",
        "region",
        "industry",
        "employees",
    ]
    list_filter = ["region", "industry"]
    search_fields = ["name_ko", "name_en", "business_number"]
