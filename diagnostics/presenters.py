"""Turn a stored result into what the result, history and method pages show.

Reasons are stored as data; they are worded here, in the reader's language, from the
version's own area, fact and stage names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import PresenceAbroad
from diagnostics import scoring
from diagnostics.models import Diagnostic, FactSource
from diagnostics.questionnaire import QuestionnaireContent
from diagnostics.selectors import AnswerRow
from diagnostics.templatetags.format_tags import plain_number, usd

# Geometry of the server-rendered SVG charts (viewBox units).
# The area chart is narrow on purpose: label above bar keeps text legible on a phone.
BAR_CHART_WIDTH = 360
BAR_TRACK_WIDTH = 320
BAR_ROW_HEIGHT = 44
LINE_CHART_WIDTH = 640
LINE_CHART_HEIGHT = 240
LINE_CHART_PADDING = 36


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    y: int
    width: float
    weak: bool


@dataclass(frozen=True)
class LadderStep:
    stage: int
    name: str
    phase: str
    phase_label: str
    is_current: bool
    is_reached: bool


def _fact_label(content: QuestionnaireContent, code: str | None) -> str:
    fact = content.facts.get(code or "")
    return fact.localized("label") if fact else (code or "")


def _stage_name(content: QuestionnaireContent, stage: int) -> str:
    return content.stage_rule(stage).localized("name")


def reason_text(content: QuestionnaireContent, reason: dict[str, Any]) -> str:
    """A stage reason, worded about no one in particular: firms and consultants read it."""
    stage = reason["stage"]
    values = {
        "stage": stage,
        "name": _stage_name(content, stage),
        "score": reason.get("score"),
        "threshold": reason.get("threshold"),
        "fact": _fact_label(content, reason.get("fact")),
    }
    templates = {
        "score_reached": _(
            "A total score of %(score)s reaches the %(threshold)s points that stage "
            "%(stage)s (%(name)s) asks for."
        ),
        "gate_met": _("The condition of stage %(stage)s (%(name)s) is met: %(fact)s."),
        "score_short": _(
            "Stage %(stage)s (%(name)s) needs a total score of %(threshold)s; "
            "the total score is %(score)s."
        ),
        "gate_missing": _(
            "Stage %(stage)s (%(name)s) requires: %(fact)s. The answers do not show "
            "this yet."
        ),
        "track_floor": _(
            "The company profile shows: %(fact)s. A firm that exports is at stage "
            "%(stage)s (%(name)s) at least, whatever its answers."
        ),
    }
    kind = reason["kind"]
    if kind == "gate_missing" and _is_profile_fact(content, reason.get("fact")):
        return (
            _(
                "Stage %(stage)s (%(name)s) requires: %(fact)s. The company profile's "
                "export figures do not show this yet."
            )
            % values
        )
    return templates[kind] % values


def _is_profile_fact(content: QuestionnaireContent, code: str | None) -> bool:
    fact = content.facts.get(code or "")
    return fact is not None and fact.source == FactSource.PROFILE


def area_bars(content: QuestionnaireContent, scores: dict[str, str]) -> list[Bar]:
    bars = []
    # An area whose questions were all skipped or not applicable has no score: no bar.
    scored = [area for area in content.areas if area.area.code in scores]
    for index, area_content in enumerate(scored):
        value = Decimal(scores[area_content.area.code])
        bars.append(
            Bar(
                label=area_content.area.localized("name"),
                value=value,
                y=index * BAR_ROW_HEIGHT,
                width=float(value) / 100 * BAR_TRACK_WIDTH,
                weak=value < 50,
            )
        )
    return bars


def ladder(content: QuestionnaireContent, stage: int) -> list[LadderStep]:
    return [
        LadderStep(
            stage=rule.stage,
            name=rule.localized("name"),
            phase=rule.phase,
            phase_label=rule.get_phase_display(),
            is_current=rule.stage == stage,
            is_reached=rule.stage <= stage,
        )
        for rule in content.stage_rules
    ]


def result_view(
    content: QuestionnaireContent, diagnostic: Diagnostic
) -> dict[str, Any]:
    """Everything the result page needs, worded in the active language."""
    result = diagnostic.result or {}
    stage = result["stage"]
    rule = content.stage_rule(stage)
    bars = area_bars(content, result["area_scores"])
    plan = result.get("next_stage")
    next_plan = None
    if plan:
        next_plan = {
            "stage": plan["stage"],
            "name": _stage_name(content, plan["stage"]),
            "description": content.stage_rule(plan["stage"]).localized("description"),
            "points_needed": Decimal(plan["points_needed"]),
            "missing_facts": [
                _fact_label(content, code) for code in plan["missing_facts"]
            ],
            "helpful_areas": [
                {
                    "name": content.area_by_code[item["area"]].localized("name"),
                    "potential_points": Decimal(item["potential_points"]),
                }
                for item in plan["helpful_areas"]
            ],
        }
    return {
        "stage": stage,
        "stage_name": rule.localized("name"),
        "stage_description": rule.localized("description"),
        "phase_label": rule.get_phase_display(),
        "total_score": Decimal(result["total_score"]),
        "ladder": ladder(content, stage),
        "bars": bars,
        "chart_height": len(bars) * BAR_ROW_HEIGHT,
        "chart_width": BAR_CHART_WIDTH,
        "bar_track": BAR_TRACK_WIDTH,
        "strongest": content.area_by_code[result["strongest_area"]].localized("name"),
        "weakest": content.area_by_code[result["weakest_area"]].localized("name"),
        "reasons": [reason_text(content, item) for item in result["reasons"]],
        **_verdict(content, stage, result["reasons"]),
        "phase_note": phase_note(content, stage),
        # The next stage's missing gates are already among the reasons.
        "capped_by": [
            reason_text(content, item)
            for item in result["capped_by"]
            if item not in result["reasons"]
        ],
        "next_plan": next_plan,
        "basis": _result_basis(content, diagnostic, result),
    }


# What each of the three phases means, in a few words (the phase names are data).
PHASE_MEANINGS = {
    "preparation": gettext_lazy("getting ready for a first export"),
    "use": gettext_lazy("exporting, from first orders to several markets"),
    "deepening": gettext_lazy(
        "exports are a large, steady part of the business, with a presence abroad"
    ),
}


def phase_note(content: QuestionnaireContent, stage: int) -> str:
    """One sentence on the stage's phase and the three phases of the ladder."""
    spans: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for rule in content.stage_rules:
        spans.setdefault(rule.phase, []).append(rule.stage)
        labels[rule.phase] = str(rule.get_phase_display())
    current = content.stage_rule(stage).phase
    stages = spans[current]
    return _(
        "The “%(phase)s” phase covers stages %(first)s–%(last)s: %(meaning)s. The "
        "nine stages fall into three phases: %(phases)s."
    ) % {
        "phase": labels[current],
        "first": stages[0],
        "last": stages[-1],
        "meaning": PHASE_MEANINGS.get(current, labels[current]),
        "phases": ", ".join(
            _("%(phase)s (stages %(first)s–%(last)s)")
            % {"phase": labels[phase], "first": found[0], "last": found[-1]}
            for phase, found in spans.items()
        ),
    }


# Reasons that say why the firm is where it is, and those that keep it from the next stage.
_WHY_KINDS = ("track_floor", "score_reached", "gate_met")
_BLOCKING_KINDS = ("score_short", "gate_missing")


def _verdict(
    content: QuestionnaireContent, stage: int, reasons: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The reasons split for a reader: why this stage (its own reasons first, those of
    the stages passed on the way after), and what keeps the firm from the next one."""
    why = [
        item
        for item in reasons
        if item["kind"] in _WHY_KINDS and item["stage"] == stage
    ]
    earlier = [
        item for item in reasons if item["kind"] in _WHY_KINDS and item not in why
    ]
    blocking = [item for item in reasons if item["kind"] in _BLOCKING_KINDS]
    return {
        "why": [reason_text(content, item) for item in why],
        "met_earlier": [reason_text(content, item) for item in earlier],
        "blocking": [reason_text(content, item) for item in blocking],
    }


def _result_basis(
    content: QuestionnaireContent, diagnostic: Diagnostic, result: dict[str, Any]
) -> dict[str, Any] | None:
    """What the result was scored on: the track, the profile's figures then, and the
    questions left out. None for results of a version without tracks."""
    track = result.get("track")
    if not track:
        return None
    figures = diagnostic.export_facts or {}
    by_code = {question.code: question for question in content.questions}
    return {
        "is_exporter": track == scoring.EXPORTER,
        "figures": [
            (
                FIGURE_LABELS["exports_last_year_usd"],
                usd(figures.get("exports_last_year_usd", 0)),
            ),
            (FIGURE_LABELS["export_markets"], figures.get("export_markets", 0)),
            (FIGURE_LABELS["export_years"], figures.get("export_years", 0)),
            (
                FIGURE_LABELS["presence_level"],
                PresenceAbroad(figures.get("presence_level", 0)).label,
            ),
        ],
        "not_applicable": [
            f"{code}. {by_code[code].localized('text')}"
            for code in result.get("not_applicable", [])
            if code in by_code
        ],
        "skipped_count": len(result.get("skipped", [])),
    }


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    stage: int
    label: str
    pk: int
    anchor: str  # SVG text-anchor of the date, so the end labels stay inside the chart


def stage_line(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """Geometry of the stage-over-time chart, oldest first."""
    # Submitted diagnostics all have a submitted_at; the column is nullable for drafts.
    ordered = sorted(diagnostics, key=lambda d: d.submitted_at)  # type: ignore[arg-type, return-value]
    plot_w = LINE_CHART_WIDTH - 2 * LINE_CHART_PADDING
    plot_h = LINE_CHART_HEIGHT - 2 * LINE_CHART_PADDING
    step_x = plot_w / max(len(ordered) - 1, 1)
    points = [
        Point(
            x=LINE_CHART_PADDING + index * step_x
            if len(ordered) > 1
            else LINE_CHART_WIDTH / 2,
            y=LINE_CHART_PADDING + plot_h * (9 - (d.stage or 1)) / 8,
            stage=d.stage or 1,
            label=f"{timezone.localtime(d.submitted_at):%Y-%m-%d}",
            pk=d.pk,
            anchor=_label_anchor(index, len(ordered)),
        )
        for index, d in enumerate(ordered)
    ]
    gridlines = [
        {"stage": s, "y": LINE_CHART_PADDING + plot_h * (9 - s) / 8}
        for s in range(1, 10)
    ]
    return {
        "points": points,
        "polyline": " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points),
        "gridlines": gridlines,
        "width": LINE_CHART_WIDTH,
        "height": LINE_CHART_HEIGHT,
        "left": LINE_CHART_PADDING,
        "right": LINE_CHART_WIDTH - LINE_CHART_PADDING,
    }


def _label_anchor(index: int, count: int) -> str:
    if count == 1:
        return "middle"
    return {0: "start", count - 1: "end"}.get(index, "middle")


def comparison_rows(
    first: tuple[QuestionnaireContent, Diagnostic],
    second: tuple[QuestionnaireContent, Diagnostic],
) -> list[dict[str, Any]]:
    """Area-by-area rows of two results, matched by area code across versions."""
    (content_a, diag_a), (content_b, diag_b) = first, second
    scores_a = (diag_a.result or {}).get("area_scores", {})
    scores_b = (diag_b.result or {}).get("area_scores", {})
    rows = []
    codes = list(scores_a) + [code for code in scores_b if code not in scores_a]
    for code in codes:
        area = content_b.area_by_code.get(code) or content_a.area_by_code[code]
        a = Decimal(scores_a[code]) if code in scores_a else None
        b = Decimal(scores_b[code]) if code in scores_b else None
        rows.append(
            {
                "name": area.localized("name"),
                "a": a,
                "b": b,
                "delta": (b - a) if a is not None and b is not None else None,
            }
        )
    return rows


def answer_label(content: QuestionnaireContent, answer: AnswerRow | None) -> str | None:
    """An answer as the reader sees it: the option's label, or the number and unit."""
    if answer is None:
        return None
    if answer.option_id is not None:
        return content.option_by_id[answer.option_id].localized("label")
    question = content.question_by_id[answer.question_id]
    unit = question.localized("unit")
    return f"{plain_number(answer.number_value)} {unit}".strip()


def contradiction_texts(
    content: QuestionnaireContent,
    answers: Mapping[int, AnswerRow],
    figures: scoring.ExportFacts,
) -> list[dict[str, Any]]:
    """Answers that deny what the profile's export figures show, worded for the firm."""
    inputs = {
        question_id: scoring.AnswerInput(
            option_id=row.option_id, number=row.number_value
        )
        for question_id, row in answers.items()
    }
    found = scoring.contradictions(content.spec, inputs, figures)
    by_code = {question.code: question for question in content.questions}
    return [
        {
            "question": by_code[item.question_code],
            "step": content.step_of(by_code[item.question_code]),
            "text": _(
                "Your company profile shows exports last year, which means: %(fact)s. "
                "Your answer to %(code)s says otherwise. Check the answer, or correct "
                "the profile's export figures."
            )
            % {
                "fact": _fact_label(content, item.fact),
                "code": item.question_code,
            },
        }
        for item in found
    ]


# --- The method page ----------------------------------------------------------------

FIGURE_LABELS = {
    "exports_last_year_usd": gettext_lazy("exports last year (US$)"),
    "export_markets": gettext_lazy("countries exported to last year"),
    "export_years": gettext_lazy("years of exporting"),
    "presence_level": gettext_lazy("presence abroad"),
}


def condition_text(field: str, minimum: Decimal) -> str:
    """One condition of a profile fact, as a reader would say it."""
    if field == "presence_level":
        level = PresenceAbroad(int(minimum)).label
        return _("presence abroad: at least %(level)s") % {"level": level}
    return _("%(figure)s at least %(minimum)s") % {
        "figure": FIGURE_LABELS.get(field, field),
        "minimum": plain_number(minimum),
    }


def method_view(content: QuestionnaireContent) -> dict[str, Any]:
    """What the method page shows of a version: areas, tracks, facts, stages, questions."""
    version = content.version
    total_weight = sum((q.weight for q in content.questions), Decimal(0))
    spec = content.spec
    return {
        "version": version,
        "areas": [
            _method_area(content, area_content, total_weight)
            for area_content in content.areas
        ],
        "rules": [
            {
                "rule": rule,
                "name": rule.localized("name"),
                "rationale": rule.localized("rationale"),
                "facts": [
                    {
                        "label": content.facts[code].localized("label"),
                        "from_profile": _is_profile_fact(content, code),
                    }
                    for code in sorted(content.required_facts[rule.pk])
                ],
            }
            for rule in content.stage_rules
        ],
        "has_tracks": spec.has_tracks,
        "entry_stage": spec.entry_stage,
        "entry_fact": _fact_label(content, spec.entry_fact),
        "max_not_applicable": spec.max_not_applicable,
        "track_counts": {
            track: len(scoring.questions_for_track(spec, track))
            for track in (scoring.DOMESTIC, scoring.EXPORTER)
        },
        "profile_facts": [
            {
                "label": fact.localized("label"),
                "conditions": [
                    condition_text(item["field"], Decimal(item["min"]))
                    for item in fact.conditions
                ],
                "implies": [_fact_label(content, code) for code in fact.implies],
            }
            for fact in content.facts.values()
            if fact.source == FactSource.PROFILE
        ],
    }


TRACK_LABELS = {
    "both": gettext_lazy("Every firm"),
    "domestic": gettext_lazy("Firms that have not exported"),
    "exporter": gettext_lazy("Exporting firms"),
}


def _method_area(
    content: QuestionnaireContent, area_content: Any, total_weight: Decimal
) -> dict[str, Any]:
    weight = sum((q.weight for q in area_content.questions), Decimal(0))
    rows = []
    for question in area_content.questions:
        left_out = _("left out of the score")
        options = [
            "{} ({})".format(
                option.localized("label"),
                left_out if option.not_applicable else f"{option.points.normalize():f}",
            )
            for option in content.options[question.pk]
        ]
        rows.append(
            {
                "code": question.code,
                "text": question.localized("text"),
                "weight": question.weight,
                "options": options,
                "asked_of": TRACK_LABELS[question.tracks],
                "bottleneck": question.get_bottleneck_display(),
                "bottleneck_note": question.localized("bottleneck_note"),
            }
        )
    return {
        "name": area_content.area.localized("name"),
        "questions": area_content.questions,
        "rows": rows,
        "weight": weight,
        "share": weight * 100 / total_weight if total_weight else Decimal(0),
    }
