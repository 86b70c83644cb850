"""`manage.py synthesize`: synthetic firms and scored diagnostics, never by accident."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Company
from accounts.validators import business_number_is_valid
from diagnostics import scoring
from diagnostics.management.commands.synthesize import SYNTHETIC_PREFIX
from diagnostics.models import AreaScore, Diagnostic, DiagnosticStatus
from diagnostics.questionnaire import questionnaire_content
from diagnostics.services import diagnostic_answer_inputs

pytestmark = pytest.mark.django_db


def synthesize(*args: str) -> str:
    out = StringIO()
    call_command("synthesize", *args, stdout=out)
    return out.getvalue()


def test_it_makes_scored_submitted_diagnostics_of_synthetic_firms(content, carol):
    output = synthesize("--firms", "6", "--diagnostics", "30", "--seed", "3")
    assert "Created 6 synthetic firms and 30 diagnostics" in output
    firms = Company.objects.all()
    assert firms.count() == 6
    assert all(firm.name_ko.startswith(SYNTHETIC_PREFIX) for firm in firms)
    assert all(business_number_is_valid(firm.business_number) for firm in firms)
    diagnostics = Diagnostic.objects.select_related("company", "version")
    assert diagnostics.count() == 30
    assert {d.status for d in diagnostics} == {DiagnosticStatus.SUBMITTED}
    assert len({d.stage for d in diagnostics}) >= 3  # spread over the ladder
    for diagnostic in diagnostics[:10]:
        # Stored results are what the real method computes from the stored answers.
        spec = questionnaire_content(diagnostic.version).spec
        figures = scoring.ExportFacts(**diagnostic.export_facts)
        result = scoring.score(spec, diagnostic_answer_inputs(diagnostic), figures)
        assert diagnostic.stage == result.stage
        assert diagnostic.total_score == result.total_score
        assert diagnostic.result["stage"] == result.stage
        assert AreaScore.objects.filter(diagnostic=diagnostic).count() == len(
            result.area_scores
        )


def test_the_same_seed_makes_the_same_data(content):
    synthesize("--firms", "3", "--diagnostics", "9", "--seed", "7")
    first = list(Diagnostic.objects.order_by("pk").values_list("stage", "total_score"))
    synthesize("--purge")
    synthesize("--firms", "3", "--diagnostics", "9", "--seed", "7")
    again = list(Diagnostic.objects.order_by("pk").values_list("stage", "total_score"))
    assert first == again


def test_it_refuses_where_real_firms_exist_and_says_why(content, alice):
    with pytest.raises(CommandError, match="1 real firm"):
        synthesize("--firms", "2", "--diagnostics", "4")
    assert Diagnostic.objects.count() == 0
    synthesize("--firms", "2", "--diagnostics", "4", "--allow-with-real-firms")
    assert Diagnostic.objects.count() == 4


def test_purge_removes_the_synthetic_rows_only(content, alice):
    synthesize("--firms", "2", "--diagnostics", "5", "--allow-with-real-firms")
    output = synthesize("--purge")
    assert "2 synthetic firms" in output
    assert list(Company.objects.values_list("name_ko", flat=True)) == ["에이상사"]
    assert Diagnostic.objects.count() == 0


def test_a_second_run_numbers_on(content):
    synthesize("--firms", "2", "--diagnostics", "2")
    synthesize("--firms", "2", "--diagnostics", "2")
    names = sorted(Company.objects.values_list("name_ko", flat=True))
    assert names == [f"{SYNTHETIC_PREFIX}{n:05d}" for n in range(1, 5)]
