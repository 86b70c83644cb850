"""A firm asks, from its result page, for a consultant's call or visit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from diagnostics.assisted import (
    ConsultantRequestError,
    agency_request_panel,
    consultant_request_cancel,
    consultant_request_create,
    consultant_request_panel,
    consultant_request_set_status,
)
from diagnostics.models import (
    ConsultantRequest,
    ConsultantRequestStatus,
    ReviewEvent,
    ReviewEventKind,
)
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, content):
    diagnostic = diagnostic_start(company=alice.company, user=alice)
    answer_all(diagnostic, content, alice)
    return diagnostic_submit(diagnostic=diagnostic, user=alice)


def _create(diagnostic, user, **extra):
    fields = {"kind": "visit", "preferred_time": "화요일 오후", "message": "수출 상담"}
    fields.update(extra)
    return consultant_request_create(diagnostic=diagnostic, user=user, **fields)


# --- Services -----------------------------------------------------------------------


def test_a_firm_asks_for_a_consultant(submitted, alice):
    request = _create(submitted, alice)
    assert request.status == ConsultantRequestStatus.OPEN
    assert request.requested_by == alice
    assert request.kind == "visit"


def test_a_second_open_request_is_refused_with_a_message(submitted, alice, anna):
    _create(submitted, alice)
    with pytest.raises(ConsultantRequestError) as refused:
        _create(submitted, anna)
    assert str(refused.value)
    assert ConsultantRequest.objects.filter(diagnostic=submitted).count() == 1


def test_after_a_cancel_the_firm_may_ask_again(submitted, alice):
    _create(submitted, alice)
    cancelled = consultant_request_cancel(diagnostic=submitted, user=alice)
    assert cancelled.status == ConsultantRequestStatus.CANCELLED
    # The consultants' audit trail shows who withdrew it.
    (event,) = ReviewEvent.objects.filter(diagnostic=submitted)
    assert (event.actor, event.kind) == (alice, ReviewEventKind.REQUEST)
    assert (event.old_value, event.new_value) == (
        ConsultantRequestStatus.OPEN,
        ConsultantRequestStatus.CANCELLED,
    )
    assert _create(submitted, alice).status == ConsultantRequestStatus.OPEN


@pytest.mark.parametrize(
    "fields", [{"kind": "letter"}, {"preferred_time": "   "}], ids=["kind", "time"]
)
def test_the_service_checks_its_fields(submitted, alice, fields):
    with pytest.raises(ConsultantRequestError):
        _create(submitted, alice, **fields)
    assert not ConsultantRequest.objects.exists()


def test_cancelling_without_an_open_request_is_refused(submitted, alice):
    with pytest.raises(ConsultantRequestError):
        consultant_request_cancel(diagnostic=submitted, user=alice)


def test_a_draft_or_another_firm_cannot_ask(alice, bob, content, submitted):
    draft = diagnostic_start(company=alice.company, user=alice)
    with pytest.raises(ConsultantRequestError):
        _create(draft, alice)
    with pytest.raises(ConsultantRequestError):
        _create(submitted, bob)


def test_a_consultant_changes_the_status_and_the_audit_records_it(
    submitted, alice, carol
):
    request = _create(submitted, alice)
    consultant_request_set_status(
        request=request, status=ConsultantRequestStatus.SCHEDULED, actor=carol
    )
    request.refresh_from_db()
    assert request.status == ConsultantRequestStatus.SCHEDULED
    assert request.handled_by == carol
    event = ReviewEvent.objects.get(diagnostic=submitted)
    assert event.kind == ReviewEventKind.REQUEST
    assert (event.old_value, event.new_value) == ("open", "scheduled")
    assert event.actor == carol
    # The same status again records nothing.
    consultant_request_set_status(
        request=request, status=ConsultantRequestStatus.SCHEDULED, actor=carol
    )
    assert ReviewEvent.objects.filter(diagnostic=submitted).count() == 1


def test_a_closed_request_keeps_its_status(submitted, alice, carol):
    request = _create(submitted, alice)
    consultant_request_set_status(
        request=request, status=ConsultantRequestStatus.DONE, actor=carol
    )
    with pytest.raises(ConsultantRequestError):
        consultant_request_set_status(
            request=request, status=ConsultantRequestStatus.OPEN, actor=carol
        )


# --- E-mail -------------------------------------------------------------------------


def test_the_regions_consultants_are_emailed_one_message_each(
    submitted, alice, carol, dave, nora, lena, django_capture_on_commit_callbacks
):
    second = UserFactory(
        email="sam@example.com", regions=["busan", "seoul"], role=Role.CONSULTANT
    )
    UserFactory(
        email="gone@example.com",
        regions=["seoul"],
        role=Role.CONSULTANT,
        is_active=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _create(submitted, alice)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([carol.email, second.email])
    assert all(len(message.to) == 1 and not message.cc for message in mail.outbox)
    body = mail.outbox[0].body
    assert "화요일 오후" in body
    assert reverse("diagnostics:agency_detail", args=[submitted.pk]) in body


def test_no_email_when_the_request_is_refused(
    submitted, alice, carol, django_capture_on_commit_callbacks
):
    _create(submitted, alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ConsultantRequestError):
            _create(submitted, alice)
    assert mail.outbox == []


# --- Firm views ---------------------------------------------------------------------


def test_the_firm_posts_a_request_and_sees_it(client, submitted, alice, carol):
    client.force_login(alice)
    url = reverse("diagnostics:consultant_request", args=[submitted.pk])
    response = client.post(
        url, {"kind": "call", "preferred_time": "평일 오전", "message": ""}
    )
    assert response.status_code == 302
    assert response.url.endswith("#consultant-request")
    request = ConsultantRequest.objects.get(diagnostic=submitted)
    assert request.kind == "call"
    # A second post gives a message, not an error page.
    response = client.post(
        url, {"kind": "call", "preferred_time": "평일 오전"}, follow=True
    )
    assert response.status_code == 200
    assert ConsultantRequest.objects.filter(diagnostic=submitted).count() == 1
    refused = list(response.context["messages"])[-1]
    assert refused.level_tag == "error"
    assert "이미" in str(refused) or "already" in str(refused)
    # The panel shows its status and a cancel button, and no address of a consultant.
    html = render_to_string(
        "diagnostics/_consultant_request.html",
        {"consultant_request": consultant_request_panel(submitted)},
    )
    assert reverse("diagnostics:consultant_request_cancel", args=[submitted.pk]) in html
    assert "carol@example.com" not in html


def test_the_preferred_time_is_required(client, submitted, alice):
    client.force_login(alice)
    response = client.post(
        reverse("diagnostics:consultant_request", args=[submitted.pk]),
        {"kind": "call", "preferred_time": "  "},
    )
    assert response.status_code == 302
    assert not ConsultantRequest.objects.exists()


def test_a_long_message_is_refused(client, submitted, alice):
    client.force_login(alice)
    client.post(
        reverse("diagnostics:consultant_request", args=[submitted.pk]),
        {"kind": "call", "preferred_time": "언제든", "message": "가" * 1001},
    )
    assert not ConsultantRequest.objects.exists()


def test_the_firm_cancels_through_its_page(client, submitted, alice):
    _create(submitted, alice)
    client.force_login(alice)
    response = client.post(
        reverse("diagnostics:consultant_request_cancel", args=[submitted.pk])
    )
    assert response.status_code == 302
    assert ConsultantRequest.objects.get().status == ConsultantRequestStatus.CANCELLED


def test_the_panel_offers_the_form_without_an_open_request(submitted):
    html = render_to_string(
        "diagnostics/_consultant_request.html",
        {"consultant_request": consultant_request_panel(submitted)},
    )
    assert "<details" in html
    assert 'name="preferred_time"' in html


@pytest.mark.parametrize(
    "name", ["diagnostics:consultant_request", "diagnostics:consultant_request_cancel"]
)
@pytest.mark.parametrize("who", ["bob", "carol", "steve"])
def test_others_get_404_on_the_firms_request_urls(
    client, submitted, alice, name, who, request
):
    _create(submitted, alice)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse(name, args=[submitted.pk]), {"kind": "call", "preferred_time": "x"}
    )
    assert response.status_code == 404
    assert ConsultantRequest.objects.get().status == ConsultantRequestStatus.OPEN


# --- Agency view --------------------------------------------------------------------


def test_the_regions_consultant_schedules_a_request(client, submitted, alice, carol):
    request = _create(submitted, alice)
    client.force_login(carol)
    response = client.post(
        reverse("diagnostics:agency_request_status", args=[submitted.pk]),
        {"request": request.pk, "status": "scheduled"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "scheduled"
    assert ReviewEvent.objects.filter(kind=ReviewEventKind.REQUEST).count() == 1


@pytest.mark.parametrize("who", ["dave", "nora", "alice"])
def test_others_cannot_change_a_requests_status(client, submitted, alice, who, request):
    item = _create(submitted, alice)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("diagnostics:agency_request_status", args=[submitted.pk]),
        {"request": item.pk, "status": "done"},
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == "open"


def test_a_request_of_another_diagnostic_is_404(client, submitted, bob, lena, content):
    other = diagnostic_start(company=bob.company, user=bob)
    answer_all(other, content, bob)
    other = diagnostic_submit(diagnostic=other, user=bob)
    item = _create(other, bob)
    client.force_login(lena)  # sees both firms: the request must be the page's own
    response = client.post(
        reverse("diagnostics:agency_request_status", args=[submitted.pk]),
        {"request": item.pk, "status": "done"},
    )
    assert response.status_code == 404


def test_the_agency_panel_shows_the_request_with_its_status_form(submitted, alice):
    _create(submitted, alice)
    html = render_to_string(
        "diagnostics/_agency_request_panel.html",
        {"agency_request": agency_request_panel(submitted)},
    )
    assert reverse("diagnostics:agency_request_status", args=[submitted.pk]) in html
    assert "화요일 오후" in html


def test_the_panels_do_a_fixed_number_of_queries(submitted, alice, carol):
    with CaptureQueriesContext(connection) as before:
        consultant_request_panel(submitted)
        agency_request_panel(submitted)
    for _ in range(3):
        request = _create(submitted, alice)
        consultant_request_set_status(
            request=request, status=ConsultantRequestStatus.DONE, actor=carol
        )
    _create(submitted, alice)
    with CaptureQueriesContext(connection) as after:
        consultant_request_panel(submitted)
        agency_request_panel(submitted)
    assert len(after) == len(before) == 2
