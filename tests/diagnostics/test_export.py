"""The queue's export: the filtered list as CSV and XLSX, streamed, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from diagnostics.export import guard_cell
from diagnostics.models import ConsultantRequest, Diagnostic, ReviewStatus
from tests.diagnostics.test_queue import make_diagnostic
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

CSV = reverse("diagnostics:agency_export", args=["csv"])
XLSX = reverse("diagnostics:agency_export", args=["xlsx"])


@pytest.fixture
def rows(version, carol):
    seoul = CompanyFactory(
        name_ko="서울제조", name_en="Seoul Works", region="seoul", industry="C"
    )
    busan = CompanyFactory(name_ko='=HYPERLINK("x")', name_en="-1+2", region="busan")
    overridden = make_diagnostic(
        version,
        seoul,
        stage=5,
        override=7,
        review_status=ReviewStatus.IN_REVIEW,
        assigned_to=carol,
        verified=12,
    )
    ConsultantRequest.objects.create(diagnostic=overridden, preferred_time="오전")
    other = make_diagnostic(version, busan, stage=2, days_ago=5)
    return {"overridden": overridden, "other": other}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_holds_every_column_in_korean(client, lena, rows):
    client.force_login(lena)
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'attachment; filename="exportready-diagnostics-'
        in response["Content-Disposition"]
    )
    header, first, second = read_csv(response)
    assert header[0] == "진단 ID"
    assert len(header) == 16
    d = rows["overridden"]
    number = d.company.business_number
    assert first[:10] == [
        str(d.pk),
        "서울제조",
        "Seoul Works",
        f"{number[:3]}-{number[3:5]}-{number[5:]}",
        "서울",
        header and first[5],
        "5",
        "7",
        "7",
        first[9],
    ]
    assert first[9] != ""  # the phase of stage 7
    assert first[10] == "50.0"
    assert first[11].endswith("+09:00")
    assert first[12:] == [first[12], "carol@example.com", "12", "예"]
    assert second[7] == ""  # no override
    assert second[-1] == "아니요"


def test_the_export_applies_the_filters_and_the_scope(client, carol, lena, rows):
    client.force_login(lena)
    assert len(read_csv(client.get(CSV + "?region=busan"))) == 2
    assert len(read_csv(client.get(CSV + "?stage=7"))) == 2
    assert len(read_csv(client.get(CSV + "?requested=1&sort=company"))) == 2
    client.force_login(carol)
    assert [row[1] for row in read_csv(client.get(CSV))[1:]] == ["서울제조"]


def test_cells_that_a_spreadsheet_would_run_are_made_text(client, lena, rows):
    client.force_login(lena)
    data = read_csv(client.get(CSV + "?region=busan"))
    assert data[1][1] == '\'=HYPERLINK("x")'
    assert data[1][2] == "'-1+2"
    assert guard_cell("@SUM(A1)") == "'@SUM(A1)"
    assert guard_cell("+82") == "'+82"
    assert guard_cell("서울") == "서울"
    assert guard_cell(-3) == -3  # numbers stay numbers


def test_the_xlsx_opens_with_the_same_rows(client, lena, rows):
    client.force_login(lena)
    response = client.get(XLSX + "?sort=company")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(book.active.values)
    assert values[0][0] == "진단 ID"
    # Sorted by company name: the guarded "=..." name sorts first.
    assert values[1][1] == '\'=HYPERLINK("x")'
    assert values[2][1] == "서울제조"
    assert values[2][6:9] == (5, 7, 7)
    assert values[2][13] == "carol@example.com"


def test_an_unknown_format_is_a_404(client, lena, rows):
    client.force_login(lena)
    assert (
        client.get(reverse("diagnostics:agency_export", args=["pdf"])).status_code
        == 404
    )


def test_an_invalid_filter_sends_back_to_the_queue_with_the_reason(client, lena, rows):
    client.force_login(lena)
    response = client.get(CSV + "?stage=12&region=busan")
    assert response.status_code == 302
    assert response.url == reverse("diagnostics:agency_list") + "?stage=12&region=busan"
    page = client.get(response.url).content.decode()
    assert "error-summary" in page


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_the_export_query_count_is_fixed(client, lena, version, url):
    def add(count: int) -> None:
        for number in range(count):
            make_diagnostic(version, CompanyFactory(), stage=number % 9 + 1)

    client.force_login(lena)
    add(3)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            b"".join(response.streaming_content)
        return len(queries)

    small = count()
    add(27)
    assert count() == small
    assert Diagnostic.objects.count() == 30
