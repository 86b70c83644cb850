"""Writes for users, companies and roles."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import Company, Role, User

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
    ],
    Role.LEAD_CONSULTANT: [
        "diagnostics.view_diagnostic",
        "diagnostics.view_all_regions",
        "accounts.view_company",
        "programs.view_program",
        "programs.view_institution",
        "programs.refresh_recommendations",
    ],
    Role.STAFF: [
        "accounts.view_company",
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


@transaction.atomic
def user_register(*, email: str, password: str) -> User:
    """Create a firm's user; the company profile comes next (company_register)."""
    user = User.objects.create_user(email=email, password=password)
    user_assign_role(user=user, role=Role.SME_MEMBER)
    return user


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
def company_add_member(*, company: Company, email: str) -> User:
    """Add a colleague by e-mail. The new user sets a password through the reset link.

    The random password is usable on purpose: Django sends reset links only to users
    with a usable password.
    """
    user = User.objects.create_user(
        email=email, password=secrets.token_urlsafe(32), company=company
    )
    user_assign_role(user=user, role=Role.SME_MEMBER)
    return user
