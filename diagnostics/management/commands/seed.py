"""Load the question bank, the program catalog and (optionally) demo accounts.

Safe to run again: each part loads only when it is not there yet. The demo accounts
share a published password and include a superuser, so with DEBUG off (production)
they need an explicit flag.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Company, Role, User
from accounts.services import user_assign_role
from diagnostics.demo import Chooser, answer_value, diagnostic_fill
from diagnostics.models import Diagnostic, Option, Question, QuestionnaireVersion
from diagnostics.questionnaire import questionnaire_content
from diagnostics.services import (
    AnswerValue,
    diagnostic_start,
    diagnostic_submit,
    questionnaire_import,
)
from programs.models import Program
from programs.services import catalog_import

# In order: each publication retires the one before, so version 2 is the one in use
# and version 1 stays readable for the results scored with it.
QUESTIONNAIRE_FILES = [
    settings.BASE_DIR / "diagnostics" / "content" / f"questionnaire_v{number}.json"
    for number in (1, 2)
]
CATALOG_FILE = settings.BASE_DIR / "programs" / "content" / "catalog.json"
DEMO_PASSWORD = "exportready-demo"


def _answers_at(level: Decimal) -> Chooser:
    """A firm that answers every question near `level` (0 worst, 1 best)."""

    def choose(question: Question, options: Sequence[Option]) -> AnswerValue:
        scored = [o for o in options if not o.not_applicable]
        best_points = max(o.points for o in scored)
        nearest = min(
            scored, key=lambda o: (abs(o.points / best_points - level), o.points)
        )
        return answer_value(question, nearest)

    return choose


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = (
        "Load the question bank, the program catalog and, with --demo, demo accounts."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--demo", action="store_true", help="Also create demo accounts."
        )
        parser.add_argument(
            "--allow-demo-accounts-in-production",
            action="store_true",
            help=(
                "Create the demo accounts even with DEBUG off. Anyone who reads the "
                "README can then log in, as a superuser too."
            ),
        )

    def handle(
        self,
        *args: Any,
        demo: bool = False,
        allow_demo_accounts_in_production: bool = False,
        **options: Any,
    ) -> None:
        # Checked before anything is loaded, so that a refused run changes nothing.
        if demo and not settings.DEBUG and not allow_demo_accounts_in_production:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: they share the "
                f"published password {DEMO_PASSWORD!r} and include a superuser, so "
                "anyone could log in to this site. Pass "
                "--allow-demo-accounts-in-production to create them anyway."
            )
        loaded = set(QuestionnaireVersion.objects.values_list("number", flat=True))
        for path in QUESTIONNAIRE_FILES:
            data = _read(path)
            if data["number"] in loaded:
                continue
            version = questionnaire_import(data=data, publish=True)
            self.stdout.write(f"Loaded questionnaire v{version.number}.")
        if not Program.objects.exists() and CATALOG_FILE.exists():
            count = catalog_import(data=_read(CATALOG_FILE))
            self.stdout.write(f"Loaded {count} programs.")
        if demo:
            self._demo_accounts()

    def _demo_accounts(self) -> None:
        company, _ = Company.objects.get_or_create(
            business_number="1248100998",
            defaults={
                "name_ko": "한빛식품",
                "name_en": "Hanbit Foods",
                "region": "gyeonggi",
                "industry": "C",
                "employees": 42,
                "annual_revenue_krw": 8_500_000_000,
                "exports_last_year_usd": 120_000,
                "export_markets": 2,
                "export_years": 2,
                "industry_division": "10",
                "hs_code": "2106",
                "year_founded": 2009,
                "target_markets": ["US", "VN"],
            },
        )
        accounts = [
            ("sme@example.com", Role.SME_MEMBER, company, False),
            ("consultant@example.com", Role.CONSULTANT, None, False),
            ("lead@example.com", Role.LEAD_CONSULTANT, None, False),
            ("staff@example.com", Role.STAFF, None, False),
            ("admin@example.com", Role.STAFF, None, True),
        ]
        for email, role, member_of, superuser in accounts:
            if User.objects.filter(email=email).exists():
                continue
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                company=member_of,
                is_superuser=superuser,
            )
            if role == Role.CONSULTANT:
                user.regions = ["gyeonggi", "incheon"]
                user.save(update_fields=["regions"])
            user_assign_role(user=user, role=role)
        self._demo_results(company, User.objects.get(email="sme@example.com"))
        self.stdout.write(f"Demo accounts ready (password: {DEMO_PASSWORD}).")

    def _demo_results(self, company: Company, member: User) -> None:
        """Two results a year apart, so the demo firm has a result and a history: a
        year ago it prepared its first export (stage 3); now it exports (stage 5)."""
        if Diagnostic.objects.filter(company=company).exists():
            return
        content = questionnaire_content(
            QuestionnaireVersion.objects.get(status="published")
        )
        years = [
            (1, {"exports_last_year_usd": 0, "export_markets": 0, "export_years": 0}),
            (
                0,
                {
                    "exports_last_year_usd": 120_000,
                    "export_markets": 2,
                    "export_years": 2,
                },
            ),
        ]
        for years_ago, figures in years:
            Company.objects.filter(pk=company.pk).update(**figures)
            company.refresh_from_db()
            draft = diagnostic_start(company=company, user=member)
            diagnostic_fill(
                diagnostic=draft,
                content=content,
                user=member,
                choose=_answers_at(Decimal("0.75")),
            )
            submitted = diagnostic_submit(diagnostic=draft, user=member)
            if years_ago:
                assert submitted.submitted_at is not None  # set by diagnostic_submit
                Diagnostic.objects.filter(pk=submitted.pk).update(
                    submitted_at=submitted.submitted_at
                    - timedelta(days=365 * years_ago)
                )
