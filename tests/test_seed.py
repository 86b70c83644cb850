"""`manage.py seed --demo`: what the run command loads for a first look at the product."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from diagnostics.models import Diagnostic, DiagnosticStatus

pytestmark = pytest.mark.django_db


def test_seed_creates_the_demo_cast_and_a_history_once(version):
    call_command("seed", demo=True, verbosity=0)
    call_command("seed", demo=True, verbosity=0)
    member = User.objects.get(email="sme@example.com")
    assert member.has_role(Role.SME_MEMBER)
    assert User.objects.get(email="consultant@example.com").has_role(Role.CONSULTANT)
    assert User.objects.get(email="staff@example.com").is_staff
    results = list(
        Diagnostic.objects.filter(company=member.company).order_by("submitted_at")
    )
    assert [d.status for d in results] == [DiagnosticStatus.SUBMITTED] * 2
    assert results[0].stage < results[1].stage
    assert results[1].recommendations.exists()
    assert member.check_password("exportready-demo")
