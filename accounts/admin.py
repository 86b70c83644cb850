from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from accounts.access import AuthenticatedHttpRequest
from accounts.models import Company, Invitation, InvitationStatus, Region, User
from accounts.services import invitation_revoke
from accounts.validators import format_business_number
from diagnostics.templatetags.format_tags import won


class UserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserEditForm(UserChangeForm):
    # A consultant's regions, as boxes to tick rather than a JSON list to type.
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The regions whose firms this consultant reviews. A consultant without "
            "a region sees no firm; lead consultants see every region."
        ),
    )

    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "company", "regions_display", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "company__name_ko"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Company and regions"),
            {"fields": ["company", "regions", "preferred_language"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    @admin.display(description=_("regions"))
    def regions_display(self, user: User) -> str:
        return ", ".join(user.region_labels())

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
        "registration_number",
        "region",
        "industry",
        "employees",
        "revenue",
    ]
    list_filter = ["region", "industry"]
    search_fields = ["name_ko", "name_en", "business_number"]

    @admin.display(
        description=_("business registration number"), ordering="business_number"
    )
    def registration_number(self, obj: Company) -> str:
        return format_business_number(obj.business_number)

    @admin.display(description=_("annual revenue"), ordering="annual_revenue_krw")
    def revenue(self, obj: Company) -> str:
        return won(obj.annual_revenue_krw)


# Every field shows, and none is editable. A tuple: the stubs type `fields` and
# `readonly_fields` as different lists.
INVITATION_FIELDS = (
    "company",
    "email",
    "status",
    "invited_by",
    "created_at",
    "accepted_at",
    "accepted_by",
    "revoked_at",
    "revoked_by",
)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-mostly: invitations are made and used on the site; staff look them up when
    a firm asks, and may withdraw one."""

    list_display = [
        "email",
        "company",
        "status",
        "invited_by",
        "created_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["email", "company__name_ko", "company__name_en"]
    list_select_related = ["company", "invited_by"]
    date_hierarchy = "created_at"
    actions = ["revoke"]
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An invitation sends a mail with a link; only the team page makes one.
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Invitation | None = None
    ) -> bool:
        return False

    @admin.action(description=_("Withdraw the selected pending invitations"))
    def revoke(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Invitation]
    ) -> None:
        count = 0
        for invitation in queryset.filter(status=InvitationStatus.PENDING):
            invitation_revoke(invitation=invitation, user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d invitation withdrawn.",
                "%(count)d invitations withdrawn.",
                count,
            )
            % {"count": count},
        )
