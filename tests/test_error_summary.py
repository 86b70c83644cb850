"""A form sent back with errors opens with one summary of them, each linked to its field.

Owen has no company yet and fills the profile; Alice (firm A) answers her own draft.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Company, User
from accounts.validators import BUSINESS_NUMBER_EXAMPLE, business_number_is_valid
from diagnostics.models import DiagnosticStatus, QuestionKind
from diagnostics.services import diagnostic_start
from tests.accounts.test_accounts import COMPANY_POST

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    found = re.search(
        r'<div class="alert[^"]*"[^>]*data-error-summary.*?</div>', html, re.S
    )
    assert found, "no error summary"
    return found.group(0)


@pytest.fixture
def owen(client):
    user = User.objects.create_user(email="owen@example.com", password="x")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def test_the_example_business_number_is_itself_valid(client, owen):
    assert business_number_is_valid(BUSINESS_NUMBER_EXAMPLE.replace("-", ""))
    html = client.get(reverse("accounts:company")).content.decode()
    assert f'placeholder="{BUSINESS_NUMBER_EXAMPLE}"' in html
    assert "123-45-67890" not in html


def test_a_wrong_check_digit_is_explained_in_a_linked_summary(client, owen):
    response = client.post(
        reverse("accounts:company"), {**COMPANY_POST, "business_number": "124-81-00990"}
    )
    summary = _summary(response.content.decode())
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    assert '<a href="#id_business_number">' in summary
    assert (
        "Business registration number: This number does not check out. Its last "
        "digit is a check digit computed from the other nine; after 124-81-0099 it "
        "should be 8, not 0." in summary
    )
    assert not Company.objects.exists()


def test_a_number_of_the_wrong_length_says_how_many_digits(client, owen):
    response = client.post(
        reverse("accounts:company"), {**COMPANY_POST, "business_number": "12345"}
    )
    assert (
        "Enter the 10 digits of the business registration number, for example "
        "123-45-67891." in _summary(response.content.decode())
    )


def test_the_error_summary_script_is_a_file_not_inline(client, owen):
    html = client.get(reverse("accounts:company")).content.decode()
    assert 'src="/static/js/error-summary.js" defer' in html
    assert "<script>" not in html


def test_a_forged_choice_puts_a_linked_summary_on_top_of_the_step(
    client, alice, content
):
    draft = diagnostic_start(company=alice.company, user=alice)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    question = next(
        q for q in content.areas[0].questions if q.kind != QuestionKind.NUMBER
    )
    response = client.post(
        reverse("diagnostics:step", args=[draft.pk, 1]),
        {"revision": "0", "nav": "next", f"q_{question.code}": "999999"},
    )
    html = response.content.decode()
    summary = _summary(html)
    assert "Some answers need your attention. Nothing was saved." in summary
    assert f'<a href="#id_q_{question.code}_0">{question.code}. ' in summary
    assert "Choose one of the options given for this question." in summary
    # Once: the summary, not also a message above it.
    assert html.count("Nothing was saved") == 1
    # The summary comes before the questions.
    assert html.index("data-error-summary") < html.index(f'name="q_{question.code}"')
    assert f'<legend class="question-text">{question.code}. ' in html


def test_a_refused_submit_lists_each_missing_question_once_with_a_link(
    client, alice, content
):
    draft = diagnostic_start(company=alice.company, user=alice)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("diagnostics:submit", args=[draft.pk]))
    assert response.url == reverse("diagnostics:review", args=[draft.pk]) + (
        "?refused=incomplete"
    )
    html = client.get(response.url).content.decode()
    summary = _summary(html)
    assert "The diagnostic was not submitted." in summary
    assert html.count("questions are still unanswered") == 1
    step_two = content.areas[1].questions[0].code
    link = reverse("diagnostics:step", args=[draft.pk, 2]) + f"#question-{step_two}"
    assert f'<a href="{link}">{step_two}</a>' in summary
    draft.refresh_from_db()
    assert draft.status == DiagnosticStatus.DRAFT


def test_the_review_page_alone_lists_missing_questions_without_an_alert(
    client, alice, content
):
    draft = diagnostic_start(company=alice.company, user=alice)
    client.force_login(alice)
    html = client.get(reverse("diagnostics:review", args=[draft.pk])).content.decode()
    assert "data-error-summary" not in html
    assert 'role="status"' in html
