"""Team invitations and member removal, through the services. Alice and Anna (firm A)
invite and remove; Bob (firm B) has an account in another firm and is never moved."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.utils import timezone, translation

from accounts import services
from accounts.models import Invitation, InvitationStatus, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Harbor-lantern-2026!"


def _token(message: mail.EmailMessage) -> str:
    match = re.search(r"/accounts/invitations/([^/\s]+)/", str(message.body))
    assert match, message.body
    return match.group(1)


@pytest.fixture
def invite(alice, django_capture_on_commit_callbacks):
    """Invite an address as Alice, running the after-commit mail."""

    def _invite(email: str = "new@example.com", **kwargs) -> Invitation:
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                company=alice.company, email=email, invited_by=alice, **kwargs
            )

    return _invite


def test_it_records_a_pending_invitation_and_mails_a_link(alice, invite, settings):
    invitation = invite("New@Example.com ")
    assert invitation.email == "new@example.com"
    assert invitation.company == alice.company
    assert invitation.invited_by == alice
    assert invitation.status == InvitationStatus.PENDING
    assert not User.objects.filter(email="new@example.com").exists()
    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert settings.SITE_URL + "/accounts/invitations/" in message.body
    assert alice.email in message.body
    assert alice.company.name_ko in message.subject


def test_it_mails_only_after_the_transaction_commits(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(
            company=alice.company, email="new@example.com", invited_by=alice
        )
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_it_refuses_the_eleventh_invitation_of_a_day_and_sends_nothing(alice, invite):
    for number in range(services.INVITATIONS_PER_DAY):
        invite(f"colleague{number}@example.com")
    assert len(mail.outbox) == services.INVITATIONS_PER_DAY
    with translation.override("en"), pytest.raises(services.AccountsError) as refused:
        invite("one-too-many@example.com")
    assert refused.value.code == "limit"
    assert refused.value.message == (
        "Your company has sent 10 invitations in the last 24 hours, the most "
        "allowed. Try again tomorrow."
    )
    assert not Invitation.objects.filter(email="one-too-many@example.com").exists()
    assert len(mail.outbox) == services.INVITATIONS_PER_DAY


def test_the_limit_counts_withdrawn_invitations_and_only_the_last_day(alice, invite):
    for number in range(services.INVITATIONS_PER_DAY):
        services.invitation_revoke(
            invitation=invite(f"colleague{number}@example.com"), user=alice
        )
    with pytest.raises(services.AccountsError):
        invite("again@example.com")
    Invitation.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert invite("again@example.com").status == InvitationStatus.PENDING


def test_the_limit_is_per_firm(alice, bob, invite, django_capture_on_commit_callbacks):
    for number in range(services.INVITATIONS_PER_DAY):
        invite(f"colleague{number}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            company=bob.company, email="b-colleague@example.com", invited_by=bob
        )
    assert Invitation.objects.filter(company=bob.company).count() == 1


def test_it_accepts_and_creates_the_member_in_the_inviting_firm(alice, invite):
    invite()
    invitation = services.invitation_for_token(token=_token(mail.outbox[0]))
    user = services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    assert user.email == "new@example.com"
    assert user.company == alice.company
    assert user.has_role(Role.SME_MEMBER)
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None


def test_it_refuses_a_second_acceptance(invite):
    invite()
    token = _token(mail.outbox[0])
    invitation = services.invitation_for_token(token=token)
    services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=token)
    assert refused.value.code == "accepted"
    # A second tab that read the invitation before the first accepted it.
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_accept(invitation=invitation, password="Other-pass-2026!")
    assert refused.value.code == "accepted"
    assert User.objects.filter(email="new@example.com").count() == 1
    assert User.objects.get(email="new@example.com").check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "x" + token,
        lambda token: signing.dumps({"invitation": 1}, salt="accounts.signup"),
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "other-salt", "garbage"],
)
def test_it_refuses_a_tampered_link(invite, tamper):
    invite()
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=tamper(_token(mail.outbox[0])))
    assert refused.value.code == "invalid"


def test_it_refuses_a_link_for_an_invitation_that_does_not_exist():
    token = signing.dumps({"invitation": 999_999}, salt="accounts.invitation")
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=token)
    assert refused.value.code == "invalid"


def test_it_refuses_an_expired_link(invite):
    invite()
    token = _token(mail.outbox[0])
    later = time.time() + services.INVITATION_MAX_AGE.total_seconds() + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        with pytest.raises(services.AccountsError) as refused:
            services.invitation_for_token(token=token)
    assert refused.value.code == "expired"


def test_it_refuses_an_invitation_past_its_age_even_with_a_fresh_link(invite):
    invitation = invite()
    token = _token(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - services.INVITATION_MAX_AGE
    )
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=token)
    assert refused.value.code == "expired"
    with pytest.raises(services.AccountsError):
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(invite):
    first = invite()
    old_token = _token(mail.outbox[0])
    second = invite()
    first.refresh_from_db()
    assert first.status == InvitationStatus.REVOKED
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=old_token)
    assert refused.value.code == "revoked"
    assert services.invitation_for_token(token=_token(mail.outbox[1])) == second


def test_a_withdrawn_invitation_cannot_be_accepted(alice, anna, invite):
    invitation = invite()
    services.invitation_revoke(invitation=invitation, user=anna)
    invitation.refresh_from_db()
    assert invitation.revoked_by == anna
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_for_token(token=_token(mail.outbox[0]))
    assert refused.value.code == "revoked"
    with pytest.raises(services.AccountsError):
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_revoke(invitation=invitation, user=alice)
    assert refused.value.code == "not_pending"


def test_an_address_with_an_account_gets_a_notice_and_no_second_account(
    alice, bob, invite
):
    invitation = invite("BOB@example.com")
    # Recorded like any invitation: the inviter's view does not tell the difference.
    assert invitation.status == InvitationStatus.PENDING
    assert services.invitations_pending(company=alice.company) == [invitation]
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert "/accounts/invitations/" not in message.body
    assert "/accounts/login/" in message.body
    assert "/accounts/password/reset/" in message.body
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1
    bob.refresh_from_db()
    assert bob.company != alice.company


def test_the_notice_is_in_the_account_holders_language(bob, invite):
    User.objects.filter(pk=bob.pk).update(preferred_language="en")
    invite(bob.email)
    assert "You already have an ExportReady account" in mail.outbox[0].body


def test_an_agency_account_gets_a_notice_too(carol, invite):
    invite(carol.email)
    assert "/accounts/invitations/" not in mail.outbox[0].body


def test_an_account_in_no_firm_gets_a_link_and_joins_when_it_accepts(alice, invite):
    loner = UserFactory(email="loner@example.com", role=Role.SME_MEMBER)
    invite(loner.email)
    invitation = services.invitation_for_token(token=_token(mail.outbox[0]))
    # A password form would create a second account: refused.
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)
    assert refused.value.code == "account_exists"
    services.invitation_accept_existing(invitation=invitation, user=loner)
    loner.refresh_from_db()
    assert loner.company == alice.company
    assert loner.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_by == loner


def test_another_account_cannot_accept_someone_elses_invitation(invite):
    UserFactory(email="loner@example.com", role=Role.SME_MEMBER)
    other = UserFactory(email="other@example.com", role=Role.SME_MEMBER)
    invite("loner@example.com")
    invitation = services.invitation_for_token(token=_token(mail.outbox[0]))
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_accept_existing(invitation=invitation, user=other)
    assert refused.value.code == "other_account"
    other.refresh_from_db()
    assert other.company is None


def test_an_account_that_joined_a_firm_meanwhile_is_not_moved(alice, company_b, invite):
    loner = UserFactory(email="loner@example.com", role=Role.SME_MEMBER)
    invite(loner.email)
    invitation = services.invitation_for_token(token=_token(mail.outbox[0]))
    User.objects.filter(pk=loner.pk).update(company=company_b)
    loner.refresh_from_db()
    with pytest.raises(services.AccountsError) as refused:
        services.invitation_accept_existing(invitation=invitation, user=loner)
    assert refused.value.code == "has_company"
    loner.refresh_from_db()
    assert loner.company == company_b
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_the_pending_list_leaves_out_used_withdrawn_and_expired_invitations(
    alice, invite
):
    pending = invite("pending@example.com")
    services.invitation_revoke(invitation=invite("gone@example.com"), user=alice)
    services.invitation_accept(
        invitation=invite("joined@example.com"), password=NEW_PASSWORD
    )
    expired = invite("late@example.com")
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert services.invitations_pending(company=alice.company) == [pending]


def test_a_member_removes_a_colleague_who_keeps_an_account(alice, anna, caplog):
    with caplog.at_level(logging.INFO, logger="accounts.services"):
        services.company_remove_member(
            company=alice.company, member=anna, removed_by=alice
        )
    anna.refresh_from_db()
    assert anna.company is None
    assert anna.is_active
    assert (
        f"team member removed: user {anna.pk} from company {alice.company.pk} "
        f"by user {alice.pk}"
    ) in caplog.text


def test_the_last_member_cannot_leave(alice):
    with pytest.raises(services.AccountsError) as refused:
        services.company_remove_member(
            company=alice.company, member=alice, removed_by=alice
        )
    assert refused.value.code == "last_member"
    alice.refresh_from_db()
    assert alice.company is not None


def test_a_member_of_another_firm_cannot_be_removed(alice, bob):
    with pytest.raises(services.AccountsError) as refused:
        services.company_remove_member(
            company=alice.company, member=bob, removed_by=alice
        )
    assert refused.value.code == "not_member"
    bob.refresh_from_db()
    assert bob.company is not None


def test_a_removed_member_can_be_invited_back(alice, anna, invite):
    services.company_remove_member(company=alice.company, member=anna, removed_by=alice)
    invite(anna.email)
    invitation = services.invitation_for_token(token=_token(mail.outbox[0]))
    services.invitation_accept_existing(invitation=invitation, user=anna)
    anna.refresh_from_db()
    assert anna.company == alice.company
