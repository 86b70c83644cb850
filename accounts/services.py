"""Writes for users, companies, roles, sign-up and team invitations.

Sign-up and invitations share one rule: no page tells a visitor or a firm member whether an
e-mail address has an account. Only the address's owner learns it, from the e-mail sent to it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.access import is_agency_user
from accounts.models import (
    INVITATION_MAX_AGE,
    Company,
    Invitation,
    InvitationStatus,
    Role,
    User,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

# A firm's invitations per rolling day, counted from the Invitation table: enough to bring
# a whole team in at once, too few to use the site to mail strangers.
INVITATIONS_PER_DAY = 10
INVITATION_RATE_WINDOW = timedelta(hours=24)
# A sign-up link is opened within minutes as a rule; three days covers a weekend.
SIGNUP_LINK_MAX_AGE = timedelta(days=3)
# Sign-up mails to one address per hour: enough to ask again after a lost mail, too few
# to fill someone's inbox through a public form that anyone can post to.
SIGNUP_MAILS_PER_ADDRESS = 3
SIGNUP_MAIL_WINDOW = timedelta(hours=1)

ACCOUNT_IN_A_FIRM = _(
    "Your account already belongs to a company. Ask a member of that company to "
    "remove you from its team, or contact the agency."
)

_INVITATION_SALT = "accounts.invitation"
_SIGNUP_SALT = "accounts.signup"


class AccountsError(Exception):
    """A request the service refuses; `message` is for the user, `code` for the caller."""

    def __init__(self, message: StrOrPromise, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Permissions each role's group carries. SME members need none: their access is scoped
# by company membership, never by model permission.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.SME_MEMBER: [],
    Role.CONSULTANT: [
        "diagnostics.view_diagnostic",
        "accounts.view_company",
        "programs.view_program",
        "programs.view_institution",
        "programs.refresh_recommendations",
        "diagnostics.override_stage",
    ],
    Role.LEAD_CONSULTANT: [
        "diagnostics.view_diagnostic",
        "diagnostics.view_all_regions",
        "accounts.view_company",
        "programs.view_program",
        "programs.view_institution",
        "programs.refresh_recommendations",
        "diagnostics.override_stage",
    ],
    Role.STAFF: [
        "accounts.view_company",
        # Firms who cannot join a team "contact the agency"; staff look the invitation up.
        "accounts.view_invitation",
        "diagnostics.view_diagnostic",
        "diagnostics.view_all_regions",
        "diagnostics.view_questionnaireversion",
        "diagnostics.add_questionnaireversion",
        "diagnostics.change_questionnaireversion",
        "diagnostics.view_area",
        "diagnostics.add_area",
        "diagnostics.change_area",
        "diagnostics.delete_area",
        "diagnostics.view_question",
        "diagnostics.add_question",
        "diagnostics.change_question",
        "diagnostics.delete_question",
        "diagnostics.view_option",
        "diagnostics.add_option",
        "diagnostics.change_option",
        "diagnostics.delete_option",
        "diagnostics.view_fact",
        "diagnostics.add_fact",
        "diagnostics.change_fact",
        "diagnostics.view_stagerule",
        "diagnostics.add_stagerule",
        "diagnostics.change_stagerule",
        "programs.view_institution",
        "programs.add_institution",
        "programs.change_institution",
        "programs.view_program",
        "programs.add_program",
        "programs.change_program",
        "programs.delete_program",
        "programs.refresh_recommendations",
    ],
}


def roles_sync() -> None:
    """Create the role groups and set exactly the permissions ROLE_PERMISSIONS lists."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def user_assign_role(*, user: User, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role.value))
    if role == Role.STAFF and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def normalize_email(email: str) -> str:
    """Addresses are stored and compared in lower case (see UserManager._create_user)."""
    return email.strip().lower()


def _absolute_url(path: str) -> str:
    # Services have no request; links in e-mails point at the configured site.
    return settings.SITE_URL.rstrip("/") + path


def _send_mail(
    *, template: str, to: str, context: Mapping[str, Any], language: str
) -> None:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [to])


def _send_mail_on_commit(
    *, template: str, to: str, context: Mapping[str, Any], language: str | None = None
) -> None:
    """Send after the surrounding transaction commits, never for a rolled-back write.

    robust: a mail server failure is logged and does not turn a saved invitation into
    an error page.
    """
    transaction.on_commit(
        partial(
            _send_mail,
            template=template,
            to=to,
            context=dict(context),
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        ),
        robust=True,
    )


def _links() -> dict[str, str]:
    return {
        "login_url": _absolute_url(reverse("accounts:login")),
        "password_reset_url": _absolute_url(reverse("accounts:password_reset")),
    }


def _new_member(*, email: str, password: str, company: Company | None) -> User:
    user = User(email=normalize_email(email), company=company)
    user.set_password(password)
    user.full_clean()
    user.save()
    user_assign_role(user=user, role=Role.SME_MEMBER)
    return user


# --- Sign-up ---------------------------------------------------------------------------


def user_signup_request(*, email: str) -> None:
    """Start a sign-up for `email`; the caller shows the same page whatever happens.

    Sends, after commit, a link to set a password (SIGNUP_LINK_MAX_AGE) to an address
    without an account, or to an address with one a notice to log in or reset the
    password. Past SIGNUP_MAILS_PER_ADDRESS mails an hour, sends nothing. Saves nothing:
    the account is created when the link is used (user_register).
    """
    email = normalize_email(email)
    if not _signup_mail_allowed(email):
        logger.warning("sign-up mail throttled")
        return
    if User.objects.filter(email__iexact=email).exists():
        _send_mail_on_commit(
            template="signup_existing_account", to=email, context=_links()
        )
        return
    token = signing.dumps({"email": email}, salt=_SIGNUP_SALT)
    context = {
        "url": _absolute_url(reverse("accounts:signup_confirm", args=[token])),
        "days": SIGNUP_LINK_MAX_AGE.days,
    }
    _send_mail_on_commit(template="signup", to=email, context=context)


def _signup_mail_allowed(email: str) -> bool:
    # A counter in the cache: the sign-up leaves no row to count until it completes.
    key = "signup-mail:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, timeout=int(SIGNUP_MAIL_WINDOW.total_seconds()))
    try:
        return cache.incr(key) <= SIGNUP_MAILS_PER_ADDRESS
    except ValueError:  # the entry expired between add() and incr()
        return True


def signup_link_email(*, token: str) -> str:
    """The address a sign-up link was sent to; AccountsError if it cannot be used."""
    try:
        data = signing.loads(token, salt=_SIGNUP_SALT, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise AccountsError(
            _("This sign-up link has expired. Sign up again to get a new one."),
            code="expired",
        ) from None
    except signing.BadSignature:
        raise AccountsError(
            _("This sign-up link is not valid. Check that you copied all of it."),
            code="invalid",
        ) from None
    email = normalize_email(str(data.get("email", "")))
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError(
            _(
                "This sign-up link was already used. Log in, or reset your password "
                "if you have forgotten it."
            ),
            code="used",
        )
    return email


@transaction.atomic
def user_register(*, email: str, password: str) -> User:
    """Create a firm's user from a sign-up link; the company profile comes next.

    The caller has read `email` from the link (signup_link_email). AccountsError if the
    address got an account meanwhile (the link used twice).
    """
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError(
            _("This sign-up link was already used. Log in instead."), code="used"
        )
    return _new_member(email=email, password=password, company=None)


@transaction.atomic
def company_register(*, user: User, company: Company) -> Company:
    """Save a new company and make `user` its first member.

    `company` is an unsaved, validated instance (from CompanyForm).
    """
    company.full_clean()
    company.save()
    user.company = company
    user.save(update_fields=["company"])
    return company


@transaction.atomic
def company_update(*, company: Company) -> Company:
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def company_remove_member(*, company: Company, member: User, removed_by: User) -> None:
    """Take `member` out of `company`; they keep their account, without a firm.

    A firm keeps at least one member: the last one cannot leave (AccountsError). The
    removed user can create a new company profile or accept another firm's invitation.
    Logged, with who removed whom, as the audit record.
    """
    _lock_company(company)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member.company_id != company.pk:
        raise AccountsError(
            _("This person is not a member of your company."), code="not_member"
        )
    if company.members.count() <= 1:
        raise AccountsError(
            _(
                "You are the company's only member. Invite a colleague before you "
                "leave the team."
            ),
            code="last_member",
        )
    member.company = None
    member.save(update_fields=["company"])
    logger.info(
        "team member removed: user %s from company %s by user %s",
        member.pk,
        company.pk,
        removed_by.pk,
    )


def _lock_company(company: Company) -> None:
    # Serialises a firm's team changes: the member count and the invitation count that
    # the rules read cannot change under them.
    Company.objects.select_for_update().filter(pk=company.pk).exists()


# --- Invitations -------------------------------------------------------------------------


def user_can_join_a_firm(user: User) -> bool:
    """An account that may accept an invitation itself: active, in no firm, not agency."""
    return user.is_active and user.company_id is None and not is_agency_user(user)


@transaction.atomic
def invitation_create(*, company: Company, email: str, invited_by: User) -> Invitation:
    """Invite `email` to join `company`.

    Records an invitation whoever owns the address, so that what the inviter sees (the
    message, the pending list, the limit) never tells whether it has an account. After
    commit, sends to an address without an account, or whose account is in no firm, a
    link valid INVITATION_MAX_AGE; to any other account a notice, without a link, that it
    already has an account and cannot be moved to another firm this way. A pending
    invitation to the same address is revoked, so that only the newest link works.

    AccountsError(code="limit") when the firm sent INVITATIONS_PER_DAY in the last
    INVITATION_RATE_WINDOW; nothing is saved or sent then.
    """
    _lock_company(company)
    now = timezone.now()
    recent = Invitation.objects.filter(
        company=company, created_at__gte=now - INVITATION_RATE_WINDOW
    ).count()
    if recent >= INVITATIONS_PER_DAY:
        raise AccountsError(
            _(
                "Your company has sent %(count)d invitations in the last 24 hours, "
                "the most allowed. Try again tomorrow."
            )
            % {"count": INVITATIONS_PER_DAY},
            code="limit",
        )
    email = normalize_email(email)
    Invitation.objects.filter(
        company=company, email=email, status=InvitationStatus.PENDING
    ).update(
        status=InvitationStatus.REVOKED,
        revoked_at=now,
        revoked_by=invited_by,
        updated_at=now,
    )
    invitation = Invitation(company=company, email=email, invited_by=invited_by)
    invitation.full_clean()
    invitation.save()

    account = User.objects.filter(email__iexact=email).first()
    context: dict[str, object] = {
        "company": company.display_name,
        "inviter": invited_by.email,
        **_links(),
    }
    if account is None or user_can_join_a_firm(account):
        token = signing.dumps({"invitation": invitation.pk}, salt=_INVITATION_SALT)
        context["url"] = _absolute_url(
            reverse("accounts:invitation_accept", args=[token])
        )
        context["days"] = INVITATION_MAX_AGE.days
        _send_mail_on_commit(template="invitation", to=email, context=context)
    else:
        _send_mail_on_commit(
            template="invitation_existing_account",
            to=email,
            context=context,
            language=account.preferred_language,
        )
    return invitation


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation a link names, if it can still be accepted; else AccountsError.

    Codes: invalid (tampered or unknown), expired, accepted, revoked.
    """
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise _expired() from None
    except signing.BadSignature:
        raise _invalid() from None
    invitation = (
        Invitation.objects.select_related("company", "invited_by")
        .filter(pk=data.get("invitation"))
        .first()
    )
    if invitation is None:
        raise _invalid()
    _check_acceptable(invitation)
    return invitation


def _invalid() -> AccountsError:
    return AccountsError(
        _("This invitation link is not valid. Check that you copied all of it."),
        code="invalid",
    )


def _expired() -> AccountsError:
    return AccountsError(
        _(
            "This invitation has expired. Ask your colleague to send you a new one "
            "from the team page."
        ),
        code="expired",
    )


def _check_acceptable(invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.ACCEPTED:
        raise AccountsError(
            _("This invitation was already used. Log in to continue."),
            code="accepted",
        )
    if invitation.status == InvitationStatus.REVOKED:
        raise AccountsError(
            _(
                "This invitation was withdrawn. Ask your colleague to send you a "
                "new one if you should join."
            ),
            code="revoked",
        )
    if invitation.is_expired():
        raise _expired()


def _lock_invitation(invitation: Invitation) -> Invitation:
    # A second tab or a double click must find the invitation already accepted.
    locked = (
        Invitation.objects.select_for_update()
        .select_related("company")
        .get(pk=invitation.pk)
    )
    _check_acceptable(locked)
    return locked


def _mark_accepted(invitation: Invitation, user: User) -> None:
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.full_clean()
    invitation.save()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Create the invitee's account in the inviting firm, with the password they chose.

    The caller has validated the password. AccountsError when the invitation can no
    longer be accepted, or when the address has an account by now (then the invitee
    logs in and uses invitation_accept_existing, if that account may join).
    """
    invitation = _lock_invitation(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise AccountsError(
            _("An account with this address exists already. Log in to continue."),
            code="account_exists",
        )
    user = _new_member(
        email=invitation.email, password=password, company=invitation.company
    )
    _mark_accepted(invitation, user)
    return user


@transaction.atomic
def invitation_accept_existing(*, invitation: Invitation, user: User) -> User:
    """Move `user`, who asked for it while logged in, into the inviting firm.

    Only an account of the invited address that belongs to no firm (and to no agency
    role) may join: an account is never moved from one firm to another by invitation.
    """
    invitation = _lock_invitation(invitation)
    user = User.objects.select_for_update().get(pk=user.pk)
    if normalize_email(user.email) != invitation.email:
        raise AccountsError(
            _("This invitation is for another e-mail address."), code="other_account"
        )
    if not user_can_join_a_firm(user):
        raise AccountsError(ACCOUNT_IN_A_FIRM, code="has_company")
    user.company = invitation.company
    user.save(update_fields=["company"])
    user_assign_role(user=user, role=Role.SME_MEMBER)
    _mark_accepted(invitation, user)
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, user: User) -> Invitation:
    """Withdraw a pending invitation; its link stops working at once."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise AccountsError(
            _("This invitation was already accepted or withdrawn."),
            code="not_pending",
        )
    invitation.status = InvitationStatus.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = user
    invitation.full_clean()
    invitation.save()
    return invitation


def invitations_pending(*, company: Company) -> list[Invitation]:
    """The firm's invitations that can still be accepted, newest first."""
    return list(
        company.invitations.filter(
            status=InvitationStatus.PENDING,
            created_at__gt=timezone.now() - INVITATION_MAX_AGE,
        ).select_related("invited_by")
    )
