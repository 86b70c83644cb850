"""The calibration set: firm personas placed by every questionnaire version in the
repository. No users or access rules here; the database appears only where the
published version's stored content is compared with its file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from diagnostics.calibration import (
    misplaced,
    misplacement_problems,
    persona_answers,
    personas_from_json,
    place,
    questionnaire_from_json,
)
from diagnostics.scoring import score, validate_questionnaire
from tests.conftest import FIGURE

CONTENT = Path(__file__).resolve().parents[2] / "diagnostics" / "content"
PERSONAS = personas_from_json(json.loads((CONTENT / "personas.json").read_text()))
VERSION_FILES = sorted(CONTENT.glob("questionnaire_v*.json"))
# Versions from 2 on use tracks and profile facts, the method the personas describe.
CALIBRATED = [path for path in VERSION_FILES if path.stem >= "questionnaire_v2"]


def _spec(path: Path):
    return questionnaire_from_json(json.loads(path.read_text()))


def test_the_set_covers_the_firms_the_stage_model_names():
    codes = [persona.code for persona in PERSONAS]

    assert len(PERSONAS) >= 24
    assert len(set(codes)) == len(codes)
    for persona in PERSONAS:
        low, high = persona.expected_stages
        assert 1 <= low <= high <= 9, persona.code
        assert persona.why_en, persona.code
    exporters = [p for p in PERSONAS if p.figures.exports_last_year_usd > 0]
    assert 6 <= len(exporters) <= len(PERSONAS) - 6


@pytest.mark.parametrize("path", VERSION_FILES, ids=lambda path: path.stem)
def test_every_version_in_the_repository_is_valid(path):
    assert validate_questionnaire(_spec(path)) == []


@pytest.mark.parametrize("path", CALIBRATED, ids=lambda path: path.stem)
def test_every_persona_lands_in_its_range(path):
    problems = misplacement_problems(misplaced(_spec(path), PERSONAS))

    assert problems == []


def test_version_2_places_fewer_personas_wrongly_than_version_1(record_property):
    v1 = misplaced(_spec(CONTENT / "questionnaire_v1.json"), PERSONAS)
    v2 = misplaced(_spec(CONTENT / "questionnaire_v2.json"), PERSONAS)

    # Printed at the end of the run (tests/conftest.py, pytest_terminal_summary).
    record_property(
        FIGURE,
        f"calibration: v1 places {len(v1)} of {len(PERSONAS)} personas outside "
        f"their range; v2 places {len(v2)}.",
    )
    assert len(v2) < len(v1)


def test_a_version_with_a_wrong_threshold_names_the_personas_it_misplaces():
    spec = _spec(CONTENT / "questionnaire_v2.json")
    # A stage 9 that no firm can reach: the global company persona falls outside.
    stages = tuple(
        replace(rule, min_score=Decimal("100.01")) if rule.stage == 9 else rule
        for rule in spec.stages
    )
    broken = replace(spec, stages=stages)

    problems = misplacement_problems(misplaced(broken, PERSONAS))

    assert problems
    assert any("'global-company'" in problem for problem in problems)


def test_the_weakest_answers_of_a_large_exporter_stay_at_stage_4_or_above():
    spec = _spec(CONTENT / "questionnaire_v2.json")
    large = next(p for p in PERSONAS if p.figures.exports_last_year_usd >= 2_000_000)
    weakest = replace(large, answer_level=Decimal(0), choices={})

    assert place(spec, weakest).stage >= 4


def test_the_best_answers_without_exports_stay_at_stage_3_or_below():
    spec = _spec(CONTENT / "questionnaire_v2.json")
    domestic = next(p for p in PERSONAS if p.figures.exports_last_year_usd == 0)
    best = replace(domestic, answer_level=Decimal(1), choices={})

    result = score(spec, persona_answers(spec, best), best.figures)

    assert result.stage <= 3 and result.total_score == 100


def test_a_persona_that_cannot_be_scored_is_named_with_the_reason():
    spec = replace(_spec(CONTENT / "questionnaire_v2.json"), max_not_applicable=1)
    services_firm = next(p for p in PERSONAS if len(p.not_applicable) > 1)

    (placement,) = misplaced(spec, [services_firm])

    assert placement.error is not None and not placement.in_range
    assert misplacement_problems([placement]) == [
        f"Persona '{services_firm.code}' ({services_firm.name_en}) cannot be scored: "
        "At most 1 questions may be marked not applicable."
    ]
