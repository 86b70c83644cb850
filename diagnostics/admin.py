"""The question bank in Django admin: drafts are editable, published versions are not."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from diagnostics import services
from diagnostics.models import (
    Area,
    Diagnostic,
    Fact,
    Option,
    Question,
    QuestionnaireVersion,
    StageRule,
)


def _version_of(obj: Any) -> QuestionnaireVersion | None:
    if obj is None:
        return None
    if isinstance(obj, QuestionnaireVersion):
        return obj
    if isinstance(obj, Option):
        return obj.question.version
    return obj.version


class DraftOnlyMixin:
    """Content of a published or retired version is read-only, so past results hold."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and not version.is_editable:
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and not version.is_editable:
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class DraftOnlyInline(DraftOnlyMixin, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and not version.is_editable:
            return False
        return super().has_add_permission(request, obj)


class FactInline(DraftOnlyInline):
    model = Fact


class AreaInline(DraftOnlyInline):
    model = Area
    fields = ["order", "code", "name_ko", "name_en"]


class StageRuleInline(DraftOnlyInline):
    model = StageRule
    fields = ["stage", "phase", "name_ko", "name_en", "min_score", "required_facts"]
    filter_horizontal = ["required_facts"]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "status", "published_at", "question_count"]
    list_filter = ["status"]
    readonly_fields = ["status", "published_at"]
    inlines = [FactInline, AreaInline, StageRuleInline]
    actions = ["copy_to_draft", "publish"]

    @admin.display(description=_("questions"))
    def question_count(self, obj: QuestionnaireVersion) -> int:
        return obj.questions.count()

    @admin.action(description=_("Copy to a new draft"))
    def copy_to_draft(
        self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]
    ) -> None:
        for version in queryset:
            copy = services.questionnaire_copy_to_draft(version=version)
            self.message_user(
                request,
                _("Copied v%(old)s to draft v%(new)s.")
                % {"old": version.number, "new": copy.number},
            )

    @admin.action(description=_("Publish (validates first)"))
    def publish(
        self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]
    ) -> None:
        for version in queryset:
            try:
                services.questionnaire_publish(version=version)
            except services.PublishRefused as refused:
                for problem in refused.problems:
                    self.message_user(
                        request, f"v{version.number}: {problem}", messages.ERROR
                    )
            else:
                self.message_user(
                    request, _("Published v%(n)s.") % {"n": version.number}
                )


class OptionInline(DraftOnlyInline):
    model = Option
    fields = [
        "order",
        "label_ko",
        "label_en",
        "points",
        "sets_fact",
        "band_min",
        "band_max",
    ]


@admin.register(Question)
class QuestionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "short_text",
        "area",
        "kind",
        "weight",
        "bottleneck",
        "version",
    ]
    list_filter = ["version", "area__code", "kind", "bottleneck"]
    search_fields = ["code", "text_ko", "text_en"]
    list_select_related = ["area", "version"]
    inlines = [OptionInline]

    @admin.display(description=_("text"))
    def short_text(self, obj: Question) -> str:
        return obj.text_ko[:60]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The version of an existing question never changes: its rows belong to it.
        return ["version"] if obj is not None else []


@admin.register(Diagnostic)
class DiagnosticAdmin(admin.ModelAdmin):
    """Read-only view for agency staff; firms' answers are never edited here."""

    list_display = [
        "pk",
        "company",
        "status",
        "stage",
        "total_score",
        "submitted_at",
        "version",
    ]
    list_filter = ["status", "stage", "version"]
    search_fields = ["company__name_ko", "company__name_en", "company__business_number"]
    list_select_related = ["company", "version"]
    readonly_fields = [field.name for field in Diagnostic._meta.fields] + ["result"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
