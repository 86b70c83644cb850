"""What the statistics page draws: bar charts (SVG, server-side) and labelled tables.

Hidden figures (None, below the k-anonymity floor) are drawn as no bar and shown as
a dash with an explanation, never as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from accounts.models import Industry, Region
from diagnostics import insight
from diagnostics.questionnaire import QuestionnaireContent
from diagnostics.statistics import STAGES, AgencyStatistics, PeerComparison
from diagnostics.templatetags.format_tags import plain_number

BAR_CHART_WIDTH = 520
BAR_HEIGHT = 14
BAR_ROW = 30
LABEL_WIDTH = 170
VALUE_WIDTH = 50


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: one labelled bar per value, scaled to the largest."""

    chart_id: str
    title: str
    bars: list[Bar]
    hidden_text: str
    width: int = BAR_CHART_WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def height(self) -> int:
        return BAR_ROW * len(self.bars) + 6

    @property
    def track(self) -> int:
        return self.width - self.label_width - VALUE_WIDTH

    @property
    def value_x(self) -> int:
        return self.width


def bar_chart(
    chart_id: str, title: str, values: Sequence[tuple[str, int | None]]
) -> BarChart:
    track = BAR_CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((value for _label, value in values if value), default=0)
    return BarChart(
        chart_id=chart_id,
        title=title,
        hidden_text=_("hidden (fewer than %(floor)s firms)") % {"floor": insight.FLOOR},
        bars=[
            Bar(
                label=label,
                value=value,
                y=index * BAR_ROW,
                width=track * value / largest if value and largest else 0,
            )
            for index, (label, value) in enumerate(values)
        ],
    )


def stage_label(stage: int) -> str:
    return pgettext("stage number", "Stage %(stage)s") % {"stage": stage}


# A hidden figure, as the page prints it.
HIDDEN = "–"


def figure(value: int | None) -> str:
    """A published count as the page prints it (grouped digits), or a dash."""
    return HIDDEN if value is None else plain_number(value)


def _cells_html(values: Iterable[int | None]) -> SafeString:
    # A breakdown has hundreds of cells: written here, they cost a fraction of what
    # a template loop with filters costs per cell (format_html escapes each one).
    return format_html_join(
        "", '<td class="text-end">{}</td>', ((figure(value),) for value in values)
    )


def _table_rows(
    table: insight.SafeTable[Any, int], labels: dict[Any, str]
) -> list[dict[str, Any]]:
    """Rows of a breakdown by stage; rows without a single firm are left out."""
    return [
        {
            "label": labels.get(row, row),
            "cells_html": _cells_html(table.cell(row, stage) for stage in STAGES),
            "total": figure(table.row_totals[row]),
        }
        for row in table.rows
        if table.row_totals[row] != 0
    ]


def _month_label(month: Any) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def _distribution(
    chart_id: str, title: str, values: Sequence[tuple[str, int | None]]
) -> tuple[BarChart, list[tuple[str, str]]]:
    """A one-dimensional distribution: its chart, and its table rows beside it."""
    rows = [(label, figure(value)) for label, value in values]
    return bar_chart(chart_id, title, values), rows


def _counts(
    table: insight.SafeTable[str, Any], labels: dict[Any, str]
) -> list[tuple[str, int | None]]:
    return [(labels[key], table.cell("all", key)) for key in table.columns]


def statistics_view(statistics: AgencyStatistics) -> dict[str, Any]:
    """Charts and table rows for templates/diagnostics/statistics.html."""
    review_labels = {
        "1": _("Within a day"),
        "7": _("2 to 7 days"),
        "30": _("8 to 30 days"),
        "more": _("More than 30 days"),
        "waiting": _("Not reviewed yet"),
    }
    movement_labels = {
        "up": _("Moved up"),
        "same": _("Stayed"),
        "down": _("Moved down"),
    }
    stage_labels = {stage: stage_label(stage) for stage in STAGES}
    english = get_language() == "en"
    program_names = [
        (row["name_en"] if english else row["name_ko"]) or row["name_ko"]
        for row in statistics.programs
    ]
    stage_chart, stage_rows = _distribution(
        "chart-stages", _("Firms by stage"), _counts(statistics.stages, stage_labels)
    )
    month_chart, month_rows = _distribution(
        "chart-months",
        _("Diagnostics submitted per month"),
        [(_month_label(month), count) for month, count in statistics.months],
    )
    movement_chart, movement_summary = _distribution(
        "chart-movement",
        _("Re-assessments: how the stage changed"),
        _counts(statistics.movement_summary, movement_labels),
    )
    review_chart, review_rows = _distribution(
        "chart-review",
        _("Time from submission to review"),
        _counts(statistics.review_times, review_labels),
    )
    return {
        "firms": figure(statistics.firms),
        "diagnostics": figure(statistics.diagnostics),
        "stage_chart": stage_chart,
        "stage_rows": stage_rows,
        "stage_headers": list(stage_labels.values()),
        "region_rows": _table_rows(
            statistics.by_region, {code: str(label) for code, label in Region.choices}
        ),
        "industry_rows": _table_rows(
            statistics.by_industry,
            {code: str(label) for code, label in Industry.choices},
        ),
        "month_chart": month_chart,
        "month_rows": month_rows,
        "movement_chart": movement_chart,
        "movement_summary": movement_summary,
        "movement_rows": _table_rows(statistics.movement, stage_labels),
        "review_chart": review_chart,
        "review_rows": review_rows,
        "program_chart": bar_chart(
            "chart-programs",
            _("Programs recommended to most firms"),
            [
                (name, row["firms"])
                for name, row in zip(program_names, statistics.programs, strict=True)
            ],
        ),
        "program_rows": [
            {
                "name": name,
                "firms": figure(row["firms"]),
                "applied": figure(row["uptake"].cell("all", "applied")),
                "received": figure(row["uptake"].cell("all", "received")),
                "not_relevant": figure(row["uptake"].cell("all", "not_relevant")),
                "none": figure(row["uptake"].cell("all", "none")),
                "rate": row["rate"],
            }
            for name, row in zip(program_names, statistics.programs, strict=True)
        ],
    }


def peer_view(
    content: QuestionnaireContent, comparison: PeerComparison, industry: str
) -> dict[str, Any]:
    """The peer comparison as the firm's result page shows it, areas in their order."""
    by_area = {row.area_id: row for row in comparison.rows}
    return {
        "shown": comparison.shown,
        "floor": insight.FLOOR,
        "industry": industry,
        "industry_peers": comparison.industry_peers,
        "stage_peers": comparison.stage_peers,
        "rows": [
            {
                "name": area.area.localized("name"),
                "by_industry": by_area[area.area.pk].by_industry,
                "by_stage": by_area[area.area.pk].by_stage,
            }
            for area in content.areas
            if area.area.pk in by_area
        ],
    }
