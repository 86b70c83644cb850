"""Scoring of a diagnostic: answers and a questionnaire's rules in, a result out.

Pure Python on purpose (no Django import): the method is open, versioned data and this
module is its whole interpretation, so it can be read, tested and re-run on its own.

Method
------
* Each option carries points; a question's normalised score is its answer's points
  divided by the best option's points (0..1).
* An area's score is the weight-averaged normalised score of its questions, times 100.
* The total score is the weight-averaged normalised score of all questions, times 100.
* Stages are cumulative: a firm is at the highest stage N such that, for every stage up
  to N, the total score reaches that stage's minimum and the firm holds every gating
  fact the stage requires. Facts come from the options chosen.

Version 2 adds (all optional, so version 1 scores exactly as before):

* Profile facts: facts of experience (has exported, markets, export value, presence
  abroad) come from the firm's export figures (`ExportFacts`), never from answers. A
  fact may imply others (a firm that has exported has export intent).
* Tracks: a questionnaire with an `entry_fact` splits firms in two. A firm holding it
  is on the exporter track: never below `entry_stage`, climbing from there by score and
  facts. A firm without it is on the domestic track: never at or above `entry_stage`.
  Questions name the tracks they apply to; the others are skipped, not scored as zero.
* Not applicable: an option marked `not_applicable` leaves its question out of every
  denominator; a diagnostic may use at most `max_not_applicable` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

STAGE_COUNT = 9
DOMESTIC = "domestic"
EXPORTER = "exporter"
TRACKS = frozenset({DOMESTIC, EXPORTER})
# How many areas the next-stage plan names as the best places to gain points.
HELPFUL_AREA_COUNT = 3


class QuestionKind(StrEnum):
    SINGLE = "single"
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMBER = "number"


class ScoringError(ValueError):
    """The answers cannot be scored; `codes` names the questions at fault."""

    def __init__(self, message: str, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


class MissingAnswers(ScoringError):
    pass


class InvalidAnswer(ScoringError):
    pass


class TooManyNotApplicable(InvalidAnswer):
    """More "not applicable" answers than the questionnaire allows; `codes` names them."""


@dataclass(frozen=True)
class OptionSpec:
    id: int
    points: Decimal
    fact: str | None = None
    # Number bands: inclusive lower bound, exclusive upper bound; None is open-ended.
    band_min: Decimal | None = None
    band_max: Decimal | None = None
    not_applicable: bool = False

    def covers(self, value: Decimal) -> bool:
        above = self.band_min is None or value >= self.band_min
        below = self.band_max is None or value < self.band_max
        return above and below


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    code: str
    area: str
    kind: QuestionKind
    weight: Decimal
    options: tuple[OptionSpec, ...]
    bottleneck: str = "none"
    number_min: Decimal | None = None
    number_max: Decimal | None = None
    tracks: frozenset[str] = TRACKS

    @property
    def max_points(self) -> Decimal:
        return max(
            (option.points for option in self.options if not option.not_applicable),
            default=Decimal(0),
        )


@dataclass(frozen=True)
class StageSpec:
    stage: int
    phase: str
    min_score: Decimal
    required_facts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExportFacts:
    """The firm's export figures, from its profile: the one source of experience facts."""

    exports_last_year_usd: int = 0
    export_markets: int = 0
    export_years: int = 0
    # 0 none, 1 agent or distributor abroad, 2 branch or office, 3 subsidiary or
    # production, 4 several of them run as one group.
    presence_level: int = 0


EXPORT_FACT_FIELDS = frozenset(ExportFacts.__dataclass_fields__)


@dataclass(frozen=True)
class FactCondition:
    field: str
    min_value: Decimal


@dataclass(frozen=True)
class ProfileFact:
    """A fact the firm holds when every condition on its export figures holds."""

    code: str
    conditions: tuple[FactCondition, ...]

    def holds(self, figures: ExportFacts) -> bool:
        return all(
            Decimal(getattr(figures, c.field)) >= c.min_value for c in self.conditions
        )


@dataclass(frozen=True)
class Questionnaire:
    areas: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    stages: tuple[StageSpec, ...]
    profile_facts: tuple[ProfileFact, ...] = ()
    # fact -> the facts it implies (has_exported implies export_intent, ...)
    implications: Mapping[str, frozenset[str]] = field(default_factory=dict)
    entry_fact: str | None = None
    entry_stage: int | None = None
    max_not_applicable: int = 0

    @property
    def has_tracks(self) -> bool:
        return self.entry_fact is not None and self.entry_stage is not None


@dataclass(frozen=True)
class AnswerInput:
    """One answer: an option id for choice questions, a number for number questions."""

    option_id: int | None = None
    number: Decimal | None = None


@dataclass(frozen=True)
class Reason:
    """A reason in data form; the web layer words it in the reader's language.

    kinds: "score_reached" (stage, score, threshold), "gate_met" (stage, fact),
    "score_short" (stage, score, threshold), "gate_missing" (stage, fact),
    "track_floor" (stage, fact): the entry fact puts the firm at this stage at least.
    """

    kind: str
    stage: int
    fact: str | None = None
    score: Decimal | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True)
class AreaGain:
    area: str
    # Total-score points the firm would gain with the best answers in this area.
    potential_points: Decimal


@dataclass(frozen=True)
class NextStagePlan:
    stage: int
    points_needed: Decimal
    missing_facts: tuple[str, ...]
    helpful_areas: tuple[AreaGain, ...]


@dataclass(frozen=True)
class ScoringResult:
    stage: int
    phase: str
    total_score: Decimal
    area_scores: Mapping[str, Decimal]
    bottleneck_scores: Mapping[str, Decimal]
    facts: frozenset[str]
    # Stages the score alone would allow but a missing gating fact holds back.
    capped_by: tuple[Reason, ...]
    reasons: tuple[Reason, ...]
    next_stage: NextStagePlan | None
    strongest_area: str
    weakest_area: str
    stage_by_score: int = field(default=1)
    # "domestic" or "exporter" for a questionnaire with tracks; None otherwise.
    track: str | None = None
    # Codes of the questions answered "not applicable", and of those the track skips.
    not_applicable: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT)


def _chosen_option(question: QuestionSpec, answer: AnswerInput) -> OptionSpec:
    if question.kind is QuestionKind.NUMBER:
        return _band_for_number(question, answer)
    if answer.option_id is None:
        raise InvalidAnswer(
            f"{question.code}: an option is required.", (question.code,)
        )
    for option in question.options:
        if option.id == answer.option_id:
            return option
    raise InvalidAnswer(
        f"{question.code}: option {answer.option_id} does not belong to this question.",
        (question.code,),
    )


def _as_decimal(value: object) -> Decimal | None:
    """The answer's number as a finite Decimal, or None when it is not one."""
    # bool is an int; True must not pass for the number 1.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # str() keeps the number as written (Decimal(0.1) is 0.1000000000000000055...).
        value = Decimal(str(value))
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _band_for_number(question: QuestionSpec, answer: AnswerInput) -> OptionSpec:
    value = _as_decimal(answer.number)
    if value is None:
        raise InvalidAnswer(f"{question.code}: a number is required.", (question.code,))
    too_low = question.number_min is not None and value < question.number_min
    too_high = question.number_max is not None and value > question.number_max
    if too_low or too_high:
        raise InvalidAnswer(
            f"{question.code}: {value} is out of range.", (question.code,)
        )
    for option in question.options:
        if option.covers(value):
            return option
    raise InvalidAnswer(f"{question.code}: no band covers {value}.", (question.code,))


def _check_complete(
    questionnaire: Questionnaire,
    questions: tuple[QuestionSpec, ...],
    answers: Mapping[int, AnswerInput],
) -> None:
    known_ids = {question.id for question in questionnaire.questions}
    unknown = sorted(set(answers) - known_ids)
    if unknown:
        raise InvalidAnswer(f"Answers to unknown questions: {unknown}.")
    # A None value is what a form leaves for an unanswered question: missing, not zero.
    missing = tuple(q.code for q in questions if answers.get(q.id) is None)
    if missing:
        raise MissingAnswers(f"{len(missing)} questions are unanswered.", missing)


def held_facts(
    questionnaire: Questionnaire, figures: ExportFacts | None
) -> frozenset[str]:
    """The profile facts the firm's export figures establish, with what they imply."""
    if figures is None:
        return frozenset()
    held = {fact.code for fact in questionnaire.profile_facts if fact.holds(figures)}
    return _with_implications(questionnaire, held)


def _with_implications(questionnaire: Questionnaire, facts: set[str]) -> frozenset[str]:
    closed = set(facts)
    pending = list(facts)
    while pending:
        for implied in questionnaire.implications.get(pending.pop(), frozenset()):
            if implied not in closed:
                closed.add(implied)
                pending.append(implied)
    return frozenset(closed)


def track_for(questionnaire: Questionnaire, figures: ExportFacts | None) -> str | None:
    """The firm's track, decided by its export figures before any question."""
    if not questionnaire.has_tracks:
        return None
    facts = held_facts(questionnaire, figures)
    return EXPORTER if questionnaire.entry_fact in facts else DOMESTIC


def questions_for_track(
    questionnaire: Questionnaire, track: str | None
) -> tuple[QuestionSpec, ...]:
    """The questions a firm on `track` answers (all of them without tracks)."""
    if track is None:
        return questionnaire.questions
    return tuple(q for q in questionnaire.questions if track in q.tracks)


def _weighted_percent(pairs: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Weight-average of (weight, normalised score) pairs, as 0..100."""
    total_weight = sum((weight for weight, _ in pairs), Decimal(0))
    if total_weight == 0:
        return Decimal(0)
    earned = sum((weight * share for weight, share in pairs), Decimal(0))
    return _round(earned / total_weight * _HUNDRED)


def _stage_reached(
    stages: tuple[StageSpec, ...],
    total: Decimal,
    facts: frozenset[str],
    *,
    gated: bool,
    floor: int = 1,
    ceiling: int = STAGE_COUNT,
) -> int:
    """The highest stage whose rules, and every earlier stage's above `floor`, are met."""
    reached = floor
    for rule in stages[floor:ceiling]:
        meets_score = total >= rule.min_score
        meets_facts = rule.required_facts <= facts or not gated
        if not (meets_score and meets_facts):
            break
        reached = rule.stage
    return reached


def _track_bounds(questionnaire: Questionnaire, track: str | None) -> tuple[int, int]:
    """(floor, ceiling) of the stages a track allows."""
    entry = questionnaire.entry_stage
    if track is None or entry is None:
        return 1, STAGE_COUNT
    # The entry fact is a fact of experience: no answer moves an exporter below the
    # entry stage, nor a firm that has not exported up to it.
    if track == EXPORTER:
        return entry, STAGE_COUNT
    return 1, entry - 1


def _reasons(
    questionnaire: Questionnaire,
    stage: int,
    total: Decimal,
    facts: frozenset[str],
    floor: int,
) -> tuple[Reason, ...]:
    rules = questionnaire.stages
    reasons: list[Reason] = []
    current = rules[stage - 1]
    if stage == floor and floor > 1:
        reasons.append(Reason("track_floor", stage, fact=questionnaire.entry_fact))
    if stage > 1 and total >= current.min_score:
        reasons.append(
            Reason("score_reached", stage, score=total, threshold=current.min_score)
        )
    # Every gate passed on the way counts: a stage-9 firm is there also because it
    # met stage 4's and stage 8's gates, not only the gates of stage 9 itself.
    for rule in rules[:stage]:
        for fact in sorted(rule.required_facts):
            reasons.append(Reason("gate_met", rule.stage, fact=fact))
    if stage < STAGE_COUNT:
        upcoming = rules[stage]
        if total < upcoming.min_score:
            reasons.append(
                Reason(
                    "score_short",
                    upcoming.stage,
                    score=total,
                    threshold=upcoming.min_score,
                )
            )
        for fact in sorted(upcoming.required_facts - facts):
            reasons.append(Reason("gate_missing", upcoming.stage, fact=fact))
    return tuple(reasons)


def _capped_by(
    rules: tuple[StageSpec, ...], stage: int, stage_by_score: int, facts: frozenset[str]
) -> tuple[Reason, ...]:
    capping: list[Reason] = []
    for rule in rules[stage:stage_by_score]:
        for fact in sorted(rule.required_facts - facts):
            capping.append(Reason("gate_missing", rule.stage, fact=fact))
    return tuple(capping)


def _area_gains(
    questionnaire: Questionnaire,
    counted: tuple[QuestionSpec, ...],
    shares: Mapping[int, Decimal],
) -> tuple[AreaGain, ...]:
    total_weight = sum((q.weight for q in counted), Decimal(0))
    gains: dict[str, Decimal] = {area: Decimal(0) for area in questionnaire.areas}
    if total_weight == 0:
        return ()
    for question in counted:
        headroom = question.weight * (1 - shares[question.id]) / total_weight * _HUNDRED
        gains[question.area] += headroom
    ranked = sorted(
        gains.items(), key=lambda item: (-item[1], questionnaire.areas.index(item[0]))
    )
    rounded = ((area, _round(gain)) for area, gain in ranked)
    # Filter after rounding, so that no area is offered for a gain of 0.00 points.
    return tuple(AreaGain(area, gain) for area, gain in rounded if gain > 0)


def _next_stage_plan(
    questionnaire: Questionnaire,
    stage: int,
    total: Decimal,
    facts: frozenset[str],
    counted: tuple[QuestionSpec, ...],
    shares: Mapping[int, Decimal],
) -> NextStagePlan | None:
    if stage >= STAGE_COUNT:
        return None
    upcoming = questionnaire.stages[stage]
    return NextStagePlan(
        stage=upcoming.stage,
        points_needed=_round(max(Decimal(0), upcoming.min_score - total)),
        missing_facts=tuple(sorted(upcoming.required_facts - facts)),
        helpful_areas=_area_gains(questionnaire, counted, shares)[:HELPFUL_AREA_COUNT],
    )


def validate_questionnaire(questionnaire: Questionnaire) -> list[str]:
    """Problems that make a questionnaire unusable; empty when it can be published."""
    problems: list[str] = []
    stage_numbers = [rule.stage for rule in questionnaire.stages]
    if stage_numbers != list(range(1, STAGE_COUNT + 1)):
        problems.append("Stage rules must cover stages 1 to 9, once each, in order.")
    elif (
        questionnaire.stages[0].min_score != 0 or questionnaire.stages[0].required_facts
    ):
        problems.append("Stage 1 must be open to every firm (score 0, no gating fact).")
    scores = [rule.min_score for rule in questionnaire.stages]
    if any(
        later <= earlier for earlier, later in zip(scores, scores[1:], strict=False)
    ):
        problems.append("Stage thresholds must rise with the stage.")
    for rule in questionnaire.stages:
        if rule.min_score > _HUNDRED:
            problems.append(f"Stage {rule.stage} needs a score above 100.")
    settable = {o.fact for q in questionnaire.questions for o in q.options if o.fact}
    settable |= {fact.code for fact in questionnaire.profile_facts}
    settable |= {f for implied in questionnaire.implications.values() for f in implied}
    problems.extend(_track_problems(questionnaire))
    for rule in questionnaire.stages:
        for fact in sorted(rule.required_facts - settable):
            problems.append(
                f"Stage {rule.stage} requires '{fact}', which no option sets."
            )
    if not questionnaire.questions:
        problems.append("The questionnaire has no questions.")
    ids = [question.id for question in questionnaire.questions]
    for question_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"Question id {question_id} is used more than once.")
    codes = [question.code for question in questionnaire.questions]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"Question code {code} is used more than once.")
    for question in questionnaire.questions:
        if not question.options:
            problems.append(f"Question {question.code} has no options.")
        elif question.max_points <= 0:
            problems.append(f"Question {question.code} has no option worth points.")
        if any(option.points < 0 for option in question.options):
            problems.append(
                f"Question {question.code} has an option worth less than 0."
            )
        if question.weight <= 0:
            problems.append(f"Question {question.code} needs a weight above 0.")
        if question.area not in questionnaire.areas:
            problems.append(f"Question {question.code} is in an unknown area.")
        if question.kind is QuestionKind.NUMBER and question.options:
            problems.extend(_number_problems(question))
        if sum(option.not_applicable for option in question.options) > 1:
            problems.append(
                f"Question {question.code} has more than one not-applicable option."
            )
        if not question.tracks or not question.tracks <= TRACKS:
            problems.append(f"Question {question.code} names no known track.")
    for area in sorted(
        {a for a in questionnaire.areas if questionnaire.areas.count(a) > 1}
    ):
        problems.append(f"Area {area} is listed more than once.")
    for area in questionnaire.areas:
        if not any(q.area == area for q in questionnaire.questions):
            problems.append(f"Area {area} has no questions.")
    return problems


def _track_problems(questionnaire: Questionnaire) -> list[str]:
    problems: list[str] = []
    profile_codes = {fact.code for fact in questionnaire.profile_facts}
    answer_codes = {
        o.fact for q in questionnaire.questions for o in q.options if o.fact
    }
    for code in sorted(profile_codes & answer_codes):
        problems.append(f"Fact '{code}' comes from the profile; no option may set it.")
    for fact in questionnaire.profile_facts:
        for condition in fact.conditions:
            if condition.field not in EXPORT_FACT_FIELDS:
                problems.append(
                    f"Fact '{fact.code}' reads an unknown figure '{condition.field}'."
                )
    if questionnaire.max_not_applicable < 0:
        problems.append("The not-applicable limit cannot be negative.")
    if (questionnaire.entry_fact is None) != (questionnaire.entry_stage is None):
        problems.append("An entry fact and an entry stage go together.")
    if not questionnaire.has_tracks:
        return problems
    entry, entry_stage = questionnaire.entry_fact, questionnaire.entry_stage
    if entry not in profile_codes:
        problems.append(f"The entry fact '{entry}' must come from the profile.")
    if entry_stage is None or not 2 <= entry_stage <= STAGE_COUNT:
        problems.append("The entry stage must be between 2 and 9.")
        return problems
    stage_numbers = [rule.stage for rule in questionnaire.stages]
    if entry_stage in stage_numbers:
        rule = questionnaire.stages[stage_numbers.index(entry_stage)]
        if entry not in rule.required_facts:
            problems.append(f"Stage {entry_stage} must require the entry fact.")
    for track in sorted(TRACKS):
        for area in questionnaire.areas:
            if not any(
                q.area == area and track in q.tracks for q in questionnaire.questions
            ):
                problems.append(f"Area {area} has no question on the {track} track.")
    return problems


def _number_problems(question: QuestionSpec) -> list[str]:
    """A number question must place every number it accepts in exactly one band."""
    low, high = question.number_min, question.number_max
    if low is not None and high is not None and low > high:
        return [f"Question {question.code} accepts no number (minimum above maximum)."]
    # None as a lower bound is minus infinity: it sorts first.
    bands = sorted(
        question.options,
        key=lambda o: (o.band_min is not None, o.band_min or Decimal(0)),
    )
    first, last = bands[0], bands[-1]
    covers_low = first.band_min is None or (low is not None and first.band_min <= low)
    # band_max is exclusive and number_max inclusive, hence the strict comparison.
    covers_high = last.band_max is None or (high is not None and last.band_max > high)
    empty = any(
        o.band_min is not None and o.band_max is not None and o.band_min >= o.band_max
        for o in bands
    )
    joined = all(
        earlier.band_max is not None and earlier.band_max == later.band_min
        for earlier, later in zip(bands, bands[1:], strict=False)
    )
    if covers_low and covers_high and joined and not empty:
        return []
    return [f"Question {question.code} has bands with gaps or overlaps."]


@dataclass(frozen=True)
class Contradiction:
    """An answer that denies a fact the firm's export figures establish."""

    question_code: str
    fact: str


def contradictions(
    questionnaire: Questionnaire,
    answers: Mapping[int, AnswerInput],
    figures: ExportFacts | None,
) -> tuple[Contradiction, ...]:
    """Answers whose option lacks a fact that the profile's figures (or what they
    imply) establish, where another option of the question would have set it: a firm
    that exported last year and answers "we have no plans to export".

    Unanswered, unknown and not-applicable answers contradict nothing.
    """
    held = held_facts(questionnaire, figures)
    found: list[Contradiction] = []
    for question in questions_for_track(
        questionnaire, track_for(questionnaire, figures)
    ):
        answer = answers.get(question.id)
        if answer is None:
            continue
        try:
            option = _chosen_option(question, answer)
        except InvalidAnswer:
            continue
        if option.not_applicable:
            continue
        settable = {o.fact for o in question.options if o.fact} & held
        for fact in sorted(settable - {option.fact}):
            found.append(Contradiction(question.code, fact))
    return tuple(found)


def score(
    questionnaire: Questionnaire,
    answers: Mapping[int, AnswerInput],
    figures: ExportFacts | None = None,
) -> ScoringResult:
    """Score complete answers; raises MissingAnswers or InvalidAnswer, never guesses.

    `figures` are the firm's export figures; a questionnaire without profile facts or
    tracks ignores them. Answers to questions the firm's track skips are ignored.
    """
    track = track_for(questionnaire, figures)
    asked = questions_for_track(questionnaire, track)
    asked_ids = {q.id for q in asked}
    _check_complete(questionnaire, asked, answers)
    shares: dict[int, Decimal] = {}
    facts: set[str] = set(held_facts(questionnaire, figures))
    not_applicable: list[QuestionSpec] = []
    for question in asked:
        option = _chosen_option(question, answers[question.id])
        if option.not_applicable:
            not_applicable.append(question)
            continue
        shares[question.id] = option.points / question.max_points
        if option.fact:
            facts.add(option.fact)
    if len(not_applicable) > questionnaire.max_not_applicable:
        raise TooManyNotApplicable(
            f"At most {questionnaire.max_not_applicable} questions may be marked "
            "not applicable.",
            tuple(q.code for q in not_applicable),
        )
    frozen_facts = _with_implications(questionnaire, facts)
    counted = tuple(q for q in asked if q.id in shares)

    def percent(questions: list[QuestionSpec] | tuple[QuestionSpec, ...]) -> Decimal:
        return _weighted_percent([(q.weight, shares[q.id]) for q in questions])

    total = percent(counted)
    # An area whose every question was skipped or not applicable has no score at all.
    area_scores = {
        area: percent([q for q in counted if q.area == area])
        for area in questionnaire.areas
        if any(q.area == area for q in counted)
    }
    bottlenecks = sorted({q.bottleneck for q in counted} - {"none"})
    bottleneck_scores = {
        kind: percent([q for q in counted if q.bottleneck == kind])
        for kind in bottlenecks
    }

    rules = questionnaire.stages
    floor, ceiling = _track_bounds(questionnaire, track)
    stage = _stage_reached(
        rules, total, frozen_facts, gated=True, floor=floor, ceiling=ceiling
    )
    # Up to the stage after the ceiling: a domestic firm whose score would allow more
    # learns that the entry fact, not its answers, holds it back.
    stage_by_score = _stage_reached(
        rules,
        total,
        frozen_facts,
        gated=False,
        floor=floor,
        ceiling=min(STAGE_COUNT, ceiling + 1),
    )
    order = questionnaire.areas
    ranked_areas = sorted(
        area_scores, key=lambda area: (area_scores[area], -order.index(area))
    )
    return ScoringResult(
        stage=stage,
        phase=rules[stage - 1].phase,
        total_score=total,
        area_scores=area_scores,
        bottleneck_scores=bottleneck_scores,
        facts=frozen_facts,
        capped_by=_capped_by(rules, stage, stage_by_score, frozen_facts),
        reasons=_reasons(questionnaire, stage, total, frozen_facts, floor),
        next_stage=_next_stage_plan(
            questionnaire, stage, total, frozen_facts, counted, shares
        ),
        strongest_area=ranked_areas[-1] if ranked_areas else "",
        weakest_area=ranked_areas[0] if ranked_areas else "",
        stage_by_score=stage_by_score,
        track=track,
        not_applicable=tuple(q.code for q in not_applicable),
        skipped=tuple(q.code for q in questionnaire.questions if q.id not in asked_ids),
    )
