"""Read side of the question bank: a version's content loaded once into plain objects.

A published version never changes, so its content is cached in process memory; the
wizard and result pages then cost no question-bank queries at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from threading import Lock

from diagnostics import scoring
from diagnostics.models import (
    Area,
    Fact,
    FactSource,
    Option,
    Question,
    QuestionnaireVersion,
    QuestionTracks,
    StageRule,
    VersionStatus,
)


@dataclass(frozen=True)
class AreaContent:
    area: Area
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuestionnaireContent:
    version: QuestionnaireVersion
    areas: tuple[AreaContent, ...]
    stage_rules: tuple[StageRule, ...]
    facts: dict[str, Fact]
    # question id -> its options, in order
    options: dict[int, tuple[Option, ...]]
    required_facts: dict[int, frozenset[str]]

    @property
    def step_count(self) -> int:
        return len(self.areas)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for area in self.areas for q in area.questions)

    @cached_property
    def question_by_id(self) -> dict[int, Question]:
        return {q.pk: q for q in self.questions}

    @cached_property
    def area_by_code(self) -> dict[str, Area]:
        return {content.area.code: content.area for content in self.areas}

    @cached_property
    def option_by_id(self) -> dict[int, Option]:
        return {o.pk: o for options in self.options.values() for o in options}

    def track_for(self, figures: scoring.ExportFacts | None) -> str | None:
        """The track a firm with these export figures is on (None: no tracks)."""
        return scoring.track_for(self.spec, figures)

    @cached_property
    def _asked_ids(self) -> dict[str | None, frozenset[int]]:
        # Worked out once per content: the wizard and review ask it for every area.
        return {
            track: frozenset(
                q.id for q in scoring.questions_for_track(self.spec, track)
            )
            for track in (None, scoring.DOMESTIC, scoring.EXPORTER)
        }

    def asked(self, track: str | None) -> tuple[Question, ...]:
        """The questions a firm on `track` answers, in order."""
        ids = self._asked_ids[track]
        return tuple(q for q in self.questions if q.pk in ids)

    def asked_in(self, area: AreaContent, track: str | None) -> tuple[Question, ...]:
        ids = self._asked_ids[track]
        return tuple(q for q in area.questions if q.pk in ids)

    def step_of(self, question: Question) -> int:
        for index, content in enumerate(self.areas, start=1):
            if content.area.pk == question.area_id:
                return index
        raise KeyError(question.pk)

    def stage_rule(self, stage: int) -> StageRule:
        return self.stage_rules[stage - 1]

    @cached_property
    def spec(self) -> scoring.Questionnaire:
        return scoring.Questionnaire(
            areas=tuple(content.area.code for content in self.areas),
            questions=tuple(self._question_spec(q) for q in self.questions),
            stages=tuple(
                scoring.StageSpec(
                    stage=rule.stage,
                    phase=rule.phase,
                    min_score=Decimal(rule.min_score),
                    required_facts=self.required_facts[rule.pk],
                )
                for rule in self.stage_rules
            ),
            profile_facts=tuple(
                scoring.ProfileFact(
                    code=fact.code,
                    conditions=tuple(
                        scoring.FactCondition(item["field"], Decimal(item["min"]))
                        for item in fact.conditions
                    ),
                )
                for fact in self.facts.values()
                if fact.source == FactSource.PROFILE
            ),
            implications={
                fact.code: frozenset(fact.implies)
                for fact in self.facts.values()
                if fact.implies
            },
            entry_fact=self.version.entry_fact_code or None,
            entry_stage=self.version.entry_stage,
            max_not_applicable=self.version.max_not_applicable,
        )

    def _question_spec(self, question: Question) -> scoring.QuestionSpec:
        fact_codes = {fact.pk: code for code, fact in self.facts.items()}
        return scoring.QuestionSpec(
            id=question.pk,
            code=question.code,
            area=self.areas[self.step_of(question) - 1].area.code,
            kind=scoring.QuestionKind(question.kind),
            weight=Decimal(question.weight),
            bottleneck=question.bottleneck,
            number_min=question.number_min,
            number_max=question.number_max,
            options=tuple(
                scoring.OptionSpec(
                    id=option.pk,
                    points=Decimal(option.points),
                    fact=fact_codes.get(option.sets_fact_id)
                    if option.sets_fact_id
                    else None,
                    band_min=option.band_min,
                    band_max=option.band_max,
                    not_applicable=option.not_applicable,
                )
                for option in self.options[question.pk]
            ),
            tracks=_TRACKS[question.tracks],
        )


# Keyed by the stored value (a str), which each QuestionTracks member equals.
_TRACKS: dict[str, frozenset[str]] = {
    QuestionTracks.BOTH: scoring.TRACKS,
    QuestionTracks.DOMESTIC: frozenset({scoring.DOMESTIC}),
    QuestionTracks.EXPORTER: frozenset({scoring.EXPORTER}),
}

_cache: dict[int, QuestionnaireContent] = {}
_cache_lock = Lock()
_CACHE_LIMIT = 16


def questionnaire_content(version: QuestionnaireVersion) -> QuestionnaireContent:
    """The content of `version`, from memory when the version is published or retired."""
    if version.status == VersionStatus.DRAFT:
        return _load(version)
    cached = _cache.get(version.pk)
    if cached is None:
        cached = _load(version)
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[version.pk] = cached
    return cached


def questionnaire_content_by_id(version_id: int) -> QuestionnaireContent:
    """As questionnaire_content, without a query when the version is in memory."""
    cached = _cache.get(version_id)
    if cached is not None:
        return cached
    return questionnaire_content(QuestionnaireVersion.objects.get(pk=version_id))


def questionnaire_cache_clear(**kwargs: object) -> None:
    """Forget every cached version: after a flush, primary keys can be reused."""
    with _cache_lock:
        _cache.clear()


def _load(version: QuestionnaireVersion) -> QuestionnaireContent:
    areas = list(Area.objects.filter(version=version).order_by("order"))
    questions = list(Question.objects.filter(version=version).order_by("order"))
    options = list(
        Option.objects.filter(question__version=version).order_by(
            "question_id", "order"
        )
    )
    facts = {fact.code: fact for fact in Fact.objects.filter(version=version)}
    rules = list(
        StageRule.objects.filter(version=version)
        .order_by("stage")
        .prefetch_related("required_facts")
    )
    options_by_question: dict[int, list[Option]] = {q.pk: [] for q in questions}
    for option in options:
        options_by_question[option.question_id].append(option)
    return QuestionnaireContent(
        version=version,
        areas=tuple(
            AreaContent(area, tuple(q for q in questions if q.area_id == area.pk))
            for area in areas
        ),
        stage_rules=tuple(rules),
        facts=facts,
        options={qid: tuple(opts) for qid, opts in options_by_question.items()},
        required_facts={
            rule.pk: frozenset(f.code for f in rule.required_facts.all())
            for rule in rules
        },
    )


def published_version() -> QuestionnaireVersion | None:
    return QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).first()
