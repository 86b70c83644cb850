"""The PDF report of a submitted diagnostic: what it holds, and its life as a job.

A report is requested (`report_request`), rendered by a worker (`report_render`, through
`diagnostics.tasks.render_report_task`) and downloaded through a view that checks
access. Its row carries the state: queued, rendering, ready or failed. Every step is
safe to repeat: a second request for the same content returns the same row, a second
delivery of the same job finds nothing to claim, and the periodic sweep
(`reports_sweep`) re-queues jobs whose worker or message was lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from diagnostics.models import (
    Diagnostic,
    Report,
    ReportStatus,
    ReviewEvent,
    ReviewEventKind,
)
from diagnostics.presenters import result_view
from diagnostics.questionnaire import QuestionnaireContent, questionnaire_content
from diagnostics.selectors import AnswerRow, answers_by_question
from programs.models import Recommendation
from programs.selectors import recommendations_for

logger = logging.getLogger(__name__)

# Part of every content version: raise it when the template or stylesheet changes what
# a report says, so that the next request renders anew instead of serving the old PDF.
REPORT_LAYOUT_VERSION = "1"
REPORT_TEMPLATE = "reports/report.html"
HEARTBEAT_CACHE_KEY = "worker-heartbeat"

# Errors that a later attempt can get past: the database or the storage was briefly
# unreachable. Anything else (a template or data bug) fails the report at once.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (DatabaseError, OSError)


class ReportError(Exception):
    """A report request was refused; the message is for the user."""


def reports_storage() -> Storage:
    return storages["reports"]


def report_language(language: str) -> str:
    """One of the site's languages: English when asked for, else Korean."""
    return "en" if (language or "").lower().startswith("en") else "ko"


# --- What a report holds --------------------------------------------------------------


def report_notes(diagnostic: Diagnostic) -> list[dict[str, Any]]:
    """Consultant notes the report shows: none, on purpose.

    ConsultantNote rows are the consultants' internal working notes (on a firm they
    may be blunt, or name other firms): they are never printed in the firm's report.
    What a consultant tells the firm goes through the stage override's reason.
    """
    return []


def report_override(diagnostic: Diagnostic) -> dict[str, Any] | None:
    """A consultant's stage override as the report prints it; None without one.

    Language-neutral (it is part of `report_content_version`, the same in both
    languages): the stage, the computed stage, the reason and when it was set. No
    consultant is named, as on the firm's result page. One query, only when set.
    """
    if diagnostic.stage_override is None:
        return None
    event = (
        ReviewEvent.objects.filter(diagnostic=diagnostic, kind=ReviewEventKind.OVERRIDE)
        .order_by("-created_at", "-pk")
        .values("reason", "created_at")
        .first()
    )
    return {
        "stage": diagnostic.stage_override,
        "computed_stage": diagnostic.stage,
        "reason": event["reason"] if event else "",
        "set_at": event["created_at"] if event else None,
    }


def report_verified(diagnostic: Diagnostic) -> dict[str, int] | None:
    """How many answers a consultant verified, for the report; None while none is."""
    from diagnostics.assisted import verified_badge  # assisted imports this module

    if not diagnostic.verified_answers:
        return None
    return verified_badge(diagnostic)


def _recommended_rows(diagnostic: Diagnostic) -> list[tuple[Any, ...]]:
    return list(
        Recommendation.objects.filter(
            diagnostic=diagnostic, kind=Recommendation.Kind.RECOMMENDED
        )
        .order_by("rank")
        .values_list("rank", "program_snapshot", "reasons_ko", "reasons_en")
    )


def report_content_version(diagnostic: Diagnostic) -> str:
    """A hash of everything that shapes the diagnostic's report, in either language.

    The answers and the questionnaire version are frozen at submission and named by the
    diagnostic itself; the company's name and the recommendations can change later.
    """
    company = diagnostic.company
    payload = {
        "layout": REPORT_LAYOUT_VERSION,
        "diagnostic": diagnostic.pk,
        "result": diagnostic.result,
        "submitted_at": diagnostic.submitted_at,
        "company": [company.name_ko, company.name_en],
        "recommendations": _recommended_rows(diagnostic),
        "notes": report_notes(diagnostic),
        "override": report_override(diagnostic),
        "verified_answers": diagnostic.verified_answers,
    }
    encoded = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def _answer_text(content: QuestionnaireContent, answer: AnswerRow | None) -> str:
    if answer is None:
        return ""
    if answer.option_id is not None:
        return content.option_by_id[answer.option_id].localized("label")
    question = content.question_by_id[answer.question_id]
    # A given answer without an option is a number (selectors.answers_by_question).
    assert answer.number_value is not None
    number = f"{answer.number_value.normalize():,f}"
    return f"{number} {question.localized('unit')}".strip()


def _appendix(
    content: QuestionnaireContent, diagnostic: Diagnostic
) -> list[dict[str, Any]]:
    answers = answers_by_question(diagnostic)
    return [
        {
            "name": area_content.area.localized("name"),
            "rows": [
                {
                    "code": question.code,
                    "text": question.localized("text"),
                    "answer": _answer_text(content, answers.get(question.pk)),
                }
                for question in area_content.questions
            ],
        }
        for area_content in content.areas
    ]


def gate_facts(
    content: QuestionnaireContent, diagnostic: Diagnostic
) -> list[dict[str, Any]]:
    """The gating facts, each with the stage that first asks for it and whether the
    firm's answers establish it."""
    established = set((diagnostic.result or {}).get("facts", []))
    return [
        {
            "stage": rule.stage,
            "label": content.facts[code].localized("label"),
            "met": code in established,
        }
        for rule in content.stage_rules
        for code in sorted(content.required_facts[rule.pk])
        if code in content.facts
    ]


def _phases(ladder: Sequence[Any]) -> list[dict[str, Any]]:
    """The ladder's nine rungs grouped by phase."""
    phases: list[dict[str, Any]] = []
    for rung in ladder:
        if not phases or phases[-1]["phase"] != rung.phase:
            phases.append({"phase": rung.phase, "label": rung.phase_label, "rungs": []})
        phases[-1]["rungs"].append(rung)
    return phases


def _override_for_print(
    content: QuestionnaireContent, diagnostic: Diagnostic
) -> dict[str, Any] | None:
    """report_override with the stage names, worded in the active language."""
    override = report_override(diagnostic)
    if override is None:
        return None
    computed = override["computed_stage"]
    return {
        **override,
        "name": content.stage_rule(override["stage"]).localized("name"),
        "computed_name": content.stage_rule(computed).localized("name")
        if computed
        else "",
    }


def report_context(diagnostic: Diagnostic) -> dict[str, Any]:
    """The report template's context, worded in the active language."""
    content = questionnaire_content(diagnostic.version)
    view = result_view(content, diagnostic)
    return {
        "diagnostic": diagnostic,
        "company_name": diagnostic.company.display_name,
        "view": view,
        "phases": _phases(view["ladder"]),
        "gates": gate_facts(content, diagnostic),
        "recommendations": recommendations_for(diagnostic),
        "appendix": _appendix(content, diagnostic),
        "question_count": len(content.questions),
        # The consultant workspace's place in the report: empty, it renders nothing.
        "consultant_notes": report_notes(diagnostic),
        "override": _override_for_print(content, diagnostic),
        "verified_share": report_verified(diagnostic),
        "generated_at": timezone.localtime(),
        # Inline SVG takes no style from the document: the chart brings its own.
        "chart_for_print": True,
    }


def report_html(*, diagnostic: Diagnostic, language: str) -> str:
    with translation.override(language):
        return render_to_string(REPORT_TEMPLATE, report_context(diagnostic))


def report_filename(report: Report) -> str:
    """The name a download is saved under: readable, safe in a header, in any language."""
    diagnostic = report.diagnostic
    with translation.override(report.language):
        company = slugify(diagnostic.company.display_name, allow_unicode=True)
    day = timezone.localtime(diagnostic.submitted_at).strftime("%Y-%m-%d")
    return f"ExportReady-{company or diagnostic.pk}-{day}-{report.language}.pdf"


# --- Requesting -----------------------------------------------------------------------


def _overdue_q(now: datetime) -> Q:
    return Q(
        status__in=[ReportStatus.QUEUED, ReportStatus.RENDERING],
        requested_at__lt=now - timedelta(seconds=settings.REPORTS_GIVE_UP_SECONDS),
    )


def _overdue(report: Report, now: datetime) -> bool:
    """Unfinished for longer than a render can take, retries and sweeps included."""
    limit = now - timedelta(seconds=settings.REPORTS_GIVE_UP_SECONDS)
    return report.in_progress and report.requested_at < limit


@transaction.atomic
def report_request(*, diagnostic: Diagnostic, language: str) -> Report:
    """Queue the report of a submitted diagnostic in `language`, for its current content.

    Idempotent: a report of the same content that is ready, queued or rendering is
    returned as it is; a failed one, or one still unfinished past
    REPORTS_GIVE_UP_SECONDS (the sweep may not be running), is queued again with fresh
    attempts. The render job is sent after commit, so a rolled-back transaction sends
    nothing (and without a broker, the job runs in this process right after the commit).
    """
    if not diagnostic.is_submitted:
        raise ReportError("Only a submitted diagnostic has a report.")
    if language not in dict(settings.LANGUAGES):
        raise ReportError(f"Unknown language: {language}")
    version = report_content_version(diagnostic)
    now = timezone.now()
    report = Report.objects.filter(
        diagnostic=diagnostic, language=language, content_version=version
    ).first()
    if report is None:
        report = Report(
            diagnostic=diagnostic,
            language=language,
            content_version=version,
            requested_at=now,
            queued_at=now,
        )
        report.full_clean()
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            # Another request created it at the same moment: that one is queued.
            return Report.objects.get(
                diagnostic=diagnostic, language=language, content_version=version
            )
    elif report.status == ReportStatus.FAILED or _overdue(report, now):
        requeued = Report.objects.filter(
            Q(status=ReportStatus.FAILED) | _overdue_q(now), pk=report.pk
        ).update(
            status=ReportStatus.QUEUED,
            attempts=0,
            last_error="",
            requested_at=now,
            queued_at=now,
            started_at=None,
            updated_at=now,
        )
        report.refresh_from_db()
        if not requeued:
            return report
    else:
        return report
    _send_on_commit(report.pk)
    return report


def _send_on_commit(report_id: int) -> None:
    # robust: a broker that is down (or, in-process, a render that fails) is logged and
    # left to the sweep, rather than failing the request that asked for the report.
    # A function, not a partial: Django names a robust callback by its __qualname__.
    def send() -> None:
        _send(report_id)

    transaction.on_commit(send, robust=True)


def _send(report_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from diagnostics.tasks import render_report_task

    render_report_task.delay(report_id)


# --- Rendering ------------------------------------------------------------------------


def _claim(report_id: int, now: datetime) -> int:
    """Take the report for rendering; the number of rows taken (0 or 1).

    A queued report is taken, and so is one left `rendering` past the stale limit by a
    worker that died; a report whose attempts are spent is not.
    """
    stale_before = now - timedelta(seconds=settings.REPORTS_RENDERING_STALE_SECONDS)
    return (
        Report.objects.filter(pk=report_id, attempts__lt=settings.REPORTS_MAX_ATTEMPTS)
        .filter(
            Q(status=ReportStatus.QUEUED)
            | Q(status=ReportStatus.RENDERING, started_at__lt=stale_before)
        )
        .update(
            status=ReportStatus.RENDERING,
            attempts=F("attempts") + 1,
            started_at=now,
            updated_at=now,
        )
    )


def report_render(*, report_id: int) -> Report | None:
    """Render a queued report and store its PDF; None when there was nothing to do.

    Claims the report with a conditional update, so that two deliveries of the same job
    never both render it. A transient error (database, storage) puts the report back in
    the queue and is raised for the task to retry; any other error is raised as is, and
    the task marks the report failed. The submitting member gets an e-mail once the
    report is ready.
    """
    from diagnostics.report_pdf import pdf_render  # WeasyPrint: workers only

    if not _claim(report_id, timezone.now()):
        return None
    report = Report.objects.select_related(
        "diagnostic__company", "diagnostic__version"
    ).get(pk=report_id)
    attempt = report.attempts
    diagnostic = report.diagnostic
    try:
        if report_content_version(diagnostic) != report.content_version:
            # The content changed since the request (the company was renamed, say):
            # this row gives way to a request for the content as it is now.
            report_mark_failed(
                report_id=report.pk, error="The content changed before rendering."
            )
            report_request(diagnostic=diagnostic, language=report.language)
            return None
        started = time.perf_counter()
        rendered = pdf_render(
            html=report_html(diagnostic=diagnostic, language=report.language)
        )
        render_ms = round((time.perf_counter() - started) * 1000)
        if settings.REPORTS_TEST_RENDER_DELAY:
            time.sleep(settings.REPORTS_TEST_RENDER_DELAY)
        name = reports_storage().save(
            f"{diagnostic.pk}/report-{diagnostic.pk}-{report.language}-"
            f"{report.content_version[:12]}.pdf",
            ContentFile(rendered.data),
        )
    except TRANSIENT_ERRORS as error:
        Report.objects.filter(
            pk=report.pk, status=ReportStatus.RENDERING, attempts=attempt
        ).update(
            status=ReportStatus.QUEUED,
            last_error=_error_text(error),
            queued_at=timezone.now(),
        )
        raise
    return _finish(report, attempt, name, len(rendered.data), rendered.pages, render_ms)


@transaction.atomic
def _finish(
    report: Report, attempt: int, name: str, size: int, pages: int, render_ms: int
) -> Report | None:
    now = timezone.now()
    done = Report.objects.filter(
        pk=report.pk, status=ReportStatus.RENDERING, attempts=attempt
    ).update(
        status=ReportStatus.READY,
        file_name=name,
        size_bytes=size,
        pages=pages,
        render_ms=render_ms,
        rendered_at=now,
        last_error="",
        updated_at=now,
    )
    if not done:
        # The sweep gave this render up and another attempt owns the report now.
        transaction.on_commit(lambda: reports_storage().delete(name))
        return None
    report_id = report.pk

    def notify() -> None:
        report_ready_notify(report_id=report_id)

    transaction.on_commit(notify, robust=True)
    report.refresh_from_db()
    return report


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def report_mark_failed(*, report_id: int, error: BaseException | str) -> int:
    """Mark a report that is not ready as failed, with the error; rows changed."""
    text = error if isinstance(error, str) else _error_text(error)
    return (
        Report.objects.filter(pk=report_id)
        .exclude(status=ReportStatus.READY)
        .update(status=ReportStatus.FAILED, last_error=text, updated_at=timezone.now())
    )


def report_ready_notify(*, report_id: int) -> None:
    """E-mail the member who submitted the diagnostic that its report can be downloaded."""
    report = Report.objects.select_related(
        "diagnostic__company", "diagnostic__submitted_by"
    ).get(pk=report_id)
    member = report.diagnostic.submitted_by
    if member is None or not member.email:
        return
    with translation.override(report.language):
        context = {
            "company_name": report.diagnostic.company.display_name,
            "result_url": settings.SITE_URL.rstrip("/")
            + reverse("diagnostics:result", args=[report.diagnostic_id]),
            "report": report,
        }
        subject = render_to_string("reports/email/report_ready_subject.txt", context)
        body = render_to_string("reports/email/report_ready.txt", context)
    send_mail(" ".join(subject.split()), body, None, [member.email])


# --- Recovery -------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepOutcome:
    requeued: int
    failed: int


def reports_sweep(*, now: datetime | None = None) -> SweepOutcome:
    """Re-queue reports whose job was lost; fail those that cannot finish.

    A report `rendering` past the stale limit lost its worker; one `queued` past its own
    limit lost its message (a broker restart, say). Both are queued again and their job
    sent anew, unless their attempts are spent or they were requested too long ago:
    those are marked failed, and the firm sees a retry button instead of a report that
    stays "being prepared" forever.
    """
    now = now or timezone.now()
    stale_rendering = Q(
        status=ReportStatus.RENDERING,
        started_at__lt=now
        - timedelta(seconds=settings.REPORTS_RENDERING_STALE_SECONDS),
    )
    stale_queued = Q(
        status=ReportStatus.QUEUED,
        queued_at__lt=now - timedelta(seconds=settings.REPORTS_QUEUED_STALE_SECONDS),
    )
    too_old = _overdue_q(now)
    spent = stale_rendering & Q(attempts__gte=settings.REPORTS_MAX_ATTEMPTS)
    failed = Report.objects.filter(too_old).update(
        status=ReportStatus.FAILED,
        last_error="Not ready in time; request it again.",
        updated_at=now,
    )
    failed += Report.objects.filter(spent).update(
        status=ReportStatus.FAILED,
        last_error="The render stopped on every attempt.",
        updated_at=now,
    )
    requeued = 0
    stuck = Report.objects.filter(stale_rendering | stale_queued).values_list(
        "pk", flat=True
    )
    for report_id in list(stuck):
        with transaction.atomic():
            # Conditional again: a worker may have claimed it since the read.
            if (
                Report.objects.filter(pk=report_id)
                .filter(stale_rendering | stale_queued)
                .update(status=ReportStatus.QUEUED, queued_at=now, updated_at=now)
            ):
                requeued += 1
                _send_on_commit(report_id)
    if requeued or failed:
        logger.warning("Report sweep: %d re-queued, %d failed", requeued, failed)
    return SweepOutcome(requeued=requeued, failed=failed)


def worker_heartbeat_record(*, now: datetime | None = None) -> None:
    """Note that a worker ran a task just now (the health endpoint reads it)."""
    cache.set(HEARTBEAT_CACHE_KEY, (now or timezone.now()).isoformat(), timeout=None)


def worker_heartbeat_at() -> datetime | None:
    value = cache.get(HEARTBEAT_CACHE_KEY)
    return datetime.fromisoformat(value) if value else None


# --- What the result pages show -------------------------------------------------------


def report_state(report: Report | None, now: datetime) -> str:
    """What a reader is told: "ready", "working", "failed" or "missing".

    A report unfinished past the give-up limit reads as failed, with its retry, even
    before (or without) a sweep marking it so: never "being prepared" for ever.
    """
    if report is None:
        return "missing"
    if report.status == ReportStatus.READY:
        return "ready"
    if report.status == ReportStatus.FAILED or _overdue(report, now):
        return "failed"
    return "working"


@dataclass(frozen=True)
class ReportPanel:
    """A diagnostic's newest report in the reader's language and in the other one."""

    diagnostic: Diagnostic
    scope: str  # "firm" or "agency": which views the links go to
    language: str
    current: Report | None
    current_state: str
    other_language: str
    other: Report | None
    other_state: str

    @property
    def polling(self) -> bool:
        """Whether the page should ask again: something is on its way."""
        return "working" in (self.current_state, self.other_state)


def report_panel(*, diagnostic: Diagnostic, language: str, scope: str) -> ReportPanel:
    """The newest report per language, in one query.

    Not the current content version: computing it costs two queries on every result
    page. Whatever changes the content requests the report anew (`report_request`:
    submission, a recomputation of the recommendations, later a consultant's override),
    and that newer row is the one shown.
    """
    newest: dict[str, Report] = {}
    for report in Report.objects.filter(diagnostic=diagnostic).order_by(
        "-requested_at", "-pk"
    ):
        newest.setdefault(report.language, report)
    other = "en" if language == "ko" else "ko"
    now = timezone.now()
    return ReportPanel(
        diagnostic=diagnostic,
        scope=scope,
        language=language,
        current=newest.get(language),
        current_state=report_state(newest.get(language), now),
        other_language=other,
        other=newest.get(other),
        other_state=report_state(newest.get(other), now),
    )


def reports_refresh(*, diagnostic: Diagnostic) -> list[Report]:
    """Request anew, for the current content, every language the diagnostic has a
    report in; for writes that change what its report says."""
    languages = set(
        Report.objects.filter(diagnostic=diagnostic).values_list("language", flat=True)
    )
    return [
        report_request(diagnostic=diagnostic, language=language)
        for language in sorted(languages)
    ]
