"""The stored recommendations as a reader scans them: grouped by the bottleneck to
exports each program addresses, each program with its main reason up front and the rest
behind a disclosure.

Plain Python over the rows `programs.selectors.recommendations_for` returns: no query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from diagnostics.models import Bottleneck
from programs.models import UptakeStatus

# The group of programs that address no bottleneck the diagnostic scored.
OTHER = ""


@dataclass(frozen=True)
class ProgramCard:
    recommendation_id: int
    program_id: int | None
    uptake: str  # an UptakeStatus value, or "" when the firm has not said
    uptake_label: str
    rank: int
    name: str
    institution: str
    description: str
    main_reason: str
    more_reasons: list[str]
    how_to_apply: str
    url: str
    window_open: bool
    cost: str
    checked_on: date | None
    unverified: bool
    bottlenecks: list[str]


@dataclass(frozen=True)
class ProgramGroup:
    code: str  # a Bottleneck value, or OTHER
    label: str
    score: Decimal | None  # the firm's bottleneck score, when the diagnostic has one
    cards: list[ProgramCard]


def cost_text(program: Mapping[str, Any]) -> str:
    """A program's fee as a reader would say it: free, a range in won, or 'varies'."""
    low, high = program.get("fee_min_krw"), program.get("fee_max_krw")
    if high is None:
        return _("varies: see the program page")
    if not high:
        return _("free")
    return _("%(low)s–%(high)s won") % {"low": f"{low or 0:,}", "high": f"{high:,}"}


def _scores(bottleneck_scores: Mapping[str, Any]) -> dict[str, Decimal]:
    scores = {}
    for code, value in bottleneck_scores.items():
        try:
            scores[code] = Decimal(str(value))
        except InvalidOperation:
            continue
    return scores


def _group_of(codes: Sequence[str], scores: Mapping[str, Decimal]) -> str:
    """The program's bottleneck the firm scored lowest in; OTHER when none is scored."""
    scored = [(scores[code], code) for code in codes if code in scores]
    return min(scored)[1] if scored else OTHER


def _card(item: Mapping[str, Any]) -> ProgramCard:
    program = item["program"]
    reasons = list(item["reasons"])
    labels = dict(Bottleneck.choices)
    uptake = item.get("uptake", "")
    return ProgramCard(
        recommendation_id=item.get("id", 0),
        program_id=item.get("program_id"),
        uptake=uptake,
        uptake_label=str(UptakeStatus(uptake).label) if uptake else "",
        rank=item["rank"],
        name=item["name"],
        institution=item["institution"],
        description=item["description"],
        # The rules list the weakest point a program addresses first.
        main_reason=reasons[0] if reasons else "",
        more_reasons=reasons[1:],
        how_to_apply=item["how_to_apply"],
        url=program.get("application_url") or "",
        window_open=bool(program.get("window_open", True)),
        cost=cost_text(program),
        checked_on=item["checked_on"],
        unverified=program.get("verified") is False,
        bottlenecks=[
            str(labels[code])
            for code in program.get("bottlenecks", [])
            if code in labels and code != Bottleneck.NONE
        ],
    )


def program_groups(
    recommendations: Sequence[Mapping[str, Any]],
    bottleneck_scores: Mapping[str, Any],
) -> list[ProgramGroup]:
    """The recommendations grouped by the weakest bottleneck each addresses.

    Groups come in the order of their best-ranked program, programs by rank inside a
    group; programs addressing no scored bottleneck come last, together.
    """
    scores = _scores(bottleneck_scores)
    labels = dict(Bottleneck.choices)
    grouped: dict[str, list[ProgramCard]] = {}
    for item in sorted(recommendations, key=lambda row: row["rank"]):
        codes = [
            code
            for code in item["program"].get("bottlenecks", [])
            if code != Bottleneck.NONE
        ]
        grouped.setdefault(_group_of(codes, scores), []).append(_card(item))
    order = [code for code in grouped if code != OTHER]
    if OTHER in grouped:
        order.append(OTHER)
    return [
        ProgramGroup(
            code=code,
            label=str(labels.get(code, code)) if code else _("Other programs"),
            score=scores.get(code),
            cards=grouped[code],
        )
        for code in order
    ]
