"""Report jobs and pages. Alice and Anna (firm A) see and download A's report; Bob
(firm B) gets a 404 for it; Carol (consultant, firm A's region) downloads it from the
agency pages; Dave (consultant, another region) gets a 404.

WeasyPrint is replaced by a stand-in here where only the job's states matter; the PDF
itself is tested in test_report_pdf.py.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from config.celery import app as celery_app
from diagnostics import report_pdf, reports
from diagnostics.models import Report, ReportStatus
from diagnostics.services import diagnostic_start, diagnostic_submit
from diagnostics.tasks import render_report_task
from programs.models import Program
from programs.services import recommendations_refresh
from tests.conftest import answer_all, report_mark_ready
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, content):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


@pytest.fixture
def stand_in_pdf(monkeypatch):
    """WeasyPrint replaced: the render returns a one-page stand-in at once."""
    calls = []

    def render(*, html: str, **kwargs: object) -> report_pdf.RenderedPdf:
        calls.append(html)
        return report_pdf.RenderedPdf(data=b"%PDF-1.7 stand-in", pages=1)

    monkeypatch.setattr(report_pdf, "pdf_render", render)
    return calls


@pytest.fixture
def dave(db):
    return UserFactory(
        email="dave@example.com", regions=["busan"], role=Role.CONSULTANT
    )


# --- Requesting -----------------------------------------------------------------------


def test_it_queues_the_report_in_the_firms_language_after_commit(
    alice, content, sent, django_capture_on_commit_callbacks
):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with translation.override("en"):
            diagnostic_submit(diagnostic=diagnostic, user=alice)
        assert sent == []  # nothing leaves before the commit
    report = Report.objects.get(diagnostic=diagnostic)
    assert (report.language, report.status) == ("en", ReportStatus.QUEUED)
    assert len(callbacks) == 1 and sent == [report.pk]


def test_a_rolled_back_submission_queues_nothing(
    alice, content, sent, django_capture_on_commit_callbacks
):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            diagnostic_submit(diagnostic=diagnostic, user=alice)
            raise RuntimeError("something after the submission failed")
    assert callbacks == [] and sent == []
    assert not Report.objects.exists()


def test_a_second_request_for_the_same_content_returns_the_same_report(
    submitted, sent, django_capture_on_commit_callbacks
):
    first = submitted.reports.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = reports.report_request(diagnostic=submitted, language="ko")
    assert again.pk == first.pk and sent == []
    report_mark_ready(first)
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_request(diagnostic=submitted, language="ko")
    assert Report.objects.count() == 1 and sent == []


def test_a_ready_report_is_not_rendered_again(submitted, stand_in_pdf):
    report = report_mark_ready(submitted.reports.get())
    assert reports.report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.attempts == 0 and stand_in_pdf == []


def test_recomputed_recommendations_queue_a_new_report(
    submitted, carol, sent, django_capture_on_commit_callbacks
):
    old = report_mark_ready(submitted.reports.get())
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_refresh(diagnostic=submitted, user=carol, reason="same catalog")
    assert Report.objects.get() == old  # the same recommendations: the same report
    first = submitted.recommendations.filter(kind="recommended").first()
    Program.objects.filter(pk=first.program_id).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_refresh(diagnostic=submitted, user=carol, reason="closed")
    new = Report.objects.exclude(pk=old.pk).get()
    assert new.content_version != old.content_version
    assert (new.language, new.status) == ("ko", ReportStatus.QUEUED)
    assert sent == [new.pk]


def test_a_request_is_refused_for_a_draft(alice, content):
    draft = diagnostic_start(company=alice.company, user=alice)
    with pytest.raises(reports.ReportError):
        reports.report_request(diagnostic=draft, language="ko")


# --- Rendering: claims, retries, failures ---------------------------------------------


def test_two_deliveries_of_one_job_render_once(
    submitted, stand_in_pdf, django_capture_on_commit_callbacks
):
    report = submitted.reports.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.report_render(report_id=report.pk) is not None
        assert reports.report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.READY
    assert report.attempts == 1 and len(stand_in_pdf) == 1
    with reports.reports_storage().open(report.file_name) as handle:
        assert handle.read() == b"%PDF-1.7 stand-in"


def test_a_stale_rendering_report_is_claimed_again_but_a_live_one_is_not(
    submitted, stand_in_pdf, django_capture_on_commit_callbacks
):
    report = submitted.reports.get()
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RENDERING, attempts=1, started_at=now
    )
    assert reports.report_render(report_id=report.pk) is None  # its worker is alive
    stale = now - timedelta(seconds=settings.REPORTS_RENDERING_STALE_SECONDS + 1)
    Report.objects.filter(pk=report.pk).update(started_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.report_render(report_id=report.pk) is not None
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.READY, 2)


def test_a_transient_error_is_retried_until_the_attempts_are_spent(
    submitted, monkeypatch, caplog
):
    """The one eager run of the task: retries, then on_failure marks it failed."""

    def unreachable_storage(**kwargs: object) -> None:
        raise OSError("storage unreachable")

    monkeypatch.setattr(report_pdf, "pdf_render", unreachable_storage)
    # Eagerly, each retry runs at once; the last one's error is the result.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    report = submitted.reports.get()
    result = render_report_task.apply(args=[report.pk])
    assert result.state == "FAILURE" and isinstance(result.result, OSError)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.attempts == settings.REPORTS_MAX_ATTEMPTS
    assert report.last_error == "OSError: storage unreachable"


def test_a_bug_fails_the_report_at_once(submitted, monkeypatch):
    def broken(**kwargs: object) -> None:
        raise KeyError("stage_name")

    monkeypatch.setattr(report_pdf, "pdf_render", broken)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    report = submitted.reports.get()
    assert render_report_task.apply(args=[report.pk]).state == "FAILURE"
    report.refresh_from_db()
    assert (report.status, report.attempts) == (ReportStatus.FAILED, 1)


def test_the_task_is_set_up_to_survive_crashes():
    assert render_report_task.acks_late and render_report_task.reject_on_worker_lost
    assert render_report_task.serializer == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert 0 < render_report_task.soft_time_limit < render_report_task.time_limit
    assert settings.REPORTS_RENDERING_STALE_SECONDS > render_report_task.time_limit
    assert render_report_task.max_retries == settings.REPORTS_MAX_ATTEMPTS - 1
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "diagnostics.tasks.reports_sweep_task",
        "diagnostics.tasks.worker_heartbeat_task",
    }


def test_a_report_whose_content_changed_gives_way_to_a_new_request(
    submitted, stand_in_pdf, sent, django_capture_on_commit_callbacks
):
    report = submitted.reports.get()
    company = submitted.company
    company.name_ko = "새이름상사"
    company.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.report_render(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    newer = Report.objects.exclude(pk=report.pk).get()
    assert newer.status == ReportStatus.QUEUED and sent == [newer.pk]


# --- Recovery -------------------------------------------------------------------------


def test_the_sweep_requeues_lost_jobs_and_fails_those_that_cannot_finish(
    submitted, sent, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost_message = submitted.reports.get()  # queued; its message went with the broker
    lost_worker = reports.report_request(diagnostic=submitted, language="en")
    Report.objects.filter(pk=lost_message.pk).update(
        queued_at=now - timedelta(seconds=settings.REPORTS_QUEUED_STALE_SECONDS + 1)
    )
    Report.objects.filter(pk=lost_worker.pk).update(
        status=ReportStatus.RENDERING,
        attempts=1,
        started_at=now
        - timedelta(seconds=settings.REPORTS_RENDERING_STALE_SECONDS + 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reports.reports_sweep(now=now)
    assert outcome == reports.SweepOutcome(requeued=2, failed=0)
    assert sorted(sent) == sorted([lost_message.pk, lost_worker.pk])
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.QUEUED}

    # Attempts spent: failed, not "being prepared" for ever.
    Report.objects.filter(pk=lost_worker.pk).update(
        status=ReportStatus.RENDERING,
        attempts=settings.REPORTS_MAX_ATTEMPTS,
        started_at=now
        - timedelta(seconds=settings.REPORTS_RENDERING_STALE_SECONDS + 1),
    )
    # Requested too long ago: failed too.
    Report.objects.filter(pk=lost_message.pk).update(
        requested_at=now - timedelta(seconds=settings.REPORTS_GIVE_UP_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = reports.reports_sweep(now=now)
    assert outcome == reports.SweepOutcome(requeued=0, failed=2)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.FAILED}


def test_the_sweep_leaves_fresh_jobs_alone(submitted, sent):
    assert reports.reports_sweep() == reports.SweepOutcome(requeued=0, failed=0)
    assert submitted.reports.get().status == ReportStatus.QUEUED


def test_the_sweep_command_runs_the_same_service(submitted):
    Report.objects.update(
        status=ReportStatus.RENDERING,
        started_at=timezone.now(),
        requested_at=timezone.now() - timedelta(days=1),
    )
    out = io.StringIO()
    call_command("reports_sweep", stdout=out)
    assert out.getvalue().strip() == "Re-queued 0 report(s); marked 1 failed."


# --- Pages ----------------------------------------------------------------------------


def test_the_result_page_shows_the_report_being_prepared_and_polls(
    client, alice, submitted
):
    client.force_login(alice)
    page = client.get(reverse("diagnostics:result", args=[submitted.pk])).content
    page = page.decode()
    status_url = reverse("diagnostics:report_status", args=[submitted.pk])
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in page
    assert "PDF 보고서를 준비하고 있습니다" in page
    fragment = client.get(status_url)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content and b"hx-trigger" in fragment.content


def test_the_page_offers_the_download_once_ready_and_stops_polling(
    client, alice, submitted
):
    report = report_mark_ready(submitted.reports.get())
    client.force_login(alice)
    fragment = client.get(reverse("diagnostics:report_status", args=[submitted.pk]))
    content = fragment.content.decode()
    assert "hx-trigger" not in content
    download = reverse("diagnostics:report_download", args=[submitted.pk, report.pk])
    assert f'href="{download}"' in content
    assert "영문 보고서도 만들기" in content  # the other language, on request


def test_the_download_is_a_private_attachment(client, alice, anna, submitted):
    report = report_mark_ready(submitted.reports.get())
    url = reverse("diagnostics:report_download", args=[submitted.pk, report.pk])
    client.force_login(anna)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "-ko.pdf" in disposition
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7\n"


def test_nobody_outside_the_firm_or_its_region_downloads_it(
    client, submitted, bob, carol, dave
):
    report = report_mark_ready(submitted.reports.get())
    firm_url = reverse("diagnostics:report_download", args=[submitted.pk, report.pk])
    agency_url = reverse(
        "diagnostics:agency_report_download", args=[submitted.pk, report.pk]
    )
    for user, url, status in [
        (bob, firm_url, 404),
        (dave, agency_url, 404),
        (carol, firm_url, 404),
        (carol, agency_url, 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, (user, url)


def test_a_report_cannot_be_fetched_through_another_diagnostic(
    client, alice, bob, content, submitted
):
    other = diagnostic_start(company=bob.company, user=bob)
    answer_all(other, content, bob)
    other = diagnostic_submit(diagnostic=other, user=bob)
    bobs = report_mark_ready(other.reports.get())
    client.force_login(alice)
    url = reverse("diagnostics:report_download", args=[submitted.pk, bobs.pk])
    assert client.get(url).status_code == 404


def test_the_consultant_sees_the_report_on_the_agency_page(client, carol, submitted):
    report = report_mark_ready(submitted.reports.get())
    client.force_login(carol)
    page = client.get(reverse("diagnostics:agency_detail", args=[submitted.pk]))
    download = reverse(
        "diagnostics:agency_report_download", args=[submitted.pk, report.pk]
    )
    assert f'href="{download}"' in page.content.decode()


def test_the_firm_asks_for_the_other_language(
    client, alice, submitted, sent, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = reverse("diagnostics:report_request", args=[submitted.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"language": "en"})
    assert response.url == reverse("diagnostics:result", args=[submitted.pk])
    english = submitted.reports.get(language="en")
    assert english.status == ReportStatus.QUEUED and sent == [english.pk]
    assert client.post(url, {"language": "fr"}).status_code == 302
    assert not submitted.reports.filter(language="fr").exists()


def test_a_failed_report_offers_a_retry_that_queues_it_again(
    client, alice, submitted, sent, django_capture_on_commit_callbacks
):
    report = submitted.reports.get()
    reports.report_mark_failed(report_id=report.pk, error="OSError: disk full")
    Report.objects.filter(pk=report.pk).update(attempts=3)
    client.force_login(alice)
    status_url = reverse("diagnostics:report_status", args=[submitted.pk])
    fragment = client.get(status_url).content.decode()
    assert "PDF 보고서를 만들지 못했습니다" in fragment
    assert "hx-trigger" not in fragment  # failed is final: no polling
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("diagnostics:report_request", args=[submitted.pk]),
            {"language": "ko"},
            headers={"HX-Request": "true"},
        )
    assert b'hx-trigger="every 2s"' in response.content  # htmx gets the fragment
    report.refresh_from_db()
    assert (report.status, report.attempts, report.last_error) == (
        ReportStatus.QUEUED,
        0,
        "",
    )
    assert sent == [report.pk]


def test_a_report_stuck_past_the_limit_reads_as_failed_even_without_a_sweep(
    client, alice, submitted, sent, django_capture_on_commit_callbacks
):
    report = submitted.reports.get()
    Report.objects.filter(pk=report.pk).update(
        requested_at=timezone.now()
        - timedelta(seconds=settings.REPORTS_GIVE_UP_SECONDS + 1)
    )
    client.force_login(alice)
    fragment = client.get(reverse("diagnostics:report_status", args=[submitted.pk]))
    assert "PDF 보고서를 만들지 못했습니다" in fragment.content.decode()
    assert b"hx-trigger" not in fragment.content
    with django_capture_on_commit_callbacks(execute=True):
        again = reports.report_request(diagnostic=submitted, language="ko")
    assert again.pk == report.pk and sent == [report.pk]
    assert timezone.now() - again.requested_at < timedelta(minutes=1)


def test_a_non_default_storage_backend_stores_and_serves_the_report(
    client, alice, content, settings, django_capture_on_commit_callbacks
):
    """A real render, kept in Django's InMemoryStorage instead of the file system."""
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    diagnostic = diagnostic_submit(diagnostic=diagnostic, user=alice)
    report = diagnostic.reports.get()
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_render(report_id=report.pk)
    report.refresh_from_db()
    storage = reports.reports_storage()
    assert type(storage).__name__ == "InMemoryStorage"
    with storage.open(report.file_name) as handle:
        stored = handle.read()
    client.force_login(alice)
    response = client.get(
        reverse("diagnostics:report_download", args=[diagnostic.pk, report.pk])
    )
    downloaded = b"".join(response.streaming_content)
    assert downloaded == stored and downloaded.startswith(b"%PDF-")
    assert len(downloaded) == report.size_bytes


# --- Health ---------------------------------------------------------------------------


def test_health_without_redis_checks_the_database_only(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "redis": "not configured",
            "worker": {
                "status": "not applicable",
                "detail": "tasks run in the web process",
            },
        },
    }


def test_health_is_degraded_without_a_recent_worker_heartbeat(client, settings):
    settings.REDIS_URL = ""  # the Redis check itself is a services test
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(reports.HEARTBEAT_CACHE_KEY)
    response = client.get(reverse("healthz"))
    # Pages still work without workers: a load balancer keeps this process.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == {"status": "no heartbeat"}
    old = timezone.now() - timedelta(
        seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5
    )
    reports.worker_heartbeat_record(now=old)
    response = client.get(reverse("healthz"))
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"]["status"] == "stale"
    reports.worker_heartbeat_record()
    response = client.get(reverse("healthz"))
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"]["status"] == "ok"
    cache.delete(reports.HEARTBEAT_CACHE_KEY)


def test_health_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from diagnostics import report_views

    monkeypatch.setattr(report_views, "_check_database", lambda: "error: Down")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
