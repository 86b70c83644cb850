"""Sign-up, the company profile, the team, and the signed-in home page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.access import company_for, is_agency_user, sme_member_required
from accounts.forms import CompanyForm, MemberAddForm, SignupForm
from accounts.models import User
from diagnostics.selectors import diagnostics_overview


def landing(request: HttpRequest) -> HttpResponse:
    """Public: what ExportReady is, and the way in."""
    return render(request, "landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Public: create a firm user and go straight to the company profile."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_register(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Tell us about your company first."))
        return redirect("accounts:company")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Any signed-in user: firms see their diagnostics; agency users their tools."""
    user: User = request.user  # type: ignore[assignment]
    if user.company_id is None:
        if is_agency_user(user):
            return render(request, "accounts/agency_home.html")
        return redirect("accounts:company")
    context = diagnostics_overview(company=user.company)
    return render(request, "accounts/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company(request: HttpRequest) -> HttpResponse:
    """A firm user: create the company profile, or edit it."""
    user: User = request.user  # type: ignore[assignment]
    if user.company_id is None and is_agency_user(user):
        return redirect("accounts:home")
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
        return redirect("accounts:home")
    return render(
        request, "accounts/company.html", {"form": form, "is_new": instance is None}
    )


@sme_member_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    """A firm member: see colleagues and add one by e-mail."""
    company = company_for(request.user)  # type: ignore[arg-type]
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = services.company_add_member(
            company=company, email=form.cleaned_data["email"]
        )
        reset = PasswordResetForm({"email": member.email})
        if reset.is_valid():
            reset.save(
                request=request,
                use_https=request.is_secure(),
                email_template_name="accounts/email/password_reset.txt",
                subject_template_name="accounts/email/password_reset_subject.txt",
            )
        messages.success(
            request,
            _("%(email)s was added and will receive a link to set a password.")
            % {"email": member.email},
        )
        return redirect("accounts:team")
    members = company.members.order_by("email").only(
        "email", "date_joined", "last_login"
    )
    return render(request, "accounts/team.html", {"form": form, "members": members})
