"""Tracks, profile facts and "not applicable" (questionnaire v2's method). Pure: no
users, no database; data in, result out.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics.calibration import Persona, misplaced, persona_answers, place
from diagnostics.scoring import (
    DOMESTIC,
    EXPORTER,
    STAGE_COUNT,
    AnswerInput,
    Contradiction,
    ExportFacts,
    FactCondition,
    InvalidAnswer,
    MissingAnswers,
    OptionSpec,
    ProfileFact,
    QuestionKind,
    Questionnaire,
    QuestionSpec,
    Reason,
    StageSpec,
    contradictions,
    held_facts,
    score,
    validate_questionnaire,
)
from tests.diagnostics.test_scoring import FACT_POOL, _draw_answer, questionnaires

D = Decimal
PROPERTY = settings(max_examples=150, deadline=None)
BOTH = frozenset({DOMESTIC, EXPORTER})


def _question(
    question_id: int,
    area: str,
    *,
    tracks: frozenset[str] = BOTH,
    facts: dict[int, str] | None = None,
    not_applicable: bool = False,
) -> QuestionSpec:
    """Four options worth 0..3 (ids NN1..NN4), and a fifth "not applicable" if asked."""
    facts = facts or {}
    options = [
        OptionSpec(
            id=question_id * 10 + index, points=D(index - 1), fact=facts.get(index)
        )
        for index in range(1, 5)
    ]
    if not_applicable:
        options.append(
            OptionSpec(id=question_id * 10 + 9, points=D(0), not_applicable=True)
        )
    return QuestionSpec(
        id=question_id,
        code=f"Q{question_id:02d}",
        area=area,
        kind=QuestionKind.SINGLE,
        weight=D(1),
        options=tuple(options),
        bottleneck="sales_routes",
        tracks=tracks,
    )


def _at_least(field: str, value: int) -> FactCondition:
    return FactCondition(field, D(value))


PHASE = {
    s: "preparation" if s <= 3 else "use" if s <= 6 else "deepening"
    for s in range(1, 10)
}
REQUIRED = {
    2: {"export_intent"},
    3: {"export_plan"},
    4: {"has_exported"},
    5: {"repeat_exports"},
    6: {"multi_market"},
    7: {"exports_1m"},
    8: {"presence_abroad"},
    9: {"global_operations"},
}
# Stage 4's threshold matters to no one: the entry fact, not a score, opens it.
THRESHOLDS = [0, 15, 30, 31, 40, 50, 60, 70, 80]

TRACKED = Questionnaire(
    areas=("strategy", "practice"),
    questions=(
        _question(1, "strategy", facts={3: "export_intent", 4: "export_intent"}),
        _question(2, "strategy", facts={4: "export_plan"}),
        _question(3, "strategy", not_applicable=True),
        _question(4, "practice", tracks=frozenset({DOMESTIC})),
        _question(5, "practice", tracks=frozenset({EXPORTER}), not_applicable=True),
        _question(6, "practice"),
    ),
    stages=tuple(
        StageSpec(
            stage,
            PHASE[stage],
            D(THRESHOLDS[stage - 1]),
            frozenset(REQUIRED.get(stage, ())),
        )
        for stage in range(1, STAGE_COUNT + 1)
    ),
    profile_facts=(
        ProfileFact("has_exported", (_at_least("exports_last_year_usd", 1),)),
        ProfileFact(
            "repeat_exports",
            (_at_least("exports_last_year_usd", 1), _at_least("export_years", 2)),
        ),
        ProfileFact("multi_market", (_at_least("export_markets", 3),)),
        ProfileFact("exports_1m", (_at_least("exports_last_year_usd", 1_000_000),)),
        ProfileFact("presence_abroad", (_at_least("presence_level", 2),)),
        ProfileFact("global_operations", (_at_least("presence_level", 4),)),
    ),
    implications={"has_exported": frozenset({"export_intent", "export_plan"})},
    entry_fact="has_exported",
    entry_stage=4,
    max_not_applicable=1,
)
DOMESTIC_FIRM = ExportFacts()
BIG_EXPORTER = ExportFacts(
    exports_last_year_usd=2_500_000, export_markets=6, export_years=8, presence_level=0
)
GLOBAL_FIRM = ExportFacts(
    exports_last_year_usd=50_000_000,
    export_markets=30,
    export_years=20,
    presence_level=4,
)


def _all(level: int, questions=TRACKED.questions) -> dict[int, AnswerInput]:
    """Every question answered with its option at `level` (0 worst .. 3 best)."""
    return {q.id: AnswerInput(option_id=q.id * 10 + level + 1) for q in questions}


def test_it_accepts_the_tracked_questionnaire() -> None:
    assert validate_questionnaire(TRACKED) == []


def test_it_holds_a_firm_without_exports_at_stage_3_with_the_best_answers() -> None:
    result = score(TRACKED, _all(3), DOMESTIC_FIRM)

    assert (result.track, result.stage) == (DOMESTIC, 3)
    assert result.capped_by == (Reason("gate_missing", 4, fact="has_exported"),)
    assert result.next_stage is not None
    assert result.next_stage.missing_facts == ("has_exported",)


def test_it_keeps_an_exporter_at_stage_4_with_the_weakest_answers() -> None:
    result = score(TRACKED, _all(0), BIG_EXPORTER)

    assert (result.track, result.stage, result.total_score) == (EXPORTER, 4, D(0))
    assert Reason("track_floor", 4, fact="has_exported") in result.reasons
    # The score did not reach stage 4's threshold, so no reason says it did.
    assert not any(reason.kind == "score_reached" for reason in result.reasons)


def test_it_lets_an_exporters_facts_imply_intent_and_plan() -> None:
    facts = held_facts(TRACKED, BIG_EXPORTER)

    assert {"has_exported", "export_intent", "export_plan"} <= facts
    assert "presence_abroad" not in facts


def test_it_climbs_the_exporter_stages_by_facts_and_score() -> None:
    assert score(TRACKED, _all(3), BIG_EXPORTER).stage == 7  # no presence abroad
    assert score(TRACKED, _all(3), GLOBAL_FIRM).stage == 9


def test_it_asks_each_track_only_its_questions() -> None:
    domestic_questions = [q for q in TRACKED.questions if DOMESTIC in q.tracks]
    domestic = _all(2, domestic_questions)
    result = score(TRACKED, domestic, DOMESTIC_FIRM)
    assert result.skipped == ("Q05",)

    with pytest.raises(MissingAnswers) as missing:
        score(TRACKED, domestic, BIG_EXPORTER)
    assert missing.value.codes == ("Q05",)


def test_it_ignores_answers_to_questions_the_track_skips() -> None:
    answers = _all(3)
    without_q4 = {k: v for k, v in answers.items() if k != 4}

    assert score(TRACKED, answers, BIG_EXPORTER) == score(
        TRACKED, without_q4, BIG_EXPORTER
    )


def test_it_leaves_a_not_applicable_answer_out_of_every_denominator() -> None:
    answers = {**_all(3), 3: AnswerInput(option_id=39)}

    result = score(TRACKED, answers, DOMESTIC_FIRM)

    assert result.not_applicable == ("Q03",)
    assert result.total_score == D(100)
    assert result.area_scores["strategy"] == D(100)


def test_it_refuses_more_not_applicable_answers_than_the_limit() -> None:
    answers = {**_all(3), 3: AnswerInput(option_id=39), 5: AnswerInput(option_id=59)}

    with pytest.raises(InvalidAnswer) as refused:
        score(TRACKED, answers, BIG_EXPORTER)
    assert refused.value.codes == ("Q03", "Q05")


def test_it_gives_no_score_to_an_area_with_nothing_counted() -> None:
    lone = dataclasses.replace(
        TRACKED,
        questions=(
            *TRACKED.questions[:3],
            _question(7, "practice", tracks=frozenset({EXPORTER}), not_applicable=True),
            _question(8, "practice", tracks=frozenset({DOMESTIC})),
        ),
    )
    answers = {**_all(3, lone.questions), 7: AnswerInput(option_id=79)}

    result = score(lone, answers, BIG_EXPORTER)

    assert "practice" not in result.area_scores
    assert result.strongest_area == result.weakest_area == "strategy"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"entry_fact": "export_intent"},
            "The entry fact 'export_intent' must come from the profile.",
        ),
        ({"entry_stage": None}, "An entry fact and an entry stage go together."),
        ({"entry_stage": 3}, "Stage 3 must require the entry fact."),
        ({"max_not_applicable": -1}, "The not-applicable limit cannot be negative."),
        (
            {
                "profile_facts": (
                    *TRACKED.profile_facts,
                    ProfileFact("export_plan", (_at_least("export_markets", 1),)),
                )
            },
            "Fact 'export_plan' comes from the profile; no option may set it.",
        ),
        (
            {
                "profile_facts": (
                    ProfileFact("x", (_at_least("staff", 1),)),
                    *TRACKED.profile_facts,
                )
            },
            "Fact 'x' reads an unknown figure 'staff'.",
        ),
        (
            {
                "questions": tuple(
                    dataclasses.replace(q, tracks=frozenset({DOMESTIC}))
                    if q.area == "practice"
                    else q
                    for q in TRACKED.questions
                )
            },
            "Area practice has no question on the exporter track.",
        ),
    ],
)
def test_it_reports_each_problem_of_a_tracked_questionnaire(change, problem) -> None:
    assert problem in validate_questionnaire(dataclasses.replace(TRACKED, **change))


def test_it_points_out_an_answer_that_denies_what_the_figures_show() -> None:
    answers = {**_all(3), 1: AnswerInput(option_id=11), 2: AnswerInput(option_id=22)}

    found = contradictions(TRACKED, answers, BIG_EXPORTER)

    assert found == (
        Contradiction("Q01", "export_intent"),
        Contradiction("Q02", "export_plan"),
    )
    # A firm without exports holds neither fact, so the same answers deny nothing.
    assert contradictions(TRACKED, answers, DOMESTIC_FIRM) == ()


def test_it_finds_no_contradiction_in_answers_that_agree_or_are_missing() -> None:
    assert contradictions(TRACKED, _all(3), BIG_EXPORTER) == ()
    assert contradictions(TRACKED, {}, BIG_EXPORTER) == ()
    assert contradictions(TRACKED, {1: AnswerInput(option_id=99)}, BIG_EXPORTER) == ()


# Properties ------------------------------------------------------------------------

figures = st.builds(
    ExportFacts,
    exports_last_year_usd=st.sampled_from([0, 1, 30_000, 999_999, 1_000_000, 9**9]),
    export_markets=st.integers(0, 40),
    export_years=st.integers(0, 30),
    presence_level=st.integers(0, 4),
)
levels = st.fixed_dictionaries({q.id: st.integers(0, 3) for q in TRACKED.questions})


def _answers(chosen: dict[int, int]) -> dict[int, AnswerInput]:
    return {
        qid: AnswerInput(option_id=qid * 10 + level + 1)
        for qid, level in chosen.items()
    }


@PROPERTY
@given(firm=figures, chosen=levels)
def test_attitude_never_moves_an_exporter_below_4_nor_a_non_exporter_above_3(
    firm: ExportFacts, chosen: dict[int, int]
) -> None:
    result = score(TRACKED, _answers(chosen), firm)

    if firm.exports_last_year_usd > 0:
        assert result.track == EXPORTER and result.stage >= 4
    else:
        assert result.track == DOMESTIC and result.stage <= 3


@PROPERTY
@given(firm=figures, chosen=levels, question=st.sampled_from(TRACKED.questions))
def test_a_better_answer_never_lowers_the_stage(
    firm: ExportFacts, chosen: dict[int, int], question: QuestionSpec
) -> None:
    improved = {**chosen, question.id: min(3, chosen[question.id] + 1)}

    before = score(TRACKED, _answers(chosen), firm)
    after = score(TRACKED, _answers(improved), firm)

    assert after.stage >= before.stage
    assert after.total_score >= before.total_score


@PROPERTY
@given(
    firm=figures,
    chosen=levels,
    more_exports=st.integers(0, 10**7),
    more_markets=st.integers(0, 10),
    more_years=st.integers(0, 10),
    more_presence=st.integers(0, 4),
)
def test_stronger_export_figures_never_lower_the_stage(
    firm: ExportFacts,
    chosen: dict[int, int],
    more_exports: int,
    more_markets: int,
    more_years: int,
    more_presence: int,
) -> None:
    stronger = ExportFacts(
        exports_last_year_usd=firm.exports_last_year_usd + more_exports,
        export_markets=firm.export_markets + more_markets,
        export_years=firm.export_years + more_years,
        presence_level=min(4, firm.presence_level + more_presence),
    )
    before = score(TRACKED, _answers(chosen), firm)

    assert score(TRACKED, _answers(chosen), stronger).stage >= before.stage


@PROPERTY
@given(firm=figures, chosen=levels)
def test_a_not_applicable_answer_scores_like_a_question_that_is_not_there(
    firm: ExportFacts, chosen: dict[int, int]
) -> None:
    marked = {**_answers(chosen), 3: AnswerInput(option_id=39)}
    without = dataclasses.replace(
        TRACKED, questions=tuple(q for q in TRACKED.questions if q.id != 3)
    )
    answers = {k: v for k, v in _answers(chosen).items() if k != 3}

    result, reference = score(TRACKED, marked, firm), score(without, answers, firm)

    assert (result.total_score, result.stage) == (
        reference.total_score,
        reference.stage,
    )
    assert result.area_scores == reference.area_scores


# Calibration -----------------------------------------------------------------------


def _persona(level: str, low: int, high: int, firm: ExportFacts, **extra) -> Persona:
    return Persona(
        code=f"p-{level}-{low}",
        name_en="A firm",
        why_en="Because.",
        figures=firm,
        answer_level=D(level),
        expected_stages=(low, high),
        **extra,
    )


def test_a_persona_answers_with_the_option_nearest_its_level() -> None:
    persona = _persona(
        "0.6",
        1,
        9,
        DOMESTIC_FIRM,
        area_levels={"practice": D(1)},
        choices={"Q01": 0},
        not_applicable=frozenset({"Q03"}),
    )

    answers = persona_answers(TRACKED, persona)

    assert answers[1] == AnswerInput(option_id=11)  # explicit choice
    assert answers[2] == AnswerInput(option_id=23)  # 2/3 is nearest 0.6
    assert answers[3] == AnswerInput(option_id=39)  # not applicable
    assert answers[4] == AnswerInput(option_id=44)  # the practice area's level
    assert 5 not in answers  # the domestic track skips Q05


def test_it_names_the_personas_a_questionnaire_misplaces() -> None:
    right = _persona("1", 3, 3, DOMESTIC_FIRM)
    wrong = _persona("0", 5, 6, BIG_EXPORTER)

    (placement,) = misplaced(TRACKED, [right, wrong])

    assert placement.persona == wrong and placement.stage == 4
    assert place(TRACKED, right).in_range


# Properties over random tracked questionnaires ---------------------------------------

PROFILE_FACTS = TRACKED.profile_facts
EXPERIENCE = {
    4: frozenset({"has_exported"}),
    5: frozenset({"repeat_exports"}),
    6: frozenset({"multi_market"}),
    7: frozenset({"exports_1m"}),
    8: frozenset({"presence_abroad"}),
    9: frozenset({"global_operations"}),
}


@st.composite
def tracked_questionnaires(draw: st.DrawFn) -> Questionnaire:
    """A random valid questionnaire (test_scoring's generator) given tracks: each
    question is asked of one track or both, every area keeps a question for each."""
    base = draw(questionnaires())
    seen: set[str] = set()
    questions = []
    for question in base.questions:
        tracks = BOTH
        if question.area in seen:
            tracks = draw(st.sampled_from([BOTH, {DOMESTIC}, {EXPORTER}]))
        seen.add(question.area)
        questions.append(dataclasses.replace(question, tracks=frozenset(tracks)))
    stages = tuple(
        dataclasses.replace(
            rule,
            required_facts=(rule.required_facts if rule.stage < 4 else frozenset())
            | EXPERIENCE.get(rule.stage, frozenset()),
        )
        for rule in base.stages
    )
    implied = draw(st.frozensets(st.sampled_from(FACT_POOL), max_size=2))
    return dataclasses.replace(
        base,
        questions=tuple(questions),
        stages=stages,
        profile_facts=PROFILE_FACTS,
        implications={"has_exported": implied} if implied else {},
        entry_fact="has_exported",
        entry_stage=4,
    )


@st.composite
def tracked_cases(draw: st.DrawFn):
    questionnaire = draw(tracked_questionnaires())
    chosen = {
        q.id: draw(st.integers(0, len(q.options) - 1)) for q in questionnaire.questions
    }
    return questionnaire, chosen, draw(figures)


def _inputs(draw, questionnaire: Questionnaire, chosen: dict[int, int]):
    return {
        q.id: _draw_answer(draw, q, q.options[chosen[q.id]])
        for q in questionnaire.questions
    }


@PROPERTY
@given(case=tracked_cases(), data=st.data())
def test_any_tracked_questionnaire_keeps_exporters_at_4_and_others_below(
    case, data
) -> None:
    questionnaire, chosen, firm = case
    assert validate_questionnaire(questionnaire) == []

    result = score(questionnaire, _inputs(data.draw, questionnaire, chosen), firm)

    if firm.exports_last_year_usd > 0:
        assert result.track == EXPORTER and result.stage >= 4
    else:
        assert result.track == DOMESTIC and result.stage <= 3


@PROPERTY
@given(case=tracked_cases(), data=st.data())
def test_any_tracked_questionnaire_never_lowers_the_stage_for_a_better_answer(
    case, data
) -> None:
    questionnaire, chosen, firm = case
    question = data.draw(st.sampled_from(questionnaire.questions))
    current = question.options[chosen[question.id]]
    # Better: more points, and the same fact or one where there was none (an option
    # that sets another fact instead is a different answer, not a better one).
    better_options = [
        index
        for index, option in enumerate(question.options)
        if option.points >= current.points
        and (current.fact is None or option.fact == current.fact)
    ]
    better = data.draw(st.sampled_from(better_options))
    answers = _inputs(data.draw, questionnaire, chosen)
    improved = {
        **answers,
        question.id: _draw_answer(data.draw, question, question.options[better]),
    }

    before = score(questionnaire, answers, firm)
    after = score(questionnaire, improved, firm)

    assert after.stage >= before.stage


@PROPERTY
@given(case=tracked_cases(), data=st.data(), more=st.integers(0, 10**7))
def test_any_tracked_questionnaire_never_lowers_the_stage_for_more_exports(
    case, data, more: int
) -> None:
    questionnaire, chosen, firm = case
    stronger = dataclasses.replace(
        firm,
        exports_last_year_usd=firm.exports_last_year_usd + more,
        export_markets=firm.export_markets + 1,
        export_years=firm.export_years + 1,
    )
    answers = _inputs(data.draw, questionnaire, chosen)

    assert (
        score(questionnaire, answers, stronger).stage
        >= score(questionnaire, answers, firm).stage
    )
