"""Calibration: firm personas with the stage range a person would expect for them.

Pure Python (no Django), like scoring: a persona describes a firm by its export figures
and by how well it answers (a level from 0 to 1, per area if need be, and any explicit
choices), so the same persona can be run against every questionnaire version. A version
whose stage rules place a persona outside its range is not fit to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from diagnostics.scoring import (
    TRACKS,
    AnswerInput,
    ExportFacts,
    FactCondition,
    OptionSpec,
    ProfileFact,
    QuestionKind,
    Questionnaire,
    QuestionSpec,
    ScoringError,
    StageSpec,
    questions_for_track,
    score,
    track_for,
)


@dataclass(frozen=True)
class Persona:
    code: str
    name_en: str
    why_en: str
    figures: ExportFacts
    answer_level: Decimal
    expected_stages: tuple[int, int]
    area_levels: Mapping[str, Decimal] = field(default_factory=dict)
    # question code -> 0-based index of the chosen option, worst to best
    choices: Mapping[str, int] = field(default_factory=dict)
    not_applicable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Placement:
    persona: Persona
    stage: int
    total_score: Decimal
    track: str | None
    # Why the persona's answers could not be scored at all (stage 0), if they could not.
    error: str | None = None

    @property
    def in_range(self) -> bool:
        low, high = self.persona.expected_stages
        return self.error is None and low <= self.stage <= high


def persona_from_json(data: Mapping[str, Any]) -> Persona:
    """A persona from its entry in diagnostics/content/personas.json."""
    profile = data["profile"]
    low, high = data["expected_stages"]
    return Persona(
        code=data["code"],
        name_en=data["name_en"],
        why_en=data["why_en"],
        figures=ExportFacts(
            exports_last_year_usd=int(profile.get("exports_last_year_usd", 0)),
            export_markets=int(profile.get("export_markets", 0)),
            export_years=int(profile.get("export_years", 0)),
            presence_level=int(profile.get("presence_level", 0)),
        ),
        answer_level=Decimal(str(data["answer_level"])),
        expected_stages=(int(low), int(high)),
        area_levels={
            area: Decimal(str(level))
            for area, level in data.get("area_levels", {}).items()
        },
        choices={code: int(index) for code, index in data.get("answers", {}).items()},
        not_applicable=frozenset(data.get("not_applicable", [])),
    )


def questionnaire_from_json(data: Mapping[str, Any]) -> Questionnaire:
    """The scoring spec of a questionnaire file (diagnostics/content/questionnaire_vN),
    with ids numbered in file order: for calibrating a version without a database."""
    questions: list[QuestionSpec] = []
    option_id = 0
    for question_id, item in enumerate(data["questions"], start=1):
        options = []
        for option in item["options"]:
            option_id += 1
            options.append(
                OptionSpec(
                    id=option_id,
                    points=Decimal(option["points"]),
                    fact=option.get("fact"),
                    band_min=_decimal_or_none(option.get("band_min")),
                    band_max=_decimal_or_none(option.get("band_max")),
                    not_applicable=option.get("not_applicable", False),
                )
            )
        tracks = item.get("tracks") or sorted(TRACKS)
        questions.append(
            QuestionSpec(
                id=question_id,
                code=item["code"],
                area=item["area"],
                kind=QuestionKind(item["kind"]),
                weight=Decimal(item["weight"]),
                options=tuple(options),
                bottleneck=item.get("bottleneck", "none"),
                number_min=_decimal_or_none(item.get("number_min")),
                number_max=_decimal_or_none(item.get("number_max")),
                tracks=frozenset(tracks),
            )
        )
    facts = data["facts"]
    return Questionnaire(
        areas=tuple(area["code"] for area in sorted(data["areas"], key=_order)),
        questions=tuple(questions),
        stages=tuple(
            StageSpec(
                stage=rule["stage"],
                phase=rule["phase"],
                min_score=Decimal(rule["min_score"]),
                required_facts=frozenset(rule["required_facts"]),
            )
            for rule in data["stages"]
        ),
        profile_facts=tuple(
            ProfileFact(
                fact["code"],
                tuple(
                    FactCondition(c["field"], Decimal(c["min"]))
                    for c in fact["conditions"]
                ),
            )
            for fact in facts
            if fact.get("source") == "profile"
        ),
        implications={
            fact["code"]: frozenset(fact["implies"])
            for fact in facts
            if fact.get("implies")
        },
        entry_fact=data.get("entry_fact"),
        entry_stage=data.get("entry_stage"),
        max_not_applicable=data.get("max_not_applicable", 0),
    )


def _order(area: Mapping[str, Any]) -> int:
    return int(area["order"])


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def persona_answers(
    questionnaire: Questionnaire, persona: Persona
) -> dict[int, AnswerInput]:
    """The answers the persona gives to the questions its track asks."""
    track = track_for(questionnaire, persona.figures)
    return {
        question.id: _answer(question, persona)
        for question in questions_for_track(questionnaire, track)
    }


def _answer(question: QuestionSpec, persona: Persona) -> AnswerInput:
    scored = [option for option in question.options if not option.not_applicable]
    skip = [option for option in question.options if option.not_applicable]
    if question.code in persona.not_applicable and skip:
        option = skip[0]
    elif question.code in persona.choices:
        index = min(persona.choices[question.code], len(question.options) - 1)
        option = question.options[index]
    else:
        level = persona.area_levels.get(question.area, persona.answer_level)
        option = _closest(scored, question.max_points, level)
    if question.kind is QuestionKind.NUMBER:
        return AnswerInput(number=_number_in_band(question, option))
    return AnswerInput(option_id=option.id)


def _closest(options: list[OptionSpec], best: Decimal, level: Decimal) -> OptionSpec:
    """The option whose share of the best points is nearest `level`; ties go lower."""
    return min(
        options,
        key=lambda option: (abs(option.points / best - level), option.points),
    )


def _number_in_band(question: QuestionSpec, option: OptionSpec) -> Decimal:
    if option.band_min is not None:
        return option.band_min
    if question.number_min is not None:
        return question.number_min
    # An open lower band: just under its upper bound.
    return (option.band_max or Decimal(1)) - 1


def place(questionnaire: Questionnaire, persona: Persona) -> Placement:
    try:
        result = score(
            questionnaire, persona_answers(questionnaire, persona), persona.figures
        )
    except ScoringError as error:
        return Placement(persona, 0, Decimal(0), None, error=str(error))
    return Placement(persona, result.stage, result.total_score, result.track)


def misplaced(
    questionnaire: Questionnaire, personas: Iterable[Persona]
) -> list[Placement]:
    """The personas this questionnaire places outside their expected range."""
    placements = (place(questionnaire, persona) for persona in personas)
    return [placement for placement in placements if not placement.in_range]


def personas_from_json(items: Iterable[Mapping[str, Any]]) -> list[Persona]:
    return [persona_from_json(item) for item in items]


def misplacement_problems(placements: Iterable[Placement]) -> list[str]:
    """One line per misplaced persona, for the publish refusal and the tests."""
    return [_problem(placement) for placement in placements]


def _problem(placement: Placement) -> str:
    persona = placement.persona
    if placement.error is not None:
        return (
            f"Persona '{persona.code}' ({persona.name_en}) cannot be scored: "
            f"{placement.error}"
        )
    low, high = persona.expected_stages
    return (
        f"Persona '{persona.code}' ({persona.name_en}) is placed at stage "
        f"{placement.stage} (score {placement.total_score}), outside its expected "
        f"stages {low}-{high}."
    )
