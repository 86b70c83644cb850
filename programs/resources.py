"""CSV and XLSX import and export of the catalog (django-import-export).

An import is all or nothing: a file with one bad row saves no row, and the preview names
every bad row with its reasons. Lists travel as comma-separated codes ("funds, manpower"),
dates as YYYY-MM-DD, institutions by their code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from import_export import fields, resources, widgets
from import_export.results import Error, Result
from tablib import Dataset

from accounts.models import Industry, Region
from accounts.validators import HS_CHAPTERS, KSIC_DIVISION_SECTIONS
from diagnostics.models import Area, Bottleneck
from programs.models import Institution, Program, SupportType

STAGE_MIN, STAGE_MAX = 1, 9


class ImportFileError(Exception):
    """A problem with the file as a whole (its columns), not with one row."""


class ImportProblem(Error):
    """Shows a file-level problem as its message alone, without a Python traceback."""

    @property
    def traceback(self) -> str:
        if isinstance(self.error, ImportFileError):
            return ""
        return super().traceback


def _text(value: Any) -> str:
    """A cell as stripped text; XLSX gives numbers and None where CSV gives strings."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    """Text with surrounding blanks removed; an empty cell is "" (never None)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return _text(value)


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number of 0 or more; a blank cell is None.

    Stricter than IntegerWidget, which accepts "2.5" as 2 and lets "abc" raise a
    decimal error that import-export reports as a crash instead of a bad row.
    """

    _plain = re.compile(r"^-?\d+$")
    _grouped = re.compile(r"^-?\d{1,3}(,\d{3})+$")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        if isinstance(value, bool):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise ValueError(
                    _("“%(value)s” is not a whole number.") % {"value": value}
                )
            number = int(value)
        else:
            text = _text(value)
            if not text:
                return None
            if not (self._plain.match(text) or self._grouped.match(text)):
                raise ValueError(
                    _("“%(value)s” is not a whole number.") % {"value": text}
                )
            number = int(text.replace(",", ""))
        if number < 0:
            raise ValueError(
                _("“%(value)s” is negative; enter 0 or more.") % {"value": number}
            )
        return number

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else str(value)


class IsoDateWidget(widgets.DateWidget):
    """A date as YYYY-MM-DD (or a date cell in XLSX); a blank cell is None."""

    _iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        if not text:
            return None
        try:
            if not self._iso.match(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date; use YYYY-MM-DD.") % {"value": text}
            ) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, date):
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class StrictBooleanWidget(widgets.BooleanWidget):
    """true/false, yes/no or 1/0; anything else is an error rather than False."""

    _true = {"1", "true", "yes", "y"}
    _false = {"0", "false", "no", "n"}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in self._true:
            return True
        if text in self._false:
            return False
        raise ValueError(
            _("“%(value)s” is not true or false (use 1/0, true/false or yes/no).")
            % {"value": _text(value)}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else ("true" if value else "false")


class ChoiceWidget(widgets.CharWidget):
    """One code out of a fixed list; a blank cell is left to the model's validation."""

    def __init__(self, choices: Iterable[str], *, what: str | Promise) -> None:
        super().__init__()
        self.choices = list(choices)
        self.what = what

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = _text(value)
        if text and text not in self.choices:
            raise ValueError(
                _("Unknown %(what)s “%(value)s”; use one of: %(choices)s.")
                % {"what": self.what, "value": text, "choices": ", ".join(self.choices)}
            )
        return text


class ChoiceListWidget(widgets.Widget):
    """A comma-separated list of codes, each out of a fixed list; blank is []."""

    def __init__(
        self, choices: Iterable[str], *, what: str | Promise, upper: bool = False
    ) -> None:
        super().__init__()
        self.choices = list(choices)
        self.what = what
        self.upper = upper

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        codes: list[str] = []
        unknown: list[str] = []
        for item in _text(value).split(","):
            code = item.strip()
            code = code.upper() if self.upper else code.lower()
            if not code or code in codes:
                continue
            (codes if code in self.choices else unknown).append(code)
        if unknown:
            raise ValueError(
                _("Unknown %(what)s: %(values)s; use codes from: %(choices)s.")
                % {
                    "what": self.what,
                    "values": ", ".join(f"“{code}”" for code in unknown),
                    "choices": ", ".join(self.choices),
                }
            )
        return codes

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        # Countries come back from CountryField as Country objects.
        return ", ".join(str(getattr(item, "code", item)) for item in value or [])


class CodeListWidget(widgets.Widget):
    """A comma-separated list of lowercase codes, unchecked here; blank is []."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        codes: list[str] = []
        for item in _text(value).split(","):
            code = item.strip().lower()
            if code and code not in codes:
                codes.append(code)
        return codes

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(str(item) for item in value or [])


class DigitCodeListWidget(ChoiceListWidget):
    """Two-digit codes (KSIC divisions, HS chapters): "10, 28"; a lone 1 is "01".

    A spreadsheet turns a cell holding 10 into a number, and 01 into 1.
    """

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        items = [item.strip() for item in _text(value).split(",")]
        padded = ", ".join(item.zfill(2) if item.isdigit() else item for item in items)
        return super().clean(padded, row, **kwargs)


class MonthListWidget(widgets.Widget):
    """Months as numbers 1-12, comma-separated ("1, 6"); blank is [] (all year)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[int]:
        months: set[int] = set()
        for item in _text(value).split(","):
            text = item.strip()
            if not text:
                continue
            if not text.isdigit() or not 1 <= int(text) <= 12:
                raise ValueError(
                    _("“%(value)s” is no month; use numbers from 1 to 12.")
                    % {"value": text}
                )
            months.add(int(text))
        return sorted(months)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ", ".join(str(month) for month in value or [])


class OptionalBooleanWidget(StrictBooleanWidget):
    """true/false as StrictBooleanWidget, and a blank cell for "either"."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool | None:  # type: ignore[override]  # blank means "either", which the parent cannot return
        if not _text(value):
            return None
        return super().clean(value, row, **kwargs)


class DefaultBooleanWidget(StrictBooleanWidget):
    """true/false as StrictBooleanWidget; a blank cell is the model's default.

    For columns added after files were first exported: an older file's blank cells
    mean "as before".
    """

    def __init__(self, default: bool) -> None:
        super().__init__()
        self.default = default

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if not _text(value):
            return self.default
        return super().clean(value, row, **kwargs)


class InstitutionWidget(widgets.ForeignKeyWidget):
    """An institution by its code ("kotra")."""

    def __init__(self) -> None:
        super().__init__(Institution, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Institution:
        code = _text(value)
        if not code:
            raise ValueError(_("Enter the institution's code."))
        try:
            return super().clean(code, row, **kwargs)
        except Institution.DoesNotExist:
            raise ValueError(
                _("Unknown institution code “%(code)s”.") % {"code": code}
            ) from None


def _drop_blank_rows_and_columns(dataset: Dataset) -> None:
    """Spreadsheets carry formatted but empty rows and columns around the data."""
    headers = [_text(header) for header in dataset.headers or []]
    rows = [list(row) for row in dataset if any(_text(cell) for cell in row)]
    keep = [
        index
        for index, header in enumerate(headers)
        if header or any(_text(row[index]) for row in rows)
    ]
    dataset.wipe()
    dataset.headers = [headers[index] for index in keep]
    for row in rows:
        dataset.append([row[index] for index in keep])


class CatalogResource(resources.ModelResource):
    """Shared checks on the file as a whole; subclasses name their columns."""

    required_columns: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._duplicate_codes: dict[str, list[int]] = {}

    def get_error_result_class(self) -> type[Error]:
        return ImportProblem

    def import_data(
        self,
        dataset: Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        # All or nothing, whoever calls: without both flags import-export saves the
        # good rows of a file whose other rows failed validation.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset: Dataset, **kwargs: Any) -> None:
        _drop_blank_rows_and_columns(dataset)
        self._duplicate_codes = self._duplicates(dataset)
        problems = self._column_problems(dataset.headers)
        if problems:
            raise ImportFileError(" ".join(problems))

    def _column_problems(self, headers: list[str]) -> list[str]:
        known = {field.column_name for field in self.get_import_fields()}
        missing = [column for column in self.required_columns if column not in headers]
        unknown = [header for header in headers if header and header not in known]
        repeated = sorted(h for h, n in Counter(headers).items() if h and n > 1)
        problems = []
        if missing:
            problems.append(
                _("Missing required column(s): %(columns)s.")
                % {"columns": ", ".join(missing)}
            )
        if unknown:
            problems.append(
                _("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)}
            )
        if repeated:
            problems.append(
                _("Column(s) given twice: %(columns)s.")
                % {"columns": ", ".join(repeated)}
            )
        if "" in headers:
            problems.append(_("A column has no header."))
        return problems

    def _duplicates(self, dataset: Dataset) -> dict[str, list[int]]:
        if "code" not in dataset.headers:
            return {}
        rows: dict[str, list[int]] = {}
        for number, code in enumerate(dataset["code"], start=1):
            if _text(code):
                rows.setdefault(_text(code), []).append(number)
        return {code: numbers for code, numbers in rows.items() if len(numbers) > 1}

    def before_import_row(self, row: Mapping[str, Any], **kwargs: Any) -> None:
        # A second row with the same code would silently overwrite the first.
        numbers = self._duplicate_codes.get(_text(row.get("code")))
        if numbers:
            raise ValidationError(
                {
                    "code": _("Code “%(code)s” is on more than one row: %(rows)s.")
                    % {
                        "code": _text(row.get("code")),
                        "rows": ", ".join(str(n) for n in numbers),
                    }
                }
            )


# --- The import page's guide: a template file and what each column holds ------------------


@dataclass(frozen=True)
class ColumnGuide:
    """One column of an import file, as the import page explains it."""

    name: str  # the header, as in the file
    label: str  # what staff call it, in the page's language
    meaning: str
    required: bool
    format: str
    choices: list[tuple[str, str]]  # allowed codes and their names; [] for free values
    example: str


def _whole_number_format(name: str) -> str:
    if name in {"stage_min", "stage_max"}:
        return _("A stage, a whole number from 1 to 9.")
    if name.endswith("_usd"):
        return _(
            "An amount in US dollars: a whole number without a currency sign or "
            "decimals (500000 or 500,000)."
        )
    if name.endswith("_krw"):
        return _(
            "An amount in won: a whole number without a currency sign or decimals "
            "(2000000 or 2,000,000)."
        )
    if name.endswith("_years"):
        return _("A number of years: a whole number of 0 or more.")
    return _("A whole number of 0 or more, without decimals (40).")


def _widget_format(name: str, widget: widgets.Widget, model_field: Any) -> str:
    """How to write a value of the column, from the widget that reads it."""
    if isinstance(widget, WholeNumberWidget):
        return _whole_number_format(name)
    if isinstance(widget, IsoDateWidget):
        return _("A date as YYYY-MM-DD (2026-03-01).")
    if isinstance(widget, DefaultBooleanWidget):
        default = _("true") if widget.default else _("false")
        return _("true or false (also 1/0 or yes/no); blank means %(default)s.") % {
            "default": default
        }
    if isinstance(widget, OptionalBooleanWidget):
        return _("true or false (also 1/0 or yes/no); blank means either.")
    if isinstance(widget, StrictBooleanWidget):
        return _("true or false (also 1/0 or yes/no).")
    if isinstance(widget, MonthListWidget):
        return _("Month numbers from 1 to 12, comma-separated (3, 9).")
    if isinstance(widget, DigitCodeListWidget):
        return _("Two-digit codes, comma-separated (10, 28).")
    if isinstance(widget, ChoiceListWidget):
        return _("Codes from the list, comma-separated; blank for none.")
    if isinstance(widget, CodeListWidget):
        return _("Codes from the list, comma-separated; blank for none.")
    if isinstance(widget, ChoiceWidget):
        return _("One code from the list.")
    if isinstance(widget, InstitutionWidget):
        return _("An institution's code, from the list.")
    if isinstance(model_field, models.URLField):
        return _("A web address beginning with https://.")
    if isinstance(model_field, models.SlugField):
        return _("Lowercase letters, digits and hyphens (export-voucher).")
    return _("Text.")


def _area_choices() -> list[tuple[str, str]]:
    """Area codes of every questionnaire version, named as in the latest one."""
    names: dict[str, str] = {}
    for area in Area.objects.order_by("version__number", "order"):
        names[area.code] = str(area.localized("name"))
    return sorted(names.items())


def _widget_choices(name: str, widget: widgets.Widget) -> list[tuple[str, str]]:
    """The codes a column accepts, with their names in the page's language."""
    if isinstance(widget, InstitutionWidget):
        return [
            (institution.code, str(institution.localized("name")))
            for institution in Institution.objects.order_by("code")
        ]
    if isinstance(widget, CodeListWidget):  # the question bank's areas
        return _area_choices()
    if not isinstance(widget, ChoiceWidget | ChoiceListWidget):
        return []
    if name == "target_markets":
        return [(code, str(country_name)) for code, country_name in countries]
    if name == "ksic_divisions":
        sections = dict(Industry.choices)
        return [
            (code, f"{section} {sections[section]}")
            for code, section in KSIC_DIVISION_SECTIONS.items()
        ]
    if name == "hs_chapters":
        return [(code, "") for code in HS_CHAPTERS]
    labels = {
        **dict(SupportType.choices),
        **dict(Bottleneck.choices),
        **dict(Industry.choices),
        **dict(Region.choices),
    }
    return [(code, str(labels.get(code, ""))) for code in widget.choices]


def column_labels(resource: resources.ModelResource) -> dict[str, str]:
    """Each column's (and model field's) human name, in the page's language."""
    labels: dict[str, str] = {}
    model = resource._meta.model
    for field in resource.get_import_fields():
        try:
            verbose = model._meta.get_field(field.attribute).verbose_name
        except FieldDoesNotExist:
            verbose = field.column_name
        labels[field.column_name] = capfirst(str(verbose))
        labels[field.attribute] = labels[field.column_name]
    return labels


class GuidedResource(CatalogResource):
    """A resource whose import page explains its columns and offers a template file."""

    # What a blank or a value means, beyond the model field's help text.
    column_notes: Mapping[str, str | Promise] = {}

    def example(self) -> Any:
        """An unsaved instance that shows one valid value in every column.

        Each resource defines its own (InstitutionResource, ProgramResource): the
        base class cannot know a valid row.
        """
        raise NotImplementedError

    def template_dataset(self, *, native: bool = False) -> Dataset:
        """The header row and one example row, written by the columns' own widgets.

        `native` keeps numbers, dates and booleans as such (for XLSX cells).
        """
        instance = self.example()
        import_fields = self.get_import_fields()
        dataset = Dataset(headers=[field.column_name for field in import_fields])
        dataset.append(
            [
                field.export(instance, force_native_type=native)
                for field in import_fields
            ]
        )
        return dataset

    def column_guide(self) -> list[ColumnGuide]:
        model = self._meta.model
        example = dict(zip(*self._example_cells(), strict=True))
        guide = []
        for field in self.get_import_fields():
            try:
                model_field = model._meta.get_field(field.attribute)
            except FieldDoesNotExist:
                model_field = None
            label = getattr(model_field, "verbose_name", field.column_name)
            meaning = [
                str(text)
                for text in (
                    getattr(model_field, "help_text", ""),
                    self.column_notes.get(field.column_name, ""),
                )
                if text
            ]
            guide.append(
                ColumnGuide(
                    name=field.column_name,
                    label=capfirst(str(label)),
                    meaning=" ".join(meaning),
                    required=field.column_name in self.required_columns,
                    format=str(
                        _widget_format(field.column_name, field.widget, model_field)
                    ),
                    choices=_widget_choices(field.column_name, field.widget),
                    example=example[field.column_name],
                )
            )
        return guide

    def _example_cells(self) -> tuple[list[str], list[str]]:
        dataset = self.template_dataset()
        return list(dataset.headers or []), [str(cell) for cell in dataset[0]]


class InstitutionResource(GuidedResource):
    required_columns = ("code", "name_ko", "name_en", "abbreviation")

    def example(self) -> Institution:
        return Institution(
            code="example-agency",
            abbreviation="EXA",
            name_ko="예시 수출지원기관",
            name_en="Example Export Agency",
            website="https://www.example.or.kr",
            contact="1600-0000",
        )

    class Meta:
        model = Institution
        import_id_fields = ["code"]
        fields = ["code", "name_ko", "name_en", "abbreviation", "website", "contact"]
        export_order = fields
        skip_unchanged = True
        clean_model_instances = True


def _field(name: str, widget: widgets.Widget) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widget)


def _whole(name: str) -> fields.Field:
    return _field(name, WholeNumberWidget())


def _textual(name: str) -> fields.Field:
    return _field(name, TextWidget())


PROGRAM_COLUMNS = [
    "code",
    "institution",
    "name_ko",
    "name_en",
    "description_ko",
    "description_en",
    "support_type",
    "bottlenecks",
    "areas",
    "family",
    "includes_diagnosis",
    "stage_min",
    "stage_max",
    "export_min_usd",
    "export_max_usd",
    "max_employees",
    "max_revenue_krw",
    "exported_last_year",
    "age_min_years",
    "age_max_years",
    "industries",
    "ksic_divisions",
    "hs_chapters",
    "target_markets",
    "regions",
    "fee_min_krw",
    "fee_max_krw",
    "capacity",
    "application_months",
    "application_opens",
    "application_closes",
    "application_url",
    "contact",
    "how_to_apply_ko",
    "how_to_apply_en",
    "is_active",
    "source_url",
    "checked_on",
    "verified",
    "verification_note",
]


class ProgramResource(GuidedResource):
    """Programs, one a row, keyed by their code; see PROGRAM_COLUMNS for the columns."""

    required_columns = (
        "code",
        "institution",
        "name_ko",
        "name_en",
        "description_ko",
        "description_en",
        "support_type",
        "stage_min",
        "stage_max",
    )

    code = _textual("code")
    institution = _field("institution", InstitutionWidget())
    name_ko = _textual("name_ko")
    name_en = _textual("name_en")
    description_ko = _textual("description_ko")
    description_en = _textual("description_en")
    support_type = _field(
        "support_type",
        ChoiceWidget(SupportType.values, what=gettext_lazy("support type")),
    )
    bottlenecks = _field(
        "bottlenecks",
        ChoiceListWidget(
            [b for b in Bottleneck.values if b != Bottleneck.NONE],
            what=gettext_lazy("bottleneck"),
        ),
    )
    # Area codes are the question bank's; Program.clean() checks them against it.
    areas = _field("areas", CodeListWidget())
    family = _textual("family")
    includes_diagnosis = _field("includes_diagnosis", DefaultBooleanWidget(False))
    stage_min = _whole("stage_min")
    stage_max = _whole("stage_max")
    export_min_usd = _whole("export_min_usd")
    export_max_usd = _whole("export_max_usd")
    max_employees = _whole("max_employees")
    max_revenue_krw = _whole("max_revenue_krw")
    exported_last_year = _field("exported_last_year", OptionalBooleanWidget())
    age_min_years = _whole("age_min_years")
    age_max_years = _whole("age_max_years")
    industries = _field(
        "industries",
        ChoiceListWidget(Industry.values, what=gettext_lazy("industry"), upper=True),
    )
    ksic_divisions = _field(
        "ksic_divisions",
        DigitCodeListWidget(KSIC_DIVISION_SECTIONS, what=gettext_lazy("KSIC division")),
    )
    hs_chapters = _field(
        "hs_chapters",
        DigitCodeListWidget(HS_CHAPTERS, what=gettext_lazy("HS chapter")),
    )
    target_markets = _field(
        "target_markets",
        ChoiceListWidget(
            list(countries.countries), what=gettext_lazy("country"), upper=True
        ),
    )
    regions = _field(
        "regions", ChoiceListWidget(Region.values, what=gettext_lazy("region"))
    )
    fee_min_krw = _whole("fee_min_krw")
    fee_max_krw = _whole("fee_max_krw")
    capacity = _whole("capacity")
    application_months = _field("application_months", MonthListWidget())
    application_opens = _field("application_opens", IsoDateWidget())
    application_closes = _field("application_closes", IsoDateWidget())
    application_url = _textual("application_url")
    contact = _textual("contact")
    how_to_apply_ko = _textual("how_to_apply_ko")
    how_to_apply_en = _textual("how_to_apply_en")
    is_active = _field("is_active", StrictBooleanWidget())
    source_url = _textual("source_url")
    checked_on = _field("checked_on", IsoDateWidget())
    verified = _field("verified", DefaultBooleanWidget(True))
    verification_note = _textual("verification_note")

    column_notes = {
        "industries": gettext_lazy("Blank: every industry."),
        "ksic_divisions": gettext_lazy("Blank in both product columns: every product."),
        "target_markets": gettext_lazy(
            "Two-letter ISO 3166 country codes. Blank: every market."
        ),
        "regions": gettext_lazy("Blank: every region."),
        "export_min_usd": gettext_lazy("Blank: no lower limit."),
        "export_max_usd": gettext_lazy(
            "Firms must export less than this. Blank: no upper limit."
        ),
        "max_employees": gettext_lazy("Blank: no limit."),
        "max_revenue_krw": gettext_lazy("Blank: no limit."),
        "application_months": gettext_lazy(
            "Blank, with no dates either: all year round."
        ),
    }

    def example(self) -> Program:
        """A program that passes every check, with codes that exist in this database."""
        institution = (
            Institution.objects.filter(code="kotra").first()
            or Institution.objects.order_by("code").first()
        )
        areas = [code for code, _name in _area_choices()][:2]
        return Program(  # type: ignore[misc]  # CountryField takes a list of codes
            code="example-program",
            institution=institution,
            name_ko="예시 지원사업 (이 행을 지우고 쓰세요)",
            name_en="Example program (replace this row)",
            description_ko="해외 바이어와의 1:1 상담을 주선합니다.",
            description_en="One-to-one meetings with overseas buyers.",
            support_type=SupportType.BUYER_MATCHING,
            bottlenecks=["sales_routes", "funds"],
            areas=areas,
            family="",
            includes_diagnosis=False,
            stage_min=3,
            stage_max=6,
            export_min_usd=None,
            export_max_usd=1_000_000,
            max_employees=300,
            max_revenue_krw=50_000_000_000,
            exported_last_year=None,
            age_min_years=None,
            age_max_years=7,
            industries=["C", "G"],
            ksic_divisions=["10", "28"],
            hs_chapters=[],
            target_markets=["US", "VN"],
            regions=["seoul", "busan"],
            fee_min_krw=0,
            fee_max_krw=200_000,
            capacity=40,
            application_months=[3, 4],
            application_opens=date(2026, 3, 2),
            application_closes=date(2026, 4, 30),
            application_url="https://www.example.or.kr/apply",
            contact="1600-0000",
            how_to_apply_ko="온라인으로 신청합니다.",
            how_to_apply_en="Apply online.",
            is_active=True,
            source_url="https://www.example.or.kr/programs/buyer-days",
            checked_on=date(2026, 1, 5),
            verified=True,
            verification_note="",
        )

    class Meta:
        model = Program
        import_id_fields = ["code"]
        fields = PROGRAM_COLUMNS
        export_order = PROGRAM_COLUMNS
        skip_unchanged = True
        clean_model_instances = True

    def validate_instance(
        self,
        instance: Program,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """Check the ranges in words, then full_clean() (validators and constraints).

        A field that failed here is excluded from full_clean(), so the check constraint
        on the same fields does not repeat the error in its own, vaguer words.
        """
        errors = dict(import_validation_errors or {})
        for problem in program_range_problems(instance, skip=set(errors)):
            errors.setdefault(problem.field, []).append(problem.message)
        try:
            super().validate_instance(instance, errors, validate_unique)
        except ValidationError as error:
            # Reported in the order of the file's columns, whichever check found them.
            order = {name: index for index, name in enumerate(PROGRAM_COLUMNS)}
            raise ValidationError(
                dict(
                    sorted(
                        error.error_dict.items(),
                        key=lambda item: order.get(item[0], len(order)),
                    )
                )
            ) from None


@dataclass(frozen=True)
class RangeProblem:
    field: str
    message: str


def program_range_problems(program: Program, *, skip: set[str]) -> list[RangeProblem]:
    """The stage, export, fee and window ranges of a program, checked in words."""
    problems: list[RangeProblem] = []
    stages_ok = True
    for name in ("stage_min", "stage_max"):
        value = getattr(program, name)
        if name in skip:
            stages_ok = False
        elif value is None:
            stages_ok = False
            problems.append(RangeProblem(name, _("Enter a stage from 1 to 9.")))
        elif not STAGE_MIN <= value <= STAGE_MAX:
            stages_ok = False
            problems.append(
                RangeProblem(
                    name,
                    _("Stage %(value)s is outside 1–9.") % {"value": value},
                )
            )
    if stages_ok and program.stage_min > program.stage_max:
        problems.append(
            RangeProblem(
                "stage_max",
                _(
                    "The stage range is reversed: lowest stage %(low)s is above "
                    "highest stage %(high)s."
                )
                % {"low": program.stage_min, "high": program.stage_max},
            )
        )
    pairs = [
        (
            "export_min_usd",
            "export_max_usd",
            _("Maximum exports (%(high)s) must be above minimum exports (%(low)s)."),
            True,
        ),
        (
            "fee_min_krw",
            "fee_max_krw",
            _("Fee up to (%(high)s) is below fee from (%(low)s)."),
            False,
        ),
        (
            "application_opens",
            "application_closes",
            _("Applications close (%(high)s) before they open (%(low)s)."),
            False,
        ),
        (
            "age_min_years",
            "age_max_years",
            _(
                "Maximum years since founding (%(high)s) is below the minimum "
                "(%(low)s)."
            ),
            False,
        ),
    ]
    for low_name, high_name, message, strict in pairs:
        if low_name in skip or high_name in skip:
            continue
        low, high = getattr(program, low_name), getattr(program, high_name)
        if low is None or high is None:
            continue
        if high < low or (strict and high == low):
            problems.append(
                RangeProblem(high_name, message % {"low": low, "high": high})
            )
    return problems
