"""The catalog in Django admin: institutions and programs with their history and CSV/XLSX
import and export; stored recommendations, read-only.

Editing needs the catalog permissions (programs.add_/change_program), which only the staff
role carries; consultants hold view permissions and firms none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.renderers import BaseRenderer
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import Result
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Industry, Region
from accounts.validators import HS_CHAPTERS, KSIC_DIVISION_SECTIONS
from diagnostics.models import Area, Bottleneck
from programs.models import (
    Institution,
    Program,
    Recommendation,
    RecommendationRefresh,
)
from programs.resources import (
    PROGRAM_COLUMNS,
    GuidedResource,
    InstitutionResource,
    ProgramResource,
    column_labels,
)
from programs.selectors import check_due_before
from programs.services import program_mark_checked

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

# Messages listing the bad rows of an import stop after this many rows.
MAX_ROW_MESSAGES = 20


class CatalogAdmin(ImportExportMixin, SimpleHistoryAdmin):
    """History of every change (who, when) plus import and export as CSV or XLSX.

    The import-export mixin comes first so that its get_urls() and changelist_view()
    wrap those of SimpleHistoryAdmin, which in turn wrap ModelAdmin's.
    """

    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    import_error_display = ("message", "row")
    # The scheme Django 6 will assume for a URL typed without one.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # With a byte order mark, Excel opens the Korean text of an exported CSV correctly.
    to_encoding = "utf-8-sig"

    class Media:
        css = {"all": ["css/admin-catalog.css"]}

    import_template_name = "admin/import_export/catalog_import.html"
    # The template files the import page offers, by the extension in their URL.
    template_file_formats: dict[str, type[CSV | XLSX]] = {"csv": CSV, "xlsx": XLSX}

    def get_urls(self) -> list[URLPattern | URLResolver]:
        app_label, model_name = self.get_model_info()
        return [
            path(
                "import/template.<str:extension>",
                self.admin_site.admin_view(self.import_template_file),
                name=f"{app_label}_{model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def _guided_resource(self) -> GuidedResource:
        resource = self.resource_classes[0]()
        assert isinstance(resource, GuidedResource)
        return resource

    def import_template_file(
        self, request: HttpRequest, extension: str
    ) -> HttpResponse:
        """A file to fill in: the columns the import reads and one example row."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        file_format = self.template_file_formats.get(extension)
        if file_format is None:
            raise Http404
        writer = file_format()
        native = writer.is_binary()
        dataset = self._guided_resource().template_dataset(native=native)
        content = writer.export_data(dataset)
        if not native:
            content = content.encode(self.to_encoding)
        _app_label, model_name = self.get_model_info()
        content_type = file_format.CONTENT_TYPE
        if not native:
            content_type += "; charset=utf-8"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{model_name}-import-template.{extension}"'
        )
        return response

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import creates and changes rows: it needs both permissions, never view.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context is None:
            return response
        resource = self._guided_resource()
        result = context.get("result")
        if result is not None and (
            result.has_errors() or result.has_validation_errors()
        ):
            # Listed once, on the page, with each column's name; not in messages too.
            context["import_problems"] = import_problems(
                result, column_labels(resource)
            )
        if not context.get("confirm_form"):
            app_label, model_name = self.get_model_info()
            context["column_guide"] = resource.column_guide()
            context["template_files"] = [
                (
                    extension.upper(),
                    reverse(
                        f"admin:{app_label}_{model_name}_import_template",
                        args=[extension],
                    ),
                )
                for extension in self.template_file_formats
            ]
        return response

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        # The confirm step imports the previewed file again; if the database changed in
        # between (an institution deleted), the import was rolled back: say so.
        if result.has_errors() or result.has_validation_errors():
            self._report_refusal(request, result)
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(
                reverse(f"admin:{app_label}_{model_name}_import")
            )
        return super().process_result(result, request)

    def _report_refusal(self, request: HttpRequest, result: Result) -> None:
        """After a redirect the page has no result to list: say it in messages."""
        self.message_user(
            request,
            gettext(
                "Nothing was imported. Correct the problems listed and upload the "
                "file again."
            ),
            messages.ERROR,
        )
        problems = import_problems(result, column_labels(self._guided_resource()))
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)


def import_problems(result: Result, labels: dict[str, str]) -> list[str]:
    """Each problem of a refused import once: the file's, then each bad row's.

    A row's reasons name their columns as staff know them ("Lowest stage"), in the
    language of the page, rather than by the field codes of the file's header.
    """
    problems = [str(error.error) for error in result.base_errors]
    bad_rows = [
        (row.number, _row_reasons(row.error_dict, labels))
        for row in result.invalid_rows
    ] + [
        (number, " · ".join(str(error.error) for error in errors))
        for number, errors in result.row_errors()
    ]
    bad_rows.sort()
    problems += [
        gettext("Row %(number)s: %(reasons)s") % {"number": number, "reasons": reasons}
        for number, reasons in bad_rows[:MAX_ROW_MESSAGES]
    ]
    if len(bad_rows) > MAX_ROW_MESSAGES:
        problems.append(
            gettext("… and %(count)s more rows with problems.")
            % {"count": len(bad_rows) - MAX_ROW_MESSAGES}
        )
    return problems


def _row_reasons(error_dict: dict[str, list[str]], labels: dict[str, str]) -> str:
    """ "Lowest stage: Stage 0 is outside 1–9. · Capacity (firms): “abc” is not ..." """
    return " · ".join(
        " ".join(messages_)
        if field == NON_FIELD_ERRORS
        else f"{labels.get(field, field)}: {' '.join(messages_)}"
        for field, messages_ in error_dict.items()
    )


class _ProgramCount(TypedDict):
    _program_count: int


@admin.register(Institution)
class InstitutionAdmin(CatalogAdmin):
    resource_classes = [InstitutionResource]
    list_display = ["code", "abbreviation", "name_ko", "name_en", "program_count"]
    search_fields = ["code", "abbreviation", "name_ko", "name_en"]
    fieldsets = [
        (None, {"fields": ["code", "abbreviation", "name_ko", "name_en"]}),
        (_("Contact"), {"fields": ["website", "contact"]}),
    ]

    def get_queryset(
        self, request: HttpRequest
    ) -> QuerySet[WithAnnotations[Institution, _ProgramCount]]:
        return super().get_queryset(request).annotate(_program_count=Count("programs"))

    @admin.display(description=_("programs"), ordering="_program_count")
    def program_count(self, obj: WithAnnotations[Institution, _ProgramCount]) -> int:
        return obj._program_count


# --- Programs ------------------------------------------------------------------------------

BOTTLENECK_CHOICES = [(b.value, b.label) for b in Bottleneck if b != Bottleneck.NONE]
LIST_CHOICE_ORDER = {
    "bottlenecks": [value for value, _label in BOTTLENECK_CHOICES],
    "industries": Industry.values,
    "regions": Region.values,
}


def _formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    # The scheme Django 6 will assume for a URL typed without one.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class TwoDigitCodesField(forms.CharField):
    """A list of 2-digit codes typed as "10, 28"; each must be one of `choices`."""

    def __init__(self, *, choices: Any, what: object, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.choices = set(choices)
        self.what = what

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        items = [item.strip() for item in str(value or "").split(",")]
        codes = [item.zfill(2) if item.isdigit() else item for item in items if item]
        unknown = [code for code in codes if code not in self.choices]
        if unknown:
            raise forms.ValidationError(
                gettext("Unknown %(what)s: %(codes)s.")
                % {"what": self.what, "codes": ", ".join(unknown)}
            )
        return sorted(set(codes))


def _area_choices() -> list[tuple[str, str]]:
    """Area codes of every questionnaire version, named as in the latest one."""
    names: dict[str, str] = {}
    for area in Area.objects.order_by("version__number", "order"):
        names[area.code] = f"{area.code}: {area.localized('name')}"
    return sorted(names.items())


class SelectFilter(FilteredSelectMultiple):
    """The admin's two-box picker, wrapped so that its label stays on the left.

    Django's SelectFilter2.js puts the picker first in its select's parent element.
    A relation's select sits in the admin's own wrapper; a CountryField's sits beside
    its label, which the picker would push to the right of itself.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return format_html(
            '<div class="select-filter-wrapper">{}</div>',
            super().render(name, value, attrs, renderer),
        )


class ProgramForm(forms.ModelForm):
    """The JSON list fields as labelled checkboxes instead of raw JSON."""

    bottlenecks = forms.MultipleChoiceField(
        label=_("bottlenecks addressed"),
        choices=BOTTLENECK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    industries = forms.MultipleChoiceField(
        label=_("industries (KSIC sections)"),
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every industry."),
    )
    regions = forms.MultipleChoiceField(
        label=_("regions"),
        choices=Region.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every region."),
    )
    areas = forms.MultipleChoiceField(
        label=_("areas addressed"),
        choices=[],  # the question bank's, filled in per form
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The diagnostic's areas the program helps with."),
    )
    ksic_divisions = TwoDigitCodesField(
        label=_("products: KSIC divisions"),
        choices=KSIC_DIVISION_SECTIONS,
        what=_("KSIC division"),
        help_text=_(
            "2-digit divisions, comma-separated (10, 28). A firm qualifies through "
            "its KSIC division or its HS chapter; both blank: every product."
        ),
    )
    hs_chapters = TwoDigitCodesField(
        label=_("products: HS chapters"),
        choices=HS_CHAPTERS,
        what=_("HS chapter"),
        help_text=_("2-digit chapters, comma-separated (85, 87)."),
    )
    application_months = forms.TypedMultipleChoiceField(
        label=_("usual application months"),
        choices=list(MONTHS.items()),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "The months in which the program takes applications every year. None "
            "ticked and no dates: all year round."
        ),
    )

    class Meta:
        model = Program
        fields = PROGRAM_COLUMNS
        formfield_callback = _formfield
        widgets = {
            "target_markets": SelectFilter(_("target markets"), False),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = self.fields["areas"]
        assert isinstance(areas, forms.MultipleChoiceField)
        areas.choices = _area_choices()

    def clean_application_months(self) -> list[int]:
        return sorted(set(self.cleaned_data.get("application_months") or []))

    def clean_areas(self) -> list[str]:
        return sorted(set(self.cleaned_data.get("areas") or []))

    def _in_choice_order(self, name: str) -> list[str]:
        # Stored in the order of the choices, so that history shows no false changes.
        chosen = set(self.cleaned_data.get(name) or [])
        return [value for value in LIST_CHOICE_ORDER[name] if value in chosen]

    def clean_bottlenecks(self) -> list[str]:
        return self._in_choice_order("bottlenecks")

    def clean_industries(self) -> list[str]:
        return self._in_choice_order("industries")

    def clean_regions(self) -> list[str]:
        return self._in_choice_order("regions")


class StageFilter(admin.SimpleListFilter):
    """Programs open to firms at stage N: stage_min <= N <= stage_max."""

    title = _("open to stage")
    parameter_name = "stage"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [(str(stage), str(stage)) for stage in range(1, 10)]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Program]
    ) -> QuerySet[Program]:
        value = self.value()
        if value is None:
            return queryset
        if value not in {str(stage) for stage in range(1, 10)}:
            raise IncorrectLookupParameters(value)
        stage = int(value)
        return queryset.filter(stage_min__lte=stage, stage_max__gte=stage)


class CheckedFilter(admin.SimpleListFilter):
    """Entries whose facts nobody compared with their source for six months."""

    title = _("last checked")
    parameter_name = "checked"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [
            ("due", _("Not in the last 6 months")),
            ("recent", _("In the last 6 months")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Program]
    ) -> QuerySet[Program]:
        value = self.value()
        if value is None:
            return queryset
        cutoff = check_due_before(timezone.localdate())
        if value == "due":
            return queryset.filter(
                models.Q(checked_on__isnull=True) | models.Q(checked_on__lt=cutoff)
            )
        if value == "recent":
            return queryset.filter(checked_on__gte=cutoff)
        raise IncorrectLookupParameters(value)


def _money(amount: int) -> str:
    return f"{amount:,}"


def eligibility_summary(program: Program) -> str:
    """Who may apply, in one line: "stages 2–5 · exports under US$500,000"."""
    parts: list[str] = []
    if (program.stage_min, program.stage_max) == (1, 9):
        parts.append(gettext("all stages"))
    elif program.stage_min == program.stage_max:
        parts.append(gettext("stage %(n)s") % {"n": program.stage_min})
    else:
        parts.append(
            gettext("stages %(low)s–%(high)s")
            % {"low": program.stage_min, "high": program.stage_max}
        )
    low, high = program.export_min_usd, program.export_max_usd
    if low is not None and high is not None:
        parts.append(
            gettext("exports US$%(low)s to under US$%(high)s")
            % {"low": _money(low), "high": _money(high)}
        )
    elif low is not None:
        parts.append(gettext("exports from US$%(low)s") % {"low": _money(low)})
    elif high is not None:
        parts.append(gettext("exports under US$%(high)s") % {"high": _money(high)})
    if program.max_employees is not None:
        parts.append(
            gettext("up to %(n)s employees") % {"n": _money(program.max_employees)}
        )
    if program.max_revenue_krw is not None:
        parts.append(
            gettext("revenue up to ₩%(n)s") % {"n": _money(program.max_revenue_krw)}
        )
    if program.exported_last_year is True:
        parts.append(gettext("exported last year"))
    elif program.exported_last_year is False:
        parts.append(gettext("no exports last year"))
    if program.age_min_years is not None:
        parts.append(gettext("founded %(n)s+ years ago") % {"n": program.age_min_years})
    if program.age_max_years is not None:
        parts.append(
            gettext("founded within %(n)s years") % {"n": program.age_max_years}
        )
    if program.industries:
        industries = dict(Industry.choices)
        names = ", ".join(
            str(industries.get(code, code)) for code in program.industries
        )
        parts.append(gettext("industries %(names)s") % {"names": names})
    if program.ksic_divisions or program.hs_chapters:
        products = [f"KSIC {code}" for code in program.ksic_divisions] + [
            f"HS {code}" for code in program.hs_chapters
        ]
        parts.append(gettext("products %(codes)s") % {"codes": ", ".join(products)})
    if program.target_markets:
        # Country names in the language of the page (django-countries translates them).
        names = ", ".join(str(country.name) for country in program.target_markets)
        parts.append(gettext("markets %(names)s") % {"names": names})
    if program.regions:
        labels = dict(Region.choices)
        names = ", ".join(str(labels.get(code, code)) for code in program.regions)
        parts.append(gettext("regions %(names)s") % {"names": names})
    return " · ".join(parts)


@admin.register(Program)
class ProgramAdmin(CatalogAdmin):
    resource_classes = [ProgramResource]
    form = ProgramForm
    list_display = [
        "code",
        "name_ko",
        "institution",
        "support_type",
        "eligibility",
        "checked_on",
        "is_active",
    ]
    list_filter = [
        "institution",
        "support_type",
        StageFilter,
        CheckedFilter,
        "verified",
        "is_active",
    ]
    search_fields = ["code", "name_ko", "name_en", "family"]
    list_select_related = ["institution"]
    readonly_fields = ["eligibility"]
    actions = ["mark_checked"]
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    "institution",
                    "code",
                    "name_ko",
                    "name_en",
                    "family",
                    "support_type",
                    "bottlenecks",
                    "areas",
                    "includes_diagnosis",
                ]
            },
        ),
        (_("Description"), {"fields": ["description_ko", "description_en"]}),
        (
            _("Eligibility"),
            {
                "description": _("An empty rule admits every firm."),
                "fields": [
                    "eligibility",
                    ("stage_min", "stage_max"),
                    ("export_min_usd", "export_max_usd"),
                    "exported_last_year",
                    "max_employees",
                    "max_revenue_krw",
                    ("age_min_years", "age_max_years"),
                    "industries",
                    "ksic_divisions",
                    "hs_chapters",
                    "target_markets",
                    "regions",
                ],
            },
        ),
        (
            _("Fee and capacity"),
            {"fields": [("fee_min_krw", "fee_max_krw"), "capacity"]},
        ),
        (
            _("Application"),
            {
                "fields": [
                    "application_months",
                    ("application_opens", "application_closes"),
                    "application_url",
                    "contact",
                    "how_to_apply_ko",
                    "how_to_apply_en",
                ]
            },
        ),
        (
            _("Source"),
            {
                "description": _(
                    "Where the facts above come from, and when a person last "
                    "compared them with it."
                ),
                "fields": [
                    "source_url",
                    "checked_on",
                    "verified",
                    "verification_note",
                ],
            },
        ),
        (_("Status"), {"fields": ["is_active"]}),
    ]

    @admin.display(description=_("eligibility"))
    def eligibility(self, obj: Program) -> str:
        return eligibility_summary(obj)

    @admin.action(
        description=_("Mark as checked today against their source"),
        permissions=["change"],
    )
    def mark_checked(self, request: HttpRequest, queryset: QuerySet[Program]) -> None:
        today = timezone.localdate()
        done, without_source = 0, []
        for program in queryset.order_by("code"):
            if program_mark_checked(program=program, today=today):
                done += 1
            else:
                without_source.append(program.code)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)s program marked as checked on %(date)s.",
                    "%(count)s programs marked as checked on %(date)s.",
                    done,
                )
                % {"count": done, "date": today.isoformat()},
                messages.SUCCESS,
            )
        if without_source:
            self.message_user(
                request,
                gettext(
                    "Not marked, for they name no source to check against: "
                    "%(codes)s. Enter each one's source first."
                )
                % {"codes": ", ".join(without_source)},
                messages.WARNING,
            )


# --- Recommendations (read-only) --------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stored recommendations are what a firm was told: nobody edits them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = [
        "diagnostic",
        "kind",
        "rank",
        "program_code",
        "fit_score",
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["program__code"]
    list_select_related = ["diagnostic__company", "program"]

    @admin.display(description=_("program"))
    def program_code(self, obj: Recommendation) -> str:
        return str(obj.program_snapshot.get("code", ""))


@admin.register(RecommendationRefresh)
class RecommendationRefreshAdmin(ReadOnlyAdmin):
    list_display = ["diagnostic", "refreshed_by", "refreshed_at", "reason"]
    list_select_related = ["diagnostic__company", "refreshed_by"]
