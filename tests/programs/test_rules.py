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
    Window,
    check_program,
    next_window,
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
        # Exports last year, or none.
        ({"exported_last_year": True}, {"annual_exports_usd": 1}, MET,
         Reason("exported_last_year", (("exports", 1),))),
        ({"exported_last_year": True}, {"annual_exports_usd": 0}, FAILED,
         Reason("not_exported_last_year")),
        ({"exported_last_year": False}, {"annual_exports_usd": 0}, MET,
         Reason("domestic_as_required")),
        ({"exported_last_year": False}, {"annual_exports_usd": 1}, FAILED,
         Reason("exported_but_domestic_only", (("exports", 1),))),
        # Years since founding (TODAY is in 2025), both limits inclusive.
        ({"age_max_years": 7}, {"year_founded": 2018}, MET,
         Reason("age_within_max", (("age", 7), ("max", 7)))),
        ({"age_max_years": 7}, {"year_founded": 2017}, FAILED,
         Reason("age_too_old", (("age", 8), ("max", 7)))),
        ({"age_min_years": 3}, {"year_founded": 2022}, MET,
         Reason("age_at_least_min", (("age", 3), ("min", 3)))),
        ({"age_min_years": 3}, {"year_founded": 2023}, FAILED,
         Reason("age_too_young", (("age", 2), ("min", 3)))),
        ({"age_min_years": 3, "age_max_years": 7}, {"year_founded": None}, FAILED,
         Reason("age_unknown")),
        ({"age_max_years": 7}, {"year_founded": None}, FAILED, Reason("age_unknown")),
        # Products: through the KSIC division or the HS chapter.
        ({"ksic_divisions": frozenset({"28"}), "hs_chapters": frozenset({"85"})},
         {"industry_division": "28"}, MET,
         Reason("product_match_ksic", (("division", "28"),))),
        ({"ksic_divisions": frozenset({"28"}), "hs_chapters": frozenset({"85"})},
         {"hs_code": "850760"}, MET,
         Reason("product_match_hs", (("chapter", "85"),))),
        ({"ksic_divisions": frozenset({"28"}), "hs_chapters": frozenset({"85"})},
         {"industry_division": "10", "hs_code": "2106"}, FAILED,
         Reason("product_mismatch", (("division", "10"), ("chapter", "21")))),
        ({"hs_chapters": frozenset({"85"})}, {}, FAILED, Reason("product_unknown")),
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
    ("rules", "window_open", "expected"),
    [
        # No dates, no months: all year round.
        ({}, True, Reason("window_year_round")),
        ({"application_months": frozenset(range(1, 13))}, True,
         Reason("window_year_round")),
        # An announced round: open, upcoming, or open with no closing date.
        ({"application_opens": TODAY - timedelta(days=10)}, True,
         Reason("window_year_round")),
        ({"application_closes": TODAY}, True,
         Reason("window_open_until", (("closes", "2025-06-15"),))),
        ({"application_opens": TODAY, "application_closes": TODAY + timedelta(30)},
         True, Reason("window_open_until", (("closes", "2025-07-15"),))),
        ({"application_opens": TODAY + timedelta(days=1)}, False,
         Reason("window_opens_on", (("opens", "2025-06-16"),))),
        ({"application_opens": TODAY + timedelta(1),
          "application_closes": TODAY + timedelta(9)}, False,
         Reason("window_opens_on", (("opens", "2025-06-16"),))),
        # Usual months: the run holding today, or the next run.
        ({"application_months": frozenset({5, 6, 7})}, True,
         Reason("window_usually_open_until", (("closes", "2025-07-31"),))),
        ({"application_months": frozenset({1, 6})}, True,
         Reason("window_usually_open_until", (("closes", "2025-06-30"),))),
        ({"application_months": frozenset({1, 2})}, False,
         Reason("window_usually_opens_on", (("opens", "2026-01-01"),))),
        ({"application_months": frozenset({9})}, False,
         Reason("window_usually_opens_on", (("opens", "2025-09-01"),))),
        # A round that closed: the usual months take over, or the same dates a year on.
        ({"application_opens": date(2025, 3, 1), "application_closes": date(2025, 3, 31),
          "application_months": frozenset({3, 9})}, False,
         Reason("window_usually_opens_on", (("opens", "2025-09-01"),))),
        ({"application_opens": date(2025, 3, 1),
          "application_closes": date(2025, 3, 31)}, False,
         Reason("window_usually_opens_on", (("opens", "2026-03-01"),))),
        ({"application_opens": date(2024, 6, 1),
          "application_closes": date(2024, 6, 30)}, True,
         Reason("window_usually_open_until", (("closes", "2025-06-30"),))),
        # Known only by its closing date: taken to open at the start of that month.
        ({"application_closes": TODAY - timedelta(days=1)}, False,
         Reason("window_usually_opens_on", (("opens", "2026-06-01"),))),
    ],
)  # fmt: skip
def test_it_computes_the_next_window_and_never_drops_a_program_for_it(
    rules: dict[str, object], window_open: bool, expected: Reason
) -> None:
    match = only_program(make_program(**rules))
    assert isinstance(match, Match)
    assert match.window_open is window_open
    assert [r for r in match.reasons if r.code.startswith("window_")] == [expected]


@pytest.mark.parametrize(
    ("months", "today", "opens", "closes"),
    [
        # A run across New Year, seen from either side of it.
        ({12, 1}, date(2025, 12, 10), None, date(2026, 1, 31)),
        ({12, 1}, date(2026, 1, 10), None, date(2026, 1, 31)),
        ({12, 1}, date(2026, 2, 1), date(2026, 12, 1), date(2027, 1, 31)),
        # February's last day, in a leap year and not.
        ({2}, date(2027, 11, 1), date(2028, 2, 1), date(2028, 2, 29)),
        ({2}, date(2025, 2, 28), None, date(2025, 2, 28)),
    ],
)
def test_it_finds_runs_of_months_across_the_year_end(
    months: set[int], today: date, opens: date | None, closes: date
) -> None:
    program = make_program(application_months=frozenset(months))
    assert next_window(program, today) == Window(opens, closes, announced=False)


def test_it_moves_29_february_to_the_28th_in_a_common_year() -> None:
    program = make_program(
        application_opens=date(2024, 2, 1), application_closes=date(2024, 2, 29)
    )
    assert next_window(program, date(2024, 3, 1)) == Window(
        date(2025, 2, 1), date(2025, 2, 28), announced=False
    )


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
    program = make_program(export_max_usd=100_000, max_employees=1)
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


# --- Need, counted once ---------------------------------------------------------------


def test_it_counts_need_once_however_many_tags_a_program_has() -> None:
    # sales_routes (35) is the firm's weakest; tagging every bottleneck and area
    # earns nothing more than tagging that one.
    everything = make_program(
        id=1,
        code="a-everything",
        bottlenecks=frozenset(BOTTLENECKS),
        areas=frozenset({"market", "finance"}),
    )
    focused = make_program(
        id=2, code="b-focused", bottlenecks=frozenset({"sales_routes"})
    )
    firm = make_firm(area_scores={"market": Decimal(50), "finance": Decimal(80)})
    result = recommend(firm, [everything, focused], today=TODAY)
    # 40 * (100 - 35) / 100 = 26 for need, 7.5 for stage 4 of 1-9, 5 for an open
    # window: for both.
    assert [m.fit_score for m in result.matches] == [Decimal("38.50")] * 2


def test_it_ranks_the_program_for_the_weakest_area_first() -> None:
    firm = make_firm(
        bottleneck_scores={},
        area_scores={
            "finance": Decimal(20),
            "market": Decimal(55),
            "staff": Decimal(90),
        },
    )
    programs = [
        make_program(id=1, code="a-staff", areas=frozenset({"staff"})),
        make_program(id=2, code="b-market", areas=frozenset({"market"})),
        make_program(id=3, code="c-finance", areas=frozenset({"finance"})),
    ]
    result = recommend(firm, programs, today=TODAY)
    assert [m.code for m in result.matches] == ["c-finance", "b-market", "a-staff"]
    finance = result.matches[0]
    assert Reason("addresses_area", (("area", "finance"), ("score", "20"))) in (
        finance.reasons
    )
    # A strong area is not named as a reason.
    assert not [r for r in result.matches[2].reasons if r.code == "addresses_area"]


def test_it_lists_a_diagnosis_after_the_others_for_a_firm_just_diagnosed() -> None:
    consulting = make_program(
        id=1,
        code="a-consulting",
        bottlenecks=frozenset(BOTTLENECKS),
        includes_diagnosis=True,
        fee_max_krw=0,
    )
    plain = make_program(id=2, code="b-plain")
    diagnosed = recommend(
        make_firm(just_diagnosed=True), [consulting, plain], today=TODAY
    )
    assert [m.code for m in diagnosed.matches] == ["b-plain", "a-consulting"]
    assert "repeats_diagnosis" in codes(diagnosed.matches[1].reasons)
    # A firm that has not been diagnosed gets it first: it fits the firm better.
    fresh = recommend(make_firm(just_diagnosed=False), [consulting, plain], today=TODAY)
    assert [m.code for m in fresh.matches] == ["a-consulting", "b-plain"]


def test_it_does_not_rank_a_battery_program_first_for_a_generic_manufacturer() -> None:
    battery = make_program(
        id=1,
        code="a-battery",
        industries=frozenset({"C"}),
        ksic_divisions=frozenset({"28"}),
        hs_chapters=frozenset({"85"}),
        bottlenecks=frozenset({"sales_routes"}),
    )
    generic = make_program(
        id=2, code="b-generic", bottlenecks=frozenset({"sales_routes"})
    )
    bakery = make_firm(industry_division="10", hs_code="1905")
    result = recommend(bakery, [battery, generic], today=TODAY)
    assert [m.code for m in result.matches] == ["b-generic"]
    assert result.near_misses[0].failed.code == "product_mismatch"
    maker = make_firm(industry_division="28")
    result = recommend(maker, [battery, generic], today=TODAY)
    assert [m.code for m in result.matches] == ["a-battery", "b-generic"]


# --- Tiers ------------------------------------------------------------------------------

VOUCHER_TIERS = [  # (code, floor, limit): the export voucher's five tiers
    ("voucher-1-domestic", None, 1_000),
    ("voucher-2-starter", 1_000, 100_000),
    ("voucher-3-promising", 100_000, 1_000_000),
    ("voucher-4-growth", 1_000_000, 5_000_000),
    ("voucher-5-champion", 5_000_000, None),
]


def voucher(family: str = "voucher") -> list[ProgramSpec]:
    return [
        make_program(
            id=index,
            code=code,
            family=family,
            export_min_usd=floor,
            export_max_usd=limit,
        )
        for index, (code, floor, limit) in enumerate(VOUCHER_TIERS, start=1)
    ]


@pytest.mark.parametrize(
    ("exports", "tier", "near"),
    [
        (0, "voucher-1-domestic", None),
        (999, "voucher-1-domestic", None),
        (1_000, "voucher-2-starter", None),
        (120_000, "voucher-3-promising", None),
        (3_000_000, "voucher-4-growth", None),
        (5_000_000, "voucher-5-champion", None),
        (80_000_000, "voucher-5-champion", None),
    ],
)
def test_it_recommends_the_one_tier_for_the_firms_exports(
    exports: int, tier: str, near: str | None
) -> None:
    result = recommend(make_firm(annual_exports_usd=exports), voucher(), today=TODAY)
    assert [m.code for m in result.matches] == [tier]
    # Its sibling tiers are no near misses: the firm has the program already.
    assert result.near_misses == ()


def test_it_shows_the_nearest_tier_as_the_near_miss_of_an_unreached_family() -> None:
    champions = [
        make_program(id=1, code="gsc-1-promising", family="gsc",
                     export_min_usd=100_000, export_max_usd=1_000_000),
        make_program(id=2, code="gsc-2-growth", family="gsc",
                     export_min_usd=1_000_000, export_max_usd=5_000_000),
        make_program(id=3, code="gsc-3-champion", family="gsc", export_min_usd=5_000_000),
    ]  # fmt: skip
    result = recommend(make_firm(annual_exports_usd=40_000), champions, today=TODAY)
    assert result.matches == ()
    assert [n.code for n in result.near_misses] == ["gsc-1-promising"]
    assert result.near_misses[0].failed == Reason(
        "export_too_low", (("exports", 40000), ("minimum", 100000))
    )


def test_it_prefers_the_higher_tier_where_tiers_overlap() -> None:
    # Champion (US$5M and up) and Champion+ (US$10M and up), as announced.
    tiers = [
        make_program(id=1, code="b-champion", family="gsc", export_min_usd=5_000_000),
        make_program(id=2, code="a-champion-plus", family="gsc", export_min_usd=10**7),
    ]
    at_12m = recommend(make_firm(annual_exports_usd=12_000_000), tiers, today=TODAY)
    assert [m.code for m in at_12m.matches] == ["a-champion-plus"]
    at_6m = recommend(make_firm(annual_exports_usd=6_000_000), tiers, today=TODAY)
    assert [m.code for m in at_6m.matches] == ["b-champion"]
    assert at_6m.near_misses == ()


# --- Properties -------------------------------------------------------------------


def broken_rules(firm: FirmProfile, p: ProgramSpec, today: date) -> list[str]:
    """An independent, deliberately plain reading of the eligibility rules."""
    broken = []
    exports = firm.annual_exports_usd
    if not (p.stage_min <= firm.stage <= p.stage_max):
        broken.append("stage")
    if p.export_min_usd is not None and exports < p.export_min_usd:
        broken.append("export_min")
    if p.export_max_usd is not None and exports >= p.export_max_usd:
        broken.append("export_max")
    if p.exported_last_year is not None and p.exported_last_year != (exports > 0):
        broken.append("exported")
    if p.max_employees is not None and firm.employees > p.max_employees:
        broken.append("employees")
    if p.max_revenue_krw is not None and firm.revenue_krw > p.max_revenue_krw:
        broken.append("revenue")
    age = None if firm.year_founded is None else today.year - firm.year_founded
    if p.age_min_years is not None and (age is None or age < p.age_min_years):
        broken.append("age")
    elif p.age_max_years is not None and (age is None or age > p.age_max_years):
        broken.append("age")
    if p.industries and firm.industry not in p.industries:
        broken.append("industry")
    if (p.ksic_divisions or p.hs_chapters) and not (
        firm.industry_division in p.ksic_divisions or firm.hs_code[:2] in p.hs_chapters
    ):
        broken.append("product")
    if p.target_markets and not (p.target_markets & firm.target_markets):
        broken.append("markets")
    if p.regions and firm.region not in p.regions:
        broken.append("region")
    return broken


BOTTLENECKS = ["technology", "funds", "manpower", "sales_routes"]
AREAS = ["finance", "market", "staff"]
INDUSTRIES = ["C", "G", "J", "M"]
DIVISIONS = ["", "10", "28", "62"]
HS_CODES = ["", "19", "2106", "850760"]
REGIONS = ["seoul", "busan", "jeju"]
MARKETS = ["US", "CN", "VN", "JP"]
EXPORT_EDGES = [0, 1, 1_000, 100_000, 499_999, 500_000, 1_000_000, 5_000_000]

# Amounts cluster on the edges so equality at a limit comes up often.
exports = st.sampled_from(EXPORT_EDGES) | st.integers(0, 10_000_000)
small_counts = st.sampled_from([0, 9, 10, 11, 50]) | st.integers(0, 300)
revenues = st.sampled_from([0, 10**9, 10**10]) | st.integers(0, 2 * 10**10)
days_around_today = st.integers(-400, 400).map(lambda d: TODAY + timedelta(days=d))
any_day = st.dates(date(2020, 1, 1), date(2035, 12, 31))
scores = st.decimals(0, 100, places=1)
ages = st.sampled_from([0, 3, 7, 8]) | st.integers(0, 40)
years_founded = st.none() | st.integers(1985, 2025)


T = TypeVar("T")


def optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def subsets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items))


# Built once: building strategies inside each draw costs more than drawing.
bottleneck_sets = subsets(BOTTLENECKS)
area_sets = subsets(AREAS)
industry_sets = subsets(INDUSTRIES)
division_sets = subsets(DIVISIONS[1:])
chapter_sets = subsets(["19", "21", "85"])
market_sets = subsets(MARKETS)
region_sets = subsets(REGIONS)
month_sets = st.frozensets(st.integers(1, 12))
stages = st.integers(1, 9)
fees = st.sampled_from([0, 150_000, 3_500_000, None])
optional_exports = optional(exports)
optional_counts = optional(small_counts)
optional_revenues = optional(revenues)
optional_days = optional(days_around_today)
optional_ages = optional(ages)
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
    area_scores=st.dictionaries(st.sampled_from(AREAS), scores),
    year_founded=years_founded,
    industry_division=st.sampled_from(DIVISIONS),
    hs_code=st.sampled_from(HS_CODES),
    just_diagnosed=st.booleans(),
)


@st.composite
def program_specs(
    draw: st.DrawFn, id: int = 0, code: str = "p", family: str = ""
) -> ProgramSpec:
    stage_a, stage_b = draw(stages), draw(stages)
    age_a, age_b = draw(optional_ages), draw(optional_ages)
    if age_a is not None and age_b is not None:
        age_a, age_b = min(age_a, age_b), max(age_a, age_b)
    opens, closes = draw(optional_days), draw(optional_days)
    if opens is not None and closes is not None and opens > closes:
        opens, closes = closes, opens
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
        application_opens=opens,
        application_closes=closes,
        is_active=draw(activity),
        fee_min_krw=0,
        fee_max_krw=draw(fees),
        areas=draw(area_sets),
        family=family,
        age_min_years=age_a,
        age_max_years=age_b,
        ksic_divisions=draw(division_sets),
        hs_chapters=draw(chapter_sets),
        exported_last_year=draw(st.none() | st.booleans()),
        application_months=draw(month_sets),
        includes_diagnosis=draw(st.booleans()),
    )


@st.composite
def catalogs(draw: st.DrawFn, max_size: int = 8) -> list[ProgramSpec]:
    # Codes are unique, as in the database, and unrelated to ids and list order.
    numbers = draw(st.lists(st.integers(0, 99), unique=True, max_size=max_size))
    return [
        draw(program_specs(id=i + 1, code=f"c{number:02d}"))
        for i, number in enumerate(numbers)
    ]


@st.composite
def tiered_catalogs(draw: st.DrawFn) -> list[ProgramSpec]:
    """Programs in families of tiers (some overlapping), among stand-alone ones."""
    programs = draw(catalogs(max_size=4))
    next_id = len(programs) + 1
    for family in draw(st.lists(st.sampled_from(["fa", "fb"]), unique=True)):
        edges = sorted(draw(st.lists(exports, min_size=2, max_size=5, unique=True)))
        for index, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
            tier = draw(
                program_specs(id=next_id, code=f"{family}-{index}", family=family)
            )
            programs.append(
                dataclasses.replace(
                    tier,
                    export_min_usd=low or None,
                    export_max_usd=None if draw(st.booleans()) and index else high,
                )
            )
            next_id += 1
    return programs


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
@given(firm=firms, catalog=tiered_catalogs(), limit=limits)
def test_it_never_recommends_a_tier_outside_its_export_range(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    by_id = {p.id: p for p in catalog}
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    families = [by_id[m.program_id].family for m in result.matches]
    assert len([f for f in families if f]) == len({f for f in families if f})
    for match in result.matches:
        program = by_id[match.program_id]
        low, high = program.export_min_usd or 0, program.export_max_usd
        assert low <= firm.annual_exports_usd
        assert high is None or firm.annual_exports_usd < high
    matched = {f for f in families if f}
    missed = [by_id[n.program_id].family for n in result.near_misses]
    assert not matched & set(missed)
    assert len([f for f in missed if f]) == len({f for f in missed if f})


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits)
def test_it_gives_every_recommendation_a_reason(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    result = recommend(firm, catalog, today=TODAY, limit=limit)
    assert all(match.reasons for match in result.matches)
    assert all(near_miss.reasons for near_miss in result.near_misses)
    # Every window reason, and every reason for need, names what it says.
    items: list[Match | NearMiss] = [*result.matches, *result.near_misses]
    for item in items:
        assert len([r for r in item.reasons if r.code.startswith("window_")]) == 1
        for reason in item.reasons:
            if reason.code == "addresses_area":
                area = str(reason.param("area"))
                assert firm.area_scores[area] < 60
                assert str(firm.area_scores[area]) == reason.param("score")


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
    by_id = {p.id: p for p in catalog}
    keys = [
        (
            firm.just_diagnosed and by_id[m.program_id].includes_diagnosis,
            -m.fit_score,
            not m.window_open,
            m.code,
        )
        for m in first.matches
    ]
    assert keys == sorted(keys)


@PROPERTY_SETTINGS
@given(firm=firms, catalog=catalogs(), limit=limits)
def test_it_never_ranks_a_repeated_diagnosis_above_another_program(
    firm: FirmProfile, catalog: list[ProgramSpec], limit: int
) -> None:
    by_id = {p.id: p for p in catalog}
    result = recommend(
        dataclasses.replace(firm, just_diagnosed=True),
        catalog,
        today=TODAY,
        limit=limit,
    )
    diagnosis = [by_id[m.program_id].includes_diagnosis for m in result.matches]
    assert diagnosis == sorted(diagnosis)  # every False before every True


def make_ineligible(program: ProgramSpec, firm: FirmProfile, how: str) -> ProgramSpec:
    fresh = dataclasses.replace(program, id=10_000, code="zz-added")
    if how == "inactive":
        return dataclasses.replace(fresh, is_active=False)
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
    how=st.sampled_from(["inactive", "stage", "region"]),
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
@given(program=program_specs(), today=any_day)
def test_the_next_window_is_never_in_the_past(
    program: ProgramSpec, today: date
) -> None:
    window = next_window(program, today)
    assert window.closes is None or window.closes >= today
    assert window.opens is None or window.opens > today  # None: open already
    assert (
        window.opens is None or window.closes is None or window.opens <= window.closes
    )
    check = check_program(make_firm(), program, today=today)
    assert check.window == window
    assert check.window_open == (window.opens is None)
    # A date never makes a program ineligible.
    assert not [r for r in check.failed if r.code.startswith("window")]


@PROPERTY_SETTINGS
@given(months=month_sets, today=any_day)
def test_a_window_from_usual_months_lies_in_those_months(
    months: frozenset[int], today: date
) -> None:
    window = next_window(make_program(application_months=months), today)
    if not months or months == frozenset(range(1, 13)):
        assert window == Window()
        return
    first = window.opens or today
    assert first.month in months and window.closes is not None
    assert window.closes.month in months
    day = first
    while day <= window.closes:  # every month in between is a usual one
        assert day.month in months
        day += timedelta(days=28)
    # No usual month is skipped on the way: today's month and any before the
    # window opens are outside the list.
    if window.opens is not None:
        day = today
        while day.replace(day=1) < window.opens:
            assert day.month not in months
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)


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


@PROPERTY_SETTINGS
@given(firm=firms, program=program_specs(), today=any_day)
def test_the_quick_count_of_failures_agrees_with_the_full_check(
    firm: FirmProfile, program: ProgramSpec, today: date
) -> None:
    from programs.rules import _failure_count

    failed = check_program(firm, program, today=today).failed
    failed = tuple(r for r in failed if r.code != "inactive")
    quick = _failure_count(firm, program, today)
    assert min(quick, 2) == min(len(failed), 2)
