"""Recommendation rules: a firm, its scoring result and the catalog in; programs out.

Pure Python on purpose (no Django import). Every recommendation carries the reasons a
person can read, in data form (`Reason`); the web layer words them in Korean and
English.

Design, in short:

- Tiers. A program that grades firms by last year's exports (the export voucher's five
  tiers, the four of Global Small Champions 1000+) is one catalog entry per tier, each
  with its own export range, and the tiers share a `family` code. Per tier entries keep
  every rule a plain range a staff member can read and edit; the family keeps the list
  clean: at most one tier of a family is recommended (the one built for the firm's
  size), and no near miss is shown from a family that already has a match.
- Windows. A program opens every year in the same months (`application_months`), or
  all year round; a dated round (`application_opens`/`application_closes`), when staff
  have entered the current announcement, takes precedence until it closes. A window
  is never a reason to drop a program: after a round closes the next one is expected
  in the usual months, or a year after the last round's dates.
- Need. A program's need points come from the weakest of the bottlenecks and areas it
  addresses, counted once however many it is tagged with. A program that begins with
  a diagnosis of the firm comes after the others for a firm that has just been
  diagnosed.

Reason codes and their params (ints, or strings for dates, codes and scores):

    stage_in_range {stage, min, max}
    stage_below_min {stage, min, max}        stage_above_max {stage, min, max}
    export_at_least_min {exports, minimum}   export_too_low {exports, minimum}
    export_below_max {exports, limit}        export_too_high {exports, limit}
    exported_last_year {exports}             not_exported_last_year {}
    domestic_as_required {}                  exported_but_domestic_only {exports}
    employees_within {employees, limit}      employees_too_many {employees, limit}
    revenue_within {revenue, limit}          revenue_too_high {revenue, limit}
    age_at_least_min {age, min}              age_too_young {age, min}
    age_within_max {age, max}                age_too_old {age, max}
    age_unknown {}
    industry_match {industry}                industry_mismatch {industry}
    product_match_ksic {division}            product_match_hs {chapter}
    product_mismatch {division, chapter}     product_unknown {}
    market_match {markets}                   market_mismatch {markets}
    region_match {region}                    region_mismatch {region}
    window_open_until {closes}   window_opens_on {opens}   window_year_round {}
    window_usually_open_until {closes}       window_usually_opens_on {opens}
    inactive {}
    addresses_bottleneck {bottleneck, score}   addresses_area {area, score}
    repeats_diagnosis {}                       free_of_charge {}

A rule left unrestricted (empty list, None, the full stage range 1..9) adds no reason.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple


@dataclass(frozen=True)
class FirmProfile:
    stage: int
    annual_exports_usd: int
    employees: int
    revenue_krw: int
    industry: str  # KSIC section letter
    region: str  # accounts.Region value
    target_markets: frozenset[str]  # ISO 3166-1 alpha-2 codes
    # Bottleneck type -> score 0..100 from the diagnostic (lower is weaker).
    bottleneck_scores: dict[str, Decimal]
    # Area code -> score 0..100 (lower is weaker).
    area_scores: dict[str, Decimal]
    year_founded: int | None = None
    industry_division: str = ""  # KSIC division, 2 digits; "" when not given
    hs_code: str = ""  # the main product's HS code, 2 to 10 digits; "" when not given
    # The recommendations follow a diagnostic the firm has just completed.
    just_diagnosed: bool = False

    @property
    def hs_chapter(self) -> str:
        return self.hs_code[:2] if len(self.hs_code) >= 2 else ""


@dataclass(frozen=True)
class ProgramSpec:
    id: int
    code: str
    support_type: str
    bottlenecks: frozenset[str]
    stage_min: int = 1
    stage_max: int = 9
    export_min_usd: int | None = None  # inclusive
    export_max_usd: int | None = None  # exclusive
    max_employees: int | None = None  # inclusive
    max_revenue_krw: int | None = None  # inclusive
    industries: frozenset[str] = frozenset()  # KSIC sections; empty: any
    target_markets: frozenset[str] = frozenset()  # empty: any
    regions: frozenset[str] = frozenset()  # empty: any
    application_opens: date | None = None
    application_closes: date | None = None  # inclusive
    is_active: bool = True
    fee_min_krw: int = 0
    fee_max_krw: int | None = 0  # None: a cost that varies or is not published
    areas: frozenset[str] = frozenset()  # diagnostic area codes the program helps
    family: str = ""  # the tiers of one program share it; "" stands alone
    age_min_years: int | None = None  # years since founding, inclusive
    age_max_years: int | None = None  # inclusive
    # Product targeting: a firm qualifies through either list; both empty: any.
    ksic_divisions: frozenset[str] = frozenset()  # 2-digit KSIC divisions
    hs_chapters: frozenset[str] = frozenset()  # 2-digit HS chapters
    # True: only firms that exported last year; False: only firms that did not.
    exported_last_year: bool | None = None
    application_months: frozenset[int] = frozenset()  # 1..12; empty: all year
    includes_diagnosis: bool = False  # the program begins by diagnosing the firm


@dataclass(frozen=True)
class Reason:
    """A reason in data form.

    `code` names the rule; `params` holds the values a sentence needs, as strings or
    ints, e.g. Reason("export_below_max", {"exports": 120000, "limit": 500000}).
    """

    code: str
    params: tuple[tuple[str, str | int], ...] = ()

    def param(self, name: str) -> str | int:
        return dict(self.params)[name]


@dataclass(frozen=True)
class Window:
    """The application window a firm can aim for, as of one day.

    `opens` None: open already (or all year); `closes` None: no closing date known.
    `announced`: the dates come from the current announcement, not from the months
    in which the program usually opens. Never in the past: `closes` is None or on or
    after the day it was computed for.
    """

    opens: date | None = None
    closes: date | None = None
    announced: bool = False

    def is_open(self, today: date) -> bool:
        return (self.opens is None or self.opens <= today) and (
            self.closes is None or today <= self.closes
        )


YEAR_ROUND = Window()


@dataclass(frozen=True)
class Match:
    program_id: int
    code: str
    fit_score: Decimal
    reasons: tuple[Reason, ...]
    window_open: bool
    window: Window = YEAR_ROUND


@dataclass(frozen=True)
class NearMiss:
    program_id: int
    code: str
    failed: Reason  # the one rule it failed
    reasons: tuple[Reason, ...]  # the rules it met
    fit_score: Decimal = Decimal(0)  # how well it would fit, had it not missed
    window: Window = YEAR_ROUND


@dataclass(frozen=True)
class Recommendations:
    matches: tuple[Match, ...]
    near_misses: tuple[NearMiss, ...]


@dataclass(frozen=True)
class ProgramCheck:
    """Every rule of one program checked against one firm on one day."""

    met: tuple[Reason, ...]  # also the informative reasons (need, free)
    failed: tuple[Reason, ...]
    window: Window  # the window to aim for; never a reason to fail
    window_open: bool  # whether that window is open on the day of the check

    @property
    def eligible(self) -> bool:
        return not self.failed


STAGE_LOWEST = 1
STAGE_HIGHEST = 9
ALL_MONTHS = frozenset(range(1, 13))

# A bottleneck or area scored under 60 of 100 is one the firm is weak in: a program
# addressing it is worth a mention; above that, naming it would pad the reasons.
WEAK_BELOW = Decimal(60)

# Fit weights. Need dominates: the product exists to send a firm where it is weakest.
# Up to 40 for the weakest addressed bottleneck or area, scaled by its weakness
# (100 - score), once: ten tags on a program earn what its best tag earns.
WEIGHT_NEED = Decimal(40)
# A program built for the firm's own products or markets beats a generic one of equal
# need; together they stay under need, so a targeted program the firm does not need
# does not outrank one it does.
WEIGHT_PRODUCT_MATCH = Decimal(15)
WEIGHT_MARKET_MATCH = Decimal(15)
# A firm in the middle of a program's stage range is the audience it was designed for.
WEIGHT_STAGE_CENTRALITY = Decimal(10)
# A firm can apply now rather than wait; enough to break near ties, not to beat need.
WEIGHT_WINDOW_OPEN = Decimal(5)
# Cost matters to a small firm, but a free program should not outrank a needed one.
WEIGHT_FREE = Decimal(2)

FIT_QUANTUM = Decimal("0.01")
HUNDRED = Decimal(100)


def recommend(
    firm: FirmProfile, programs: Sequence[ProgramSpec], *, today: date, limit: int = 10
) -> Recommendations:
    """Select the eligible programs, rank them by fit and list the near misses.

    Matches: active programs that meet every rule, at most one per family (the tier
    with the highest export floor the firm reaches), ordered by: a diagnosis the firm
    has just had comes last, then fit desc, open window first, then code. Near misses:
    active programs that fail exactly one rule, none from a family with a match and
    one per family (the tier nearest the firm's exports), ordered by fit desc, then
    code. At most `limit` of each. The result depends only on the arguments, not on
    the catalog's order.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    candidates: list[_Candidate] = []
    for program in programs:
        if not program.is_active:
            continue  # a retired program is noise, even as a near miss
        # Counting failures is cheap; the reasons are built below, for the few
        # programs that make the lists.
        failures = _failure_count(firm, program, today)
        if failures > 1:
            continue
        window = next_window(program, today)
        window_open = window.is_open(today)
        score = _fit(firm, program, window_open)
        candidates.append(
            _Candidate(program, failures == 0, score, window_open, window)
        )

    matched = _one_per_family(
        [c for c in candidates if c.eligible],
        # The tier built for the firm's size: the highest floor it reaches.
        key=lambda c: (-(c.program.export_min_usd or 0), c.program.code, c.program.id),
    )
    matched_families = {c.program.family for c in matched if c.program.family}
    missed = _one_per_family(
        [
            c
            for c in candidates
            if not c.eligible and c.program.family not in matched_families
        ],
        key=lambda c: (_tier_distance(firm, c.program), c.program.code, c.program.id),
    )
    # program.id last: codes are unique in the catalog, but the order must stay total
    # even for hand-built input.
    matched.sort(
        key=lambda c: (
            firm.just_diagnosed and c.program.includes_diagnosis,
            -c.score,
            not c.window_open,
            c.program.code,
            c.program.id,
        )
    )
    missed.sort(key=lambda c: (-c.score, c.program.code, c.program.id))
    matches = []
    for c in matched[:limit]:
        check = check_program(firm, c.program, today=today)
        matches.append(
            Match(
                c.program.id,
                c.program.code,
                c.score,
                check.met,
                c.window_open,
                c.window,
            )
        )
    near_misses = []
    for c in missed[:limit]:
        check = check_program(firm, c.program, today=today)
        near_misses.append(
            NearMiss(
                c.program.id,
                c.program.code,
                check.failed[0],
                check.met,
                c.score,
                c.window,
            )
        )
    return Recommendations(tuple(matches), tuple(near_misses))


def check_program(
    firm: FirmProfile, program: ProgramSpec, *, today: date
) -> ProgramCheck:
    """Check every rule; the web layer can use this to explain any single program."""
    met: list[Reason] = _need_reasons(firm, program)
    failed: list[Reason] = []
    if not program.is_active:
        failed.append(_reason("inactive"))
    window = next_window(program, today)
    rule_results = (
        _check_stage(firm, program),
        _check_export_min(firm, program),
        _check_export_max(firm, program),
        _check_exported(firm, program),
        _check_employees(firm, program),
        _check_revenue(firm, program),
        _check_age_min(firm, program, today),
        _check_age_max(firm, program, today),
        _check_industry(firm, program),
        _check_product(firm, program),
        _check_markets(firm, program),
        _check_region(firm, program),
        _window_reason(program, window, today),
    )
    for result in rule_results:
        if result is None:
            continue  # unrestricted rule: nothing a person needs to read
        ok, reason = result
        (met if ok else failed).append(reason)
    if firm.just_diagnosed and program.includes_diagnosis:
        met.append(_reason("repeats_diagnosis"))
    if program.fee_max_krw == 0:
        met.append(_reason("free_of_charge"))
    return ProgramCheck(tuple(met), tuple(failed), window, window.is_open(today))


def fit_score(firm: FirmProfile, program: ProgramSpec, *, today: date) -> Decimal:
    """How well a program fits the firm, rounded to cents so ties are exact."""
    return _fit(firm, program, next_window(program, today).is_open(today))


def firm_age(firm: FirmProfile, today: date) -> int | None:
    """Whole years since founding, by calendar year: the profile holds the year only."""
    if firm.year_founded is None:
        return None
    return max(today.year - firm.year_founded, 0)


def next_window(program: ProgramSpec, today: date) -> Window:
    """The window a firm can apply in, open now or the next one; never in the past.

    An announced round counts until it closes. After that, or without one, the usual
    months give the window (the run of consecutive months holding today, or the next
    run); without months, the last round's dates a year (or years) on. No dates and no
    months, or all twelve months: all year round.
    """
    opens, closes = program.application_opens, program.application_closes
    if closes is not None and today <= closes:
        return Window(opens if opens and opens > today else None, closes, True)
    if closes is None and opens is not None:
        # A round with an opening date and no closing date: open from then on.
        return Window(opens if opens > today else None, None, announced=True)
    months = program.application_months & ALL_MONTHS
    if months and months != ALL_MONTHS:
        return _month_window(months, today)
    if closes is not None and not months:
        return _round_a_year_on(opens, closes, today)
    return YEAR_ROUND


def _fit(firm: FirmProfile, program: ProgramSpec, window_open: bool) -> Decimal:
    score = (
        _need_points(firm, program)
        + _product_points(firm, program)
        + _market_points(firm, program)
        + _stage_points(firm, program)
        + (WEIGHT_WINDOW_OPEN if window_open else Decimal(0))
        + (WEIGHT_FREE if program.fee_max_krw == 0 else Decimal(0))
    )
    return score.quantize(FIT_QUANTUM, rounding=ROUND_HALF_UP)


class _Candidate(NamedTuple):
    """A program that fails at most one rule, with what ranking needs to know."""

    program: ProgramSpec
    eligible: bool
    score: Decimal
    window_open: bool
    window: Window


def _one_per_family(
    items: list[_Candidate], *, key: Callable[[_Candidate], tuple[object, ...]]
) -> list[_Candidate]:
    """Programs without a family, plus the first of each family by `key`."""
    chosen: dict[str, _Candidate] = {}
    alone: list[_Candidate] = []
    for item in sorted(items, key=key):
        family = item.program.family
        if not family:
            alone.append(item)
        elif family not in chosen:
            chosen[family] = item
    return alone + list(chosen.values())


def _failure_count(firm: FirmProfile, program: ProgramSpec, today: date) -> int:
    """How many rules `program` fails, stopping once it is past one.

    The same rules as the _check_* functions below, read without building reasons:
    recommend() filters a thousand programs with it. A property test holds the two to
    the same answer.
    """
    failures = 0
    if not program.stage_min <= firm.stage <= program.stage_max:
        failures += 1
    exports = firm.annual_exports_usd
    if program.export_min_usd is not None and exports < program.export_min_usd:
        failures += 1
    if program.export_max_usd is not None and exports >= program.export_max_usd:
        failures += 1
    required = program.exported_last_year
    if required is not None and required != (exports > 0):
        failures += 1
    if failures > 1:
        return failures
    if program.max_employees is not None and firm.employees > program.max_employees:
        failures += 1
    if (
        program.max_revenue_krw is not None
        and firm.revenue_krw > program.max_revenue_krw
    ):
        failures += 1
    if program.age_min_years is not None or program.age_max_years is not None:
        age = firm_age(firm, today)
        if age is None:
            failures += 1  # one reason however many limits: the age is unknown
        else:
            if program.age_min_years is not None and age < program.age_min_years:
                failures += 1
            if program.age_max_years is not None and age > program.age_max_years:
                failures += 1
    if failures > 1:
        return failures
    if program.industries and firm.industry not in program.industries:
        failures += 1
    if program.ksic_divisions or program.hs_chapters:
        division, chapter = firm.industry_division, firm.hs_chapter
        if not (
            (division and division in program.ksic_divisions)
            or (chapter and chapter in program.hs_chapters)
        ):
            failures += 1
    if program.target_markets and not firm.target_markets & program.target_markets:
        failures += 1
    if program.regions and firm.region not in program.regions:
        failures += 1
    return failures


def _tier_distance(firm: FirmProfile, program: ProgramSpec) -> int:
    """How far (US$) the firm's exports lie outside a program's export range."""
    exports = firm.annual_exports_usd
    if program.export_min_usd is not None and exports < program.export_min_usd:
        return program.export_min_usd - exports
    if program.export_max_usd is not None and exports >= program.export_max_usd:
        return exports - program.export_max_usd + 1
    return 0


# --- Windows ------------------------------------------------------------------------


# Pure and keyed by everything it reads: a catalog shares few sets of months, and a
# thousand programs ask the same question of the same day.
@lru_cache(maxsize=4096)
def _month_window(months: frozenset[int], today: date) -> Window:
    month = today.month
    if month not in months:
        # The next month in the list, counting on from this one.
        step = next(k for k in range(1, 12) if _shift(month, k) in months)
        start_year = today.year + (month + step - 1) // 12
        start_month = _shift(month, step)
    else:
        start_year, start_month = today.year, month
        # Back to the start of the run holding this month (a run may span New Year).
        while _shift(start_month, -1) in months:
            start_year -= start_month == 1
            start_month = _shift(start_month, -1)
    end_year, end_month = start_year, start_month
    while _shift(end_month, 1) in months:
        end_year += end_month == 12
        end_month = _shift(end_month, 1)
    last_day = calendar.monthrange(end_year, end_month)[1]
    opens = date(start_year, start_month, 1)
    return Window(
        opens if opens > today else None, date(end_year, end_month, last_day), False
    )


def _shift(month: int, by: int) -> int:
    return (month - 1 + by) % 12 + 1


def _round_a_year_on(opens: date | None, closes: date, today: date) -> Window:
    # A round known only by its closing date is taken to have opened at the start of
    # that month: the least a firm can count on, without inventing a longer window.
    first = opens if opens is not None else closes.replace(day=1)
    years = max(today.year - closes.year, 1)
    if _same_day_in(closes, closes.year + years) < today:
        years += 1
    next_opens = _same_day_in(first, first.year + years)
    next_closes = _same_day_in(closes, closes.year + years)
    return Window(
        next_opens if next_opens > today else None, next_closes, announced=False
    )


def _same_day_in(day: date, year: int) -> date:
    # 29 February becomes 28 February in a common year.
    return day.replace(
        year=year, day=min(day.day, calendar.monthrange(year, day.month)[1])
    )


# --- Rule checks: None when the rule is unrestricted, else (met, reason) ------------

RuleResult = tuple[bool, Reason] | None


def _reason(code: str, *params: tuple[str, str | int]) -> Reason:
    """Reason("stage_in_range", ("stage", 4), ("min", 3), ("max", 5)), in call order."""
    return Reason(code, params)


def _check_stage(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    low, high = program.stage_min, program.stage_max
    params = (("stage", firm.stage), ("min", low), ("max", high))
    if firm.stage < low:
        return False, _reason("stage_below_min", *params)
    if firm.stage > high:
        return False, _reason("stage_above_max", *params)
    if low <= STAGE_LOWEST and high >= STAGE_HIGHEST:
        return None  # every stage admitted: saying so tells the firm nothing
    return True, _reason("stage_in_range", *params)


def _check_export_min(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    minimum = program.export_min_usd
    if minimum is None:
        return None
    params = (("exports", firm.annual_exports_usd), ("minimum", minimum))
    if firm.annual_exports_usd >= minimum:  # inclusive
        return True, _reason("export_at_least_min", *params)
    return False, _reason("export_too_low", *params)


def _check_export_max(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.export_max_usd
    if limit is None:
        return None
    params = (("exports", firm.annual_exports_usd), ("limit", limit))
    # Exclusive: "exporting less than US$500,000" leaves out a firm at exactly 500,000.
    if firm.annual_exports_usd < limit:
        return True, _reason("export_below_max", *params)
    return False, _reason("export_too_high", *params)


def _check_exported(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    required = program.exported_last_year
    if required is None:
        return None
    exports = firm.annual_exports_usd
    if required:
        if exports > 0:
            return True, _reason("exported_last_year", ("exports", exports))
        return False, _reason("not_exported_last_year")
    if exports == 0:
        return True, _reason("domestic_as_required")
    return False, _reason("exported_but_domestic_only", ("exports", exports))


def _check_employees(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.max_employees
    if limit is None:
        return None
    params = (("employees", firm.employees), ("limit", limit))
    if firm.employees <= limit:
        return True, _reason("employees_within", *params)
    return False, _reason("employees_too_many", *params)


def _check_revenue(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.max_revenue_krw
    if limit is None:
        return None
    params = (("revenue", firm.revenue_krw), ("limit", limit))
    if firm.revenue_krw <= limit:
        return True, _reason("revenue_within", *params)
    return False, _reason("revenue_too_high", *params)


def _check_age_min(firm: FirmProfile, program: ProgramSpec, today: date) -> RuleResult:
    minimum = program.age_min_years
    if minimum is None:
        return None
    age = firm_age(firm, today)
    if age is None:
        return False, _reason("age_unknown")
    if age >= minimum:
        return True, _reason("age_at_least_min", ("age", age), ("min", minimum))
    return False, _reason("age_too_young", ("age", age), ("min", minimum))


def _check_age_max(firm: FirmProfile, program: ProgramSpec, today: date) -> RuleResult:
    maximum = program.age_max_years
    if maximum is None:
        return None
    age = firm_age(firm, today)
    if age is None:
        # Said once: a program with both limits reports the unknown age on the minimum.
        if program.age_min_years is not None:
            return None
        return False, _reason("age_unknown")
    if age <= maximum:
        return True, _reason("age_within_max", ("age", age), ("max", maximum))
    return False, _reason("age_too_old", ("age", age), ("max", maximum))


def _check_industry(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.industries:
        return None
    if firm.industry in program.industries:
        return True, _reason("industry_match", ("industry", firm.industry))
    return False, _reason("industry_mismatch", ("industry", firm.industry))


def _check_product(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.ksic_divisions and not program.hs_chapters:
        return None
    division, chapter = firm.industry_division, firm.hs_chapter
    if division and division in program.ksic_divisions:
        return True, _reason("product_match_ksic", ("division", division))
    if chapter and chapter in program.hs_chapters:
        return True, _reason("product_match_hs", ("chapter", chapter))
    if not division and not chapter:
        # Not a mismatch: the firm has not said what it makes.
        return False, _reason("product_unknown")
    return False, _reason(
        "product_mismatch", ("division", division), ("chapter", chapter)
    )


def _check_markets(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.target_markets:
        return None
    shared = firm.target_markets & program.target_markets
    if shared:
        # The markets the firm and the program share: the ones worth naming.
        return True, _reason("market_match", ("markets", _join(shared)))
    # The program's markets: what the firm would have to target to qualify.
    return False, _reason("market_mismatch", ("markets", _join(program.target_markets)))


def _check_region(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.regions:
        return None
    if firm.region in program.regions:
        return True, _reason("region_match", ("region", firm.region))
    return False, _reason("region_mismatch", ("region", firm.region))


def _window_reason(program: ProgramSpec, window: Window, today: date) -> RuleResult:
    """Never None, and never failed: the window reason is the one every program gives."""
    if window.opens is None and window.closes is None:
        return True, _reason("window_year_round")
    if window.opens is not None and window.opens > today:
        code = "window_opens_on" if window.announced else "window_usually_opens_on"
        return True, _reason(code, ("opens", window.opens.isoformat()))
    if window.closes is None:
        return True, _reason("window_year_round")
    code = "window_open_until" if window.announced else "window_usually_open_until"
    return True, _reason(code, ("closes", window.closes.isoformat()))


# --- Need -----------------------------------------------------------------------------


def _weak_points(
    firm: FirmProfile, program: ProgramSpec
) -> list[tuple[Decimal, str, str]]:
    """(score, kind, code) per addressed bottleneck or area the firm is weak in."""
    weak = [
        (firm.bottleneck_scores[name], "bottleneck", name)
        for name in program.bottlenecks
        if name in firm.bottleneck_scores and firm.bottleneck_scores[name] < WEAK_BELOW
    ]
    weak += [
        (firm.area_scores[code], "area", code)
        for code in program.areas
        if code in firm.area_scores and firm.area_scores[code] < WEAK_BELOW
    ]
    return sorted(weak)


def _need_reasons(firm: FirmProfile, program: ProgramSpec) -> list[Reason]:
    # The score goes out as a string: params hold ints or strings, and a Decimal such
    # as 42.5 would lose its meaning as an int. Weakest first.
    reasons = []
    for score, kind, code in _weak_points(firm, program):
        if kind == "bottleneck":
            reasons.append(
                _reason(
                    "addresses_bottleneck", ("bottleneck", code), ("score", str(score))
                )
            )
        else:
            reasons.append(
                _reason("addresses_area", ("area", code), ("score", str(score)))
            )
    return reasons


def _need_points(firm: FirmProfile, program: ProgramSpec) -> Decimal:
    # Counted once, for the weakest thing the program addresses. A bottleneck or area
    # the diagnostic did not score adds nothing: no guessing at need.
    lowest: Decimal | None = None
    for scores, tags in (
        (firm.bottleneck_scores, program.bottlenecks),
        (firm.area_scores, program.areas),
    ):
        for tag in tags:
            score = scores.get(tag)
            if score is not None and (lowest is None or score < lowest):
                lowest = score
    if lowest is None:
        return Decimal(0)
    return WEIGHT_NEED * (HUNDRED - _clamp(lowest)) / HUNDRED


def _product_points(firm: FirmProfile, program: ProgramSpec) -> Decimal:
    # Only a product-specific program earns it; "any product" is no sign of fit.
    division, chapter = firm.industry_division, firm.hs_chapter
    if (division and division in program.ksic_divisions) or (
        chapter and chapter in program.hs_chapters
    ):
        return WEIGHT_PRODUCT_MATCH
    return Decimal(0)


def _market_points(firm: FirmProfile, program: ProgramSpec) -> Decimal:
    # Only a market-specific program earns it; "any market" is no sign of fit.
    if program.target_markets and firm.target_markets & program.target_markets:
        return WEIGHT_MARKET_MATCH
    return Decimal(0)


def _stage_points(firm: FirmProfile, program: ProgramSpec) -> Decimal:
    low, high = program.stage_min, program.stage_max
    if not low <= firm.stage <= high:
        return Decimal(0)  # a near miss on stage: centrality means nothing
    half_width = Decimal(high - low) / 2
    if half_width == 0:
        return WEIGHT_STAGE_CENTRALITY  # a one-stage program: the firm is its centre
    distance = abs(Decimal(firm.stage) - Decimal(low + high) / 2)
    return WEIGHT_STAGE_CENTRALITY * (1 - distance / half_width)


def _clamp(score: Decimal) -> Decimal:
    return min(max(score, Decimal(0)), HUNDRED)


def _join(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes))
