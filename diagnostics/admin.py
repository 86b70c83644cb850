"""The question bank in Django admin: drafts are editable, published versions are not."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from diagnostics import services
from diagnostics.models import (
    Area,
    ConsultantNote,
    ConsultantRequest,
    Diagnostic,
    Fact,
    Option,
    Question,
    QuestionnaireVersion,
    Report,
    ReviewEvent,
    StageRule,
    VersionStatus,
)


def _version_of(obj: Any) -> QuestionnaireVersion | None:
    if obj is None:
        return None
    if isinstance(obj, QuestionnaireVersion):
        return obj
    if isinstance(obj, Option):
        return obj.question.version
    return obj.version


def _limit_choices(
    fields: dict[str, forms.Field], name: str, queryset: QuerySet[Any]
) -> None:
    field = fields.get(name)
    if isinstance(field, forms.ModelChoiceField):  # absent when shown read-only
        field.queryset = queryset


class DraftOnlyMixin:
    """Content of a published or retired version is read-only, so past results hold."""

    # super() is the model admin this is mixed into, which mypy does not see: the calls
    # to it carry `type: ignore[misc]`.

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
    fields = ["code", "label_ko", "label_en", "source", "conditions", "implies"]


class AreaInline(DraftOnlyInline):
    model = Area
    fields = ["order", "code", "name_ko", "name_en"]


class StageRuleInline(DraftOnlyInline):
    model = StageRule
    fields = ["stage", "phase", "name_ko", "name_en", "min_score", "required_facts"]
    filter_horizontal = ["required_facts"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # Only the facts of this version: another version's fact never gets set.
        facts = Fact.objects.filter(version=obj) if obj else Fact.objects.none()
        _limit_choices(formset.form.base_fields, "required_facts", facts)
        return formset


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "status", "published_at", "question_count"]
    list_filter = ["status"]
    readonly_fields = ["status", "published_at"]
    fields = [
        "number",
        "title",
        "status",
        "published_at",
        "notes",
        "entry_fact_code",
        "entry_stage",
        "max_not_applicable",
    ]
    inlines = [FactInline, AreaInline, StageRuleInline]
    actions = ["copy_to_draft", "publish"]

    @admin.display(description=_("questions"))
    def question_count(self, obj: QuestionnaireVersion) -> int:
        return obj.questions.count()

    @admin.action(description=_("Copy to a new draft"), permissions=["add"])
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

    @admin.action(description=_("Publish (validates first)"), permissions=["change"])
    def publish(
        self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]
    ) -> None:
        # One published version at a time: publishing two would retire the first at once.
        if len(queryset) != 1:
            self.message_user(
                request, _("Select exactly one version to publish."), messages.ERROR
            )
            return
        version = queryset[0]
        try:
            services.questionnaire_publish(version=version)
        except services.PublishRefused as refused:
            for problem in refused.problems:
                self.message_user(
                    request,
                    _("Cannot publish v%(n)s: %(problem)s")
                    % {"n": version.number, "problem": problem},
                    messages.ERROR,
                )
        else:
            self.message_user(request, _("Published v%(n)s.") % {"n": version.number})


# A tuple: the stubs type the form's and the inline's `fields` as different lists.
OPTION_FIELDS = (
    "order",
    "label_ko",
    "label_en",
    "points",
    "sets_fact",
    "band_min",
    "band_max",
    "not_applicable",
)


class OptionForm(forms.ModelForm):
    class Meta:
        model = Option
        fields = OPTION_FIELDS

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        fact = data.get("sets_fact")
        question = getattr(self.instance, "question", None)
        if fact is not None and question is not None:
            if fact.version_id != question.version_id:
                self.add_error("sets_fact", _("This fact belongs to another version."))
        return data


class OptionInline(DraftOnlyInline):
    model = Option
    form = OptionForm
    fields = OPTION_FIELDS

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        facts = Fact.objects.filter(version__status=VersionStatus.DRAFT)
        if obj is not None:
            facts = facts.filter(version=obj.version)
        _limit_choices(formset.form.base_fields, "sets_fact", facts)
        return formset


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "version",
            "area",
            "code",
            "order",
            "text_ko",
            "text_en",
            "help_ko",
            "help_en",
            "kind",
            "weight",
            "bottleneck",
            "bottleneck_note_ko",
            "bottleneck_note_en",
            "tracks",
            "number_min",
            "number_max",
            "unit_ko",
            "unit_en",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        version = data.get("version") or getattr(self.instance, "version", None)
        area = data.get("area")
        if version is not None and area is not None and area.version_id != version.pk:
            self.add_error("area", _("This area belongs to another version."))
        return data


@admin.register(Question)
class QuestionAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "code",
        "short_text",
        "area",
        "kind",
        "weight",
        "bottleneck",
        "tracks",
        "version",
    ]
    list_filter = ["version", "area__code", "kind", "bottleneck", "tracks"]
    search_fields = ["code", "text_ko", "text_en"]
    list_select_related = ["area", "version"]
    inlines = [OptionInline]
    form = QuestionForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        # New questions go into a draft, in one of that draft's areas.
        drafts = QuestionnaireVersion.objects.filter(status=VersionStatus.DRAFT)
        _limit_choices(form.base_fields, "version", drafts)
        areas = Area.objects.filter(version__status=VersionStatus.DRAFT)
        if obj is not None:
            areas = areas.filter(version=obj.version)
        _limit_choices(form.base_fields, "area", areas.select_related("version"))
        return form

    @admin.display(description=_("text"))
    def short_text(self, obj: Question) -> str:
        return obj.text_ko[:60]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The version of an existing question never changes: its rows belong to it.
        return ["version"] if obj is not None else []


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that the app writes through its services; admin only shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Diagnostic)
class DiagnosticAdmin(ReadOnlyAdmin):
    """Read-only view for agency staff; firms' answers are never edited here."""

    list_display = [
        "pk",
        "company",
        "status",
        "stage",
        "stage_override",
        "total_score",
        "submitted_at",
        "review_status",
        "assigned_to",
        "version",
    ]
    list_filter = ["status", "review_status", "stage", "version"]
    search_fields = ["company__name_ko", "company__name_en", "company__business_number"]
    list_select_related = ["company", "version", "assigned_to"]
    readonly_fields = [field.name for field in Diagnostic._meta.fields] + ["result"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Read-only: which reports wait, failed and why; the firm or a consultant retries."""

    list_display = [
        "pk",
        "diagnostic",
        "language",
        "status",
        "attempts",
        "pages",
        "size_bytes",
        "render_ms",
        "requested_at",
        "rendered_at",
    ]
    list_filter = ["status", "language"]
    search_fields = ["diagnostic__company__name_ko", "diagnostic__company__name_en"]
    list_select_related = ["diagnostic__company"]
    readonly_fields = [field.name for field in Report._meta.fields]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    """The review's audit trail: only ever added to, by the workspace's services."""

    list_display = [
        "created_at",
        "diagnostic",
        "kind",
        "old_value",
        "new_value",
        "actor",
    ]
    list_filter = ["kind"]
    search_fields = ["diagnostic__company__name_ko", "actor__email"]
    list_select_related = ["diagnostic__company", "actor"]
    readonly_fields = [field.name for field in ReviewEvent._meta.fields]


@admin.register(ConsultantNote)
class ConsultantNoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "diagnostic", "author"]
    search_fields = ["diagnostic__company__name_ko", "author__email", "body"]
    list_select_related = ["diagnostic__company", "author"]
    readonly_fields = [field.name for field in ConsultantNote._meta.fields]


@admin.register(ConsultantRequest)
class ConsultantRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "diagnostic", "kind", "status", "handled_by"]
    list_filter = ["status", "kind"]
    search_fields = ["diagnostic__company__name_ko"]
    list_select_related = ["diagnostic__company", "handled_by"]
    readonly_fields = [field.name for field in ConsultantRequest._meta.fields]
