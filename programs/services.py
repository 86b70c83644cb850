"""Writes for the catalog and for stored recommendations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from diagnostics.models import Area, Bottleneck, Diagnostic
from diagnostics.reports import reports_refresh
from programs import rules
from programs.models import (
    Institution,
    Program,
    ProgramUptake,
    Recommendation,
    RecommendationRefresh,
    UptakeStatus,
)
from programs.wording import reason_sentence

# How many programs a result page lists, and how many near misses a consultant sees.
RECOMMENDATION_LIMIT = 10
NEAR_MISS_LIMIT = 10


# Keys of a catalog entry that document it for people and are no model field.
CATALOG_COMMENT_KEYS = frozenset({"notes"})


@transaction.atomic
def catalog_import(*, data: Mapping[str, Any]) -> int:
    """Load institutions and programs from the catalog JSON; returns the program count.

    Each entry is validated (full_clean) before it is saved; a bad entry rolls the
    whole import back. Keys in CATALOG_COMMENT_KEYS are skipped.
    """
    institutions = {}
    for item in data["institutions"]:
        institution, _ = Institution.objects.update_or_create(
            code=item["code"], defaults={k: v for k, v in item.items() if k != "code"}
        )
        institutions[item["code"]] = institution
    count = 0
    for item in data["programs"]:
        skip = {"code", "institution", *CATALOG_COMMENT_KEYS}
        fields = {k: v for k, v in item.items() if k not in skip}
        for name in ("application_opens", "application_closes", "checked_on"):
            if isinstance(fields.get(name), str):
                fields[name] = date.fromisoformat(fields[name])
        program = Program(
            code=item["code"], institution=institutions[item["institution"]], **fields
        )
        program.full_clean()
        program.save()
        count += 1
    return count


@transaction.atomic
def program_mark_checked(*, program: Program, today: date) -> bool:
    """Record that a person compared the entry with its source today.

    Returns False, changing nothing, when the entry names no source: a check needs
    something to check against. Saved through the model, so its history keeps who.
    """
    if not program.source_url:
        return False
    program.checked_on = today
    program.full_clean()
    program.save(update_fields=["checked_on", "updated_at"])
    return True


def program_spec(program: Program) -> rules.ProgramSpec:
    return rules.ProgramSpec(
        id=program.pk,
        code=program.code,
        support_type=program.support_type,
        bottlenecks=frozenset(program.bottlenecks),
        stage_min=program.stage_min,
        stage_max=program.stage_max,
        export_min_usd=program.export_min_usd,
        export_max_usd=program.export_max_usd,
        max_employees=program.max_employees,
        max_revenue_krw=program.max_revenue_krw,
        industries=frozenset(program.industries),
        target_markets=frozenset(str(code) for code in program.target_markets),
        regions=frozenset(program.regions),
        application_opens=program.application_opens,
        application_closes=program.application_closes,
        is_active=program.is_active,
        fee_min_krw=program.fee_min_krw,
        fee_max_krw=program.fee_max_krw,
        areas=frozenset(program.areas),
        family=program.family,
        age_min_years=program.age_min_years,
        age_max_years=program.age_max_years,
        ksic_divisions=frozenset(program.ksic_divisions),
        hs_chapters=frozenset(program.hs_chapters),
        exported_last_year=program.exported_last_year,
        application_months=frozenset(program.application_months),
        includes_diagnosis=program.includes_diagnosis,
    )


def firm_profile(diagnostic: Diagnostic) -> rules.FirmProfile:
    """The firm as the rules see it: profile facts now, scores from the frozen result."""
    company = diagnostic.company
    result = diagnostic.result or {}
    return rules.FirmProfile(
        stage=diagnostic.stage or 1,
        annual_exports_usd=company.exports_last_year_usd,
        employees=company.employees,
        revenue_krw=company.annual_revenue_krw,
        industry=company.industry,
        region=company.region,
        target_markets=frozenset(str(code) for code in company.target_markets),
        bottleneck_scores={
            k: Decimal(v) for k, v in result.get("bottleneck_scores", {}).items()
        },
        area_scores={k: Decimal(v) for k, v in result.get("area_scores", {}).items()},
        year_founded=company.year_founded,
        industry_division=company.industry_division,
        hs_code=company.hs_code,
        # Recommendations are computed when a diagnostic is submitted (or refreshed
        # for one): the firm has just been diagnosed.
        just_diagnosed=True,
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _snapshot(program: Program, window: rules.Window, today: date) -> dict[str, Any]:
    institution = program.institution
    labels = dict(Bottleneck.choices)
    snapshot: dict[str, Any] = {
        "code": program.code,
        "institution_code": institution.code,
        "institution_name_ko": institution.name_ko,
        "institution_name_en": institution.name_en,
        "institution_abbreviation": institution.abbreviation,
        "support_type": program.support_type,
        "bottlenecks": list(program.bottlenecks),
        "fee_min_krw": program.fee_min_krw,
        "fee_max_krw": program.fee_max_krw,
        "application_url": program.application_url,
        "contact": program.contact,
        # The window as computed on the day: the next one, never a past one.
        "window_open": window.is_open(today),
        "window_opens": _day(window.opens),
        "window_closes": _day(window.closes),
        "window_announced": window.announced,
        "application_opens": _day(program.application_opens),
        "application_closes": _day(program.application_closes),
        "application_months": list(program.application_months),
        "source_url": program.source_url,
        "checked_on": _day(program.checked_on),
        "verified": program.verified,
    }
    for field in ("name", "description", "how_to_apply"):
        snapshot[f"{field}_ko"] = getattr(program, f"{field}_ko")
        snapshot[f"{field}_en"] = getattr(program, f"{field}_en")
    for language in ("ko", "en"):
        with translation.override(language):
            snapshot[f"bottleneck_labels_{language}"] = [
                str(labels[code]) for code in program.bottlenecks if code in labels
            ]
    return snapshot


AreaNames = dict[str, dict[str, str]]  # language -> area code -> name


def _area_names(diagnostic: Diagnostic) -> AreaNames:
    """The names of the diagnostic's areas, for reasons that name a weak area."""
    areas = Area.objects.filter(version_id=diagnostic.version_id).values_list(
        "code", "name_ko", "name_en"
    )
    names: AreaNames = {"ko": {}, "en": {}}
    for code, name_ko, name_en in areas:
        names["ko"][code] = name_ko
        names["en"][code] = name_en or name_ko
    return names


def _worded(
    reasons: tuple[rules.Reason, ...], language: str, area_names: AreaNames
) -> list[str]:
    with translation.override(language):
        return [
            reason_sentence(reason, area_names=area_names[language])
            for reason in reasons
        ]


def _rows_for(
    diagnostic: Diagnostic,
    outcome: rules.Recommendations,
    programs: dict[int, Program],
    today: date,
) -> list[Recommendation]:
    names = _area_names(diagnostic)
    rows = []
    for rank, match in enumerate(outcome.matches, start=1):
        rows.append(
            Recommendation(
                diagnostic=diagnostic,
                program=programs[match.program_id],
                kind=Recommendation.Kind.RECOMMENDED,
                rank=rank,
                fit_score=match.fit_score,
                program_snapshot=_snapshot(
                    programs[match.program_id], match.window, today
                ),
                reasons_ko=_worded(match.reasons, "ko", names),
                reasons_en=_worded(match.reasons, "en", names),
            )
        )
    for rank, miss in enumerate(outcome.near_misses, start=1):
        snapshot = _snapshot(programs[miss.program_id], miss.window, today)
        # A near miss is not open to the firm, whatever the calendar says.
        snapshot["window_open"] = False
        snapshot["failed_ko"] = _worded((miss.failed,), "ko", names)[0]
        snapshot["failed_en"] = _worded((miss.failed,), "en", names)[0]
        rows.append(
            Recommendation(
                diagnostic=diagnostic,
                program=programs[miss.program_id],
                kind=Recommendation.Kind.NEAR_MISS,
                rank=rank,
                fit_score=miss.fit_score,
                program_snapshot=snapshot,
                reasons_ko=_worded(miss.reasons, "ko", names),
                reasons_en=_worded(miss.reasons, "en", names),
            )
        )
    return rows


def _compute(diagnostic: Diagnostic, today: date) -> list[Recommendation]:
    programs = {
        p.pk: p
        for p in Program.objects.filter(is_active=True).select_related("institution")
    }
    outcome = rules.recommend(
        firm_profile(diagnostic),
        [program_spec(p) for p in programs.values()],
        today=today,
        limit=RECOMMENDATION_LIMIT,
    )
    return _rows_for(diagnostic, outcome, programs, today)


@transaction.atomic
def recommendations_store(*, diagnostic: Diagnostic) -> list[Recommendation]:
    """Compute and store the recommendations of a just-submitted diagnostic.

    The rows copy the program's name, institution and reasons in both languages, so a
    later catalog change never rewrites what the firm was told.
    """
    rows = _compute(diagnostic, timezone.localdate())
    return Recommendation.objects.bulk_create(rows)


@transaction.atomic
def recommendations_refresh(
    *, diagnostic: Diagnostic, user: User, reason: str
) -> list[Recommendation]:
    """Re-compute a submitted diagnostic's recommendations on purpose, and record it.

    `reason` is required: the audit says why the firm's list changed.
    """
    if not diagnostic.is_submitted:
        raise ValueError("Only a submitted diagnostic has recommendations.")
    if not reason.strip():
        raise ValueError("A refresh needs a reason.")
    previous = list(
        diagnostic.recommendations.order_by("kind", "rank").values(
            "kind", "rank", "program_snapshot__code"
        )
    )
    RecommendationRefresh.objects.create(
        diagnostic=diagnostic,
        refreshed_by=user,
        previous=[
            {
                "kind": row["kind"],
                "rank": row["rank"],
                "code": row["program_snapshot__code"],
            }
            for row in previous
        ],
        reason=reason,
    )
    diagnostic.recommendations.all().delete()
    stored = recommendations_store(diagnostic=diagnostic)
    # The PDF lists the recommendations: its reports are rendered anew, after commit.
    reports_refresh(diagnostic=diagnostic)
    return stored


@transaction.atomic
def program_uptake_set(
    *,
    recommendation: Recommendation,
    status: UptakeStatus | None,
    user: User,
) -> ProgramUptake | None:
    """Record what the firm did with a recommended program; None clears the answer.

    The caller has checked that the recommendation belongs to a diagnostic of the
    user's company (diagnostics.access); the program must still be in the catalog.
    """
    diagnostic = recommendation.diagnostic
    if recommendation.kind != Recommendation.Kind.RECOMMENDED:
        raise ValueError("Only a recommended program can be marked.")
    if recommendation.program_id is None:
        raise ValueError("This program is no longer in the catalog.")
    if status is None:
        ProgramUptake.objects.filter(
            company_id=diagnostic.company_id, program_id=recommendation.program_id
        ).delete()
        return None
    uptake, _created = ProgramUptake.objects.update_or_create(
        company_id=diagnostic.company_id,
        program_id=recommendation.program_id,
        defaults={
            "status": status,
            "recommendation": recommendation,
            "updated_by": user,
        },
    )
    return uptake
