"""Sign-up, the company profile, the team and its invitations, and the signed-in home
page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.access import (
    AuthenticatedHttpRequest,
    company_for,
    is_agency_user,
    sme_member_required,
)
from accounts.forms import CompanyForm, InvitationForm, PasswordSetForm, SignupForm
from accounts.models import (
    INVITATION_MAX_AGE,
    Company,
    Invitation,
    InvitationStatus,
    User,
)


def landing(request: HttpRequest) -> HttpResponse:
    """Public: what ExportReady is, and the way in."""
    return render(request, "landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Public: ask for an address and mail it a link to set a password.

    The same page follows whether or not the address has an account: only its owner
    learns which, from the e-mail (services.user_signup_request).
    """
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_signup_request(email=form.cleaned_data["email"])
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    """Public: the one page every sign-up ends on."""
    return render(
        request,
        "accounts/signup_sent.html",
        {"days": services.SIGNUP_LINK_MAX_AGE.days},
    )


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Public, from the sign-up e-mail: choose a password, then the company profile."""
    if request.user.is_authenticated:
        return redirect("home")
    try:
        email = services.signup_link_email(token=token)
    except services.AccountsError as error:
        return _link_problem(request, error)
    form = PasswordSetForm(
        request.POST or None, email=email, submit_label=_("Create account")
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=email, password=form.cleaned_data["password1"]
            )
        except services.AccountsError as error:
            return _link_problem(request, error)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Tell us about your company first."))
        return redirect("accounts:company")
    return render(
        request,
        "accounts/set_password.html",
        {
            "form": form,
            "email": email,
            "title": _("Choose your password"),
            "intro": _("Last step: choose a password for your new account."),
        },
    )


def _link_problem(request: HttpRequest, error: services.AccountsError) -> HttpResponse:
    """A sign-up or invitation link that cannot be used: say why; nothing was saved."""
    return render(
        request,
        "accounts/notice.html",
        {"title": _("This link cannot be used"), "text": error.message},
    )


@login_required
@require_http_methods(["GET", "POST"])
def company(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A firm user: create the company profile, or edit it."""
    user = request.user
    if user.company_id is None and is_agency_user(user):
        return redirect("home")
    instance = user.company
    form = CompanyForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if instance is None:
            services.company_register(user=user, company=form.save(commit=False))
            messages.success(
                request, _("Company profile saved. You can start the diagnostic.")
            )
        else:
            services.company_update(company=form.save(commit=False))
            messages.success(request, _("Company profile updated."))
        return redirect("home")
    return render(
        request, "accounts/company.html", {"form": form, "is_new": instance is None}
    )


# Access helpers: each firm-owned object is fetched through the member's own company,
# so that another firm's id answers 404 exactly like an id that does not exist.


def _invitation_for_member(user: User, pk: int) -> Invitation:
    return get_object_or_404(
        Invitation, pk=pk, company=company_for(user), status=InvitationStatus.PENDING
    )


def _member_for_member(user: User, pk: int) -> User:
    return get_object_or_404(User, pk=pk, company=company_for(user))


@sme_member_required
@require_http_methods(["GET", "POST"])
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A firm member: see colleagues and pending invitations, and invite a colleague.

    An invitation gets the same answer whether or not the address has an account.
    """
    user = request.user
    company = company_for(user)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.invitation_create(company=company, email=email, invited_by=user)
        except services.AccountsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("If %(email)s can join your team, we sent it an invitation.")
                % {"email": email},
            )
            return redirect("accounts:team")
    return render(request, "accounts/team.html", _team_context(company, user, form))


def _team_context(company: Company, user: User, form: InvitationForm) -> dict:
    members = list(
        company.members.order_by("email").only("email", "date_joined", "last_login")
    )
    return {
        "form": form,
        "members": members,
        # The last member cannot leave; the page offers no button that would refuse.
        "can_remove": len(members) > 1,
        "invitations": services.invitations_pending(company=company),
        "invitation_days": INVITATION_MAX_AGE.days,
    }


@sme_member_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A firm member: confirm (GET), then withdraw (POST) a pending invitation."""
    user = request.user
    invitation = _invitation_for_member(user, pk)
    if request.method == "POST":
        try:
            services.invitation_revoke(invitation=invitation, user=user)
        except services.AccountsError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The invitation to %(email)s was withdrawn.")
                % {"email": invitation.email},
            )
        return redirect("accounts:team")
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": _("Withdraw the invitation?"),
            "text": _(
                "The link sent to %(email)s will stop working. You can invite the "
                "address again later."
            )
            % {"email": invitation.email},
            "button": _("Withdraw the invitation"),
            "danger": True,
            "cancel_url": reverse("accounts:team"),
        },
    )


@sme_member_required
@require_http_methods(["GET", "POST"])
def member_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A firm member: confirm (GET), then remove (POST) a member, oneself included."""
    user = request.user
    member = _member_for_member(user, pk)
    company = company_for(user)
    is_self = member.pk == user.pk
    if request.method == "POST":
        try:
            services.company_remove_member(
                company=company, member=member, removed_by=user
            )
        except services.AccountsError as error:
            messages.error(request, error.message)
            return redirect("accounts:team")
        if is_self:
            messages.success(request, _("You left the team."))
            return redirect("home")
        messages.success(
            request,
            _("%(email)s was removed from the team.") % {"email": member.email},
        )
        return redirect("accounts:team")
    if is_self:
        context = {
            "title": _("Leave the team?"),
            "text": _(
                "You will no longer see %(company)s's diagnostics. A colleague can "
                "invite you again."
            )
            % {"company": company.display_name},
            "button": _("Leave the team"),
        }
    else:
        context = {
            "title": _("Remove this member?"),
            "text": _(
                "%(email)s will no longer see %(company)s's diagnostics. Their "
                "account stays, without a company; you can invite them again."
            )
            % {"email": member.email, "company": company.display_name},
            "button": _("Remove from the team"),
        }
    return render(
        request,
        "accounts/confirm.html",
        {**context, "danger": True, "cancel_url": reverse("accounts:team")},
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public, from the invitation e-mail: join the inviting firm.

    A new address chooses a password and gets its account in the firm. An existing
    account that belongs to no firm joins after logging in and confirming; any other
    account is refused (an account never moves between firms by invitation).
    """
    try:
        invitation = services.invitation_for_token(token=token)
    except services.AccountsError as error:
        return _link_problem(request, error)
    company_name = invitation.company.display_name
    account = User.objects.filter(email__iexact=invitation.email).first()
    current = request.user
    if current.is_authenticated and current.email.lower() != invitation.email:
        return render(
            request,
            "accounts/notice.html",
            {
                "title": _("Log out first"),
                "text": _(
                    "This invitation is for %(invited)s, but you are logged in as "
                    "%(current)s. Log out, then open the link again."
                )
                % {"invited": invitation.email, "current": current.email},
                "logout": True,
            },
        )
    if account is None:
        return _accept_as_new(request, invitation, company_name)
    if not services.user_can_join_a_firm(account):
        return _link_problem(
            request,
            services.AccountsError(services.ACCOUNT_IN_A_FIRM, code="has_company"),
        )
    if not current.is_authenticated:
        login_url = reverse("accounts:login")
        return render(
            request,
            "accounts/notice.html",
            {
                "title": _("Join %(company)s") % {"company": company_name},
                "text": _(
                    "You already have an account with %(email)s. Log in to accept "
                    "the invitation."
                )
                % {"email": invitation.email},
                "action_url": f"{login_url}?{urlencode({'next': request.path})}",
                "action": _("Log in"),
            },
        )
    if request.method == "POST":
        try:
            services.invitation_accept_existing(invitation=invitation, user=current)
        except services.AccountsError as error:
            return _link_problem(request, error)
        messages.success(
            request, _("You joined %(company)s.") % {"company": company_name}
        )
        return redirect("home")
    return render(
        request,
        "accounts/confirm.html",
        {
            "title": _("Join %(company)s") % {"company": company_name},
            "text": _(
                "%(inviter)s invited you to join %(company)s. Its members see and edit "
                "the company's diagnostics."
            )
            % {
                "inviter": (
                    invitation.invited_by.email
                    if invitation.invited_by
                    else _("A colleague")
                ),
                "company": company_name,
            },
            "button": _("Join the team"),
            "cancel_url": reverse("home"),
        },
    )


def _accept_as_new(
    request: HttpRequest, invitation: Invitation, company_name: str
) -> HttpResponse:
    form = PasswordSetForm(
        request.POST or None,
        email=invitation.email,
        submit_label=_("Join the team"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except services.AccountsError as error:
            return _link_problem(request, error)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome to %(company)s's team.") % {"company": company_name}
        )
        return redirect("home")
    return render(
        request,
        "accounts/set_password.html",
        {
            "form": form,
            "email": invitation.email,
            "title": _("Join %(company)s") % {"company": company_name},
            "intro": _(
                "Choose a password for your account. You log in with your e-mail "
                "address."
            ),
        },
    )
