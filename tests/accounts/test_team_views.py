"""The team page, its invitations and removals, and the invitation link. Only firm A's
members (Alice, Anna) see and act on firm A's invitations and members; Bob (firm B),
Carol (consultant) and Steve (staff) get a 404. The link itself works for anyone."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, InvitationStatus, Role, User
from tests.factories import PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Harbor-lantern-2026!"
TEAM = reverse("accounts:team")


@pytest.fixture(autouse=True)
def _english(client):
    client.post(reverse("set_language"), {"language": "en"})


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit mail of the requests made inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _token(message: mail.EmailMessage) -> str:
    match = re.search(r"/accounts/invitations/([^/\s]+)/", str(message.body))
    assert match, message.body
    return match.group(1)


def _accept_url(message: mail.EmailMessage) -> str:
    return reverse("accounts:invitation_accept", args=[_token(message)])


def _comparable(page: str, email: str) -> str:
    """The page without what differs by design: the address typed, the per-response
    CSRF token, and row ids in URLs."""
    page = page.replace(email, "EMAIL")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", page)
    return re.sub(r"/invitations/\d+/", "/invitations/ID/", page)


def _invite_and_undo(client, on_commit, email: str) -> tuple[int, str, str, int]:
    """Invite `email` as the logged-in member: the answer and the number of mails
    sent; then roll the write back."""
    outbox = len(mail.outbox)
    savepoint = transaction.savepoint()
    with on_commit():
        posted = client.post(TEAM, {"email": email})
    page = client.get(posted.url).content.decode()
    transaction.savepoint_rollback(savepoint)
    sent = len(mail.outbox) - outbox
    return posted.status_code, posted.url, _comparable(page, email), sent


def test_the_inviter_sees_the_same_page_whether_or_not_the_address_has_an_account(
    client, alice, bob, on_commit
):
    client.force_login(alice)
    new = _invite_and_undo(client, on_commit, "new@example.com")
    existing = _invite_and_undo(client, on_commit, bob.email)
    assert new == existing
    status, url, page, _ = new
    assert (status, url) == (302, TEAM)
    assert "If EMAIL can join your team, we sent it an invitation." in page
    assert "Pending invitations" in page and "EMAIL" in page
    # Each address got its own, different mail; only its owner reads it.
    assert [m.to for m in mail.outbox] == [["new@example.com"], [bob.email]]


def test_the_team_form_never_says_an_address_is_registered(client, alice, anna):
    client.force_login(alice)
    response = client.post(TEAM, {"email": anna.email}, follow=True)
    page = response.content.decode()
    assert "already" not in page
    assert "If anna@example.com can join your team" in page


def test_a_member_invites_and_the_colleague_joins_from_the_link(
    client, alice, on_commit
):
    client.force_login(alice)
    with on_commit():
        client.post(TEAM, {"email": "colleague@example.com"})
    assert not User.objects.filter(email="colleague@example.com").exists()
    url = _accept_url(mail.outbox[0])

    invitee = Client()
    invitee.post(reverse("set_language"), {"language": "en"})
    page = invitee.get(url).content.decode()
    assert "Join A Trading" in page
    assert "colleague@example.com" in page
    response = invitee.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.url == reverse("home")
    colleague = User.objects.get(email="colleague@example.com")
    assert colleague.company == alice.company
    assert colleague.has_role(Role.SME_MEMBER)
    assert invitee.session["_auth_user_id"] == str(colleague.pk)
    home = invitee.get(reverse("home")).content.decode()
    assert "Welcome to A Trading&#x27;s team." in home


def test_the_accept_form_applies_the_password_validators_and_saves_nothing(
    client, alice, on_commit
):
    client.force_login(alice)
    with on_commit():
        client.post(TEAM, {"email": "colleague@example.com"})
    client.logout()
    client.post(reverse("set_language"), {"language": "en"})
    url = _accept_url(mail.outbox[0])
    response = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    response = client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.filter(email="colleague@example.com").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda i, t: t[:-2], "This invitation link is not valid."),
        (
            lambda i, t: (
                Invitation.objects.filter(pk=i.pk).update(
                    created_at=i.created_at - services.INVITATION_MAX_AGE
                )
                and t
            ),
            "This invitation has expired.",
        ),
        (
            lambda i, t: (
                services.invitation_revoke(invitation=i, user=i.invited_by) and t
            ),
            "This invitation was withdrawn.",
        ),
        (
            lambda i, t: (
                services.invitation_accept(invitation=i, password=PASSWORD) and t
            ),
            "This invitation was already used.",
        ),
    ],
    ids=["tampered", "expired", "withdrawn", "used"],
)
def test_a_link_that_cannot_be_used_says_why_and_saves_nothing(
    client, alice, on_commit, spoil, message
):
    with on_commit():
        invitation = services.invitation_create(
            company=alice.company, email="colleague@example.com", invited_by=alice
        )
    token = spoil(invitation, _token(mail.outbox[0]))
    url = reverse("accounts:invitation_accept", args=[token])
    users = User.objects.count()
    for response in (
        client.get(url),
        client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
    ):
        assert response.status_code == 200
        page = response.content.decode()
        assert "This link cannot be used" in page
        assert message in page
        assert 'name="password1"' not in page
    assert User.objects.count() == users
    assert "_auth_user_id" not in client.session


def test_an_account_in_no_firm_logs_in_and_confirms_to_join(client, alice, on_commit):
    loner = UserFactory(email="loner@example.com", role=Role.SME_MEMBER)
    with on_commit():
        services.invitation_create(
            company=alice.company, email=loner.email, invited_by=alice
        )
    url = _accept_url(mail.outbox[0])
    page = client.get(url).content.decode()
    assert "You already have an account with loner@example.com." in page
    assert 'name="password1"' not in page
    login = client.post(
        reverse("accounts:login") + f"?next={url}",
        {"username": loner.email, "password": PASSWORD, "next": url},
    )
    assert login.url == url
    page = client.get(url).content.decode()
    assert "alice@example.com invited you to join A Trading." in page
    loner.refresh_from_db()
    assert loner.company is None  # nothing happens without the confirmation
    assert client.post(url).url == reverse("home")
    loner.refresh_from_db()
    assert loner.company == alice.company


def test_a_member_of_another_firm_is_never_moved_by_a_link(client, alice, bob):
    invitation = InvitationFactory(company=alice.company, email=bob.email)
    token = services.signing.dumps(
        {"invitation": invitation.pk}, salt="accounts.invitation"
    )
    url = reverse("accounts:invitation_accept", args=[token])
    # Without logging in first: nothing to log in for.
    page = client.get(url).content.decode()
    assert "Your account already belongs to a company." in page
    assert "Log in to accept" not in page
    client.force_login(bob)
    client.post(reverse("set_language"), {"language": "en"})
    for response in (client.get(url), client.post(url)):
        assert "Your account already belongs to a company." in (
            response.content.decode()
        )
    bob.refresh_from_db()
    assert bob.company != alice.company


def test_someone_logged_in_as_another_user_is_asked_to_log_out(
    client, alice, bob, on_commit
):
    with on_commit():
        services.invitation_create(
            company=alice.company, email="colleague@example.com", invited_by=alice
        )
    url = _accept_url(mail.outbox[0])
    client.force_login(bob)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    page = response.content.decode()
    assert "but you are logged in as bob@example.com" in page
    assert not User.objects.filter(email="colleague@example.com").exists()


def test_over_the_limit_the_inviter_sees_why_and_nothing_is_sent(
    client, alice, on_commit
):
    for number in range(services.INVITATIONS_PER_DAY):
        InvitationFactory(company=alice.company, email=f"c{number}@example.com")
    client.force_login(alice)
    with on_commit():
        response = client.post(TEAM, {"email": "colleague@example.com"})
    assert response.status_code == 200
    assert (
        "Your company has sent 10 invitations in the last 24 hours, the most allowed."
        in response.content.decode()
    )
    assert mail.outbox == []
    assert not Invitation.objects.filter(email="colleague@example.com").exists()


def test_the_team_page_lists_pending_invitations_of_the_own_firm_only(
    client, alice, bob
):
    InvitationFactory(
        company=alice.company, email="for-a@example.com", invited_by=alice
    )
    InvitationFactory(company=bob.company, email="for-b@example.com")
    client.force_login(alice)
    page = client.get(TEAM).content.decode()
    assert "for-a@example.com" in page
    assert "for-b@example.com" not in page


def test_a_member_withdraws_an_invitation_after_confirming(client, alice, anna):
    invitation = InvitationFactory(company=alice.company, invited_by=alice)
    url = reverse("accounts:invitation_revoke", args=[invitation.pk])
    client.force_login(anna)
    page = client.get(url).content.decode()
    assert "Withdraw the invitation?" in page
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert client.post(url).url == TEAM
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert invitation.revoked_by == anna
    # Gone from the list, and its page with it.
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["bob", "carol", "steve"])
def test_outsiders_get_404_for_a_firms_invitations_and_members(
    client, alice, anna, who, request
):
    invitation = InvitationFactory(company=alice.company)
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("accounts:invitation_revoke", args=[invitation.pk]),
        reverse("accounts:member_remove", args=[anna.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    anna.refresh_from_db()
    assert anna.company == alice.company


def test_writes_need_the_csrf_token(alice, anna):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    invitation = InvitationFactory(company=alice.company)
    for url, data in [
        (TEAM, {"email": "colleague@example.com"}),
        (reverse("accounts:invitation_revoke", args=[invitation.pk]), {}),
        (reverse("accounts:member_remove", args=[anna.pk]), {}),
    ]:
        assert csrf_client.post(url, data).status_code == 403
    assert Invitation.objects.count() == 1
    anna.refresh_from_db()
    assert anna.company == alice.company


def test_a_member_removes_a_colleague_after_confirming(client, alice, anna):
    url = reverse("accounts:member_remove", args=[anna.pk])
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "Remove this member?" in page
    anna.refresh_from_db()
    assert anna.company == alice.company
    response = client.post(url, follow=True)
    assert "anna@example.com was removed from the team." in response.content.decode()
    anna.refresh_from_db()
    assert anna.company is None
    # Anna's next request finds no firm: she is offered a new company profile.
    client.force_login(anna)
    assert client.get(TEAM).url == reverse("accounts:company")


def test_a_member_leaves_the_team(client, alice, anna):
    client.force_login(anna)
    url = reverse("accounts:member_remove", args=[anna.pk])
    assert "Leave the team?" in client.get(url).content.decode()
    assert client.post(url).url == reverse("home")
    anna.refresh_from_db()
    assert anna.company is None


def test_the_last_member_is_offered_no_removal_and_cannot_leave(client, alice):
    client.force_login(alice)
    page = client.get(TEAM).content.decode()
    assert reverse("accounts:member_remove", args=[alice.pk]) not in page
    response = client.post(
        reverse("accounts:member_remove", args=[alice.pk]), follow=True
    )
    assert "You are the company&#x27;s only member." in response.content.decode()
    alice.refresh_from_db()
    assert alice.company is not None


def test_staff_read_invitations_in_the_admin_but_do_not_make_them(client, steve):
    invitation = InvitationFactory(email="someone@example.com")
    client.force_login(steve)
    changelist = client.get(reverse("admin:accounts_invitation_changelist"))
    assert changelist.status_code == 200
    assert "someone@example.com" in changelist.content.decode()
    change = reverse("admin:accounts_invitation_change", args=[invitation.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:accounts_invitation_add")).status_code == 403
    assert client.post(change, {"email": "other@example.com"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.email == "someone@example.com"


def test_an_admin_withdraws_invitations_with_the_action(client, alice):
    admin_user = User.objects.create_superuser(email="root@example.com", password="x")
    pending = InvitationFactory(company=alice.company)
    client.force_login(admin_user)
    client.post(
        reverse("admin:accounts_invitation_changelist"),
        {"action": "revoke", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.status == InvitationStatus.REVOKED
    assert pending.revoked_by == admin_user
