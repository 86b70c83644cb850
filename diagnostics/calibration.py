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
    AnswerInput,
    ExportFacts,
    OptionSpec,
    QuestionKind,
    Questionnaire,
    QuestionSpec,
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

    @property
    def in_range(self) -> bool:
        low, high = self.persona.expected_stages
        return low <= self.stage <= high


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
    result = score(
        questionnaire, persona_answers(questionnaire, persona), persona.figures
    )
    return Placement(persona, result.stage, result.total_score, result.track)


def misplaced(
    questionnaire: Questionnaire, personas: Iterable[Persona]
) -> list[Placement]:
    """The personas this questionnaire places outside their expected range."""
    placements = (place(questionnaire, persona) for persona in personas)
    return [placement for placement in placements if not placement.in_range]
