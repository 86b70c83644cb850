"""`manage.py seed --demo`: what the run command loads for a first look at the product.

The demo accounts share a published password and include a superuser: with DEBUG off
(production) the command creates them only when told to in so many words.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts.models import Role, User
from diagnostics.models import Diagnostic, DiagnosticStatus

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "sme@example.com",
    "consultant@example.com",
    "lead@example.com",
    "staff@example.com",
    "admin@example.com",
]


@override_settings(DEBUG=True)
def test_it_creates_the_demo_cast_and_a_history_once(version):
    call_command("seed", demo=True, verbosity=0)
    call_command("seed", demo=True, verbosity=0)
    member = User.objects.get(email="sme@example.com")
    assert member.has_role(Role.SME_MEMBER)
    assert User.objects.get(email="consultant@example.com").has_role(Role.CONSULTANT)
    assert User.objects.get(email="staff@example.com").is_staff
    assert User.objects.get(email="admin@example.com").is_superuser
    results = list(
        Diagnostic.objects.filter(company=member.company).order_by("submitted_at")
    )
    assert [d.status for d in results] == [DiagnosticStatus.SUBMITTED] * 2
    assert [d.stage for d in results] == [3, 5]
    assert User.objects.get(email="lead@example.com").has_role(Role.LEAD_CONSULTANT)
    assert results[1].recommendations.exists()
    assert member.check_password("exportready-demo")


@override_settings(DEBUG=False)
def test_it_refuses_demo_accounts_with_debug_off(version):
    with pytest.raises(CommandError) as refused:
        call_command("seed", demo=True, verbosity=0)

    assert str(refused.value) == (
        "Refusing to create demo accounts with DEBUG off: they share the published "
        "password 'exportready-demo' and include a superuser, so anyone could log in "
        "to this site. Pass --allow-demo-accounts-in-production to create them anyway."
    )
    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()


@override_settings(DEBUG=False)
def test_it_creates_demo_accounts_with_debug_off_when_told_to(version):
    call_command("seed", "--demo", "--allow-demo-accounts-in-production", verbosity=0)

    assert User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)
    assert User.objects.get(email="admin@example.com").is_superuser


@override_settings(DEBUG=False)
def test_it_seeds_the_content_without_demo_accounts_with_debug_off(version):
    # What a production deploy runs after migrate: no flag needed, no accounts made.
    call_command("seed", verbosity=0)

    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()
