"""Recommendation rules: pure functions, no database; anyone may call them."""

from __future__ import annotations

import ast
import dataclasses
import random
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programs.rules import (
    FirmProfile,
    Match,
    NearMiss,
    ProgramSpec,
    Reason,
    Recommendations,
    recommend,
)

TODAY = date(2025, 6, 15)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RULES_PATH = PROJECT_ROOT / "programs" / "rules.py"


def make_firm(**overrides: Any) -> FirmProfile:
    values: dict[str, Any] = {
        "stage": 4,
        "annual_exports_usd": 120_000,
        "employees": 30,
        "revenue_krw": 3_000_000_000,
        "industry": "C",
        "region": "busan",
        "target_markets": frozenset({"US", "VN"}),
        "bottleneck_scores": {
            "technology": Decimal("72"),
            "funds": Decimal("48.5"),
            "manpower": Decimal("65"),
            "sales_routes": Decimal("35"),
        },
        "area_scores": {},
    }
    values.update(overrides)
    return FirmProfile(**values)


def make_program(**overrides: Any) -> ProgramSpec:
    values: dict[str, Any] = {
        "id": 1,
        "code": "export-gateway",
        "support_type": "mentoring",
        "bottlenecks": frozenset(),
        "fee_max_krw": 150_000,  # not free, so only the rule under test speaks
    }
    values.update(overrides)
    return ProgramSpec(**values)


def only_program(
    program: ProgramSpec, firm: FirmProfile | None = None, today: date = TODAY
) -> Match | NearMiss | None:
    result = recommend(firm or make_firm(), [program], today=today)
    assert len(result.matches) + len(result.near_misses) <= 1
    if result.matches:
        return result.matches[0]
    if result.near_misses:
        return result.near_misses[0]
    return None


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [reason.code for reason in reasons]


# --- Purity -----------------------------------------------------------------------


def test_it_imports_nothing_from_django() -> None:
    # A fresh interpreter: the test run itself may already have Django loaded.
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('rules', {str(RULES_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['rules'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
    # And no import hidden behind a condition that the run above did not reach.
    tree = ast.parse(RULES_PATH.read_text())
    imported = [
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    ]
    assert not [name for name in imported if name.split(".")[0] == "django"]


# --- One rule at a time -----------------------------------------------------------


def test_it_words_the_brief_example_export_under_the_limit() -> None:
    # "you export US$120,000 a year, under this program's US$500,000 limit"
    match = only_program(make_program(export_max_usd=500_000))
    assert isinstance(match, Match)
    reason = next(r for r in match.reasons if r.code == "export_below_max")
    assert reason == Reason(
        "export_below_max", (("exports", 120000), ("limit", 500000))
    )
    assert reason.param("exports") == 120_000
    assert reason.param("limit") == 500_000


MET = "met"
FAILED = "failed"


@pytest.mark.parametrize(
    ("program_rules", "firm_facts", "outcome", "expected"),
    [
        # Stage range, both ends inclusive.
        ({"stage_min": 3, "stage_max": 5}, {"stage": 3}, MET,
         Reason("stage_in_range", (("stage", 3), ("min", 3), ("max", 5)))),
        ({"stage_min": 3, "stage_max": 5}, {"stage": 5}, MET,
         Reason("stage_in_range", (("stage", 5), ("min", 3), ("max", 5)))),
        ({"stage_min": 3, "stage_max": 5}, {"stage": 2}, FAILED,
         Reason("stage_below_min", (("stage", 2), ("min", 3), ("max", 5)))),
        ({"stage_min": 3, "stage_max": 5}, {"stage": 6}, FAILED,
         Reason("stage_above_max", (("stage", 6), ("min", 3), ("max", 5)))),
        # Export minimum is inclusive.
        ({"export_min_usd": 100_000}, {"annual_exports_usd": 100_000}, MET,
         Reason("export_at_least_min", (("exports", 100000), ("minimum", 100000)))),
        ({"export_min_usd": 100_000}, {"annual_exports_usd": 99_999}, FAILED,
         Reason("export_too_low", (("exports", 99999), ("minimum", 100000)))),
        # Export maximum is exclusive.
        ({"export_max_usd": 500_000}, {"annual_exports_usd": 499_999}, MET,
         Reason("export_below_max", (("exports", 499999), ("limit", 500000)))),
        ({"export_max_usd": 500_000}, {"annual_exports_usd": 500_000}, FAILED,
         Reason("export_too_high", (("exports", 500000), ("limit", 500000)))),
        # Employees and revenue limits are inclusive.
        ({"max_employees": 30}, {"employees": 30}, MET,
         Reason("employees_within", (("employees", 30), ("limit", 30)))),
        ({"max_employees": 30}, {"employees": 31}, FAILED,
         Reason("employees_too_many", (("employees", 31), ("limit", 30)))),
        ({"max_revenue_krw": 5_000}, {"revenue_krw": 5_000}, MET,
         Reason("revenue_within", (("revenue", 5000), ("limit", 5000)))),
        ({"max_revenue_krw": 5_000}, {"revenue_krw": 5_001}, FAILED,
         Reason("revenue_too_high", (("revenue", 5001), ("limit", 5000)))),
        # Industry, markets, region.
        ({"industries": frozenset({"C", "J"})}, {"industry": "C"}, MET,
         Reason("industry_match", (("industry", "C"),))),
        ({"industries": frozenset({"C", "J"})}, {"industry": "G"}, FAILED,
         Reason("industry_mismatch", (("industry", "G"),))),
        ({"target_markets": frozenset({"US", "CN", "JP"})},
         {"target_markets": frozenset({"VN", "US", "JP"})}, MET,
         Reason("market_match", (("markets", "JP,US"),))),
        ({"target_markets": frozenset({"US", "CN"})},
         {"target_markets": frozenset({"VN"})}, FAILED,
         Reason("market_mismatch", (("markets", "CN,US"),))),
        ({"target_markets": frozenset({"US"})}, {"target_markets": frozenset()}, FAILED,
         Reason("market_mismatch", (("markets", "US"),))),
        ({"regions": frozenset({"busan", "ulsan"})}, {"region": "busan"}, MET,
         Reason("region_match", (("region", "busan"),))),
        ({"regions": frozenset({"busan", "ulsan"})}, {"region": "seoul"}, FAILED,
         Reason("region_mismatch", (("region", "seoul"),))),
    ],
)  # fmt: skip
def test_it_checks_each_rule_at_its_boundary(
    program_rules: dict[str, object],
    firm_facts: dict[str, object],
    outcome: str,
    expected: Reason,
) -> None:
    result = only_program(make_program(**program_rules), make_firm(**firm_facts))
    if outcome == MET:
        assert isinstance(result, Match)
        assert expected in result.reasons
    else:
        assert isinstance(result, NearMiss)
        assert result.failed == expected
        assert expected not in result.reasons


@pytest.mark.parametrize(
    ("opens", "closes", "window_open", "expected"),
    [
        (None, None, True, Reason("window_year_round")),
        (TODAY - timedelta(days=10), None, True, Reason("window_year_round")),
        (None, TODAY, True, Reason("window_open_until", (("closes", "2025-06-15"),))),
        (TODAY, TODAY + timedelta(days=30), True,
         Reason("window_open_until", (("closes", "2025-07-15"),))),
        (TODAY + timedelta(days=1), None, False,
         Reason("window_opens_on", (("opens", "2025-06-16"),))),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=9), False,
         Reason("window_opens_on", (("opens", "2025-06-16"),))),
    ],
)  # fmt: skip
def test_it_keeps_programs_with_an_open_or_upcoming_window(
    opens: date | None, closes: date | None, window_open: bool, expected: Reason
) -> None:
    program = make_program(application_opens=opens, application_closes=closes)
    match = only_program(program)
    assert isinstance(match, Match)
    assert match.window_open is window_open
    assert [r for r in match.reasons if r.code.startswith("window_")] == [expected]


def test_it_turns_a_window_closed_yesterday_into_a_near_miss() -> None:
    program = make_program(application_closes=TODAY - timedelta(days=1))
    near_miss = only_program(program)
    assert isinstance(near_miss, NearMiss)
    assert near_miss.failed == Reason("window_closed", (("closed", "2025-06-14"),))


def test_it_says_nothing_about_unrestricted_rules() -> None:
    match = only_program(make_program())
    assert isinstance(match, Match)
    assert codes(match.reasons) == ["window_year_round"]


def test_it_names_the_weak_bottlenecks_weakest_first() -> None:
    program = make_program(
        bottlenecks=frozenset({"technology", "funds", "sales_routes", "manpower"})
    )
    match = only_program(program)
    assert isinstance(match, Match)
    bottlenecks = [r for r in match.reasons if r.code == "addresses_bottleneck"]
    # technology (72) and manpower (65) are not weak: no reason for them.
    assert bottlenecks == [
        Reason(
            "addresses_bottleneck", (("bottleneck", "sales_routes"), ("score", "35"))
        ),
        Reason("addresses_bottleneck", (("bottleneck", "funds"), ("score", "48.5"))),
    ]


def test_it_says_when_a_program_is_free() -> None:
    match = only_program(make_program(fee_min_krw=0, fee_max_krw=0))
    assert isinstance(match, Match)
    assert "free_of_charge" in codes(match.reasons)


def test_it_never_shows_an_inactive_program() -> None:
    inactive = make_program(is_active=False)
    assert only_program(inactive) is None
    # Not even when it fails exactly one other rule.
    assert only_program(dataclasses.replace(inactive, max_employees=1)) is None


# --- Near misses -----------------------------------------------------------------


def test_it_lists_a_program_failing_one_rule_as_a_near_miss_with_its_met_rules() -> (
    None
):
    program = make_program(export_max_usd=100_000, max_employees=50)
    near_miss = only_program(program)
    assert isinstance(near_miss, NearMiss)
    assert near_miss.failed.code == "export_too_high"
    assert codes(near_miss.reasons) == ["employees_within", "window_year_round"]


def test_it_drops_a_program_failing_two_rules() -> None:
    program = make_program(
        export_max_usd=100_000, application_closes=TODAY - timedelta(days=1)
    )
    assert recommend(make_firm(), [program], today=TODAY) == Recommendations((), ())


def test_it_orders_near_misses_by_fit_then_code() -> None:
    programs = [
        make_program(id=1, code="b", max_employees=1),
        make_program(id=2, code="a", max_employees=1),
        make_program(
            id=3, code="c", max_employees=1, bottlenecks=frozenset({"sales_routes"})
        ),
    ]
    result = recommend(make_firm(), programs, today=TODAY, limit=2)
    assert [n.code for n in result.near_misses] == ["c", "a"]


# --- Ranking ----------------------------------------------------------------------


def test_it_ranks_need_then_market_then_window_then_code() -> None:
    programs = [
        make_program(id=1, code="plain"),
        make_program(id=2, code="need", bottlenecks=frozenset({"sales_routes"})),
        make_program(id=3, code="market", target_markets=frozenset({"US"})),
        make_program(id=4, code="later", application_opens=TODAY + timedelta(1)),
        make_program(id=5, code="also-plain"),
    ]
    result = recommend(make_firm(), programs, today=TODAY)
    assert [m.code for m in result.matches] == [
        "need",  # 40 * (100 - 35) / 100 = 26
        "market",  # 15
        "also-plain",
        "plain",
        "later",  # no open-window bonus
    ]


def test_it_prefers_the_middle_of_a_stage_range() -> None:
    centred = make_program(id=1, code="z-centred", stage_min=3, stage_max=5)
    edge = make_program(id=2, code="a-edge", stage_min=4, stage_max=8)
    result = recommend(make_firm(stage=4), [edge, centred], today=TODAY)
    assert [m.code for m in result.matches] == ["z-centred", "a-edge"]
    assert result.matches[0].fit_score > result.matches[1].fit_score


def test_it_puts_an_open_window_before_an_upcoming_one_at_equal_fit() -> None:
    # Fit differs only by the open-window bonus, and "a" sorts before "b": the
    # window, not the code, decides.
    upcoming = make_program(id=1, code="a", application_opens=TODAY + timedelta(1))
    open_now = make_program(id=2, code="b")
    result = recommend(make_firm(), [upcoming, open_now], today=TODAY)
    assert [m.code for m in result.matches] == ["b", "a"]


def test_it_returns_at_most_limit_matches() -> None:
    programs = [make_program(id=i, code=f"p{i:02d}") for i in range(15)]
    result = recommend(make_firm(), programs, today=TODAY, limit=10)
    assert [m.code for m in result.matches] == [f"p{i:02d}" for i in range(10)]


def test_it_refuses_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        recommend(make_firm(), [], today=TODAY, limit=-1)


# --- Properties -------------------------------------------------------------------


def broken_rules(firm: FirmProfile, p: ProgramSpec, today: date) -> list[str]:
    """An independent, deliberately plain reading of the eligibility rules."""
    broken = []
    if not (p.stage_min <= firm.stage <= p.stage_max):
        broken.append("stage")
    if p.export_min_usd is not None and firm.annual_exports_usd < p.export_min_usd:
        broken.append("export_min")
    if p.export_max_usd is not None and firm.annual_exports_usd >= p.export_max_usd:
        broken.append("export_max")
    if p.max_employees is not None and firm.employees > p.max_employees:
        broken.append("employees")
    if p.max_revenue_krw is not None and firm.revenue_krw > p.max_revenue_krw:
        broken.append("revenue")
    if p.industries and firm.industry not in p.industries:
        broken.append("industry")
    if p.target_markets and not (p.target_markets & firm.target_markets):
        broken.append("markets")
    if p.regions and firm.region not in p.regions:
        broken.append("region")
    if p.application_closes is not None and p.application_closes < today:
        broken.append("window")
    return broken


def is_open_today(p: ProgramSpec, today: date) -> bool:
    opens, closes = p.application_opens, p.application_closes
    return (opens is None or opens <= today) and (closes is None or closes >= today)


BOTTLENECKS = ["technology", "funds", "manpower", "sales_routes"]
INDUSTRIES = ["C", "G", "J", "M"]
REGIONS = ["seoul", "busan", "jeju"]
MARKETS = ["US", "CN", "VN", "JP"]
EXPORT_EDGES = [0, 100_000, 499_999, 500_000, 1_000_000, 5_000_000]

# Amounts cluster on the edges so equality at a limit comes up often.
exports = st.sampled_from(EXPORT_EDGES) | st.integers(0, 10_000_000)
small_counts = st.sampled_from([0, 9, 10, 11, 50]) | st.integers(0, 300)
revenues = st.sampled_from([0, 10**9, 10**10]) | st.integers(0, 2 * 10**10)
days_around_today = st.integers(-3, 3).map(lambda d: TODAY + timedelta(days=d))
scores = st.decimals(0, 100, places=1)


T = TypeVar("T")


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def subsets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items))


# Built once: building strategies inside each draw costs more than drawing.
bottleneck_sets = subsets(BOTTLENECKS)
industry_sets = subsets(INDUSTRIES)
market_sets = subsets(MARKETS)
region_sets = subsets(REGIONS)
stages = st.integers(1, 9)
fees = st.sampled_from([0, 150_000, 3_500_000])
optional_exports = optional(exports)
optional_counts = optional(small_counts)
optional_revenues = optional(revenues)
optional_days = optional(days_around_today)
activity = st.booleans() | st.just(True)

firms = st.builds(
    FirmProfile,
    stage=stages,
    annual_exports_usd=exports,
    employees=small_counts,
    revenue_krw=revenues,
    industry=st.sampled_from(INDUSTRIES),
    region=st.sampled_from(REGIONS),
    target_markets=market_sets,
    bottleneck_scores=st.dictionaries(st.sampled_from(BOTTLENECKS), scores),
    area_scores=st.just({}),
)


@st.composite
def program_specs(draw: st.DrawFn, id: int = 0, code: str = "p") -> ProgramSpec:
    stage_a, stage_b = draw(stages), draw(stages)
    return ProgramSpec(
        id=id,
        code=code,
        support_type="consulting",
        bottlenecks=draw(bottleneck_sets),
        stage_min=min(stage_a, stage_b),
        stage_max=max(stage_a, stage_b),
        export_min_usd=draw(optional_exports),
        export_max_usd=draw(optional_exports),
        max_employees=draw(optional_counts),
        max_revenue_krw=draw(optional_revenues),
        industries=draw(industry_sets),
        target_markets=draw(market_sets),
        regions=draw(region_sets),
        application_opens=draw(optional_days),
        application_closes=draw(optional_days),
        is_active=draw(activity),
        fee_min_krw=0,
        fee_max_krw=draw(fees),
    )


@st.composite
def catalogs(draw: st.DrawFn, max_size: int = 8) -> list[ProgramSpec]:
    # Codes are unique, as in the database, and unrelated to ids and list order.
    numbers = draw(st.lists(st.integers(0, 99), unique=True, max_size=max_size))
    return [
        draw(program_specs(id=i + 1, code=f"c{number:02d}"))
        for i, number in enumerate(numbers)
    ]


limits = st.integers(0, 10)
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits)
def test_it_never_recommends_a_program_that_breaks_a_rule(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    by_id = {p.id: p for p in catalog}
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    for match in result.matches:
        program = by_id[match.program_id]
        assert program.is_active
        assert broken_rules(firm, program, TODAY) == []
    for near_miss in result.near_misses:
        program = by_id[near_miss.program_id]
        assert program.is_active
        assert len(broken_rules(firm, program, TODAY)) == 1


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs())
def test_it_finds_every_eligible_program_and_every_near_miss(
    firm: FirmProfile, catalog: list[ProgramSpec]
) -> None:
    result = recommend(firm, catalog, today=TODAY, limit=len(catalog))
    active = [p for p in catalog if p.is_active]
    eligible = {p.id for p in active if not broken_rules(firm, p, TODAY)}
    one_off = {p.id for p in active if len(broken_rules(firm, p, TODAY)) == 1}
    assert {m.program_id for m in result.matches} == eligible
    assert {n.program_id for n in result.near_misses} == one_off


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits)
def test_it_gives_every_recommendation_a_reason(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    assert all(match.reasons for match in result.matches)
    assert all(near_miss.reasons for near_miss in result.near_misses)


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits, seed=st.randoms())
def test_it_orders_the_same_way_whatever_the_catalog_order(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int, seed: random.Random
) -> None:
    first = recommend(firm, catalog, today=TODAY, limit=limit)
    assert recommend(firm, catalog, today=TODAY, limit=limit) == first
    shuffled = list(catalog)
    seed.shuffle(shuffled)
    assert recommend(firm, shuffled, today=TODAY, limit=limit) == first
    keys = [(-m.fit_score, not m.window_open, m.code) for m in first.matches]
    assert keys == sorted(keys)


def make_ineligible(program: ProgramSpec, firm: FirmProfile, how: str) -> ProgramSpec:
    fresh = dataclasses.replace(program, id=10_000, code="zz-added")
    if how == "inactive":
        return dataclasses.replace(fresh, is_active=False)
    if how == "closed":
        return dataclasses.replace(fresh, application_closes=TODAY - timedelta(days=1))
    if how == "stage":
        if firm.stage == 9:
            return dataclasses.replace(fresh, stage_min=1, stage_max=8)
        return dataclasses.replace(fresh, stage_min=firm.stage + 1, stage_max=9)
    return dataclasses.replace(fresh, regions=frozenset({"nowhere"}))


@PROPERTY_SETTINGS
@given(
    firm=firms,
    catalog=catalogs(),
    extra=program_specs(),
    how=st.sampled_from(["inactive", "closed", "stage", "region"]),
    position=st.integers(0, 8),
    limit=limits,
)
def test_it_ignores_an_added_ineligible_program_in_matches(
    firm: FirmProfile,
    catalog: list[ProgramSpec],
    extra: ProgramSpec,
    how: str,
    position: int,
    limit: int,
) -> None:
    before = recommend(firm, catalog, today=TODAY, limit=limit)
    added = make_ineligible(extra, firm, how)
    assert broken_rules(firm, added, TODAY) or not added.is_active
    bigger = [*catalog[:position], added, *catalog[position:]]
    after = recommend(firm, bigger, today=TODAY, limit=limit)
    assert after.matches == before.matches


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits)
def test_it_marks_the_window_open_only_when_it_is_open_today(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    by_id = {p.id: p for p in catalog}
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    for match in result.matches:
        assert match.window_open == is_open_today(by_id[match.program_id], TODAY)


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(max_size=14), limit=limits)
def test_it_never_returns_more_than_limit(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    assert len(result.matches) <= limit
    assert len(result.near_misses) <= limit
    # A smaller limit cuts the same ranking short; it never reorders it.
    full = recommend(firm, catalog, today=TODAY, limit=len(catalog))
    assert result.matches == full.matches[:limit]
    assert result.near_misses == full.near_misses[:limit]
