"""Agency insight: the read queries behind the statistics page and the peer comparison.

The database counts; `diagnostics.insight` (pure) decides what may be shown. Every
figure is scoped like the consultants' queue (`diagnostics_in_scope`) and counts
firms by their latest submitted diagnostic, unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.models import Industry, Region, User
from diagnostics import insight
from diagnostics.access import diagnostics_in_scope, sees_all_regions
from diagnostics.agency_cache import cached_figures, scope_of, scores_version
from diagnostics.models import AreaScore, Diagnostic, DiagnosticStatus
from programs.models import ProgramUptake, Recommendation, UptakeStatus

STAGES = tuple(range(1, 10))
# How many months the submissions chart covers, and how many programs it ranks.
MONTHS_SHOWN = 12
TOP_PROGRAMS = 10
# Time to review, in days: the upper bound of each bucket (None: longer).
REVIEW_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("1", 1),
    ("7", 7),
    ("30", 30),
    ("more", None),
)


def effective_stage() -> Coalesce:
    """The stage everyone is shown, in SQL: a consultant's override, else computed."""
    return Coalesce(F("stage_override"), F("stage"), output_field=IntegerField())


def latest_only(diagnostics: QuerySet[Diagnostic]) -> QuerySet[Diagnostic]:
    """Each firm's newest submitted diagnostic among `diagnostics`."""
    newer = Diagnostic.objects.filter(
        company_id=OuterRef("company_id"),
        status=DiagnosticStatus.SUBMITTED,
        submitted_at__gt=OuterRef("submitted_at"),
    )
    return diagnostics.filter(~Exists(newer))


# --- The statistics page ------------------------------------------------------------


@dataclass(frozen=True)
class AgencyStatistics:
    firms: int | None
    diagnostics: int | None
    whole_agency: bool
    stages: insight.SafeTable[str, int]
    by_region: insight.SafeTable[str, int]
    by_industry: insight.SafeTable[str, int]
    months: list[tuple[Any, int | None]]
    movement: insight.SafeTable[int, int]
    movement_summary: insight.SafeTable[str, str]
    review_times: insight.SafeTable[str, str]
    programs: list[dict[str, Any]]


def agency_statistics(user: User) -> AgencyStatistics:
    """Everything the statistics page shows, within the user's scope.

    Cached under the scope, the month (the submissions chart covers the last twelve)
    and the data's fingerprint (diagnostics.agency_cache).
    """
    month = timezone.localdate().replace(day=1)
    return cached_figures(
        "statistics",
        [scope_of(user), month],
        lambda: _agency_statistics(user),
    )


def _agency_statistics(user: User) -> AgencyStatistics:
    scope = diagnostics_in_scope(user)
    latest = latest_only(scope).annotate(shown_stage=effective_stage())
    whole_agency = sees_all_regions(user)
    stage_counts = {
        row["shown_stage"]: row["n"]
        for row in latest.values("shown_stage").annotate(n=Count("pk"))
    }
    # The whole agency's distribution is published as it is; below the whole agency,
    # even one dimension is a breakdown and keeps the floor.
    stages = insight.safe_counts(stage_counts, STAGES, floor=_floor(whole_agency))
    regions = _regions_of(user)
    pairs = _movement_pairs(scope)
    return AgencyStatistics(
        firms=stages.total,
        diagnostics=_count_or_none(scope.count(), whole_agency),
        whole_agency=whole_agency,
        stages=stages,
        # The breakdowns' stage totals are the distribution above: kept as published.
        by_region=_stage_table(latest, "company__region", regions, stages),
        by_industry=_stage_table(
            latest, "company__industry", list(Industry.values), stages
        ),
        months=_months(scope, whole_agency),
        movement=insight.safe_table(pairs, STAGES, STAGES),
        movement_summary=_movement_summary(pairs, whole_agency),
        review_times=_review_times(scope),
        programs=_programs(scope),
    )


def _floor(whole_agency: bool) -> int:
    return 1 if whole_agency else insight.FLOOR


def _count_or_none(count: int, whole_agency: bool) -> int | None:
    return count if whole_agency or not 0 < count < insight.FLOOR else None


def _regions_of(user: User) -> list[str]:
    if sees_all_regions(user):
        return list(Region.values)
    return [code for code in Region.values if code in user.regions]


def _stage_table(
    latest: QuerySet[Diagnostic],
    field: str,
    rows: Sequence[str],
    stages: insight.SafeTable[str, int],
) -> insight.SafeTable[str, int]:
    counts = {
        (row[field], row["shown_stage"]): row["n"]
        for row in latest.values(field, "shown_stage").annotate(n=Count("pk"))
    }
    return insight.safe_table(counts, rows, STAGES, published_columns=stages)


def _months(
    scope: QuerySet[Diagnostic], whole_agency: bool
) -> list[tuple[Any, int | None]]:
    """Submissions per month over the last year (diagnostics, not firms)."""
    since = timezone.now() - timedelta(days=31 * MONTHS_SHOWN)
    rows = (
        scope.filter(submitted_at__gte=since)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    counts = {row["month"].date(): row["n"] for row in rows}
    months = sorted(counts)
    table = insight.safe_counts(counts, months, floor=_floor(whole_agency))
    return [(month, table.cell("all", month)) for month in months]


def _movement_pairs(scope: QuerySet[Diagnostic]) -> dict[tuple[int, int], int]:
    """(stage before, stage after) -> re-assessments, over consecutive diagnostics.

    One ordered scan, paired in Python (insight.consecutive_pairs): a firm's
    diagnostics are all in one region, so all in the scope or none. A subquery for
    each diagnostic's predecessor took most of the page's time at 100,000.
    """
    history = (
        scope.annotate(shown=effective_stage())
        .order_by("company_id", "submitted_at", "pk")
        .values_list("company_id", "shown")
    )
    return insight.consecutive_pairs(history.iterator(chunk_size=5000))


def _movement_summary(
    pairs: dict[tuple[int, int], int], whole_agency: bool
) -> insight.SafeTable[str, str]:
    movement = insight.stage_movement(pairs)
    counts = {"up": movement.up, "same": movement.same, "down": movement.down}
    return insight.safe_counts(counts, list(counts), floor=_floor(whole_agency))


def _review_times(scope: QuerySet[Diagnostic]) -> insight.SafeTable[str, str]:
    """Days from submission to review, in buckets, plus those still waiting."""
    # Each bucket is a range of the waiting time, counted in the database.
    aggregates: dict[str, Count] = {}
    previous: int | None = None
    for name, upper in REVIEW_BUCKETS:
        condition = Q(reviewed_at__isnull=False)
        if previous is not None:
            condition &= Q(waited__gt=timedelta(days=previous))
        if upper is not None:
            condition &= Q(waited__lte=timedelta(days=upper))
        aggregates[name] = Count("pk", filter=condition)
        previous = upper
    aggregates["waiting"] = Count("pk", filter=Q(reviewed_at__isnull=True))
    counts = scope.annotate(waited=F("reviewed_at") - F("submitted_at")).aggregate(
        **aggregates
    )
    return insight.safe_counts(counts, list(counts))


def _programs(scope: QuerySet[Diagnostic]) -> list[dict[str, Any]]:
    """The programs recommended to most firms, with what the firms did with them."""
    recommended = (
        Recommendation.objects.filter(
            kind=Recommendation.Kind.RECOMMENDED,
            program__isnull=False,
            diagnostic__in=latest_only(scope).values("pk"),
        )
        .values("program_id", "program__name_ko", "program__name_en")
        .annotate(firms=Count("diagnostic__company_id", distinct=True))
        .order_by("-firms", "program_id")[:TOP_PROGRAMS]
    )
    top = list(recommended)
    uptake = {
        (row["program_id"], row["status"]): row["n"]
        for row in ProgramUptake.objects.filter(
            program_id__in=[row["program_id"] for row in top],
            company_id__in=scope.values("company_id"),
        )
        .values("program_id", "status")
        .annotate(n=Count("pk"))
    }
    statuses = [*UptakeStatus.values, "none"]
    programs = []
    for row in top:
        counts = {
            status: uptake.get((row["program_id"], status), 0)
            for status in UptakeStatus.values
        }
        counts["none"] = max(row["firms"] - sum(counts.values()), 0)
        table = insight.safe_counts(counts, statuses)
        firms = row["firms"] if row["firms"] >= insight.FLOOR else None
        applied = table.cell("all", UptakeStatus.APPLIED)
        received = table.cell("all", UptakeStatus.RECEIVED)
        rate = None
        if firms is not None and applied is not None and received is not None:
            rate = round(100 * (applied + received) / firms)
        programs.append(
            {
                "program_id": row["program_id"],
                "name_ko": row["program__name_ko"],
                "name_en": row["program__name_en"],
                "firms": firms,
                "uptake": table,
                "rate": rate,
            }
        )
    return programs


# --- Peer comparison on a firm's result page -----------------------------------------


@dataclass(frozen=True)
class PeerRow:
    area_id: int
    score: Decimal
    by_industry: int | None
    by_stage: int | None


@dataclass(frozen=True)
class PeerComparison:
    rows: list[PeerRow]
    industry_peers: int
    stage_peers: int

    @property
    def shown(self) -> bool:
        return any(
            row.by_industry is not None or row.by_stage is not None for row in self.rows
        )


def peer_comparison(diagnostic: Diagnostic) -> PeerComparison:
    """This firm's percentile per area among firms of its industry and of its stage.

    Peers: other firms' latest submitted diagnostics on the same questionnaire
    version (areas differ between versions). A percentile needs FLOOR other firms.
    Cached under the diagnostic, its stage and industry, and the scores' fingerprint.
    """
    parts = [diagnostic.pk, diagnostic.effective_stage, diagnostic.company.industry]
    return cached_figures(
        "peers", parts, lambda: _peer_comparison(diagnostic), scores_version
    )


def _peer_comparison(diagnostic: Diagnostic) -> PeerComparison:
    mine = {
        row.area_id: row.score
        for row in AreaScore.objects.filter(diagnostic=diagnostic).only(
            "area_id", "score"
        )
    }
    others = latest_only(
        Diagnostic.objects.filter(
            status=DiagnosticStatus.SUBMITTED, version_id=diagnostic.version_id
        ).exclude(company_id=diagnostic.company_id)
    )
    same_industry = others.filter(company__industry=diagnostic.company.industry)
    same_stage = others.annotate(shown=effective_stage()).filter(
        shown=diagnostic.effective_stage
    )
    industry = _peer_counts(same_industry, mine)
    stage = _peer_counts(same_stage, mine)
    rows = [
        PeerRow(
            area_id=area_id,
            score=score,
            by_industry=insight.percentile(industry[area_id])
            if area_id in industry
            else None,
            by_stage=insight.percentile(stage[area_id]) if area_id in stage else None,
        )
        for area_id, score in mine.items()
    ]
    return PeerComparison(
        rows=rows,
        industry_peers=max((c.peers for c in industry.values()), default=0),
        stage_peers=max((c.peers for c in stage.values()), default=0),
    )


def _peer_counts(
    peers: QuerySet[Diagnostic], mine: dict[int, Decimal]
) -> dict[int, insight.PeerCounts]:
    """Per area: how many peers scored below and equal to this firm; one query."""
    if not mine:
        return {}
    my_score = Case(
        *[When(area_id=area_id, then=Value(score)) for area_id, score in mine.items()],
        output_field=DecimalField(max_digits=5, decimal_places=2),
    )
    rows = (
        AreaScore.objects.filter(diagnostic__in=peers.values("pk"), area_id__in=mine)
        .annotate(mine=my_score)
        .values("area_id")
        .annotate(
            peers=Count("pk"),
            below=Count("pk", filter=Q(score__lt=F("mine"))),
            equal=Count("pk", filter=Q(score=F("mine"))),
        )
    )
    return {
        row["area_id"]: insight.PeerCounts(
            below=row["below"], equal=row["equal"], peers=row["peers"]
        )
        for row in rows
    }
