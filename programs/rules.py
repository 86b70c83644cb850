"""Recommendation rules: a firm, its scoring result and the catalog in; programs out.

Pure Python on purpose (no Django import). Every recommendation carries the reasons a
person can read, in data form (`Reason`); the web layer words them in Korean and
English.

Reason codes and their params (ints, or strings for dates, codes and scores):

    stage_in_range {stage, min, max}
    stage_below_min {stage, min, max}        stage_above_max {stage, min, max}
    export_at_least_min {exports, minimum}   export_too_low {exports, minimum}
    export_below_max {exports, limit}        export_too_high {exports, limit}
    employees_within {employees, limit}      employees_too_many {employees, limit}
    revenue_within {revenue, limit}          revenue_too_high {revenue, limit}
    industry_match {industry}                industry_mismatch {industry}
    market_match {markets}                   market_mismatch {markets}
    region_match {region}                    region_mismatch {region}
    window_open_until {closes}   window_year_round {}   window_opens_on {opens}
    window_closed {closed}       inactive {}
    addresses_bottleneck {bottleneck, score}             free_of_charge {}

A rule left unrestricted (empty list, None, the full stage range 1..9) adds no reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


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
    industries: frozenset[str] = frozenset()  # empty: any
    target_markets: frozenset[str] = frozenset()  # empty: any
    regions: frozenset[str] = frozenset()  # empty: any
    application_opens: date | None = None
    application_closes: date | None = None  # inclusive
    is_active: bool = True
    fee_min_krw: int = 0
    fee_max_krw: int = 0


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
class Match:
    program_id: int
    code: str
    fit_score: Decimal
    reasons: tuple[Reason, ...]
    window_open: bool


@dataclass(frozen=True)
class NearMiss:
    program_id: int
    code: str
    failed: Reason  # the one rule it failed
    reasons: tuple[Reason, ...]  # the rules it met
    fit_score: Decimal = Decimal(0)  # how well it would fit, had it not missed


@dataclass(frozen=True)
class Recommendations:
    matches: tuple[Match, ...]
    near_misses: tuple[NearMiss, ...]


@dataclass(frozen=True)
class ProgramCheck:
    """Every rule of one program checked against one firm on one day."""

    met: tuple[Reason, ...]  # also the informative reasons (bottleneck, free)
    failed: tuple[Reason, ...]
    window_open: bool

    @property
    def eligible(self) -> bool:
        return not self.failed


STAGE_LOWEST = 1
STAGE_HIGHEST = 9

# A bottleneck scored under 60 of 100 is one the firm is weak in: a program addressing
# it is worth a mention; above that, naming it would pad the list of reasons.
WEAK_BOTTLENECK_BELOW = Decimal(60)

# Fit weights. Need dominates: the product exists to send a firm where it is weakest.
# Up to 40 per addressed bottleneck, scaled by how weak the firm is in it (100 - score).
WEIGHT_BOTTLENECK_NEED = Decimal(40)
# A program built for the firm's own markets beats a generic one of equal need.
WEIGHT_MARKET_MATCH = Decimal(15)
# A firm in the middle of a program's stage range is the audience it was designed for.
WEIGHT_STAGE_CENTRALITY = Decimal(10)
# A firm can apply now rather than wait; enough to break near ties, not to beat need.
WEIGHT_WINDOW_OPEN = Decimal(5)
# Cost matters to a small firm, but a free program should not outrank a needed one.
WEIGHT_FREE = Decimal(2)

FIT_QUANTUM = Decimal("0.01")


def recommend(
    firm: FirmProfile, programs: Sequence[ProgramSpec], *, today: date, limit: int = 10
) -> Recommendations:
    """Select the eligible programs, rank them by fit and list the near misses.

    Matches: active programs that meet every rule (an upcoming window still counts),
    ordered by fit desc, open window first, then code. Near misses: active programs
    that fail exactly one rule, ordered by fit desc, then code. At most `limit` of
    each. The result depends only on the arguments, not on the catalog's order.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    matches: list[Match] = []
    near_misses: list[NearMiss] = []
    for program in programs:
        if not program.is_active:
            continue  # a retired program is noise, even as a near miss
        check = check_program(firm, program, today=today)
        score = fit_score(firm, program, today=today)
        if check.eligible:
            matches.append(
                Match(program.id, program.code, score, check.met, check.window_open)
            )
        elif len(check.failed) == 1:
            near_misses.append(
                NearMiss(program.id, program.code, check.failed[0], check.met, score)
            )
    # program_id last: codes are unique in the catalog, but the order must stay total
    # even for hand-built input.
    matches.sort(key=lambda m: (-m.fit_score, not m.window_open, m.code, m.program_id))
    near_misses.sort(key=lambda n: (-n.fit_score, n.code, n.program_id))
    return Recommendations(tuple(matches[:limit]), tuple(near_misses[:limit]))


def check_program(
    firm: FirmProfile, program: ProgramSpec, *, today: date
) -> ProgramCheck:
    """Check every rule; the web layer can use this to explain any single program."""
    met: list[Reason] = list(_bottleneck_reasons(firm, program))
    failed: list[Reason] = []
    if not program.is_active:
        failed.append(_reason("inactive"))
    rule_results = (
        _check_stage(firm, program),
        _check_export_min(firm, program),
        _check_export_max(firm, program),
        _check_employees(firm, program),
        _check_revenue(firm, program),
        _check_industry(firm, program),
        _check_markets(firm, program),
        _check_region(firm, program),
        _check_window(program, today),
    )
    for result in rule_results:
        if result is None:
            continue  # unrestricted rule: nothing a person needs to read
        ok, reason = result
        (met if ok else failed).append(reason)
    if program.fee_max_krw == 0:
        met.append(_reason("free_of_charge"))
    return ProgramCheck(tuple(met), tuple(failed), _window_open(program, today))


def fit_score(firm: FirmProfile, program: ProgramSpec, *, today: date) -> Decimal:
    """How well a program fits the firm, rounded to cents so ties are exact."""
    score = (
        _need_points(firm, program)
        + _market_points(firm, program)
        + _stage_points(firm, program)
        + (WEIGHT_WINDOW_OPEN if _window_open(program, today) else Decimal(0))
        + (WEIGHT_FREE if program.fee_max_krw == 0 else Decimal(0))
    )
    return score.quantize(FIT_QUANTUM, rounding=ROUND_HALF_UP)


# Rule checks: None when the rule is unrestricted, else (met, reason).
RuleResult = tuple[bool, Reason] | None


def _reason(code: str, **params: str | int) -> Reason:
    return Reason(code, tuple(params.items()))


def _check_stage(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    low, high = program.stage_min, program.stage_max
    params = {"stage": firm.stage, "min": low, "max": high}
    if firm.stage < low:
        return False, _reason("stage_below_min", **params)
    if firm.stage > high:
        return False, _reason("stage_above_max", **params)
    if low <= STAGE_LOWEST and high >= STAGE_HIGHEST:
        return None  # every stage admitted: saying so tells the firm nothing
    return True, _reason("stage_in_range", **params)


def _check_export_min(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    minimum = program.export_min_usd
    if minimum is None:
        return None
    params = {"exports": firm.annual_exports_usd, "minimum": minimum}
    if firm.annual_exports_usd >= minimum:  # inclusive
        return True, _reason("export_at_least_min", **params)
    return False, _reason("export_too_low", **params)


def _check_export_max(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.export_max_usd
    if limit is None:
        return None
    params = {"exports": firm.annual_exports_usd, "limit": limit}
    # Exclusive: "exporting less than US$500,000" leaves out a firm at exactly 500,000.
    if firm.annual_exports_usd < limit:
        return True, _reason("export_below_max", **params)
    return False, _reason("export_too_high", **params)


def _check_employees(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.max_employees
    if limit is None:
        return None
    params = {"employees": firm.employees, "limit": limit}
    if firm.employees <= limit:
        return True, _reason("employees_within", **params)
    return False, _reason("employees_too_many", **params)


def _check_revenue(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    limit = program.max_revenue_krw
    if limit is None:
        return None
    params = {"revenue": firm.revenue_krw, "limit": limit}
    if firm.revenue_krw <= limit:
        return True, _reason("revenue_within", **params)
    return False, _reason("revenue_too_high", **params)


def _check_industry(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.industries:
        return None
    if firm.industry in program.industries:
        return True, _reason("industry_match", industry=firm.industry)
    return False, _reason("industry_mismatch", industry=firm.industry)


def _check_markets(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.target_markets:
        return None
    shared = firm.target_markets & program.target_markets
    if shared:
        # The markets the firm and the program share: the ones worth naming.
        return True, _reason("market_match", markets=_join(shared))
    # The program's markets: what the firm would have to target to qualify.
    return False, _reason("market_mismatch", markets=_join(program.target_markets))


def _check_region(firm: FirmProfile, program: ProgramSpec) -> RuleResult:
    if not program.regions:
        return None
    if firm.region in program.regions:
        return True, _reason("region_match", region=firm.region)
    return False, _reason("region_mismatch", region=firm.region)


def _check_window(program: ProgramSpec, today: date) -> RuleResult:
    """Never None: the window reason is the one every program can give."""
    opens, closes = program.application_opens, program.application_closes
    if closes is not None and today > closes:
        return False, _reason("window_closed", closed=closes.isoformat())
    if opens is not None and today < opens:
        # Still eligible: the firm can prepare and apply when it opens.
        return True, _reason("window_opens_on", opens=opens.isoformat())
    if closes is not None:
        return True, _reason("window_open_until", closes=closes.isoformat())
    # No closing date, open now (no dates, or an opening date already past).
    return True, _reason("window_year_round")


def _window_open(program: ProgramSpec, today: date) -> bool:
    opens, closes = program.application_opens, program.application_closes
    return (opens is None or opens <= today) and (closes is None or today <= closes)


def _weak_bottlenecks(
    firm: FirmProfile, program: ProgramSpec
) -> list[tuple[Decimal, str]]:
    """(score, bottleneck) per program bottleneck the firm is weak in, weakest first."""
    weak = [
        (firm.bottleneck_scores[name], name)
        for name in program.bottlenecks
        if name in firm.bottleneck_scores
        and firm.bottleneck_scores[name] < WEAK_BOTTLENECK_BELOW
    ]
    return sorted(weak)


def _bottleneck_reasons(firm: FirmProfile, program: ProgramSpec) -> list[Reason]:
    # The score goes out as a string: params hold ints or strings, and a Decimal such
    # as 42.5 would lose its meaning as an int.
    return [
        _reason("addresses_bottleneck", bottleneck=name, score=str(score))
        for score, name in _weak_bottlenecks(firm, program)
    ]


def _need_points(firm: FirmProfile, program: ProgramSpec) -> Decimal:
    # A bottleneck the diagnostic did not score adds nothing: no guessing at need.
    total = Decimal(0)
    for name in program.bottlenecks:
        if name in firm.bottleneck_scores:
            weakness = Decimal(100) - _clamp(firm.bottleneck_scores[name])
            total += WEIGHT_BOTTLENECK_NEED * weakness / Decimal(100)
    return total


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
    return min(max(score, Decimal(0)), Decimal(100))


def _join(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes))
