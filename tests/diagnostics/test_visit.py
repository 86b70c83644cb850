"""A consultant looks a firm up by its business registration number before a visit,
and opens or starts its diagnostic in assisted mode."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from accounts.validators import format_business_number
from diagnostics.models import Diagnostic, DiagnosticStatus
from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db

FIRM_A = "A Trading"  # firm A's English name (tests/conftest.py)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _look_up(client, number: str):
    return client.get(reverse("diagnostics:agency_visit"), {"business_number": number})


def test_the_page_opens_with_an_empty_form(client, carol):
    client.force_login(carol)
    page = client.get(reverse("diagnostics:agency_visit")).content.decode()
    assert 'name="business_number"' in page
    assert "alert-danger" not in page  # an unbound form shows no error


def test_a_firm_with_no_diagnostic_is_found_and_a_draft_started_for_the_visit(
    client, alice, carol, content
):
    client.force_login(carol)
    # Written as on the registration certificate, with hyphens.
    page = _look_up(client, format_business_number(alice.company.business_number))
    html = page.content.decode()
    assert FIRM_A in html
    start = reverse("diagnostics:agency_visit_start", args=[alice.company.pk])
    assert start in html

    response = client.post(start)
    draft = Diagnostic.objects.get(company=alice.company)
    assert draft.status == DiagnosticStatus.DRAFT and draft.started_by == carol
    assert response.url == reverse("diagnostics:assisted", args=[draft.pk])
    # The assisted-mode page of the draft leads back to the firm's visit page.
    back = f"{reverse('diagnostics:agency_visit')}?business_number="
    assert (
        back + alice.company.business_number
        in client.get(response.url).content.decode()
    )
    # Starting again opens the same draft: one draft per firm.
    assert client.post(start).url == response.url
    assert Diagnostic.objects.filter(company=alice.company).count() == 1


def test_a_draft_in_progress_and_the_latest_result_are_offered(
    client, alice, carol, content
):
    submitted = diagnostic_start(company=alice.company, user=alice)
    answer_all(submitted, content, alice)
    diagnostic_submit(diagnostic=submitted, user=alice)
    draft = diagnostic_start(company=alice.company, user=alice)
    client.force_login(carol)
    html = _look_up(client, alice.company.business_number).content.decode()
    assert reverse("diagnostics:assisted", args=[draft.pk]) in html
    assert reverse("diagnostics:agency_detail", args=[submitted.pk]) in html
    assert (
        reverse("diagnostics:agency_visit_start", args=[alice.company.pk]) not in html
    )


@pytest.mark.parametrize("who", ["dave", "nora"])
def test_a_firm_outside_the_consultants_regions_reads_as_unknown(
    client, alice, who, request
):
    client.force_login(request.getfixturevalue(who))
    html = _look_up(client, alice.company.business_number).content.decode()
    assert FIRM_A not in html
    assert "No firm in your regions has this business registration number" in html
    start = reverse("diagnostics:agency_visit_start", args=[alice.company.pk])
    assert client.post(start).status_code == 404
    assert not Diagnostic.objects.exists()


def test_the_lead_consultant_finds_a_firm_of_any_region(client, alice, lena):
    client.force_login(lena)
    assert FIRM_A in _look_up(client, alice.company.business_number).content.decode()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "Enter the firm's business registration number."),
        ("12345", "Enter the 10 digits of the business registration number"),
        ("123-45-67890", "This number does not check out."),
    ],
    ids=["empty", "short", "check-digit"],
)
def test_a_malformed_number_is_refused_with_a_message(client, carol, number, message):
    client.force_login(carol)
    html = _look_up(client, number).content.decode()
    assert escape(message) in html
    assert "error-summary" in html


def test_starting_a_draft_needs_a_post(client, alice, carol):
    client.force_login(carol)
    start = reverse("diagnostics:agency_visit_start", args=[alice.company.pk])
    assert client.get(start).status_code == 405
    assert not Diagnostic.objects.exists()
