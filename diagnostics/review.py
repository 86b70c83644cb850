"""The consultants' review of a submitted diagnostic: assignment, review status, stage
override and notes; and the reads of the consultant's detail page.

Every change is written with its ReviewEvent (who, when, from what, to what, why); a
call that changes nothing writes nothing. An override never touches `Diagnostic.stage`
or `.result`, which stay what the method computed: it sits beside them in
`stage_override`, and its history is the audit trail. Who may call which service is the
views' business (accounts.access, diagnostics.access); an assignee is checked here,
because the assignee is not the one asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from diagnostics.access import diagnostics_in_scope
from diagnostics.models import (
    Answer,
    ConsultantNote,
    Diagnostic,
    ReviewEvent,
    ReviewEventKind,
    ReviewStatus,
)
from diagnostics.presenters import answer_label
from diagnostics.questionnaire import QuestionnaireContent
from diagnostics.reports import report_override, reports_refresh
from diagnostics.selectors import AnswerRow

STAGES = range(1, 10)
NOTE_MAX_LENGTH = 4000
OVERRIDE_REASON_MAX_LENGTH = 1000
VIEW_PERMISSION = "diagnostics.view_diagnostic"
OVERRIDE_PERMISSION = "diagnostics.override_stage"
# The company's earlier diagnostics the detail page lists (years of re-takes).
EARLIER_LIMIT = 50


# --- Who may be assigned --------------------------------------------------------------


def can_review(user: User, diagnostic: Diagnostic) -> bool:
    """Whether `user` is an agency user who can open this diagnostic's detail page."""
    return (
        user.is_active
        and user.has_perm(VIEW_PERMISSION)
        and diagnostics_in_scope(user).filter(pk=diagnostic.pk).exists()
    )


def _holds(permission: str) -> Exists:
    """The outer user holds `permission`, through a group or directly."""
    app_label, codename = permission.split(".")
    return Exists(
        Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).filter(Q(group__user=OuterRef("pk")) | Q(user=OuterRef("pk")))
    )


def assignable_users(diagnostic: Diagnostic) -> list[User]:
    """The agency users who can see this diagnostic, by e-mail; in one query.

    The same rule as `can_review`, for a list: active, in no firm, holding the view
    permission, and either every region or the firm's region among theirs. Regions are
    filtered here rather than in SQL: JSON containment is not portable, and agency
    users are a few dozen.
    """
    candidates = (
        User.objects.filter(is_active=True, company__isnull=True)
        .filter(Q(is_superuser=True) | _holds(VIEW_PERMISSION))
        .annotate(
            all_regions=Q(is_superuser=True) | _holds("diagnostics.view_all_regions")
        )
        .order_by("email")
    )
    region = diagnostic.company.region
    return [
        user
        for user in candidates
        if getattr(user, "all_regions", False) or region in (user.regions or [])
    ]


# --- Writes ---------------------------------------------------------------------------


def _locked(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic's row, locked until the transaction ends (PostgreSQL)."""
    return (
        Diagnostic.objects.select_for_update(of=("self",))
        .select_related("company", "version", "assigned_to")
        .get(pk=diagnostic.pk)
    )


def _event(
    *,
    diagnostic: Diagnostic,
    actor: User,
    kind: ReviewEventKind,
    old: str,
    new: str,
    reason: str = "",
) -> ReviewEvent:
    event = ReviewEvent(
        diagnostic=diagnostic,
        actor=actor,
        kind=kind,
        old_value=old,
        new_value=new,
        reason=reason,
    )
    event.full_clean()
    event.save()
    return event


def _stage_text(stage: int | None) -> str:
    return "" if stage is None else str(stage)


@transaction.atomic
def diagnostic_assign(
    *, diagnostic: Diagnostic, assignee: User | None, actor: User
) -> Diagnostic:
    """Assign the diagnostic to `assignee`, or to no one with None.

    The assignee must be an agency user who can see this diagnostic, else
    ValidationError. Assigning a NEW diagnostic puts it IN_REVIEW, recorded as a
    status event of its own beside the assignment's.
    """
    if assignee is not None and not can_review(assignee, diagnostic):
        raise ValidationError(
            _(
                "%(email)s cannot open this firm's diagnostic, so cannot be assigned it."
            ),
            code="assignee_out_of_scope",
            params={"email": assignee.email},
        )
    row = _locked(diagnostic)
    new_id = assignee.pk if assignee is not None else None
    if row.assigned_to_id == new_id:
        return row
    old_email = row.assigned_to.email if row.assigned_to is not None else ""
    row.assigned_to = assignee
    fields = ["assigned_to", "updated_at"]
    _event(
        diagnostic=row,
        actor=actor,
        kind=ReviewEventKind.ASSIGNED,
        old=old_email,
        new=assignee.email if assignee is not None else "",
    )
    if assignee is not None and row.review_status == ReviewStatus.NEW:
        row.review_status = ReviewStatus.IN_REVIEW
        fields.append("review_status")
        _event(
            diagnostic=row,
            actor=actor,
            kind=ReviewEventKind.STATUS,
            old=ReviewStatus.NEW,
            new=ReviewStatus.IN_REVIEW,
        )
    row.save(update_fields=fields)
    diagnostic.assigned_to = row.assigned_to
    diagnostic.review_status = row.review_status
    return row


@transaction.atomic
def diagnostic_set_review_status(
    *, diagnostic: Diagnostic, status: str, actor: User
) -> Diagnostic:
    """Set the review status (new, in review, reviewed); ValidationError if unknown."""
    if status not in ReviewStatus.values:
        raise ValidationError(
            _("Choose one of the review statuses."), code="invalid_status"
        )
    row = _locked(diagnostic)
    if row.review_status == status:
        return row
    _event(
        diagnostic=row,
        actor=actor,
        kind=ReviewEventKind.STATUS,
        old=row.review_status,
        new=status,
    )
    row.review_status = status
    fields = ["review_status", "updated_at"]
    # The first review counts for the agency's time-to-review figure; a later
    # re-opening and closing does not restart it.
    if status == ReviewStatus.REVIEWED and row.reviewed_at is None:
        row.reviewed_at = timezone.now()
        diagnostic.reviewed_at = row.reviewed_at
        fields.append("reviewed_at")
    row.save(update_fields=fields)
    diagnostic.review_status = status
    return row


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Give the reason for the stage: the firm reads it."),
            code="reason_required",
        )
    if len(reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason to %(limit)d characters or fewer."),
            code="reason_too_long",
            params={"limit": OVERRIDE_REASON_MAX_LENGTH},
        )
    return reason


@transaction.atomic
def diagnostic_override_stage(
    *, diagnostic: Diagnostic, stage: int | None, reason: str, actor: User
) -> Diagnostic:
    """Set the stage the firm is shown (1..9), or withdraw the override with None.

    The reason is required and kept in the audit event; the firm sees it beside the
    stage. The computed stage and result are never touched. Overriding to the computed
    stage is refused (withdraw instead). The diagnostic's reports, in every language it
    has one in, are requested anew for the new content; their jobs go out on commit.
    """
    reason = _clean_reason(reason)
    if stage is not None and stage not in STAGES:
        raise ValidationError(_("Choose a stage from 1 to 9."), code="invalid_stage")
    row = _locked(diagnostic)
    if row.stage_override == stage:
        return row
    if stage is not None and stage == row.stage:
        raise ValidationError(
            _(
                "Stage %(stage)d is the computed stage: choose “use the computed "
                "stage” to withdraw the override."
            ),
            code="override_is_computed",
            params={"stage": stage},
        )
    _event(
        diagnostic=row,
        actor=actor,
        kind=(
            ReviewEventKind.OVERRIDE
            if stage is not None
            else ReviewEventKind.OVERRIDE_CLEARED
        ),
        old=_stage_text(row.stage_override),
        new=_stage_text(stage),
        reason=reason,
    )
    row.stage_override = stage
    row.save(update_fields=["stage_override", "updated_at"])
    diagnostic.stage_override = stage
    # The PDF prints the override (reports.report_override): render it anew.
    reports_refresh(diagnostic=row)
    return row


@transaction.atomic
def note_add(*, diagnostic: Diagnostic, author: User, body: str) -> ConsultantNote:
    """Add a note to the diagnostic's thread.

    Notes are the consultants' internal working notes: the firm never sees them, on
    its pages or in its PDF report, so a note asks for no new report.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write the note first."), code="note_required")
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep a note to %(limit)d characters or fewer."),
            code="note_too_long",
            params={"limit": NOTE_MAX_LENGTH},
        )
    note = ConsultantNote(diagnostic=diagnostic, author=author, body=body)
    note.full_clean()
    note.save()
    return note


# --- What the firm is shown -----------------------------------------------------------


@dataclass(frozen=True)
class OverrideNotice:
    """A consultant's override as the firm reads it: no consultant is named."""

    stage: int
    computed_stage: int | None
    reason: str
    at: datetime | None


def override_notice(diagnostic: Diagnostic) -> OverrideNotice | None:
    """The override the firm's result page shows; None (and no query) without one."""
    # The same override the report prints, read the same way.
    printed = report_override(diagnostic)
    if printed is None:
        return None
    return OverrideNotice(
        stage=printed["stage"],
        computed_stage=printed["computed_stage"],
        reason=printed["reason"],
        at=printed["set_at"],
    )


# --- The consultant's detail page -----------------------------------------------------


def review_notes(diagnostic: Diagnostic) -> list[ConsultantNote]:
    """The notes thread, oldest first, with their authors."""
    return list(
        ConsultantNote.objects.filter(diagnostic=diagnostic).select_related("author")
    )


@dataclass(frozen=True)
class EventLine:
    """An audit event as the trail reads it: values worded, not codes."""

    kind: str
    actor: str
    at: datetime
    old: str
    new: str
    reason: str


def _event_value(kind: str, value: str) -> str:
    if kind == ReviewEventKind.STATUS and value in ReviewStatus.values:
        return str(ReviewStatus(value).label)
    if kind in (ReviewEventKind.OVERRIDE, ReviewEventKind.OVERRIDE_CLEARED):
        return (
            str(_("Stage %(stage)s") % {"stage": value})
            if value
            else str(_("the computed stage"))
        )
    if kind == ReviewEventKind.ASSIGNED and not value:
        return str(_("no one"))
    return value


def review_events(diagnostic: Diagnostic) -> list[EventLine]:
    """The audit trail, newest first, with who made each change; one query."""
    return [
        EventLine(
            kind=event.get_kind_display(),
            actor=event.actor.email,
            at=event.created_at,
            old=_event_value(event.kind, event.old_value),
            new=_event_value(event.kind, event.new_value),
            reason=event.reason,
        )
        for event in ReviewEvent.objects.filter(diagnostic=diagnostic).select_related(
            "actor"
        )
    ]


def earlier_diagnostics(user: User, diagnostic: Diagnostic) -> QuerySet[Diagnostic]:
    """The company's other submitted diagnostics that `user` may open, newest first."""
    return (
        diagnostics_in_scope(user)
        .filter(company_id=diagnostic.company_id)
        .exclude(pk=diagnostic.pk)
        .only("pk", "stage", "stage_override", "total_score", "submitted_at")
        .order_by("-submitted_at", "-pk")[:EARLIER_LIMIT]
    )


@dataclass(frozen=True)
class AnswerLine:
    code: str
    text: str
    area: str
    answer: str | None
    points: Decimal | None  # None: unanswered, or "not applicable"
    max_points: Decimal
    not_applicable: bool
    verified_by: str  # the consultant's e-mail; "" when self-reported
    verified_at: datetime | None


def answer_lines(
    content: QuestionnaireContent, diagnostic: Diagnostic
) -> list[AnswerLine]:
    """Every question with the firm's answer, its points and area; one query."""
    rows = (
        Answer.objects.given()
        .filter(diagnostic=diagnostic)
        .values_list(
            "question_id",
            "option_id",
            "number_value",
            "verified_by__email",
            "verified_at",
        )
    )
    answers: dict[int, tuple[AnswerRow, str, datetime | None]] = {
        row[0]: (AnswerRow(row[0], row[1], row[2]), row[3] or "", row[4])
        for row in rows
    }
    specs = {spec.id: spec for spec in content.spec.questions}
    lines = []
    for area_content in content.areas:
        area_name = area_content.area.localized("name")
        for question in area_content.questions:
            spec = specs[question.pk]
            found = answers.get(question.pk)
            answer, verified_by, verified_at = found or (None, "", None)
            option: Any = None
            if answer is not None and answer.option_id is not None:
                option = next(
                    (o for o in spec.options if o.id == answer.option_id), None
                )
            elif answer is not None and answer.number_value is not None:
                value = answer.number_value
                option = next((o for o in spec.options if o.covers(value)), None)
            not_applicable = bool(option is not None and option.not_applicable)
            lines.append(
                AnswerLine(
                    code=question.code,
                    text=question.localized("text"),
                    area=area_name,
                    answer=answer_label(content, answer),
                    points=(
                        option.points
                        if option is not None and not not_applicable
                        else None
                    ),
                    max_points=spec.max_points,
                    not_applicable=not_applicable,
                    verified_by=verified_by,
                    verified_at=verified_at,
                )
            )
    return lines
