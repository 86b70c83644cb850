"""The queue's export: every row of the filtered list as CSV or XLSX, streamed.

Rows come from the database in chunks (`iterator(chunk_size=...)`) and leave as they
are written, so memory stays flat in the number of rows: CSV straight into the
response, XLSX through openpyxl's write-only workbook into a temporary file.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Industry, Region
from accounts.validators import format_business_number
from diagnostics.models import Diagnostic, Phase, ReviewStatus
from diagnostics.queue import phase_of

CHUNK_SIZE = 2000
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FIELDS = (
    "pk",
    "company__name_ko",
    "company__name_en",
    "company__business_number",
    "company__region",
    "company__industry",
    "stage",
    "stage_override",
    "queue_stage",
    "total_score",
    "submitted_at",
    "review_status",
    "assigned_to__email",
    "verified_answers",
    "has_open_request",
)


def export_header() -> list[str]:
    """The header row, in the active language."""
    return [
        _("Diagnostic ID"),
        _("Company (Korean)"),
        _("Company (English)"),
        _("Business registration number"),
        _("Region"),
        _("Industry"),
        _("Computed stage"),
        _("Stage set by a consultant"),
        _("Effective stage"),
        _("Phase"),
        _("Total score"),
        _("Submitted at"),
        _("Review status"),
        _("Assigned to"),
        _("Answers verified by a consultant"),
        _("Open consultant request"),
    ]


class RowFormatter:
    """Turns a values_list row into the cells of the export.

    The labels are looked up once, when it is made, in the active language: a streamed
    response writes its rows after the view has returned.
    """

    def __init__(self) -> None:
        self.regions = {code: str(label) for code, label in Region.choices}
        self.industries = {code: str(label) for code, label in Industry.choices}
        self.statuses = {code: str(label) for code, label in ReviewStatus.choices}
        self.phases = {code: str(label) for code, label in Phase.choices}
        self.yes, self.no = _("Yes"), _("No")

    def __call__(self, row: tuple[Any, ...]) -> list[Any]:
        (
            pk,
            name_ko,
            name_en,
            business_number,
            region,
            industry,
            stage,
            override,
            effective,
            total,
            submitted_at,
            review_status,
            assigned_email,
            verified,
            has_request,
        ) = row
        return [
            pk,
            name_ko,
            name_en,
            format_business_number(business_number),
            self.regions.get(region, region),
            self.industries.get(industry, industry),
            stage,
            override if override is not None else "",
            effective,
            self.phases.get(phase_of(effective), ""),
            float(total) if total is not None else "",
            timezone.localtime(submitted_at).isoformat(timespec="seconds")
            if submitted_at
            else "",
            self.statuses.get(review_status, review_status),
            assigned_email or "",
            verified,
            self.yes if has_request else self.no,
        ]


def guard_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(queryset: QuerySet[Diagnostic]) -> Iterator[list[Any]]:
    """The header, then one guarded row per diagnostic, read in chunks."""
    formatter = RowFormatter()
    yield export_header()
    for row in queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [guard_cell(cell) for cell in formatter(row)]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[list[Any]], *, batch: int = 200) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel then reads Korean), in small batches."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    lines: list[str] = []
    for row in rows:
        lines.append(writer.writerow(row))
        if len(lines) >= batch:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def xlsx_file(rows: Iterable[list[Any]]) -> IO[bytes]:
    """A temporary file holding the workbook, at its start; closing it deletes it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Diagnostics"))
    iterator = iter(rows)
    header = next(iterator)
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in iterator:
        sheet.append(row)
    # Spills to disk past 1 MB: the workbook's zip is not held in memory.
    target = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    workbook.save(target)
    target.seek(0)
    return target
