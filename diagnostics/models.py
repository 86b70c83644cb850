"""The versioned question bank, the firms' diagnostics, their answers and results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Company, TimeStampedModel


class BilingualMixin:
    """Pick the Korean or English variant of a `<field>_ko` / `<field>_en` pair."""

    def localized(self, field: str) -> str:
        english = getattr(self, f"{field}_en", "")
        if get_language() == "en" and english:
            return english
        return getattr(self, f"{field}_ko")


class PublishedVersionLocked(Exception):
    """Content of a published or retired questionnaire version cannot change."""

    def __init__(self, version_id: int, status: str) -> None:
        super().__init__(
            f"Questionnaire version {version_id} is {status}; copy it to a draft."
        )


def _refuse_locked(rows: QuerySet[Any], version_path: str) -> None:
    """Raise if any of `rows` belongs to a version past its draft.

    `version_path` leads from a row to its version ("" for versions themselves).
    """
    prefix = f"{version_path}__" if version_path else ""
    found = (
        rows.exclude(**{f"{prefix}status": VersionStatus.DRAFT})
        .values_list(version_path or "pk", f"{prefix}status")
        .first()
    )
    if found is not None:
        raise PublishedVersionLocked(*found)


class QuestionnaireVersionQuerySet(models.QuerySet["QuestionnaireVersion"]):
    """update() and delete() refuse versions that are no longer drafts.

    Bulk writes skip Model.save() and delete(); these keep them from changing what past
    results were scored against.
    """

    def update(self, **kwargs: Any) -> int:
        # Retiring the published version (questionnaire_publish) is the one change a
        # locked version takes.
        if kwargs != {"status": VersionStatus.RETIRED}:
            _refuse_locked(self, "")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_locked(self, "")
        return super().delete()


class VersionContentQuerySet(models.QuerySet[Any]):
    """update(), delete() and bulk_create() refuse rows of a version past its draft.

    They write SQL without calling the rows' save() or delete(), which
    VersionContentMixin guards. An update or bulk_create that puts rows under a
    published question or version is refused too.
    """

    # From a row to its version; its first part is the parent a row hangs from.
    version_path = "version"

    def update(self, **kwargs: Any) -> int:
        _refuse_locked(self, self.version_path)
        parent = self.version_path.partition("__")[0]
        target = kwargs.get(parent, kwargs.get(f"{parent}_id"))
        if isinstance(target, models.Model):
            target = target.pk
        if isinstance(target, int):  # an expression (bulk_update's Case) is not checked
            self._refuse_locked_parents({target})
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_locked(self, self.version_path)
        return super().delete()

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        parent = self.model._meta.get_field(self.version_path.partition("__")[0])
        self._refuse_locked_parents({getattr(obj, parent.attname) for obj in objs})
        return super().bulk_create(objs, *args, **kwargs)

    def _refuse_locked_parents(self, parent_ids: set[int]) -> None:
        """Refuse when any of these parents (versions, or questions) is locked."""
        parent, _, path_from_parent = self.version_path.partition("__")
        model = self.model._meta.get_field(parent).related_model
        rows = model._default_manager.filter(pk__in=parent_ids)
        _refuse_locked(rows, path_from_parent)


class OptionQuerySet(VersionContentQuerySet):
    version_path = "question__version"


class VersionContentMixin:
    """Refuses writes to the content of a version that is no longer a draft.

    Past results keep pointing at their version's rows; this keeps those rows as they
    were scored, whatever path (admin, shell, code) tries to change them. Bulk writes
    go through VersionContentQuerySet, which refuses the same rows.
    """

    # super() is the model this is mixed into, which mypy does not see: the calls to it
    # carry `type: ignore[misc]`.

    def _owning_version_id(self) -> int | None:
        # Fact, Area, Question and StageRule have a `version` foreign key; Option has
        # none and overrides this method.
        return self.version_id  # type: ignore[attr-defined]

    def _check_editable(self) -> None:
        version_id = self._owning_version_id()
        if version_id is None:
            return
        status = (
            QuestionnaireVersion.objects.filter(pk=version_id)
            .values_list("status", flat=True)
            .first()
        )
        if status not in (None, VersionStatus.DRAFT):
            raise PublishedVersionLocked(version_id, status)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_editable()
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_editable()
        return super().delete(*args, **kwargs)  # type: ignore[misc]


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Bottleneck(models.TextChoices):
    """The four bottleneck types to exports named in the source articles."""

    TECHNOLOGY = "technology", _("Technology")
    FUNDS = "funds", _("Funds")
    MANPOWER = "manpower", _("Manpower")
    SALES_ROUTES = "sales_routes", _("Sales routes")
    NONE = "none", _("None")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    YES_NO = "yes_no", _("Yes / no")
    SCALE = "scale", _("Scale 1–5")
    NUMBER = "number", _("Number")


class Phase(models.TextChoices):
    PREPARATION = "preparation", _("Preparation")
    USE = "use", _("Use")
    DEEPENING = "deepening", _("Deepening")


class QuestionnaireVersion(TimeStampedModel):
    """A complete question bank with its stage rules; immutable once published."""

    number = models.PositiveIntegerField(_("version number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Tracks (version 2 on): firms holding the entry fact, a fact of their export
    # figures, are exporters and never below the entry stage; the others never reach it.
    entry_fact_code = models.SlugField(
        _("entry fact (code)"), max_length=50, blank=True
    )
    entry_stage = models.PositiveSmallIntegerField(
        _("entry stage"), null=True, blank=True
    )
    max_not_applicable = models.PositiveSmallIntegerField(
        _("most questions a firm may mark not applicable"), default=0
    )

    objects = QuestionnaireVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["-number"]
        constraints = [
            # New diagnostics start on the one published version.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="questionnaire_one_published_version",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class FactSource(models.TextChoices):
    ANSWER = "answer", _("An answer")
    PROFILE = "profile", _("The company's export figures")


class Fact(VersionContentMixin, BilingualMixin, models.Model):
    """A gating fact: set by an answer ("has an export plan"), or by the company's
    export figures ("exported US$1M or more last year")."""

    version = models.ForeignKey(
        QuestionnaireVersion, related_name="facts", on_delete=models.CASCADE
    )
    code = models.SlugField(_("code"), max_length=50)
    label_ko = models.CharField(_("label (Korean)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    source = models.CharField(
        _("comes from"),
        max_length=10,
        choices=FactSource.choices,
        default=FactSource.ANSWER,
    )
    # For profile facts: [{"field": "exports_last_year_usd", "min": "1"}, ...], all
    # of which must hold. Fields: scoring.EXPORT_FACT_FIELDS.
    conditions = models.JSONField(_("conditions on the export figures"), default=list)
    # Codes of the facts this one implies (has exported -> intends to export).
    implies = models.JSONField(_("implies the facts"), default=list, blank=True)

    objects = VersionContentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gating fact")
        verbose_name_plural = _("gating facts")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="fact_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Area(VersionContentMixin, BilingualMixin, models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, related_name="areas", on_delete=models.CASCADE
    )
    code = models.SlugField(_("code"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"))
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    objects = VersionContentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="area_unique_code"
            ),
            models.UniqueConstraint(
                fields=["version", "order"], name="area_unique_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name_ko}"


class QuestionTracks(models.TextChoices):
    BOTH = "both", _("Every firm")
    DOMESTIC = "domestic", _("Firms that have not exported")
    EXPORTER = "exporter", _("Exporting firms")


class Question(VersionContentMixin, BilingualMixin, models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, related_name="questions", on_delete=models.CASCADE
    )
    area = models.ForeignKey(Area, related_name="questions", on_delete=models.CASCADE)
    code = models.SlugField(_("code"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"))
    text_ko = models.TextField(_("text (Korean)"))
    text_en = models.TextField(_("text (English)"))
    help_ko = models.TextField(_("help (Korean)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    bottleneck = models.CharField(
        _("bottleneck revealed"),
        max_length=20,
        choices=Bottleneck.choices,
        default=Bottleneck.NONE,
    )
    # Bounds of the accepted value, for number questions only.
    number_min = models.DecimalField(
        _("minimum value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    number_max = models.DecimalField(
        _("maximum value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit_ko = models.CharField(_("unit (Korean)"), max_length=30, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=30, blank=True)
    tracks = models.CharField(
        _("asked of"), max_length=10, choices=QuestionTracks.choices, default="both"
    )
    # Why a question reveals no bottleneck, where it reveals none.
    bottleneck_note_ko = models.TextField(_("bottleneck note (Korean)"), blank=True)
    bottleneck_note_en = models.TextField(_("bottleneck note (English)"), blank=True)

    objects = VersionContentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="question_unique_code"
            ),
            models.UniqueConstraint(
                fields=["version", "order"], name="question_unique_order"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="question_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_ko[:60]}"


class Option(VersionContentMixin, BilingualMixin, models.Model):
    """An answer choice; for a number question, the band of values it covers."""

    question = models.ForeignKey(
        Question, related_name="options", on_delete=models.CASCADE
    )
    order = models.PositiveSmallIntegerField(_("order"))
    label_ko = models.CharField(_("label (Korean)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    sets_fact = models.ForeignKey(
        Fact,
        verbose_name=_("sets gating fact"),
        related_name="options",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # Inclusive lower and exclusive upper bound of a number band (None: open-ended).
    band_min = models.DecimalField(
        _("band from"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    band_max = models.DecimalField(
        _("band up to (exclusive)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # "Not applicable to our kind of business": left out of the score's denominator.
    not_applicable = models.BooleanField(_("not applicable"), default=False)

    objects = OptionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "order"], name="option_unique_order"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0), name="option_points_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.label_ko

    def _owning_version_id(self) -> int | None:
        if self.question_id is None:
            return None
        return (
            Question.objects.filter(pk=self.question_id)
            .values_list("version_id", flat=True)
            .first()
        )


class StageRule(VersionContentMixin, BilingualMixin, models.Model):
    """What a firm needs to reach one stage: a total score and gating facts.

    Stages are cumulative: a firm at stage N meets the rules of every stage up to N.
    """

    version = models.ForeignKey(
        QuestionnaireVersion, related_name="stage_rules", on_delete=models.CASCADE
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_ko = models.TextField(_("description (Korean)"))
    description_en = models.TextField(_("description (English)"))
    min_score = models.DecimalField(
        _("minimum total score"), max_digits=5, decimal_places=2
    )
    required_facts = models.ManyToManyField(
        Fact,
        verbose_name=_("required gating facts"),
        related_name="stage_rules",
        blank=True,
    )
    rationale_ko = models.TextField(_("rationale (Korean)"), blank=True)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)

    objects = VersionContentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage rule")
        verbose_name_plural = _("stage rules")
        ordering = ["version", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "stage"], name="stage_rule_unique_stage"
            ),
            models.CheckConstraint(
                condition=Q(stage__gte=1, stage__lte=9), name="stage_rule_stage_1_to_9"
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0, min_score__lte=100),
                name="stage_rule_score_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage}. {self.name_ko}"


class DiagnosticStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class ReviewStatus(models.TextChoices):
    """Where a submitted diagnostic stands in the consultants' queue."""

    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("In review")
    REVIEWED = "reviewed", _("Reviewed")


class Diagnostic(TimeStampedModel):
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        related_name="diagnostics",
        on_delete=models.PROTECT,
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire version"),
        related_name="diagnostics",
        on_delete=models.PROTECT,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DiagnosticStatus.choices,
        default=DiagnosticStatus.DRAFT,
    )
    # Bumped on every save of answers; a form carrying an older revision is stale.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    last_step = models.PositiveSmallIntegerField(_("last step"), default=1)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # The scoring result, frozen at submission.
    stage = models.PositiveSmallIntegerField(_("stage"), null=True, blank=True)
    total_score = models.DecimalField(
        _("total score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    # The company's export figures as they were at submission (scoring.ExportFacts):
    # the profile may change later, the result must not.
    export_facts = models.JSONField(
        _("export figures at submission"), null=True, blank=True, editable=False
    )
    # The consultants' review. `stage` and `result` stay what the method computed; a
    # consultant's override sits beside them, and its history is in ReviewEvent.
    review_status = models.CharField(
        _("review status"),
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.NEW,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        related_name="assigned_diagnostics",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    stage_override = models.PositiveSmallIntegerField(
        _("stage set by a consultant"), null=True, blank=True
    )
    # When a consultant first marked it reviewed: the agency's time-to-review figure.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # How many of the answers a consultant verified (assisted mode), kept on the row so
    # that the queue can show it without counting answers.
    verified_answers = models.PositiveSmallIntegerField(
        _("answers verified by a consultant"), default=0
    )

    class Meta:
        verbose_name = _("diagnostic")
        verbose_name_plural = _("diagnostics")
        ordering = ["-created_at"]
        permissions = [
            # Lead consultants and staff; a consultant sees their own region only.
            ("view_all_regions", _("Can view the diagnostics of every region")),
            # Consultants and lead consultants: set the stage a firm is shown.
            ("override_stage", _("Can override the stage of a diagnostic")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status="draft"),
                name="diagnostic_one_draft_per_company",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(stage__isnull=False, submitted_at__isnull=False),
                name="diagnostic_submitted_has_result",
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "status", "-submitted_at"],
                name="diag_company_status",
            ),
            models.Index(fields=["status", "stage"], name="diag_status_stage"),
            # The agency list: submitted diagnostics, newest first.
            models.Index(
                fields=["status", "-submitted_at"], name="diag_status_submitted"
            ),
            # The agency cache's fingerprint: the latest change (agency_cache).
            models.Index(fields=["updated_at"], name="diag_updated"),
            # The queue sorted by stage (the effective one, as the queue computes it).
            models.Index(
                Coalesce("stage_override", "stage"),
                "submitted_at",
                "id",
                name="diag_queue_stage",
                condition=Q(status="submitted"),
            ),
            # The queue's counts per review status.
            models.Index(fields=["status", "review_status"], name="diag_status_review"),
            # The queue of a consultant's regions: counts per review status read from
            # the index alone, joined to the firms of the regions (migration 0011).
            models.Index(
                fields=["status", "company", "review_status"],
                name="diag_queue_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} #{self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        if self.is_submitted:
            return reverse("diagnostics:result", args=[self.pk])
        return reverse("diagnostics:step", args=[self.pk, self.last_step])

    @property
    def is_submitted(self) -> bool:
        return self.status == DiagnosticStatus.SUBMITTED

    @property
    def effective_stage(self) -> int | None:
        """The stage everyone is shown: a consultant's override, else the computed one."""
        if self.stage_override is not None:
            return self.stage_override
        return self.stage


# An answer with a value. A cleared answer keeps its row, with both values null, so
# its revision still tells a stale page that it changed; it counts as unanswered.
ANSWER_GIVEN = Q(option__isnull=False) | Q(number_value__isnull=False)


class AnswerQuerySet(models.QuerySet["Answer"]):
    def given(self) -> AnswerQuerySet:
        """The answers that hold a value: what every reader counts as answered."""
        return self.filter(ANSWER_GIVEN)


class Answer(TimeStampedModel):
    diagnostic = models.ForeignKey(
        Diagnostic, related_name="answers", on_delete=models.CASCADE
    )
    question = models.ForeignKey(
        Question, related_name="answers", on_delete=models.PROTECT
    )
    option = models.ForeignKey(
        Option, related_name="answers", on_delete=models.PROTECT, null=True, blank=True
    )
    number_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The draft revision that wrote this answer, to detect saves from a stale page.
    revision = models.PositiveIntegerField(default=0)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True
    )
    # Assisted mode: a consultant entered or confirmed this answer with the firm.
    # Null means self-reported.
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "question"], name="answer_one_per_question"
            ),
            # Both null is a cleared answer (see ANSWER_GIVEN); both set is never valid.
            models.CheckConstraint(
                condition=Q(option__isnull=True) | Q(number_value__isnull=True),
                name="answer_one_value_at_most",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}/{self.question_id}"

    @property
    def is_cleared(self) -> bool:
        return self.option_id is None and self.number_value is None


class AreaScore(models.Model):
    """One area's score in a submitted diagnostic, kept as rows for statistics."""

    diagnostic = models.ForeignKey(
        Diagnostic, related_name="area_scores", on_delete=models.CASCADE
    )
    area = models.ForeignKey(Area, related_name="+", on_delete=models.PROTECT)
    score = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "area"], name="area_score_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}/{self.area_id}: {self.score}"


# --- The consultants' workspace -------------------------------------------------------------


class ConsultantNote(models.Model):
    """A consultant's note on a diagnostic: a thread, oldest first, never edited."""

    diagnostic = models.ForeignKey(
        Diagnostic, related_name="notes", on_delete=models.CASCADE
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    body = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultant note")
        verbose_name_plural = _("consultant notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}: {self.body[:40]}"


class ReviewEventKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assignment changed")
    STATUS = "status", _("Review status changed")
    OVERRIDE = "override", _("Stage overridden")
    OVERRIDE_CLEARED = "override_cleared", _("Stage override withdrawn")
    REQUEST = "request", _("Consultant request updated")


class ReviewEvent(models.Model):
    """The audit trail of the review: who changed what on a diagnostic, and when.

    Rows are only ever added. `old_value` and `new_value` hold the changed value as
    text (a status code, a stage number, a user's e-mail).
    """

    diagnostic = models.ForeignKey(
        Diagnostic, related_name="review_events", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    kind = models.CharField(_("change"), max_length=20, choices=ReviewEventKind.choices)
    old_value = models.CharField(_("from"), max_length=254, blank=True)
    new_value = models.CharField(_("to"), max_length=254, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["diagnostic", "kind", "-created_at"], name="review_event_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}: {self.kind} {self.old_value} -> {self.new_value}"


class ConsultantRequestKind(models.TextChoices):
    CALL = "call", _("A phone call")
    VISIT = "visit", _("A visit")


class ConsultantRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a consultant")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ConsultantRequest(TimeStampedModel):
    """A firm asks, from its result page, for a consultant's call or visit."""

    diagnostic = models.ForeignKey(
        Diagnostic, related_name="consultant_requests", on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    kind = models.CharField(
        _("what the firm asks for"),
        max_length=10,
        choices=ConsultantRequestKind.choices,
        default=ConsultantRequestKind.CALL,
    )
    preferred_time = models.CharField(_("preferred time"), max_length=200)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConsultantRequestStatus.choices,
        default=ConsultantRequestStatus.OPEN,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("consultant request")
        verbose_name_plural = _("consultant requests")
        ordering = ["-created_at"]
        constraints = [
            # One open request per diagnostic: asking twice does not queue twice.
            models.UniqueConstraint(
                fields=["diagnostic"],
                condition=Q(status__in=["open", "scheduled"]),
                name="consultant_request_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}: {self.kind} ({self.status})"


# --- PDF reports ----------------------------------------------------------------------------


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Report(TimeStampedModel):
    """The PDF of one diagnostic in one language, for one version of its content.

    `content_version` is a hash of everything that shapes the PDF (the frozen result,
    the recommendations, the company's name, consultant notes and overrides, the
    layout's version): a change to any of them calls for a new row, and a row that is
    ready is never rendered again. The file lives in the "reports" storage and is only
    ever sent through a view that checks access.
    """

    diagnostic = models.ForeignKey(
        Diagnostic,
        verbose_name=_("diagnostic"),
        related_name="reports",
        on_delete=models.CASCADE,
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    content_version = models.CharField(_("content version"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.QUEUED,
    )
    # A name in the "reports" storage, not a FileField: no URL is ever derived from it.
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(
        _("render time (ms)"), null=True, blank=True
    )
    # Renders started: a claim counts one, whether or not the render finished.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    # When the last message for it went to the queue, for the sweep.
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("render started at"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "language", "content_version"],
                name="report_unique_content",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file_name=""),
                name="report_ready_has_file",
            ),
        ]
        indexes = [
            # The sweep: reports still queued or rendering, oldest first.
            models.Index(fields=["status", "queued_at"], name="report_status_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}/{self.language} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY

    @property
    def in_progress(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)
