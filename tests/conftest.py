"""Shared fixtures: the content, and the cast.

The cast: Alice and Anna are members of firm A (Seoul); Bob of firm B; Carol is a
consultant for Seoul; Dave a consultant for Busan; Nora a consultant with no region yet;
Lena a lead consultant (every region); Steve is agency staff. A firm's member sees only
that firm's data; a consultant only their region's; Nora nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test.utils import override_settings
from django.utils import translation

from accounts.models import Role
from diagnostics.demo import best, diagnostic_fill
from diagnostics.models import (
    Diagnostic,
    QuestionnaireVersion,
    Report,
    ReportStatus,
    VersionStatus,
)
from diagnostics.questionnaire import QuestionnaireContent, questionnaire_content
from diagnostics.services import questionnaire_import
from diagnostics.tasks import render_report_task
from tests.factories import PASSWORD, CompanyFactory, UserFactory

CONTENT_DIR = settings.BASE_DIR / "diagnostics" / "content"
# In order: each publication retires the one before, as on a running site.
QUESTIONNAIRE_FILES = [
    CONTENT_DIR / "questionnaire_v1.json",
    CONTENT_DIR / "questionnaire_v2.json",
]
CATALOG_FILE = settings.BASE_DIR / "programs" / "content" / "catalog.json"


def load_content() -> None:
    if not QuestionnaireVersion.objects.exists():
        for path in QUESTIONNAIRE_FILES:
            questionnaire_import(data=json.loads(path.read_text()), publish=True)
    from programs.models import Program
    from programs.services import catalog_import

    if CATALOG_FILE.exists() and not Program.objects.exists():
        catalog_import(data=json.loads(CATALOG_FILE.read_text()))


# A test that measures something for the reader records it under this name with the
# `record_property` fixture; the figures are printed after the run. (Printing from the
# test itself would be lost: the suite runs in worker processes whose output is captured.)
FIGURE = "figure"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == FIGURE
    ]
    if figures:
        terminalreporter.section("figures")
        for figure in figures:
            terminalreporter.write_line(str(figure))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real question bank and catalog once; each test rolls back on top."""
    with django_db_blocker.unblock():
        load_content()


@pytest.fixture(scope="session", autouse=True)
def _reports_storage(tmp_path_factory):
    """Report files go to a temporary directory, never into the checkout."""
    location = tmp_path_factory.mktemp("reports")
    storages = {
        **settings.STORAGES,
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    with override_settings(STORAGES=storages):
        yield location


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: no figures cached by an earlier test."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language.

    A request in English leaves English active in the test's thread (LocaleMiddleware
    activates a language and nothing deactivates it), which would leak into the next
    test that reads a translated string outside a request.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Report ids sent to the queue (the broker is an outside boundary)."""
    ids: list[int] = []
    monkeypatch.setattr(render_report_task, "delay", ids.append)
    return ids


@pytest.fixture
def version(db) -> QuestionnaireVersion:
    load_content()  # after a transactional test flushed the database
    return QuestionnaireVersion.objects.get(status=VersionStatus.PUBLISHED)


@pytest.fixture
def content(version: QuestionnaireVersion) -> QuestionnaireContent:
    return questionnaire_content(version)


@pytest.fixture
def content_v1(version) -> QuestionnaireContent:
    """Version 1, retired: its number questions still serve the drafts begun on it."""
    return questionnaire_content(QuestionnaireVersion.objects.get(number=1))


@pytest.fixture
def draft_v1(alice, content_v1) -> Diagnostic:
    """Firm A's draft begun before version 2 was published; it stays on version 1."""
    return Diagnostic.objects.create(
        company=alice.company, version=content_v1.version, started_by=alice
    )


@pytest.fixture
def company_a(db):
    return CompanyFactory(name_ko="에이상사", name_en="A Trading")


@pytest.fixture
def company_b(db):
    return CompanyFactory(name_ko="비전자", name_en="B Electronics")


@pytest.fixture
def alice(company_a):
    return UserFactory(
        email="alice@example.com", company=company_a, role=Role.SME_MEMBER
    )


@pytest.fixture
def anna(company_a):
    return UserFactory(
        email="anna@example.com", company=company_a, role=Role.SME_MEMBER
    )


@pytest.fixture
def bob(company_b):
    return UserFactory(email="bob@example.com", company=company_b, role=Role.SME_MEMBER)


@pytest.fixture
def carol(db):
    return UserFactory(
        email="carol@example.com", regions=["seoul"], role=Role.CONSULTANT
    )


@pytest.fixture
def dave(db):
    return UserFactory(
        email="dave@example.com", regions=["busan"], role=Role.CONSULTANT
    )


@pytest.fixture
def nora(db):
    return UserFactory(email="nora@example.com", regions=[], role=Role.CONSULTANT)


@pytest.fixture
def lena(db):
    return UserFactory(email="lena@example.com", regions=[], role=Role.LEAD_CONSULTANT)


@pytest.fixture
def steve(db):
    return UserFactory(email="steve@example.com", role=Role.STAFF)


@pytest.fixture
def password() -> str:
    return PASSWORD


def answer_all(diagnostic, content, user, choose=best) -> Diagnostic:
    """Answer every question through the service, page by page."""
    return diagnostic_fill(
        diagnostic=diagnostic, content=content, user=user, choose=choose
    )


def report_mark_ready(report: Report) -> Report:
    """A report row made ready with a stand-in file, for tests of access, not of PDFs."""
    from diagnostics.reports import reports_storage

    name = reports_storage().save(f"test/{report.pk}.pdf", ContentFile(b"%PDF-1.7\n"))
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.READY, file_name=name, size_bytes=9, pages=1
    )
    report.refresh_from_db()
    return report


def admin_form_data(response) -> dict[str, Any]:
    """The POST data of a rendered admin change form, as the browser would send it."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            if value is None:
                continue
            if isinstance(bound.field, forms.JSONField):
                data[bound.html_name] = bound.field.prepare_value(value)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(getattr(v, "code", v)) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data
