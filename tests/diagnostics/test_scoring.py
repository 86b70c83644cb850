"""Scoring is pure: no users, no database, no access rules; data in, result out."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnostics.scoring import (
    HELPFUL_AREA_COUNT,
    STAGE_COUNT,
    AnswerInput,
    AreaGain,
    InvalidAnswer,
    MissingAnswers,
    NextStagePlan,
    OptionSpec,
    QuestionKind,
    Questionnaire,
    QuestionSpec,
    Reason,
    StageSpec,
    score,
    validate_questionnaire,
)

D = Decimal
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTENT_FILE = PROJECT_ROOT / "diagnostics" / "content" / "questionnaire_v1.json"

HAS_EXPORTED = "has_exported"
PRESENCE_ABROAD = "presence_abroad"
PHASES = {
    stage: "preparation" if stage <= 3 else "use" if stage <= 6 else "deepening"
    for stage in range(1, STAGE_COUNT + 1)
}
PROPERTY = settings(max_examples=100, deadline=None)


# A hand-built questionnaire --------------------------------------------------------
#
# Weights add up to 10, so one weight unit of a fully earned question is 10 total
# points; the areas weigh 4, 4 and 2, so a unit is 25 or 50 area points. Option ids
# are the question id followed by the option's position: 13 is plan's third option.


def _choice(
    question_id: int,
    code: str,
    area: str,
    kind: QuestionKind,
    weight: int,
    points: tuple[int, ...],
    *,
    facts: Mapping[int, str] | None = None,
    bottleneck: str = "none",
) -> QuestionSpec:
    facts = facts or {}
    options = tuple(
        OptionSpec(id=option_id, points=D(p), fact=facts.get(option_id))
        for option_id, p in enumerate(points, start=question_id * 10 + 1)
    )
    return QuestionSpec(
        id=question_id,
        code=code,
        area=area,
        kind=kind,
        weight=D(weight),
        options=options,
        bottleneck=bottleneck,
    )


def _band(option_id: int, points: int, low: str | None, high: str | None) -> OptionSpec:
    return OptionSpec(
        id=option_id,
        points=D(points),
        band_min=None if low is None else D(low),
        band_max=None if high is None else D(high),
    )


EXPORT_AMOUNT = QuestionSpec(
    id=5,
    code="export_amount",
    area="channels",
    kind=QuestionKind.NUMBER,
    weight=D(2),
    bottleneck="funds",
    number_min=D(0),
    number_max=D(1_000_000_000),
    options=(
        _band(51, 0, "0", "100000"),
        _band(52, 2, "100000", "1000000"),
        _band(53, 3, "1000000", "5000000"),
        _band(54, 4, "5000000", None),
    ),
)

QUESTIONNAIRE = Questionnaire(
    areas=("readiness", "channels", "deepening"),
    questions=(
        _choice(1, "plan", "readiness", QuestionKind.SINGLE, 2, (0, 1, 2)),
        _choice(
            2,
            "product_fit",
            "readiness",
            QuestionKind.SCALE,
            1,
            (0, 1, 2, 3, 4),
            bottleneck="technology",
        ),
        _choice(
            3,
            "staff",
            "readiness",
            QuestionKind.YES_NO,
            1,
            (0, 1),
            bottleneck="manpower",
        ),
        _choice(
            4,
            "exported",
            "channels",
            QuestionKind.YES_NO,
            1,
            (0, 1),
            facts={42: HAS_EXPORTED},
        ),
        EXPORT_AMOUNT,
        _choice(
            6,
            "markets",
            "channels",
            QuestionKind.SINGLE,
            1,
            (0, 1, 2),
            bottleneck="sales_routes",
        ),
        _choice(7, "brand", "deepening", QuestionKind.SCALE, 1, (0, 1, 2)),
        _choice(
            8,
            "abroad",
            "deepening",
            QuestionKind.SINGLE,
            1,
            (0, 1, 2),
            facts={83: PRESENCE_ABROAD},
        ),
    ),
    stages=(
        StageSpec(1, "preparation", D(0)),
        StageSpec(2, "preparation", D(10)),
        StageSpec(3, "preparation", D(20)),
        StageSpec(4, "use", D(30), frozenset({HAS_EXPORTED})),
        StageSpec(5, "use", D(40)),
        StageSpec(6, "use", D(50)),
        StageSpec(7, "deepening", D(60)),
        StageSpec(8, "deepening", D(70), frozenset({PRESENCE_ABROAD})),
        StageSpec(9, "deepening", D(85)),
    ),
)
QUESTION_BY_CODE = {q.code: q for q in QUESTIONNAIRE.questions}

WORST: dict[str, int | str] = {
    "plan": 11,
    "product_fit": 21,
    "staff": 31,
    "exported": 41,
    "export_amount": "0",
    "markets": 61,
    "brand": 71,
    "abroad": 81,
}
BEST: dict[str, int | str] = {
    "plan": 13,
    "product_fit": 25,
    "staff": 32,
    "exported": 42,
    "export_amount": "5000000",
    "markets": 63,
    "brand": 73,
    "abroad": 83,
}


def answers(**choices: int | str) -> dict[int, AnswerInput]:
    """Answers by question code: an option id or a number (a string); worst if unset."""
    chosen = {**WORST, **choices}
    return {
        q.id: AnswerInput(number=D(chosen[q.code]))
        if q.kind is QuestionKind.NUMBER
        else AnswerInput(option_id=int(chosen[q.code]))
        for q in QUESTIONNAIRE.questions
    }


# Answer sets at each threshold and one step (the smallest a score can move here)
# under it.
AT_STAGE_2: dict[str, int | str] = {"staff": 32}
UNDER_STAGE_2: dict[str, int | str] = {"product_fit": 24}
AT_STAGE_3: dict[str, int | str] = {"plan": 13}
UNDER_STAGE_3: dict[str, int | str] = {"plan": 12, "product_fit": 24}
AT_STAGE_4: dict[str, int | str] = {"exported": 42, "plan": 13}
UNDER_STAGE_4: dict[str, int | str] = {"exported": 42, "plan": 12, "product_fit": 24}
AT_STAGE_5: dict[str, int | str] = {**AT_STAGE_4, "staff": 32}
UNDER_STAGE_5: dict[str, int | str] = {**AT_STAGE_4, "product_fit": 24}
AT_STAGE_6: dict[str, int | str] = {**AT_STAGE_5, "markets": 63}
UNDER_STAGE_6: dict[str, int | str] = {**AT_STAGE_5, "product_fit": 24}
AT_STAGE_7: dict[str, int | str] = {**AT_STAGE_6, "export_amount": "150000"}
UNDER_STAGE_7: dict[str, int | str] = {**AT_STAGE_6, "product_fit": 24}
AT_STAGE_8: dict[str, int | str] = {**AT_STAGE_7, "abroad": 83}
UNDER_STAGE_8: dict[str, int | str] = {
    **AT_STAGE_5,
    "abroad": 83,
    "export_amount": "150000",
    "product_fit": 24,
}
AT_STAGE_9: dict[str, int | str] = {
    **AT_STAGE_8,
    "export_amount": "1000000",
    "brand": 73,
}
UNDER_STAGE_9: dict[str, int | str] = {
    **AT_STAGE_8,
    "export_amount": "1000000",
    "product_fit": 22,
    "brand": 72,
}
# Every score a firm could want, but it has never exported.
HIGH_WITHOUT_EXPORT: dict[str, int | str] = {**BEST, "exported": 41}
# Enough for stage 8 on score, with an agent abroad instead of a presence.
SEVENTY_WITHOUT_PRESENCE: dict[str, int | str] = {
    **AT_STAGE_7,
    "abroad": 82,
    "brand": 72,
}
AT_THRESHOLD = {
    2: AT_STAGE_2,
    3: AT_STAGE_3,
    4: AT_STAGE_4,
    5: AT_STAGE_5,
    6: AT_STAGE_6,
    7: AT_STAGE_7,
    8: AT_STAGE_8,
    9: AT_STAGE_9,
}

# choices, stage, total, (readiness, channels, deepening)
STAGE_TABLE = [
    pytest.param({}, 1, "0", ("0", "0", "0"), id="nothing"),
    pytest.param(UNDER_STAGE_2, 1, "7.50", ("18.75", "0", "0"), id="under-2"),
    pytest.param(AT_STAGE_2, 2, "10.00", ("25", "0", "0"), id="at-2"),
    pytest.param({"exported": 42}, 2, "10.00", ("0", "25", "0"), id="fact-only"),
    pytest.param(UNDER_STAGE_3, 2, "17.50", ("43.75", "0", "0"), id="under-3"),
    pytest.param(AT_STAGE_3, 3, "20.00", ("50", "0", "0"), id="at-3"),
    pytest.param(UNDER_STAGE_4, 3, "27.50", ("43.75", "25", "0"), id="under-4"),
    pytest.param(AT_STAGE_4, 4, "30.00", ("50", "25", "0"), id="at-4"),
    pytest.param(UNDER_STAGE_5, 4, "37.50", ("68.75", "25", "0"), id="under-5"),
    pytest.param(AT_STAGE_5, 5, "40.00", ("75", "25", "0"), id="at-5"),
    pytest.param(UNDER_STAGE_6, 5, "47.50", ("93.75", "25", "0"), id="under-6"),
    pytest.param(AT_STAGE_6, 6, "50.00", ("75", "50", "0"), id="at-6"),
    pytest.param(UNDER_STAGE_7, 6, "57.50", ("93.75", "50", "0"), id="under-7"),
    pytest.param(AT_STAGE_7, 7, "60.00", ("75", "75", "0"), id="at-7"),
    pytest.param(UNDER_STAGE_8, 7, "67.50", ("93.75", "50", "50"), id="under-8"),
    pytest.param(AT_STAGE_8, 8, "70.00", ("75", "75", "50"), id="at-8"),
    pytest.param(UNDER_STAGE_9, 8, "82.50", ("81.25", "87.5", "75"), id="under-9"),
    pytest.param(AT_STAGE_9, 9, "85.00", ("75", "87.5", "100"), id="at-9"),
    pytest.param(BEST, 9, "100", ("100", "100", "100"), id="best"),
    pytest.param(HIGH_WITHOUT_EXPORT, 3, "90", ("100", "75", "100"), id="no-export"),
    pytest.param(
        SEVENTY_WITHOUT_PRESENCE, 7, "70", ("75", "75", "50"), id="no-presence"
    ),
]


def test_it_imports_nothing_from_django() -> None:
    code = (
        "import diagnostics.scoring, diagnostics.calibration, sys; "
        "assert not any(m.startswith('django') for m in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_it_accepts_the_hand_built_questionnaire() -> None:
    assert validate_questionnaire(QUESTIONNAIRE) == []


@pytest.mark.parametrize(("choices", "stage", "total", "areas"), STAGE_TABLE)
def test_it_places_a_firm_at_the_stage_its_answers_earn(
    choices: dict[str, int | str], stage: int, total: str, areas: tuple[str, ...]
) -> None:
    result = score(QUESTIONNAIRE, answers(**choices))

    assert result.stage == stage
    assert result.phase == PHASES[stage]
    assert result.total_score == D(total)
    assert result.area_scores == dict(
        zip(QUESTIONNAIRE.areas, map(D, areas), strict=True)
    )


def test_it_gives_scores_to_the_cent() -> None:
    result = score(QUESTIONNAIRE, answers(**UNDER_STAGE_9))

    assert str(result.total_score) == "82.50"
    assert {str(v) for v in result.area_scores.values()} == {"81.25", "87.50", "75.00"}


@pytest.mark.parametrize("stage", range(2, STAGE_COUNT + 1))
def test_it_reaches_a_stage_at_exactly_its_threshold_and_not_a_cent_under(
    stage: int,
) -> None:
    chosen = answers(**AT_THRESHOLD[stage])
    threshold = QUESTIONNAIRE.stages[stage - 1].min_score
    assert score(QUESTIONNAIRE, chosen).total_score == threshold

    def with_threshold(min_score: Decimal) -> Questionnaire:
        stages = list(QUESTIONNAIRE.stages)
        stages[stage - 1] = dataclasses.replace(stages[stage - 1], min_score=min_score)
        return dataclasses.replace(QUESTIONNAIRE, stages=tuple(stages))

    raised = score(with_threshold(threshold + D("0.01")), chosen)
    lowered = score(with_threshold(threshold - D("0.01")), chosen)

    assert raised.stage == stage - 1
    assert raised.stage_by_score == stage - 1
    assert lowered.stage == stage


@pytest.mark.parametrize(
    ("number", "total"),
    [
        ("0", "0"),
        ("99999.99", "0"),
        ("100000", "10"),
        ("999999.99", "10"),
        ("1000000", "15"),
        ("4999999.99", "15"),
        ("5000000", "20"),
        ("1000000000", "20"),
    ],
)
def test_it_places_a_number_in_the_band_from_its_lower_bound_up_to_its_upper(
    number: str, total: str
) -> None:
    result = score(QUESTIONNAIRE, answers(export_amount=number))

    assert result.total_score == D(total)


@pytest.mark.parametrize("number", [150_000, 150_000.0])
def test_it_scores_plain_python_numbers_like_decimals(number: float) -> None:
    chosen = answers()
    # Deliberately not a Decimal, as an untyped caller might pass.
    chosen[EXPORT_AMOUNT.id] = AnswerInput(number=number)  # type: ignore[arg-type]

    assert score(QUESTIONNAIRE, chosen).total_score == D(10)


@pytest.mark.parametrize("number", ["-0.01", "-1", "1000000000.01"])
def test_it_rejects_a_number_out_of_range(number: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        score(QUESTIONNAIRE, answers(export_amount=number))

    assert raised.value.codes == ("export_amount",)
    assert str(raised.value) == f"export_amount: {D(number)} is out of range."


def test_it_holds_a_firm_that_never_exported_at_stage_3_whatever_its_score() -> None:
    result = score(QUESTIONNAIRE, answers(**HIGH_WITHOUT_EXPORT))

    assert result.stage == 3
    assert result.stage_by_score == 9
    assert result.facts == {PRESENCE_ABROAD}
    assert result.capped_by == (Reason("gate_missing", 4, fact=HAS_EXPORTED),)


def test_it_holds_a_firm_without_presence_abroad_at_stage_7() -> None:
    result = score(QUESTIONNAIRE, answers(**SEVENTY_WITHOUT_PRESENCE))

    assert result.stage == 7
    assert result.stage_by_score == 8
    assert result.capped_by == (Reason("gate_missing", 8, fact=PRESENCE_ABROAD),)


def test_it_names_every_gate_that_holds_a_firm_back() -> None:
    result = score(QUESTIONNAIRE, answers(**{**BEST, "exported": 41, "abroad": 82}))

    assert (result.stage, result.stage_by_score, result.total_score) == (3, 9, D(85))
    assert result.capped_by == (
        Reason("gate_missing", 4, fact=HAS_EXPORTED),
        Reason("gate_missing", 8, fact=PRESENCE_ABROAD),
    )


def test_it_caps_nothing_when_the_score_is_what_falls_short() -> None:
    result = score(QUESTIONNAIRE, answers(**AT_STAGE_3))

    assert (result.stage, result.stage_by_score) == (3, 3)
    assert result.capped_by == ()


@pytest.mark.parametrize(
    ("choices", "reasons"),
    [
        pytest.param(
            {}, (Reason("score_short", 2, score=D(0), threshold=D(10)),), id="stage-1"
        ),
        pytest.param(
            AT_STAGE_4,
            (
                Reason("score_reached", 4, score=D(30), threshold=D(30)),
                Reason("gate_met", 4, fact=HAS_EXPORTED),
                Reason("score_short", 5, score=D(30), threshold=D(40)),
            ),
            id="stage-4",
        ),
        pytest.param(
            UNDER_STAGE_4,
            (
                Reason("score_reached", 3, score=D("27.5"), threshold=D(20)),
                Reason("score_short", 4, score=D("27.5"), threshold=D(30)),
            ),
            id="short-of-4-with-the-fact",
        ),
        pytest.param(
            HIGH_WITHOUT_EXPORT,
            (
                Reason("score_reached", 3, score=D(90), threshold=D(20)),
                Reason("gate_missing", 4, fact=HAS_EXPORTED),
            ),
            id="gated-at-3",
        ),
        pytest.param(
            SEVENTY_WITHOUT_PRESENCE,
            (
                Reason("score_reached", 7, score=D(70), threshold=D(60)),
                Reason("gate_met", 4, fact=HAS_EXPORTED),
                Reason("gate_missing", 8, fact=PRESENCE_ABROAD),
            ),
            id="gated-at-7",
        ),
        pytest.param(
            BEST,
            (
                Reason("score_reached", 9, score=D(100), threshold=D(85)),
                Reason("gate_met", 4, fact=HAS_EXPORTED),
                Reason("gate_met", 8, fact=PRESENCE_ABROAD),
            ),
            id="stage-9",
        ),
    ],
)
def test_it_says_why_a_firm_is_at_its_stage_and_not_the_next(
    choices: dict[str, int | str], reasons: tuple[Reason, ...]
) -> None:
    assert score(QUESTIONNAIRE, answers(**choices)).reasons == reasons


@pytest.mark.parametrize(
    ("choices", "plan"),
    [
        pytest.param(
            {},
            NextStagePlan(
                stage=2,
                points_needed=D(10),
                missing_facts=(),
                helpful_areas=(
                    AreaGain("readiness", D(40)),
                    AreaGain("channels", D(40)),
                    AreaGain("deepening", D(20)),
                ),
            ),
            id="ties-in-questionnaire-order",
        ),
        pytest.param(
            AT_STAGE_4,
            NextStagePlan(
                stage=5,
                points_needed=D(10),
                missing_facts=(),
                helpful_areas=(
                    AreaGain("channels", D(30)),
                    AreaGain("readiness", D(20)),
                    AreaGain("deepening", D(20)),
                ),
            ),
            id="stage-4",
        ),
        pytest.param(
            UNDER_STAGE_4,
            NextStagePlan(
                stage=4,
                points_needed=D("2.5"),
                missing_facts=(),
                helpful_areas=(
                    AreaGain("channels", D(30)),
                    AreaGain("readiness", D("22.5")),
                    AreaGain("deepening", D(20)),
                ),
            ),
            id="points-short",
        ),
        pytest.param(
            HIGH_WITHOUT_EXPORT,
            NextStagePlan(
                stage=4,
                points_needed=D(0),
                missing_facts=(HAS_EXPORTED,),
                helpful_areas=(AreaGain("channels", D(10)),),
            ),
            id="fact-missing-only-areas-with-headroom",
        ),
        pytest.param(
            SEVENTY_WITHOUT_PRESENCE,
            NextStagePlan(
                stage=8,
                points_needed=D(0),
                missing_facts=(PRESENCE_ABROAD,),
                helpful_areas=(
                    AreaGain("readiness", D(10)),
                    AreaGain("channels", D(10)),
                    AreaGain("deepening", D(10)),
                ),
            ),
            id="presence-missing",
        ),
    ],
)
def test_it_plans_what_the_next_stage_takes(
    choices: dict[str, int | str], plan: NextStagePlan
) -> None:
    assert score(QUESTIONNAIRE, answers(**choices)).next_stage == plan


@pytest.mark.parametrize("choices", [AT_STAGE_9, BEST], ids=["at-9", "best"])
def test_it_plans_no_next_stage_at_stage_9(choices: dict[str, int | str]) -> None:
    assert score(QUESTIONNAIRE, answers(**choices)).next_stage is None


def test_it_offers_only_areas_with_points_to_gain() -> None:
    result = score(
        QUESTIONNAIRE, answers(**{**BEST, "product_fit": 24, "exported": 41})
    )

    assert result.next_stage is not None
    assert result.next_stage.helpful_areas == (
        AreaGain("channels", D(10)),
        AreaGain("readiness", D("2.5")),
    )


def test_it_offers_no_area_whose_gain_rounds_to_nothing() -> None:
    # product_fit's missing quarter is worth 0.0028 points: shown as 0.00, it would be
    # advice to work on an area for no visible gain.
    light = _with_question("product_fit", weight=D("0.001"))
    chosen = answers(**{**BEST, "product_fit": 24, "exported": 41})

    result = score(light, chosen)

    assert result.next_stage is not None
    assert result.next_stage.helpful_areas == (AreaGain("channels", D("11.11")),)


@pytest.mark.parametrize(
    ("choices", "strongest", "weakest"),
    [
        pytest.param(AT_STAGE_4, "readiness", "deepening", id="stage-4"),
        pytest.param(AT_STAGE_9, "deepening", "readiness", id="stage-9"),
        pytest.param(HIGH_WITHOUT_EXPORT, "readiness", "channels", id="tie-at-top"),
        pytest.param({}, "readiness", "deepening", id="all-tied"),
    ],
)
def test_it_names_the_strongest_and_weakest_areas(
    choices: dict[str, int | str], strongest: str, weakest: str
) -> None:
    # Ties: the strongest is the area listed first, the weakest the one listed last.
    result = score(QUESTIONNAIRE, answers(**choices))

    assert (result.strongest_area, result.weakest_area) == (strongest, weakest)


def test_it_scores_each_bottleneck_that_questions_reveal() -> None:
    result = score(QUESTIONNAIRE, answers(**AT_STAGE_7))

    assert result.bottleneck_scores == {
        "funds": D(50),
        "manpower": D(100),
        "sales_routes": D(100),
        "technology": D(0),
    }


# Rejections -------------------------------------------------------------------------


def test_it_refuses_to_score_unanswered_questions() -> None:
    chosen = answers()
    del chosen[QUESTION_BY_CODE["plan"].id]
    del chosen[QUESTION_BY_CODE["brand"].id]

    with pytest.raises(MissingAnswers) as raised:
        score(QUESTIONNAIRE, chosen)

    assert raised.value.codes == ("plan", "brand")
    assert str(raised.value) == "2 questions are unanswered."


def test_it_counts_an_answer_left_as_none_as_missing() -> None:
    chosen: dict[int, Any] = {**answers(), QUESTION_BY_CODE["staff"].id: None}

    with pytest.raises(MissingAnswers) as raised:
        score(QUESTIONNAIRE, chosen)

    assert raised.value.codes == ("staff",)


def test_it_refuses_an_answer_to_an_unknown_question() -> None:
    chosen = {**answers(), 99: AnswerInput(option_id=11)}

    with pytest.raises(InvalidAnswer, match=r"unknown questions: \[99\]"):
        score(QUESTIONNAIRE, chosen)


@pytest.mark.parametrize(
    ("code", "answer", "message"),
    [
        pytest.param(
            "plan",
            AnswerInput(option_id=42),
            "plan: option 42 does not belong to this question.",
            id="option-of-another-question",
        ),
        pytest.param(
            "plan",
            AnswerInput(option_id=999),
            "plan: option 999 does not belong to this question.",
            id="unknown-option",
        ),
        pytest.param(
            "plan",
            AnswerInput(number=D(2)),
            "plan: an option is required.",
            id="number-for-a-choice",
        ),
        pytest.param(
            "exported",
            AnswerInput(),
            "exported: an option is required.",
            id="empty-choice",
        ),
        pytest.param(
            "export_amount",
            AnswerInput(),
            "export_amount: a number is required.",
            id="no-number",
        ),
        pytest.param(
            "export_amount",
            AnswerInput(option_id=52),
            "export_amount: a number is required.",
            id="band-option-for-a-number",
        ),
        *(
            pytest.param(
                "export_amount",
                # Deliberately ill-typed: what validation must refuse.
                AnswerInput(number=number),  # type: ignore[arg-type]
                "export_amount: a number is required.",
                id=f"number-{number!r}",
            )
            for number in (
                D("NaN"),
                D("sNaN"),
                D("Infinity"),
                D("-Infinity"),
                float("nan"),
                float("inf"),
                True,
                "150000",
            )
        ),
    ],
)
def test_it_refuses_an_answer_that_does_not_fit_its_question(
    code: str, answer: AnswerInput, message: str
) -> None:
    chosen = {**answers(), QUESTION_BY_CODE[code].id: answer}

    with pytest.raises(InvalidAnswer) as raised:
        score(QUESTIONNAIRE, chosen)

    assert raised.value.codes == (code,)
    assert str(raised.value) == message


# validate_questionnaire ---------------------------------------------------------


def _with_question(target: str, **changes: Any) -> Questionnaire:
    questions = tuple(
        dataclasses.replace(q, **changes) if q.code == target else q
        for q in QUESTIONNAIRE.questions
    )
    return dataclasses.replace(QUESTIONNAIRE, questions=questions)


def _with_stage(stage: int, **changes: Any) -> Questionnaire:
    stages = tuple(
        dataclasses.replace(rule, **changes) if rule.stage == stage else rule
        for rule in QUESTIONNAIRE.stages
    )
    return dataclasses.replace(QUESTIONNAIRE, stages=stages)


def _with_points(code: str, *points: int) -> Questionnaire:
    options = QUESTION_BY_CODE[code].options
    return _with_question(
        code,
        options=tuple(
            dataclasses.replace(o, points=D(p))
            for o, p in zip(options, points, strict=True)
        ),
    )


def _with_bands(*bands: tuple[str | None, str | None]) -> Questionnaire:
    options = tuple(
        _band(50 + n, n, low, high) for n, (low, high) in enumerate(bands, start=1)
    )
    return _with_question("export_amount", options=options)


BANDS_PROBLEM = ["Question export_amount has bands with gaps or overlaps."]


@pytest.mark.parametrize(
    ("questionnaire", "problems"),
    [
        pytest.param(
            dataclasses.replace(QUESTIONNAIRE, stages=QUESTIONNAIRE.stages[:8]),
            ["Stage rules must cover stages 1 to 9, once each, in order."],
            id="eight-stages",
        ),
        pytest.param(
            _with_stage(1, min_score=D(5)),
            ["Stage 1 must be open to every firm (score 0, no gating fact)."],
            id="stage-1-needs-a-score",
        ),
        pytest.param(
            _with_stage(1, required_facts=frozenset({HAS_EXPORTED})),
            ["Stage 1 must be open to every firm (score 0, no gating fact)."],
            id="stage-1-gated",
        ),
        pytest.param(
            _with_stage(5, min_score=D(30)),
            ["Stage thresholds must rise with the stage."],
            id="flat-threshold",
        ),
        pytest.param(
            _with_stage(9, min_score=D("100.01")),
            ["Stage 9 needs a score above 100."],
            id="threshold-above-100",
        ),
        pytest.param(
            _with_stage(4, required_facts=frozenset({"exports_twice"})),
            ["Stage 4 requires 'exports_twice', which no option sets."],
            id="fact-no-option-sets",
        ),
        pytest.param(
            dataclasses.replace(
                QUESTIONNAIRE,
                areas=(),
                questions=(),
                stages=tuple(
                    dataclasses.replace(rule, required_facts=frozenset())
                    for rule in QUESTIONNAIRE.stages
                ),
            ),
            ["The questionnaire has no questions."],
            id="no-questions",
        ),
        pytest.param(
            _with_question("brand", id=1),
            ["Question id 1 is used more than once."],
            id="duplicate-id",
        ),
        pytest.param(
            _with_question("brand", code="plan"),
            ["Question code plan is used more than once."],
            id="duplicate-code",
        ),
        pytest.param(
            _with_question("plan", options=()),
            ["Question plan has no options."],
            id="no-options",
        ),
        pytest.param(
            _with_points("plan", 0, 0, 0),
            ["Question plan has no option worth points."],
            id="no-points",
        ),
        pytest.param(
            _with_points("plan", -1, 1, 2),
            ["Question plan has an option worth less than 0."],
            id="negative-points",
        ),
        pytest.param(
            _with_question("plan", weight=D(0)),
            ["Question plan needs a weight above 0."],
            id="zero-weight",
        ),
        pytest.param(
            _with_question("brand", area="marketing"),
            ["Question brand is in an unknown area."],
            id="unknown-area",
        ),
        pytest.param(
            dataclasses.replace(
                QUESTIONNAIRE, areas=(*QUESTIONNAIRE.areas, "channels")
            ),
            ["Area channels is listed more than once."],
            id="area-twice",
        ),
        pytest.param(
            dataclasses.replace(QUESTIONNAIRE, areas=(*QUESTIONNAIRE.areas, "finance")),
            ["Area finance has no questions."],
            id="empty-area",
        ),
        pytest.param(
            _with_question("export_amount", number_min=D(10), number_max=D(5)),
            ["Question export_amount accepts no number (minimum above maximum)."],
            id="empty-range",
        ),
        pytest.param(
            _with_bands(("0", "100000"), ("200000", None)),
            BANDS_PROBLEM,
            id="band-gap",
        ),
        pytest.param(
            _with_bands(("0", "100000"), ("50000", None)),
            BANDS_PROBLEM,
            id="band-overlap",
        ),
        pytest.param(
            _with_bands((None, "100000"), (None, None)),
            BANDS_PROBLEM,
            id="two-open-bands",
        ),
        pytest.param(
            _with_bands(("0.01", "100000"), ("100000", None)),
            BANDS_PROBLEM,
            id="minimum-uncovered",
        ),
        pytest.param(
            # band_max is exclusive: the accepted maximum itself is left out.
            _with_bands(("0", "100000"), ("100000", "1000000000")),
            BANDS_PROBLEM,
            id="maximum-uncovered",
        ),
        pytest.param(
            _with_bands(("0", "100000"), ("100000", "100000"), ("100000", None)),
            BANDS_PROBLEM,
            id="empty-band",
        ),
        pytest.param(
            _with_bands((None, "100000"), ("100000", "1000000000.01")),
            [],
            id="valid-bands-open-below-closed-above",
        ),
    ],
)
def test_it_reports_each_problem_of_a_questionnaire(
    questionnaire: Questionnaire, problems: list[str]
) -> None:
    assert validate_questionnaire(questionnaire) == problems


# Properties over random valid questionnaires ------------------------------------------

FACT_POOL = ("fact_a", "fact_b", "fact_c", "fact_d")
BOTTLENECKS = ("none", "technology", "funds", "manpower", "sales_routes")
CENT = D("0.01")
# Strategies built once: building them inside each draw costs more than the scoring.
KINDS = st.sampled_from(QuestionKind)
POINTS = {
    size: st.lists(st.integers(0, 10), min_size=size, max_size=size)
    for size in range(2, 6)
}
WISHED_FACTS = {
    size: st.lists(st.none() | st.sampled_from(FACT_POOL), min_size=size, max_size=size)
    for size in range(2, 6)
}
REQUIRED_FACTS = st.frozensets(st.sampled_from(FACT_POOL), max_size=2)

# st.DrawFn in composites, DataObject.draw in tests: both take a strategy.
Draw = Callable[..., Any]
Case = tuple[Questionnaire, dict[int, OptionSpec], dict[int, AnswerInput]]


def _rising_ints(draw: Draw, low: int, high: int, count: int) -> list[int]:
    """count strictly rising integers between low and high, both included."""
    # Sorted draws from a range shortened by count - 1, each lifted by its rank: unlike
    # a unique list, no draw is ever thrown away as a duplicate.
    if count == 0:
        return []
    bases = st.lists(st.integers(low, high - count + 1), min_size=count, max_size=count)
    return [value + rank for rank, value in enumerate(sorted(draw(bases)))]


def _allowed_facts(points: list[int], wished: list[str | None]) -> list[str | None]:
    """Keep a fact only on an option worth at least every fact-less option."""
    facts = list(wished)
    while True:
        best_without = max(
            (p for p, f in zip(points, facts, strict=True) if f is None), default=-1
        )
        kept = [
            f if p >= best_without else None for p, f in zip(points, facts, strict=True)
        ]
        if kept == facts:
            return facts
        facts = kept


def _draw_question(
    draw: Draw, question_id: int, area: str, option_ids: Iterator[int]
) -> QuestionSpec:
    kind = draw(KINDS)
    size = 2 if kind is QuestionKind.YES_NO else draw(st.integers(2, 5))
    points = draw(POINTS[size])
    # Some option must be worth points; drawing a filter would throw examples away.
    points[draw(st.integers(0, size - 1))] = draw(st.integers(1, 10))
    facts = _allowed_facts(points, draw(WISHED_FACTS[size]))
    number_min = number_max = None
    bounds: list[tuple[Decimal | None, Decimal | None]] = [(None, None)] * size
    if kind is QuestionKind.NUMBER:
        cuts = _rising_ints(draw, 1, 10_000, size - 1)
        number_min = D(0)
        number_max = D(cuts[-1] + draw(st.integers(0, 100)))
        first_min = None if draw(st.booleans()) else number_min
        lows = [first_min, *map(D, cuts)]
        highs: list[Decimal | None] = [*map(D, cuts), None]
        bounds = list(zip(lows, highs, strict=True))
    return QuestionSpec(
        id=question_id,
        code=f"q{question_id}",
        area=area,
        kind=kind,
        weight=D(draw(st.integers(1, 20))) / 4,
        options=tuple(
            OptionSpec(next(option_ids), D(p), fact, band_min=low, band_max=high)
            for p, fact, (low, high) in zip(points, facts, bounds, strict=True)
        ),
        bottleneck=draw(st.sampled_from(BOTTLENECKS)),
        number_min=number_min,
        number_max=number_max,
    )


@st.composite
def questionnaires(draw: st.DrawFn) -> Questionnaire:
    areas = tuple(f"area_{n}" for n in range(draw(st.integers(1, 4))))
    option_ids = itertools.count(1)
    question_count = draw(st.integers(len(areas), 6))
    questions = tuple(
        _draw_question(
            draw,
            question_id,
            # The first questions fill every area once; later ones land anywhere.
            areas[question_id - 1]
            if question_id <= len(areas)
            else areas[draw(st.integers(0, len(areas) - 1))],
            option_ids,
        )
        for question_id in range(1, question_count + 1)
    )
    settable = {o.fact for q in questions for o in q.options if o.fact}
    stages = [StageSpec(1, PHASES[1], D(0))]
    for stage, cut in enumerate(_rising_ints(draw, 1, 10_000, 8), start=2):
        required = draw(REQUIRED_FACTS) & settable
        stages.append(StageSpec(stage, PHASES[stage], D(cut) * CENT, required))
    return Questionnaire(areas=areas, questions=questions, stages=tuple(stages))


def _draw_answer(draw: Draw, question: QuestionSpec, option: OptionSpec) -> AnswerInput:
    """An answer that selects the option: its id, or a number inside its band."""
    if question.kind is not QuestionKind.NUMBER:
        return AnswerInput(option_id=option.id)
    assert question.number_min is not None and question.number_max is not None
    low = question.number_min if option.band_min is None else option.band_min
    high = question.number_max if option.band_max is None else option.band_max - CENT
    cents = draw(st.integers(int(low / CENT), int(high / CENT)))
    return AnswerInput(number=D(cents) * CENT)


@st.composite
def scored_cases(draw: st.DrawFn) -> Case:
    """A random valid questionnaire, complete answers and the option each selects."""
    questionnaire = draw(questionnaires())
    chosen = {
        q.id: q.options[draw(st.integers(0, len(q.options) - 1))]
        for q in questionnaire.questions
    }
    answers = {
        q.id: _draw_answer(draw, q, chosen[q.id]) for q in questionnaire.questions
    }
    return questionnaire, chosen, answers


@PROPERTY
@given(case=scored_cases())
def test_it_scores_the_same_answers_the_same_way_within_0_and_100(case: Case) -> None:
    questionnaire, _, answers = case
    assert validate_questionnaire(questionnaire) == []

    result = score(questionnaire, answers)

    assert result == score(questionnaire, dict(answers))
    scores = [
        result.total_score,
        *result.area_scores.values(),
        *result.bottleneck_scores.values(),
    ]
    assert all(D(0) <= value <= D(100) for value in scores)
    assert list(result.area_scores) == list(questionnaire.areas)
    assert result.area_scores[result.strongest_area] == max(result.area_scores.values())
    assert result.area_scores[result.weakest_area] == min(result.area_scores.values())


@PROPERTY
@given(case=scored_cases())
def test_it_places_every_firm_at_the_highest_stage_whose_rules_it_meets(
    case: Case,
) -> None:
    questionnaire, chosen, answers = case
    result = score(questionnaire, answers)
    rules = questionnaire.stages

    assert 1 <= result.stage <= STAGE_COUNT
    assert result.phase == rules[result.stage - 1].phase
    assert result.facts == {o.fact for o in chosen.values() if o.fact}
    for rule in rules[: result.stage]:
        assert rule.required_facts <= result.facts
        assert result.total_score >= rule.min_score
    if result.stage < STAGE_COUNT:
        upcoming = rules[result.stage]
        assert (
            result.total_score < upcoming.min_score
            or not upcoming.required_facts <= result.facts
        )
    by_score = [rule.stage for rule in rules if result.total_score >= rule.min_score]
    assert result.stage_by_score == max(by_score) >= result.stage
    assert result.capped_by == tuple(
        Reason("gate_missing", rule.stage, fact=fact)
        for rule in rules[result.stage : result.stage_by_score]
        for fact in sorted(rule.required_facts - result.facts)
    )
    assert bool(result.capped_by) == (result.stage_by_score > result.stage)


@PROPERTY
@given(case=scored_cases())
def test_it_plans_the_next_stage_from_its_rule(case: Case) -> None:
    questionnaire, _, answers = case
    result = score(questionnaire, answers)
    plan = result.next_stage

    if result.stage == STAGE_COUNT:
        assert plan is None
        return
    assert plan is not None
    upcoming = questionnaire.stages[result.stage]
    assert plan.stage == result.stage + 1
    assert plan.points_needed == max(D(0), upcoming.min_score - result.total_score)
    assert plan.missing_facts == tuple(sorted(upcoming.required_facts - result.facts))
    assert plan.points_needed > 0 or plan.missing_facts
    gains = [gain.potential_points for gain in plan.helpful_areas]
    assert len(gains) <= HELPFUL_AREA_COUNT
    assert gains == sorted(gains, reverse=True)
    # Each area's gain is a share of what the total still lacks (rounding aside).
    assert all(D(0) < gain <= D(100) - result.total_score + CENT for gain in gains)
    assert all(result.area_scores[gain.area] < 100 for gain in plan.helpful_areas)


@PROPERTY
@given(case=scored_cases(), data=st.data())
def test_it_never_lowers_the_stage_or_total_for_a_better_answer(
    case: Case, data: st.DataObject
) -> None:
    questionnaire, chosen, answers = case
    question = data.draw(st.sampled_from(questionnaire.questions))
    current = chosen[question.id]
    # Better: worth at least as many points, and losing no fact.
    better = [
        option
        for option in question.options
        if option.points >= current.points
        and (current.fact is None or option.fact == current.fact)
    ]
    option = data.draw(st.sampled_from(better))
    improved = {**answers, question.id: _draw_answer(data.draw, question, option)}

    before, after = score(questionnaire, answers), score(questionnaire, improved)

    assert after.total_score >= before.total_score
    assert after.stage >= before.stage
    assert after.facts >= before.facts


def _rising(draw: Draw, low: int, high: int, count: int) -> list[Decimal]:
    """count strictly rising scores between low and high cents, both included."""
    return [D(value) * CENT for value in _rising_ints(draw, low, high, count)]


@PROPERTY
@given(case=scored_cases(), target=st.integers(1, STAGE_COUNT), data=st.data())
def test_it_reaches_any_target_stage_with_thresholds_set_around_the_total(
    case: Case, target: int, data: st.DataObject
) -> None:
    # The rules are rebuilt so that the total is exactly the target stage's threshold
    # and later thresholds lie above it: the firm must land on the target, and one
    # cent more on the target's threshold must drop it by one stage.
    questionnaire, _, answers = case
    plain = score(questionnaire, answers)
    total, facts = plain.total_score, sorted(plain.facts)
    cents = int(total / CENT)
    assume(cents >= target - 1 and 10_000 - cents - 1 >= STAGE_COUNT - target)
    lower = _rising(data.draw, 1, cents - 1, target - 2) if target > 1 else []
    upper = _rising(data.draw, cents + 2, 10_000, STAGE_COUNT - target)
    thresholds = [D(0), *lower, total][:target] + upper
    stages = tuple(
        StageSpec(
            stage,
            PHASES[stage],
            min_score,
            # Gates the firm holds never stop it.
            frozenset(data.draw(st.sets(st.sampled_from(facts), max_size=2)))
            if facts and 1 < stage <= target
            else frozenset(),
        )
        for stage, min_score in enumerate(thresholds, start=1)
    )
    rebuilt = dataclasses.replace(questionnaire, stages=stages)
    assert validate_questionnaire(rebuilt) == []

    result = score(rebuilt, answers)

    assert (result.stage, result.stage_by_score) == (target, target)
    assert result.phase == PHASES[target]
    if target > 1:
        raised = list(stages)
        raised[target - 1] = dataclasses.replace(
            stages[target - 1], min_score=total + CENT
        )
        lowered = score(dataclasses.replace(rebuilt, stages=tuple(raised)), answers)
        assert lowered.stage == target - 1


@PROPERTY
@given(case=scored_cases(), target=st.integers(1, STAGE_COUNT - 1), data=st.data())
def test_it_stops_at_a_target_stage_when_the_next_needs_a_fact_it_lacks(
    case: Case, target: int, data: st.DataObject
) -> None:
    questionnaire, _, answers = case
    plain = score(questionnaire, answers)
    lacking = sorted(set(FACT_POOL) - plain.facts)
    cents = int(plain.total_score / CENT)
    # Thresholds up to the gated stage fit under the total; the rest lie above it.
    assume(lacking and cents >= target and 10_000 - cents >= STAGE_COUNT - target - 1)
    lower = _rising(data.draw, 1, cents, target)
    upper = _rising(data.draw, cents + 1, 10_000, STAGE_COUNT - target - 1)
    gate = data.draw(st.sampled_from(lacking))
    stages = tuple(
        StageSpec(
            stage,
            PHASES[stage],
            min_score,
            frozenset({gate}) if stage == target + 1 else frozenset(),
        )
        for stage, min_score in enumerate([D(0), *lower, *upper], start=1)
    )

    result = score(dataclasses.replace(questionnaire, stages=stages), answers)

    assert (result.stage, result.stage_by_score) == (target, target + 1)
    assert result.capped_by == (Reason("gate_missing", target + 1, fact=gate),)
    assert result.next_stage is not None
    assert result.next_stage.missing_facts == (gate,)
    assert result.next_stage.points_needed == 0


# The shipped questionnaire ------------------------------------------------------------


def _decimal(value: str | int | float | None) -> Decimal | None:
    return None if value is None else D(str(value))


def _load_content(data: Mapping[str, Any]) -> Questionnaire:
    """The content file as scoring data, ids numbered as an import would."""
    option_ids = itertools.count(1)
    ordered = sorted(data["questions"], key=lambda item: item["order"])
    return Questionnaire(
        areas=tuple(
            item["code"] for item in sorted(data["areas"], key=lambda a: a["order"])
        ),
        questions=tuple(
            QuestionSpec(
                id=question_id,
                code=item["code"],
                area=item["area"],
                kind=QuestionKind(item["kind"]),
                weight=D(str(item["weight"])),
                bottleneck=item.get("bottleneck", "none"),
                number_min=_decimal(item.get("number_min")),
                number_max=_decimal(item.get("number_max")),
                options=tuple(
                    OptionSpec(
                        id=next(option_ids),
                        points=D(str(option["points"])),
                        fact=option.get("fact") or None,
                        band_min=_decimal(option.get("band_min")),
                        band_max=_decimal(option.get("band_max")),
                    )
                    for option in item["options"]
                ),
            )
            for question_id, item in enumerate(ordered, start=1)
        ),
        stages=tuple(
            StageSpec(
                stage=item["stage"],
                phase=item["phase"],
                min_score=D(str(item["min_score"])),
                required_facts=frozenset(item["required_facts"]),
            )
            for item in sorted(data["stages"], key=lambda s: s["stage"])
        ),
    )


def _selecting(question: QuestionSpec, option: OptionSpec) -> AnswerInput:
    """The answer that selects the option: its id, or its band's first number."""
    if question.kind is not QuestionKind.NUMBER:
        return AnswerInput(option_id=option.id)
    if option.band_min is not None:
        return AnswerInput(number=option.band_min)
    if question.number_min is not None:
        return AnswerInput(number=question.number_min)
    assert option.band_max is not None
    return AnswerInput(number=option.band_max - 1)


@pytest.fixture(scope="module")
def shipped() -> Questionnaire:
    if not CONTENT_FILE.exists():
        pytest.skip(f"{CONTENT_FILE.name} is not there yet")
    return _load_content(json.loads(CONTENT_FILE.read_text(encoding="utf-8")))


def test_it_finds_no_problem_in_the_shipped_questionnaire(
    shipped: Questionnaire,
) -> None:
    assert validate_questionnaire(shipped) == []


def test_it_places_all_best_answers_to_the_shipped_questionnaire_at_stage_9(
    shipped: Questionnaire,
) -> None:
    # Best: the most points; among equals, an option that establishes a fact.
    best = {
        q.id: _selecting(
            q, max(q.options, key=lambda o: (o.points, o.fact is not None))
        )
        for q in shipped.questions
    }

    result = score(shipped, best)

    assert (result.stage, result.total_score) == (9, D(100))


def test_it_places_all_worst_answers_to_the_shipped_questionnaire_at_stage_1(
    shipped: Questionnaire,
) -> None:
    worst = {
        q.id: _selecting(
            q, min(q.options, key=lambda o: (o.points, o.fact is not None))
        )
        for q in shipped.questions
    }

    result = score(shipped, worst)

    assert result.stage == 1
