"""Writes for diagnostics: start, save answers, submit; and the question-bank import."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Company, User
from diagnostics import calibration, scoring
from diagnostics.models import (
    Answer,
    Area,
    AreaScore,
    Diagnostic,
    DiagnosticStatus,
    Fact,
    FactSource,
    Option,
    Question,
    QuestionnaireVersion,
    QuestionTracks,
    StageRule,
    VersionStatus,
)
from diagnostics.questionnaire import questionnaire_content
from diagnostics.reports import report_language, report_request
from diagnostics.selectors import company_export_facts
from programs.services import recommendations_store


class DiagnosticError(Exception):
    """A write on a diagnostic was refused; the message is for the user."""


class NoPublishedVersion(DiagnosticError):
    pass


class DiagnosticLocked(DiagnosticError):
    pass


class StaleDraft(DiagnosticError):
    """The page was older than answers saved since (another tab or device)."""

    def __init__(self, question_codes: list[str]) -> None:
        super().__init__(", ".join(question_codes))
        self.question_codes = question_codes


class IncompleteDiagnostic(DiagnosticError):
    def __init__(self, question_codes: tuple[str, ...]) -> None:
        super().__init__(", ".join(question_codes))
        self.question_codes = question_codes


class TooManyNotApplicable(DiagnosticError):
    """The draft marks more questions "not applicable" than its version allows."""

    def __init__(self, question_codes: tuple[str, ...], limit: int) -> None:
        super().__init__(", ".join(question_codes))
        self.question_codes = question_codes
        self.limit = limit


@dataclass(frozen=True)
class AnswerValue:
    option_id: int | None = None
    number: Decimal | None = None


def diagnostic_start(*, company: Company, user: User) -> Diagnostic:
    """Return the company's open draft, or start one on the published version."""
    draft = Diagnostic.objects.filter(
        company=company, status=DiagnosticStatus.DRAFT
    ).first()
    if draft is not None:
        return draft
    version = QuestionnaireVersion.objects.filter(
        status=VersionStatus.PUBLISHED
    ).first()
    if version is None:
        raise NoPublishedVersion
    try:
        with transaction.atomic():
            return Diagnostic.objects.create(
                company=company, version=version, started_by=user
            )
    except IntegrityError:
        # Another tab started one at the same moment: the constraint keeps one draft.
        return Diagnostic.objects.get(company=company, status=DiagnosticStatus.DRAFT)


@transaction.atomic
def diagnostic_save_answers(
    *,
    diagnostic: Diagnostic,
    user: User,
    step: int,
    values: Mapping[int, AnswerValue | None],
    base_revision: int,
    verified_by: User | None = None,
) -> Diagnostic:
    """Save one page of answers (question id -> value; None clears an answer).

    `verified_by`: a consultant entering the answers with the firm (assisted mode,
    diagnostics.assisted); the answers it writes are then verified. A save without it
    is self-reported and clears the verification of every answer it changes. A cleared
    answer is never verified. `Diagnostic.verified_answers` follows.

    A cleared answer keeps its row, with no value and the new revision, so a page
    rendered before the clear cannot bring the old value back unnoticed. Refuses with
    StaleDraft when an answer on this page was changed (or cleared) after the page was
    rendered (`base_revision`) and the page would overwrite it with something else.
    Values must already be validated against their questions (the step form does it).
    """
    locked = Diagnostic.objects.select_for_update().get(pk=diagnostic.pk)
    if locked.status != DiagnosticStatus.DRAFT:
        raise DiagnosticLocked
    existing = {
        answer.question_id: answer
        for answer in Answer.objects.filter(
            diagnostic=locked, question_id__in=list(values)
        ).select_related("question")
    }
    conflicts = [
        answer.question.code
        for qid, answer in existing.items()
        if answer.revision > base_revision and _differs(answer, values[qid])
    ]
    if conflicts:
        raise StaleDraft(sorted(conflicts))

    revision = locked.revision + 1
    now = timezone.now()
    verified_delta = 0
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for question_id, given in values.items():
        answer = existing.get(question_id)
        if given is None and answer is None:
            continue  # never answered: no row, and no revision to guard
        # Clearing keeps the row, without a value, so its revision records the clear.
        value = given if given is not None else AnswerValue()
        verifier = verified_by if given is not None else None
        if answer is None:
            to_create.append(
                Answer(
                    diagnostic=locked,
                    question_id=question_id,
                    option_id=value.option_id,
                    number_value=value.number,
                    revision=revision,
                    answered_by=user,
                    verified_by=verifier,
                    verified_at=now if verifier else None,
                )
            )
            verified_delta += verifier is not None
        elif _differs(answer, value):
            verified_delta += (verifier is not None) - (
                answer.verified_by_id is not None
            )
            answer.option_id = value.option_id
            answer.number_value = value.number
            answer.revision = revision
            answer.answered_by = user
            answer.verified_by = verifier
            answer.verified_at = now if verifier else None
            to_update.append(answer)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(
        to_update,
        [
            "option",
            "number_value",
            "revision",
            "answered_by",
            "verified_by",
            "verified_at",
            "updated_at",
        ],
    )
    locked.revision = revision
    locked.last_step = step
    fields = ["revision", "last_step", "updated_at"]
    if verified_delta:
        locked.verified_answers = max(0, locked.verified_answers + verified_delta)
        fields.append("verified_answers")
    locked.save(update_fields=fields)
    return locked


def _differs(answer: Answer, value: AnswerValue | None) -> bool:
    if value is None:
        value = AnswerValue()  # clearing differs only from an answer with a value
    same_number = (answer.number_value is None and value.number is None) or (
        answer.number_value is not None
        and value.number is not None
        and Decimal(answer.number_value) == value.number
    )
    return answer.option_id != value.option_id or not same_number


def diagnostic_answer_inputs(diagnostic: Diagnostic) -> dict[int, scoring.AnswerInput]:
    return {
        answer.question_id: scoring.AnswerInput(
            option_id=answer.option_id,
            number=Decimal(answer.number_value)
            if answer.number_value is not None
            else None,
        )
        for answer in Answer.objects.given().filter(diagnostic=diagnostic)
    }


@transaction.atomic
def diagnostic_submit(*, diagnostic: Diagnostic, user: User) -> Diagnostic:
    """Score the complete answers and freeze the result; idempotent.

    Raises IncompleteDiagnostic naming the unanswered questions. A second submit of the
    same diagnostic returns it unchanged. Stores the area scores and, through the
    programs app, the recommendations of the moment; queues the PDF report.
    """
    locked = (
        Diagnostic.objects.select_for_update(of=("self",))
        .select_related("version", "company")
        .get(pk=diagnostic.pk)
    )
    if locked.status == DiagnosticStatus.SUBMITTED:
        return locked
    content = questionnaire_content(locked.version)
    figures = company_export_facts(locked.company)
    try:
        result = scoring.score(content.spec, diagnostic_answer_inputs(locked), figures)
    except scoring.MissingAnswers as error:
        raise IncompleteDiagnostic(error.codes) from error
    except scoring.TooManyNotApplicable as error:
        limit = content.spec.max_not_applicable
        raise TooManyNotApplicable(error.codes, limit) from error
    except scoring.InvalidAnswer as error:  # only reachable through data corruption
        raise IncompleteDiagnostic(error.codes) from error

    locked.status = DiagnosticStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked.stage = result.stage
    locked.total_score = result.total_score
    locked.result = result_to_json(result)
    locked.export_facts = dataclasses.asdict(figures)
    locked.save()
    AreaScore.objects.bulk_create(
        AreaScore(diagnostic=locked, area=content.area_by_code[code], score=value)
        for code, value in result.area_scores.items()
    )
    recommendations_store(diagnostic=locked)
    # The PDF report, in the language the firm submitted in: queued after commit.
    report_request(
        diagnostic=locked, language=report_language(translation.get_language())
    )
    return locked


def result_to_json(result: scoring.ScoringResult) -> dict[str, Any]:
    """The scoring result as JSON, Decimals as strings so nothing is rounded twice."""

    def reason(item: scoring.Reason) -> dict[str, Any]:
        return {
            "kind": item.kind,
            "stage": item.stage,
            "fact": item.fact,
            "score": str(item.score) if item.score is not None else None,
            "threshold": str(item.threshold) if item.threshold is not None else None,
        }

    plan = result.next_stage
    return {
        "method": "weighted-areas-v2" if result.track else "weighted-areas-v1",
        "track": result.track,
        "not_applicable": list(result.not_applicable),
        "skipped": list(result.skipped),
        "stage": result.stage,
        "stage_by_score": result.stage_by_score,
        "phase": result.phase,
        "total_score": str(result.total_score),
        "area_scores": {code: str(value) for code, value in result.area_scores.items()},
        "bottleneck_scores": {k: str(v) for k, v in result.bottleneck_scores.items()},
        "facts": sorted(result.facts),
        "capped_by": [reason(item) for item in result.capped_by],
        "reasons": [reason(item) for item in result.reasons],
        "strongest_area": result.strongest_area,
        "weakest_area": result.weakest_area,
        "next_stage": None
        if plan is None
        else {
            "stage": plan.stage,
            "points_needed": str(plan.points_needed),
            "missing_facts": list(plan.missing_facts),
            "helpful_areas": [
                {"area": gain.area, "potential_points": str(gain.potential_points)}
                for gain in plan.helpful_areas
            ],
        },
    }


# --- Question bank import ------------------------------------------------------------------


@transaction.atomic
def questionnaire_import(
    *, data: Mapping[str, Any], publish: bool
) -> QuestionnaireVersion:
    """Create a questionnaire version from its JSON form (see diagnostics/content)."""
    version = QuestionnaireVersion.objects.create(
        number=data["number"],
        title=data["title"],
        notes=data.get("notes", ""),
        entry_fact_code=data.get("entry_fact") or "",
        entry_stage=data.get("entry_stage"),
        max_not_applicable=data.get("max_not_applicable", 0),
    )
    facts = {
        item["code"]: Fact.objects.create(
            version=version,
            code=item["code"],
            label_ko=item["label_ko"],
            label_en=item["label_en"],
            source=item.get("source", FactSource.ANSWER),
            conditions=item.get("conditions", []),
            implies=item.get("implies", []),
        )
        for item in data["facts"]
    }
    areas = {
        item["code"]: Area.objects.create(version=version, **item)
        for item in data["areas"]
    }
    for item in data["questions"]:
        fields = {
            k: v for k, v in item.items() if k not in {"options", "area", "tracks"}
        }
        question = Question.objects.create(
            version=version,
            area=areas[item["area"]],
            tracks=_tracks_choice(item.get("tracks")),
            **fields,
        )
        Option.objects.bulk_create(
            Option(
                question=question,
                order=order,
                label_ko=option["label_ko"],
                label_en=option["label_en"],
                points=Decimal(option["points"]),
                sets_fact=facts[option["fact"]] if option.get("fact") else None,
                band_min=option.get("band_min"),
                band_max=option.get("band_max"),
                not_applicable=option.get("not_applicable", False),
            )
            for order, option in enumerate(item["options"], start=1)
        )
    for item in data["stages"]:
        fields = {k: v for k, v in item.items() if k != "required_facts"}
        rule = StageRule.objects.create(version=version, **fields)
        rule.required_facts.set([facts[code] for code in item["required_facts"]])
    if publish:
        questionnaire_publish(version=version)
    return version


def _tracks_choice(tracks: list[str] | None) -> str:
    """The file lists the tracks a question is asked on; the model names the choice."""
    if not tracks or set(tracks) == scoring.TRACKS:
        return QuestionTracks.BOTH
    (track,) = tracks
    return QuestionTracks(track)


PERSONAS_FILE = Path(__file__).resolve().parent / "content" / "personas.json"


def calibration_personas() -> list[calibration.Persona]:
    """The calibration set kept in the repository (diagnostics/content/personas.json)."""
    return calibration.personas_from_json(json.loads(PERSONAS_FILE.read_text()))


class PublishRefused(DiagnosticError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@transaction.atomic
def questionnaire_publish(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Validate a draft and make it the published version; the previous one retires."""
    if version.status != VersionStatus.DRAFT:
        raise PublishRefused(["Only a draft can be published."])
    spec = questionnaire_content(version).spec
    problems = scoring.validate_questionnaire(spec)
    if not problems and spec.has_tracks:
        # The personas are written for the tracked method (version 2 on): a version
        # whose rules place one outside its range would mislead the firms like it.
        problems = calibration.misplacement_problems(
            calibration.misplaced(spec, calibration_personas())
        )
    if problems:
        raise PublishRefused(problems)
    QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED
    )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at", "updated_at"])
    return version


@transaction.atomic
def questionnaire_copy_to_draft(
    *, version: QuestionnaireVersion
) -> QuestionnaireVersion:
    """Copy a version, with its facts, areas, questions, options and stage rules."""
    last = QuestionnaireVersion.objects.order_by("-number").values_list(
        "number", flat=True
    )
    copy = QuestionnaireVersion.objects.create(
        number=(last.first() or 0) + 1,
        title=version.title,
        notes=f"Copied from v{version.number}",
        entry_fact_code=version.entry_fact_code,
        entry_stage=version.entry_stage,
        max_not_applicable=version.max_not_applicable,
    )
    facts = {}
    for fact in Fact.objects.filter(version=version):
        old_pk = fact.pk
        fact.pk = None
        fact.version = copy
        fact.save()
        facts[old_pk] = fact
    areas = {}
    for area in Area.objects.filter(version=version):
        old_pk = area.pk
        area.pk = None
        area.version = copy
        area.save()
        areas[old_pk] = area
    for question in Question.objects.filter(version=version).prefetch_related(
        "options"
    ):
        options = list(question.options.all())
        question.pk = None
        question.version = copy
        question.area = areas[question.area_id]
        question.save()
        for option in options:
            option.pk = None
            option.question = question
            option.sets_fact = (
                facts.get(option.sets_fact_id) if option.sets_fact_id else None
            )
        Option.objects.bulk_create(options)
    for rule in StageRule.objects.filter(version=version).prefetch_related(
        "required_facts"
    ):
        required = [facts[f.pk] for f in rule.required_facts.all()]
        rule.pk = None
        rule.version = copy
        rule.save()
        rule.required_facts.set(required)
    return copy
