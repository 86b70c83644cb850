"""Every named URL, walked from the resolver, as every role.

Public pages are an explicit allowlist. Everything else needs a login; a firm's pages
answer 404 to anyone outside the firm (another firm's member, consultant, staff), so a
new URL cannot be forgotten: it fails here until it is classified.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from diagnostics.services import diagnostic_start, diagnostic_submit
from tests.conftest import answer_all, report_mark_ready

pytestmark = pytest.mark.django_db

# Pages anyone may open without logging in.
PUBLIC = {
    "landing",
    "set_language",
    "accounts:signup",
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:signup_sent",
    "accounts:signup_confirm",
    "accounts:invitation_accept",
    "diagnostics:method",
    "diagnostics:method_version",
    "healthz",
}
# Pages for any logged-in user, whatever the role.
ANY_USER = {
    "home",
    "accounts:company",
    "accounts:password_change",
    "accounts:password_change_done",
}
# A firm's own pages: only its members; everyone else gets a 404.
FIRM_ONLY = {
    "accounts:team",
    "accounts:invitation_revoke",
    "accounts:member_remove",
    "diagnostics:start",
    "diagnostics:step",
    "diagnostics:review",
    "diagnostics:submit",
    "diagnostics:result",
    "diagnostics:history",
    "diagnostics:compare",
    "diagnostics:report_status",
    "diagnostics:report_request",
    "diagnostics:report_download",
    "diagnostics:program_uptake",
    "diagnostics:consultant_request",
    "diagnostics:consultant_request_cancel",
}


# Agency pages: consultants (in their region) and staff; firms and others get a 404.
AGENCY_ONLY = {
    "diagnostics:agency_list",
    "diagnostics:agency_export",
    "diagnostics:agency_detail",
    "diagnostics:agency_refresh_recommendations",
    "diagnostics:agency_report_status",
    "diagnostics:agency_report_request",
    "diagnostics:agency_report_download",
    "diagnostics:agency_statistics",
    "diagnostics:agency_note_add",
    "diagnostics:agency_assign",
    "diagnostics:agency_set_status",
    "diagnostics:agency_override_stage",
    "diagnostics:assisted",
    "diagnostics:assisted_save",
    "diagnostics:agency_request_status",
    "diagnostics:agency_visit",
    "diagnostics:agency_visit_start",
}
# Agency pages that staff may not use either: consultants' own judgement.
CONSULTANTS_ONLY = {"diagnostics:agency_override_stage"}


def _named_patterns(resolver: URLResolver, namespace: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django admin guards itself; tested in the admin tests
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


ALL_NAMES = sorted(set(_named_patterns(get_resolver())))


def test_every_named_url_is_classified():
    unclassified = set(ALL_NAMES) - PUBLIC - ANY_USER - FIRM_ONLY - AGENCY_ONLY
    assert not unclassified, (
        f"Classify these URLs in tests/test_access.py: {unclassified}"
    )


@pytest.fixture
def firm_a_urls(alice, content):
    """A URL for every name, pointing at firm A's objects."""
    submitted = diagnostic_start(company=alice.company, user=alice)
    answer_all(submitted, content, alice)
    diagnostic_submit(diagnostic=submitted, user=alice)
    report = report_mark_ready(submitted.reports.get())
    draft = diagnostic_start(company=alice.company, user=alice)
    args = {
        "diagnostics:step": [draft.pk, 1],
        "diagnostics:review": [draft.pk],
        "diagnostics:submit": [draft.pk],
        "diagnostics:result": [submitted.pk],
        "diagnostics:agency_detail": [submitted.pk],
        "diagnostics:agency_export": ["csv"],
        "diagnostics:agency_refresh_recommendations": [submitted.pk],
        "diagnostics:report_status": [submitted.pk],
        "diagnostics:report_request": [submitted.pk],
        "diagnostics:report_download": [submitted.pk, report.pk],
        "diagnostics:agency_report_status": [submitted.pk],
        "diagnostics:agency_report_request": [submitted.pk],
        "diagnostics:agency_report_download": [submitted.pk, report.pk],
        "diagnostics:program_uptake": [
            submitted.pk,
            submitted.recommendations.filter(kind="recommended").first().pk,
        ],
        "diagnostics:agency_note_add": [submitted.pk],
        "diagnostics:agency_assign": [submitted.pk],
        "diagnostics:agency_set_status": [submitted.pk],
        "diagnostics:agency_override_stage": [submitted.pk],
        # Assisted mode reaches drafts: the consultant in scope opens firm A's draft.
        "diagnostics:assisted": [draft.pk],
        "diagnostics:assisted_save": [draft.pk],
        "diagnostics:agency_request_status": [submitted.pk],
        "diagnostics:agency_visit_start": [alice.company.pk],
        "diagnostics:consultant_request": [submitted.pk],
        "diagnostics:consultant_request_cancel": [submitted.pk],
        "accounts:password_reset_confirm": ["MQ", "set-password"],
        "diagnostics:method_version": [1],
        "accounts:signup_confirm": ["not-a-token"],
        "accounts:invitation_accept": ["not-a-token"],
        "accounts:member_remove": [alice.pk],
        "accounts:invitation_revoke": [
            alice.company.invitations.create(email="invitee@example.com").pk
        ],
    }
    urls = {name: reverse(name, args=args.get(name, [])) for name in ALL_NAMES}
    urls["diagnostics:compare"] += f"?a={submitted.pk}&b={submitted.pk}"
    urls["diagnostics:agency_visit"] += (
        f"?business_number={alice.company.business_number}"
    )
    return urls


POSTS = {
    "diagnostics:start",
    "diagnostics:submit",
    "diagnostics:agency_refresh_recommendations",
    "diagnostics:report_request",
    "diagnostics:agency_report_request",
    "diagnostics:program_uptake",
    "diagnostics:agency_note_add",
    "diagnostics:agency_assign",
    "diagnostics:agency_set_status",
    "diagnostics:agency_override_stage",
    "diagnostics:assisted_save",
    "diagnostics:agency_request_status",
    "diagnostics:agency_visit_start",
    "diagnostics:consultant_request",
    "diagnostics:consultant_request_cancel",
    "accounts:logout",
    "set_language",
}


def _get(client, name: str, url: str):
    if name in POSTS:
        return client.post(url)
    return client.get(url)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_anonymous_sees_only_public_pages(client, firm_a_urls, name):
    response = _get(client, name, firm_a_urls[name])
    if name in PUBLIC:
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert "/accounts/login/" not in response.url
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(FIRM_ONLY))
@pytest.mark.parametrize("who", ["bob", "carol", "lena", "steve"])
def test_outsiders_get_404_for_a_firms_pages(client, firm_a_urls, name, who, request):
    client.force_login(request.getfixturevalue(who))
    response = _get(client, name, firm_a_urls[name])
    if who == "bob" and name in {
        "accounts:team",
        "diagnostics:start",
        "diagnostics:history",
    }:
        # Pages without an id show Bob his own firm's data, never A's.
        assert response.status_code in {200, 302}
        assert b"alice@example.com" not in response.content
        return
    assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(FIRM_ONLY))
def test_a_member_opens_the_firms_pages(client, alice, firm_a_urls, name):
    client.force_login(alice)
    response = _get(client, name, firm_a_urls[name])
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert response.url != reverse("accounts:login")


@pytest.mark.parametrize("name", sorted(ANY_USER))
@pytest.mark.parametrize("who", ["alice", "bob", "carol", "nora", "lena", "steve"])
def test_any_logged_in_user_opens_the_account_pages(
    client, firm_a_urls, name, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = _get(client, name, firm_a_urls[name])
    assert response.status_code in {200, 302}


def test_agency_users_are_not_offered_a_company_profile(client, carol):
    client.force_login(carol)
    response = client.get(reverse("accounts:company"))
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize("name", sorted(AGENCY_ONLY))
@pytest.mark.parametrize("who", ["alice", "bob", "dave", "nora"])
def test_firms_other_regions_and_no_region_get_404_for_agency_pages(
    client, firm_a_urls, name, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = _get(client, name, firm_a_urls[name])
    if who in {"dave", "nora"} and name in {
        "diagnostics:agency_list",
        "diagnostics:agency_statistics",
        "diagnostics:agency_visit",  # the lookup answers "no firm in your regions"
    }:
        assert response.status_code == 200
        assert "에이상사" not in response.content.decode()
        return
    if who in {"dave", "nora"} and name == "diagnostics:agency_export":
        assert response.status_code == 200
        assert "에이상사" not in b"".join(response.streaming_content).decode()
        return
    assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(AGENCY_ONLY))
@pytest.mark.parametrize("who", ["carol", "lena", "steve"])
def test_the_regions_consultant_the_lead_and_staff_open_agency_pages(
    client, firm_a_urls, name, who, request
):
    client.force_login(request.getfixturevalue(who))
    response = _get(client, name, firm_a_urls[name])
    if who == "steve" and name in CONSULTANTS_ONLY:
        assert response.status_code == 404
        return
    assert response.status_code in {200, 302}
    if name in {"diagnostics:agency_list", "diagnostics:agency_visit"}:
        assert "에이상사" in response.content.decode()
    if name == "diagnostics:agency_export":
        assert "에이상사" in b"".join(response.streaming_content).decode()
