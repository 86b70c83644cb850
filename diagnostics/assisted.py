"""Assisted mode and consultant requests: writes, and the reads beside them.

Assisted mode is a consultant's visit to a firm: with the firm, they confirm its
answers as they are (`answers_verify`) or, on a draft, enter or change them
(`assisted_answers_save`, through `services.diagnostic_save_answers` with
`verified_by`). Each answer then records the consultant who verified it; a later
self-reported change by the firm clears that verification. A submitted diagnostic's
answers are frozen (its result was computed from them): there a consultant can only
confirm them. A consultant never submits for the firm: the diagnostic is the firm's own
declaration, so the firm submits it.

A firm asks, from its result page, for a consultant's call or visit
(`consultant_request_create`); the consultants of its region are e-mailed, and the
request's status changes are recorded in the review's audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, Role, User
from diagnostics.assisted_forms import ConsultantRequestForm, RequestStatusForm
from diagnostics.models import (
    ANSWER_GIVEN,
    Answer,
    ConsultantRequest,
    ConsultantRequestKind,
    ConsultantRequestStatus,
    Diagnostic,
    DiagnosticStatus,
    ReviewEvent,
    ReviewEventKind,
)
from diagnostics.questionnaire import questionnaire_content
from diagnostics.reports import reports_refresh
from diagnostics.selectors import company_export_facts
from diagnostics.services import (
    AnswerValue,
    DiagnosticError,
    DiagnosticLocked,
    diagnostic_save_answers,
)

logger = logging.getLogger(__name__)

OPEN_STATUSES = (ConsultantRequestStatus.OPEN, ConsultantRequestStatus.SCHEDULED)


class AnswersFrozen(DiagnosticError):
    """A submitted diagnostic's answers were to change: they can only be confirmed."""


class ConsultantRequestError(DiagnosticError):
    """A consultant request was refused; the message is for the user."""


# --- Assisted mode --------------------------------------------------------------------


@transaction.atomic
def answers_verify(
    *, diagnostic: Diagnostic, question_ids: Collection[int], consultant: User
) -> int:
    """Mark the given answers to `question_ids` as verified by `consultant`, as they
    are; returns how many were newly verified.

    Works on drafts and submitted diagnostics alike: confirming changes no value, so
    neither the draft's revision nor a submitted result moves. An answer already
    verified keeps its first verifier; unanswered (or cleared) questions are skipped.
    """
    locked = Diagnostic.objects.select_for_update().get(pk=diagnostic.pk)
    if not question_ids:
        return 0
    verified = Answer.objects.filter(
        ANSWER_GIVEN,
        diagnostic=locked,
        question_id__in=list(question_ids),
        verified_by__isnull=True,
    ).update(verified_by=consultant, verified_at=timezone.now())
    if verified:
        locked.verified_answers += verified
        locked.save(update_fields=["verified_answers", "updated_at"])
        diagnostic.verified_answers = locked.verified_answers
        if locked.is_submitted:
            # The PDF prints the verified share (reports.report_verified).
            reports_refresh(diagnostic=locked)
    return verified


@transaction.atomic
def assisted_answers_save(
    *,
    diagnostic: Diagnostic,
    consultant: User,
    values: Mapping[int, AnswerValue | None] | None,
    verify_question_ids: Collection[int],
    base_revision: int | None = None,
) -> int:
    """A consultant's save in assisted mode: answers entered or changed (drafts only),
    then the answers confirmed as they are; returns how many answers were newly
    verified by the confirmation.

    `values` (None: nothing to enter) go through `diagnostic_save_answers` as verified
    answers; the draft's stale-page guard applies (StaleDraft). On a submitted
    diagnostic a value that differs from the frozen answer raises AnswersFrozen, and
    so does any value on a draft submitted meanwhile (DiagnosticLocked, a subclass of
    the same error family, is turned into AnswersFrozen).
    """
    if values:
        if diagnostic.status != DiagnosticStatus.DRAFT:
            raise AnswersFrozen
        try:
            diagnostic_save_answers(
                diagnostic=diagnostic,
                user=consultant,
                # The firm resumes where it left off, not where the consultant was.
                step=diagnostic.last_step,
                values=values,
                base_revision=diagnostic.revision
                if base_revision is None
                else base_revision,
                verified_by=consultant,
            )
        except DiagnosticLocked as error:
            raise AnswersFrozen from error
    return answers_verify(
        diagnostic=diagnostic, question_ids=verify_question_ids, consultant=consultant
    )


def verified_share(diagnostic: Diagnostic) -> tuple[int, int]:
    """(answers verified by a consultant, questions the firm is asked), no query.

    The questions are those of the firm's track: as frozen in the result once
    submitted, from the company's current export figures while a draft. The diagnostic
    should come with its version and company (select_related).
    """
    content = questionnaire_content(diagnostic.version)
    if diagnostic.is_submitted and diagnostic.result is not None:
        track = diagnostic.result.get("track")
    else:
        track = content.track_for(company_export_facts(diagnostic.company))
    total = len(content.asked(track))
    return min(diagnostic.verified_answers, total), total


def verified_badge(diagnostic: Diagnostic) -> dict[str, int]:
    """The context of templates/diagnostics/_verified_badge.html, as `verified`."""
    verified, total = verified_share(diagnostic)
    return {"verified": verified, "total": total}


# --- Consultant requests ----------------------------------------------------------------


def draft_in_progress(company_id: int) -> Diagnostic | None:
    """The firm's diagnostic in progress, if any: the consultant's way into assisted
    mode on a visit. One query."""
    return (
        Diagnostic.objects.filter(company_id=company_id, status=DiagnosticStatus.DRAFT)
        .only("pk", "updated_at")
        .first()
    )


def firm_visit_panel(company: Company) -> dict[str, Any]:
    """What a consultant about to visit `company` can open: its diagnostic in progress
    and its latest submitted one (either may be None). Two queries."""
    latest = (
        Diagnostic.objects.filter(company=company, status=DiagnosticStatus.SUBMITTED)
        .only("pk", "submitted_at", "stage", "stage_override")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    return {
        "company": company,
        "draft": draft_in_progress(company.pk),
        "latest": latest,
    }


def open_request(diagnostic: Diagnostic) -> ConsultantRequest | None:
    """The diagnostic's request still open or scheduled, if any (one at most)."""
    return ConsultantRequest.objects.filter(
        diagnostic=diagnostic, status__in=OPEN_STATUSES
    ).first()


def consultant_request_panel(diagnostic: Diagnostic) -> dict[str, Any]:
    """The firm's result page panel (templates/diagnostics/_consultant_request.html,
    context name `consultant_request`): the open request or None, the latest request
    (to show that the last one was done or cancelled) and an unbound form. One query.
    """
    latest = (
        ConsultantRequest.objects.filter(diagnostic=diagnostic)
        .order_by("-created_at", "-pk")
        .first()
    )
    # Only one request is open at a time and a new one is always the latest.
    current = latest if latest is not None and latest.status in OPEN_STATUSES else None
    return {
        "diagnostic": diagnostic,
        "request": current,
        "latest": latest,
        "form": ConsultantRequestForm(auto_id="consultant-request-%s"),
    }


def agency_request_panel(diagnostic: Diagnostic) -> dict[str, Any]:
    """The consultant's detail page panel (_agency_request_panel.html, context name
    `agency_request`): the latest request of the firm with a status form. One query."""
    latest = (
        ConsultantRequest.objects.filter(diagnostic=diagnostic)
        .select_related("requested_by", "handled_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    return {
        "diagnostic": diagnostic,
        "request": latest,
        "is_open": latest is not None and latest.status in OPEN_STATUSES,
        "form": RequestStatusForm(
            auto_id="request-status-%s",
            initial={"status": latest.status if latest else None},
        ),
    }


@transaction.atomic
def consultant_request_create(
    *,
    diagnostic: Diagnostic,
    user: User,
    kind: str,
    preferred_time: str,
    message: str = "",
) -> ConsultantRequest:
    """A firm's member asks for a consultant's call or visit about a submitted result.

    Refused (ConsultantRequestError) for another company's diagnostic, a draft, or while
    a request of this diagnostic is still open or scheduled. After commit, the
    consultants of the firm's region are e-mailed, one message each.
    """
    locked = (
        Diagnostic.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(pk=diagnostic.pk)
    )
    if user.company_id is None or locked.company_id != user.company_id:
        raise ConsultantRequestError(
            _("Only the firm itself can ask for a consultant.")
        )
    if not locked.is_submitted:
        raise ConsultantRequestError(
            _("Submit the diagnostic first: a consultant looks at its result.")
        )
    if kind not in ConsultantRequestKind.values:
        raise ConsultantRequestError(_("Choose a phone call or a visit."))
    if not preferred_time.strip():
        raise ConsultantRequestError(_("Tell us when suits you."))
    if open_request(locked) is not None:
        raise ConsultantRequestError(
            _(
                "You have already asked for a consultant about this result; its "
                "status is shown below. Cancel it first to ask again."
            )
        )
    try:
        with transaction.atomic():
            request = ConsultantRequest.objects.create(
                diagnostic=locked,
                requested_by=user,
                kind=kind,
                preferred_time=preferred_time.strip(),
                message=message.strip(),
            )
    except IntegrityError:  # a second tab at the same moment (the constraint)
        raise ConsultantRequestError(
            _("You have already asked for a consultant about this result.")
        ) from None
    transaction.on_commit(
        partial(consultant_request_notify, request_id=request.pk), robust=True
    )
    return request


@transaction.atomic
def consultant_request_cancel(
    *, diagnostic: Diagnostic, user: User
) -> ConsultantRequest:
    """The firm withdraws its open or scheduled request about `diagnostic`."""
    if user.company_id is None or diagnostic.company_id != user.company_id:
        raise ConsultantRequestError(_("Only the firm itself can cancel its request."))
    request = (
        ConsultantRequest.objects.select_for_update()
        .filter(diagnostic=diagnostic, status__in=OPEN_STATUSES)
        .first()
    )
    if request is None:
        raise ConsultantRequestError(_("There is no open request to cancel."))
    old = request.status
    request.status = ConsultantRequestStatus.CANCELLED
    request.save(update_fields=["status", "updated_at"])
    # The firm's own member is the actor: the consultants see who withdrew it, and when.
    ReviewEvent.objects.create(
        diagnostic_id=request.diagnostic_id,
        actor=user,
        kind=ReviewEventKind.REQUEST,
        old_value=old,
        new_value=request.status,
    )
    return request


@transaction.atomic
def consultant_request_set_status(
    *, request: ConsultantRequest, status: str, actor: User
) -> ConsultantRequest:
    """A consultant schedules, completes or cancels a firm's request; audited.

    A request that is done or cancelled is closed: its status no longer changes (the
    firm asks anew). Setting the status it already has changes nothing and records
    nothing. Otherwise (scheduled back to open included: the appointment fell through)
    the consultant becomes its handler and a ReviewEvent (kind REQUEST) records the old
    and new status.
    """
    if status not in ConsultantRequestStatus.values:
        raise ConsultantRequestError(_("Unknown status."))
    locked = ConsultantRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status == status:
        return locked
    if locked.status not in OPEN_STATUSES:
        raise ConsultantRequestError(
            _("This request is closed; its status no longer changes.")
        )
    old = locked.status
    locked.status = status
    locked.handled_by = actor
    locked.save(update_fields=["status", "handled_by", "updated_at"])
    ReviewEvent.objects.create(
        diagnostic_id=locked.diagnostic_id,
        actor=actor,
        kind=ReviewEventKind.REQUEST,
        old_value=old,
        new_value=status,
    )
    request.status, request.handled_by = locked.status, actor
    return locked


def region_consultants(region: str) -> list[User]:
    """Active consultants whose regions include `region` (lead consultants, who see
    every region, are not e-mailed about each firm)."""
    candidates = (
        User.objects.filter(
            is_active=True, company__isnull=True, groups__name=Role.CONSULTANT
        )
        .exclude(email="")
        .only("email", "regions", "preferred_language")
        .order_by("pk")
        .distinct()
    )
    # A handful of rows: the JSON list is filtered here, the same on every database.
    return [user for user in candidates if region in (user.regions or [])]


def consultant_request_notify(*, request_id: int) -> int:
    """E-mail each consultant of the firm's region about a new request, one message
    each (no consultant sees another's address, nor the firm any); returns how many."""
    request = ConsultantRequest.objects.select_related("diagnostic__company").get(
        pk=request_id
    )
    company = request.diagnostic.company
    url = settings.SITE_URL.rstrip("/") + reverse(
        "diagnostics:agency_detail", args=[request.diagnostic_id]
    )
    sent = 0
    for consultant in region_consultants(company.region):
        language = consultant.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {
                "company_name": company.display_name,
                "request": request,
                "kind": request.get_kind_display(),
                "url": url,
            }
            subject = render_to_string(
                "diagnostics/email/consultant_request_subject.txt", context
            )
            body = render_to_string("diagnostics/email/consultant_request.txt", context)
        send_mail(" ".join(subject.split()), body, None, [consultant.email])
        sent += 1
    return sent
