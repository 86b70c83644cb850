"""The catalog admin. Steve (staff) edits, imports and exports programs; Carol (consultant)
may at most look, and Alice (a firm's member) never reaches the admin."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Field
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from tablib import Dataset

from programs.models import Institution, Program
from programs.resources import PROGRAM_COLUMNS, ProgramResource
from tests.conftest import admin_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:programs_program_changelist")
IMPORT = reverse("admin:programs_program_import")
PROCESS_IMPORT = reverse("admin:programs_program_process_import")
EXPORT = reverse("admin:programs_program_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"


@pytest.fixture
def client(client):
    # The admin speaks Korean by default; the assertions read its English messages.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def gateway(version) -> Program:
    """A program of the tests' own, so that they do not follow the demo catalog."""
    return Program.objects.create(
        institution=Institution.objects.get(code="kotra"),
        code="test-export-gateway",
        name_ko="수출 첫걸음 게이트웨이",
        name_en="Export Gateway",
        description_ko="전담 멘토가 첫 수출을 돕습니다.",
        description_en="A dedicated mentor guides a first export.",
        support_type="mentoring",
        bottlenecks=["sales_routes", "manpower"],
        stage_min=2,
        stage_max=5,
        export_max_usd=500_000,
        application_url="https://www.kotra.or.kr",
        source_url="https://www.kotra.or.kr",
        checked_on=date(2026, 1, 5),
    )


def change_url(program: Program) -> str:
    return reverse("admin:programs_program_change", args=[program.pk])


def new_row(**changes: str) -> dict[str, str]:
    row = {
        "code": "test-buyer-days",
        "institution": "kotra",
        "name_ko": "바이어 상담회",
        "name_en": "Buyer days",
        "description_ko": "해외 바이어와의 1:1 상담을 주선합니다.",
        "description_en": "One-to-one meetings with overseas buyers.",
        "support_type": "buyer_matching",
        "bottlenecks": "sales_routes, funds",
        "stage_min": "3",
        "stage_max": "6",
        "export_min_usd": "",
        "export_max_usd": "1,000,000",
        "max_employees": "300",
        "max_revenue_krw": "",
        "industries": "C, g",
        "target_markets": "US, vn",
        "regions": "",
        "fee_min_krw": "0",
        "fee_max_krw": "200000",
        "capacity": "40",
        "application_opens": "2025-03-01",
        "application_closes": "2025-04-30",
        "application_url": "https://www.kotra.or.kr",
        "contact": "1600-7119",
        "how_to_apply_ko": "",
        "how_to_apply_en": "",
        "is_active": "true",
        "areas": "market, marketing",
        "family": "",
        "includes_diagnosis": "false",
        "exported_last_year": "",
        "age_min_years": "",
        "age_max_years": "7",
        "ksic_divisions": "10, 28",
        "hs_chapters": "",
        "application_months": "3, 4",
        "source_url": "https://www.kotra.or.kr/subList/20000005900",
        "checked_on": "2026-11-30",
        "verified": "true",
        "verification_note": "",
    }
    row.update(changes)
    return row


def existing_row(program: Program, **changes: str) -> dict[str, str]:
    exported = ProgramResource().export(Program.objects.filter(pk=program.pk)).dict[0]
    return {**{k: str(v) for k, v in exported.items()}, **changes}


def csv_file(
    rows: list[dict[str, str]], columns: list[str] = PROGRAM_COLUMNS
) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(
        "programs.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv"
    )


def preview(client, upload: SimpleUploadedFile, file_format: str = CSV_FORMAT):
    return client.post(
        IMPORT, {"resource": "0", "format": file_format, "import_file": upload}
    )


def confirm(client, response):
    return client.post(PROCESS_IMPORT, response.context["confirm_form"].initial)


# --- Who may enter ------------------------------------------------------------------------


def test_it_opens_changelist_change_and_add_pages_for_staff(client, steve, gateway):
    client.force_login(steve)
    for url in [CHANGELIST, change_url(gateway), reverse("admin:programs_program_add")]:
        assert client.get(url).status_code == 200
    institutions = reverse("admin:programs_institution_changelist")
    assert client.get(institutions).status_code == 200
    page = client.get(CHANGELIST).content.decode()
    assert IMPORT in page
    assert EXPORT in page


@pytest.mark.parametrize("who", ["carol", "alice"])
def test_it_sends_consultants_and_firms_to_the_admin_login(
    client, who, request, gateway
):
    client.force_login(request.getfixturevalue(who))
    for url in [CHANGELIST, change_url(gateway), IMPORT]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={url}"
    response = client.post(change_url(gateway), {"name_en": "Hijacked"})
    assert response.status_code == 302
    gateway.refresh_from_db()
    assert gateway.name_en == "Export Gateway"


def test_it_lets_a_consultant_with_admin_access_look_but_not_edit(
    client, carol, gateway
):
    carol.is_staff = True
    carol.save()
    client.force_login(carol)
    assert client.get(CHANGELIST).status_code == 200
    response = client.get(change_url(gateway))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(change_url(gateway), {"name_en": "x"}).status_code == 403
    assert client.get(reverse("admin:programs_program_add")).status_code == 403
    assert client.get(IMPORT).status_code == 403
    assert (
        "/admin/programs/program/import/" not in client.get(CHANGELIST).content.decode()
    )


# --- Lists and filters -------------------------------------------------------------------


def _result_codes(response) -> set[str]:
    return {program.code for program in response.context["cl"].result_list}


def test_it_filters_by_institution_support_type_stage_and_active(
    client, steve, gateway
):
    client.force_login(steve)
    kotra = Institution.objects.get(code="kotra")
    Program.objects.filter(pk=gateway.pk).update(is_active=False)
    cases = {
        f"institution__id__exact={kotra.pk}": Program.objects.filter(institution=kotra),
        "support_type__exact=mentoring": Program.objects.filter(
            support_type="mentoring"
        ),
        "stage=1": Program.objects.filter(stage_min__lte=1, stage_max__gte=1),
        "stage=9": Program.objects.filter(stage_min__lte=9, stage_max__gte=9),
        "is_active__exact=0": Program.objects.filter(is_active=False),
        "q=test-export": Program.objects.filter(code__icontains="test-export"),
    }
    for query, expected in cases.items():
        response = client.get(f"{CHANGELIST}?{query}&all=")
        assert response.status_code == 200, query
        assert _result_codes(response) == {p.code for p in expected}, query
        assert 0 < len(expected) < Program.objects.count(), query


def test_it_filters_stage_by_the_range_it_falls_in(client, steve, gateway):
    client.force_login(steve)
    for stage, included in [(1, False), (2, True), (5, True), (6, False)]:
        response = client.get(f"{CHANGELIST}?stage={stage}&all=")
        assert (gateway.code in _result_codes(response)) is included, stage


def test_it_refuses_a_stage_outside_1_to_9_in_the_filter(client, steve, version):
    client.force_login(steve)
    response = client.get(f"{CHANGELIST}?stage=10")
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"


def test_it_shows_a_readable_eligibility_summary(client, steve, gateway):
    client.force_login(steve)
    page = client.get(f"{CHANGELIST}?q={gateway.code}").content.decode()
    assert "stages 2–5 · exports under US$500,000" in page
    page = client.get(change_url(gateway)).content.decode()
    assert "stages 2–5 · exports under US$500,000" in page


def test_it_names_industries_and_markets_instead_of_listing_codes(
    client, steve, gateway
):
    Program.objects.filter(pk=gateway.pk).update(
        industries=["C", "G"], target_markets=["DE", "GB"]
    )
    client.force_login(steve)
    page = client.get(f"{CHANGELIST}?q={gateway.code}").content.decode()
    assert "industries Manufacturing, Wholesale and retail trade" in page
    assert "markets Germany, United Kingdom" in page
    assert "industries C, G" not in page
    assert "markets DE, GB" not in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.get(f"{CHANGELIST}?q={gateway.code}").content.decode()
    assert "업종 제조업, 도매 및 소매업" in page
    assert "시장 독일, 영국" in page


def test_the_program_list_makes_as_many_queries_for_many_programs_as_for_few(
    client, steve, gateway, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(steve)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    kotra = Institution.objects.get(code="kotra")
    other = Institution.objects.create(
        code="test-other", name_ko="다른 기관", name_en="Other", abbreviation="OTH"
    )
    for number in range(6):
        Program.objects.create(
            institution=other if number % 2 else kotra,
            code=f"test-more-{number}",
            name_ko=f"추가 사업 {number}",
            name_en=f"More {number}",
            description_ko="설명",
            description_en="Description",
            support_type="training",
            industries=["C", "G"],
            target_markets=["DE", "US"],
            regions=["seoul"],
        )
    with django_assert_num_queries(len(few)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == Program.objects.count()


def test_it_keeps_the_target_market_label_beside_its_picker(client, steve, gateway):
    client.force_login(steve)
    page = client.get(change_url(gateway)).content.decode()
    # SelectFilter2.js moves the picker to the front of the select's parent: that
    # parent must be a wrapper of its own, not the row holding the label too.
    assert '<div class="select-filter-wrapper"><select name="target_markets"' in page
    assert "/static/css/admin-catalog.css" in page


def test_it_edits_list_fields_as_checkboxes_not_json(client, steve, gateway):
    client.force_login(steve)
    page = client.get(change_url(gateway)).content.decode()
    for name in ["bottlenecks", "industries", "regions"]:
        assert f'<textarea name="{name}"' not in page
        assert f'type="checkbox" name="{name}"' in page
    assert 'type="checkbox" name="bottlenecks" value="sales_routes"' in page
    assert 'value="none"' not in page  # "no bottleneck" is not something to address


# --- Editing and history --------------------------------------------------------------------


def test_it_keeps_who_changed_a_program_and_shows_it_in_history(client, steve, gateway):
    client.force_login(steve)
    data = admin_form_data(client.get(change_url(gateway)))
    data.update(
        name_en="Export Gateway for first exporters",
        regions=["busan", "seoul"],
        industries=["G", "C"],
        _save="Save",
    )
    response = client.post(change_url(gateway), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gateway.refresh_from_db()
    assert gateway.name_en == "Export Gateway for first exporters"
    # Stored in the order of the choices, whatever order the browser sent.
    assert gateway.regions == ["seoul", "busan"]
    assert gateway.industries == ["C", "G"]
    record = gateway.history.latest()
    assert record.history_type == "~"
    assert record.history_user == steve
    assert record.prev_record.name_en == "Export Gateway"

    history = client.get(reverse("admin:programs_program_history", args=[gateway.pk]))
    assert history.status_code == 200
    page = history.content.decode()
    assert "steve@example.com" in page
    assert "Export Gateway for first exporters" in page


def test_it_refuses_a_reversed_stage_range_in_the_form(client, steve, gateway):
    client.force_login(steve)
    data = admin_form_data(client.get(change_url(gateway)))
    data.update(stage_min="6", stage_max="3", _save="Save")
    response = client.post(change_url(gateway), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    gateway.refresh_from_db()
    assert (gateway.stage_min, gateway.stage_max) == (2, 5)


# --- Import -----------------------------------------------------------------------------------


def test_it_previews_new_and_updated_rows_and_imports_them_on_confirm(
    client, steve, gateway
):
    client.force_login(steve)
    before = Program.objects.count()
    upload = csv_file([new_row(), existing_row(gateway, stage_max="4")])
    response = preview(client, upload)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="confirm"' in page
    assert [row.import_type for row in response.context["result"].valid_rows()] == [
        "new",
        "update",
    ]
    assert ">New<" in page.replace("\n", "").replace(" ", "")
    assert ">Update<" in page.replace("\n", "").replace(" ", "")
    assert Program.objects.count() == before  # a preview saves nothing

    response = confirm(client, response)
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert Program.objects.count() == before + 1
    program = Program.objects.get(code="test-buyer-days")
    assert program.institution.code == "kotra"
    assert program.bottlenecks == ["sales_routes", "funds"]
    assert program.industries == ["C", "G"]
    assert [c.code for c in program.target_markets] == ["US", "VN"]
    assert program.export_max_usd == 1_000_000
    assert program.application_opens == date(2025, 3, 1)
    assert program.application_months == [3, 4]
    assert program.ksic_divisions == ["10", "28"]
    assert program.areas == ["market", "marketing"]
    assert (program.age_min_years, program.age_max_years) == (None, 7)
    assert program.exported_last_year is None
    assert program.checked_on == date(2026, 11, 30)
    assert program.history.latest().history_user == steve
    gateway.refresh_from_db()
    assert gateway.stage_max == 4
    assert gateway.history.latest().history_user == steve


def test_it_skips_unchanged_rows_on_reimport_of_an_export(client, steve, gateway):
    client.force_login(steve)
    response = preview(client, csv_file([existing_row(gateway)]))
    assert [row.import_type for row in response.context["result"].rows] == ["skip"]


BAD_ROWS = [
    ({"institution": "nope"}, "institution: Unknown institution code “nope”."),
    ({"stage_min": "0"}, "stage_min: Stage 0 is outside 1–9."),
    ({"stage_max": "10"}, "stage_max: Stage 10 is outside 1–9."),
    (
        {"stage_min": "6", "stage_max": "3"},
        "stage_max: The stage range is reversed: lowest stage 6 is above highest "
        "stage 3.",
    ),
    ({"capacity": "abc"}, "capacity: “abc” is not a whole number."),
    ({"stage_min": "2.5"}, "stage_min: “2.5” is not a whole number."),
    ({"max_employees": "-5"}, "max_employees: “-5” is negative; enter 0 or more."),
    (
        {"fee_min_krw": "500", "fee_max_krw": "100"},
        "fee_max_krw: Fee up to (100) is below fee from (500).",
    ),
    (
        {"application_opens": "2025-05-01", "application_closes": "2025-04-01"},
        "application_closes: Applications close (2025-04-01) before they open "
        "(2025-05-01).",
    ),
    (
        {"application_opens": "01/03/2025"},
        "application_opens: “01/03/2025” is not a date; use YYYY-MM-DD.",
    ),
    ({"support_type": "party"}, "support_type: Unknown support type “party”"),
    ({"bottlenecks": "funds, luck"}, "bottlenecks: Unknown bottleneck: “luck”"),
    ({"industries": "C, Z"}, "industries: Unknown industry: “Z”"),
    ({"regions": "seoul, mars"}, "regions: Unknown region: “mars”"),
    ({"target_markets": "US, XX"}, "target_markets: Unknown country: “XX”"),
    ({"is_active": "maybe"}, "is_active: “maybe” is not true or false"),
    ({"name_en": ""}, "name_en: This field cannot be blank."),
    ({"code": "not a slug!"}, "code: Enter a valid “slug”"),
    ({"application_url": "kotra"}, "application_url: Enter a valid URL."),
    ({"ksic_divisions": "10, 40"}, "ksic_divisions: Unknown KSIC division: “40”"),
    ({"hs_chapters": "85, 77"}, "hs_chapters: Unknown HS chapter: “77”"),
    ({"application_months": "3, 13"}, "application_months: “13” is no month"),
    (
        {"age_min_years": "8", "age_max_years": "7"},
        "age_max_years: Maximum years since founding (7) is below the minimum (8).",
    ),
    ({"areas": "market, luck"}, "areas: Unknown area(s) of the diagnostic: luck."),
    ({"exported_last_year": "often"}, "exported_last_year: “often” is not true"),
    (
        {"verified": "false"},
        "verification_note: Say what could not be verified, or tick “verified”.",
    ),
    (
        {"industries": "G", "ksic_divisions": "10"},
        "ksic_divisions: None of these divisions belongs to the industries chosen",
    ),
    ({"checked_on": "yesterday"}, "checked_on: “yesterday” is not a date"),
]


def labelled(reason: str) -> str:
    """ "stage_min: ..." as the page says it: "Lowest stage: ..." (English UI)."""
    field, message = reason.split(": ", 1)
    model_field = Program._meta.get_field(field)
    assert isinstance(model_field, Field)
    label = model_field.verbose_name
    with translation.override("en"):
        return f"{capfirst(str(label))}: {message}"


@pytest.mark.parametrize(("changes", "reason"), BAD_ROWS)
def test_it_imports_nothing_from_a_file_with_a_bad_row_and_names_it(
    client, steve, gateway, changes, reason
):
    client.force_login(steve)
    before = Program.objects.count()
    rows = [
        new_row(code="test-good-row"),
        existing_row(gateway, name_en="Renamed"),
        new_row(**changes),
    ]
    response = preview(client, csv_file(rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context.get("confirm_form") is None
    assert 'name="confirm"' not in page
    assert "Nothing was imported" in page
    assert page.count(escape(f"Row 3: {labelled(reason)}")) == 1
    assert escape(reason) not in page  # no field codes in the message
    invalid = response.context["result"].invalid_rows
    assert [row.number for row in invalid] == [3]
    assert Program.objects.count() == before
    assert not Program.objects.filter(code="test-good-row").exists()
    gateway.refresh_from_db()
    assert gateway.name_en == "Export Gateway"


def test_it_names_every_bad_row_of_a_file(client, steve, version):
    client.force_login(steve)
    rows = [
        new_row(code="bad-one", institution="nope"),
        new_row(code="good-one"),
        new_row(code="bad-two", stage_min="0", capacity="abc"),
    ]
    page = preview(client, csv_file(rows)).content.decode()
    assert escape("Row 1: Institution: Unknown institution code “nope”.") in page
    assert (
        escape(
            "Row 3: Lowest stage: Stage 0 is outside 1–9. · Capacity (firms): “abc” is "
            "not a whole number."
        )
        in page
    )
    assert "Row 2:" not in page


def test_it_refuses_a_code_given_on_two_rows(client, steve, version):
    client.force_login(steve)
    rows = [new_row(), new_row(name_en="Second")]
    page = preview(client, csv_file(rows)).content.decode()
    assert (
        escape("Row 1: Code: Code “test-buyer-days” is on more than one row: 1, 2.")
        in page
    )
    assert not Program.objects.filter(code="test-buyer-days").exists()


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            [c for c in PROGRAM_COLUMNS if c != "name_en"],
            "Missing required column(s): name_en.",
        ),
        (
            [c for c in PROGRAM_COLUMNS if c not in {"code", "stage_max"}],
            "Missing required column(s): code, stage_max.",
        ),
        (PROGRAM_COLUMNS + ["name_kr"], "Unknown column(s): name_kr."),
    ],
)
def test_it_refuses_a_file_with_missing_or_unknown_columns(
    client, steve, gateway, columns, message
):
    client.force_login(steve)
    before = Program.objects.count()
    rows = [
        new_row(name_kr="x"),
        existing_row(gateway, name_ko="바뀐 이름", name_kr="y"),
    ]
    response = preview(client, csv_file(rows, columns))
    page = response.content.decode()
    assert response.context.get("confirm_form") is None
    assert escape(message) in page
    assert "Traceback" not in page
    assert Program.objects.count() == before
    gateway.refresh_from_db()
    assert gateway.name_ko == "수출 첫걸음 게이트웨이"


def test_it_rolls_back_the_whole_file_when_confirm_meets_a_new_problem(
    client, steve, version
):
    client.force_login(steve)
    Institution.objects.create(
        code="gone", name_ko="사라질 기관", name_en="Gone", abbreviation="GONE"
    )
    before = Program.objects.count()
    rows = [new_row(code="kept-back"), new_row(code="orphan", institution="gone")]
    response = preview(client, csv_file(rows))
    assert response.context["confirm_form"] is not None
    Institution.objects.filter(code="gone").delete()  # between preview and confirm

    response = confirm(client, response)
    assert response.status_code == 302
    assert response["Location"] == IMPORT
    assert Program.objects.count() == before
    assert not Program.objects.filter(code="kept-back").exists()
    page = client.get(IMPORT).content.decode()
    assert escape("Row 2: Institution: Unknown institution code “gone”.") in page


def test_it_imports_nothing_outside_the_admin_either(version):
    dataset = Dataset(headers=PROGRAM_COLUMNS)
    for row in [new_row(code="fine"), new_row(code="broken", stage_min="0")]:
        dataset.append([row[column] for column in PROGRAM_COLUMNS])
    before = Program.objects.count()
    result = ProgramResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert Program.objects.count() == before


def test_it_imports_an_xlsx_file(client, steve, version):
    client.force_login(steve)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(PROGRAM_COLUMNS)
    row = new_row(code="xlsx-program")
    # Spreadsheets hand over numbers and dates as such, not as text.
    row.update(stage_min=2, stage_max=4, capacity=40.0, max_employees=None)
    row["application_opens"] = date(2025, 3, 1)
    sheet.append([row[column] for column in PROGRAM_COLUMNS])
    # Formatted but empty cells below and beside the data.
    sheet.cell(row=5, column=len(PROGRAM_COLUMNS) + 2).number_format = "0.00"
    content = io.BytesIO()
    workbook.save(content)
    upload = SimpleUploadedFile("programs.xlsx", content.getvalue())

    response = preview(client, upload, XLSX_FORMAT)
    assert response.status_code == 200
    assert [r.import_type for r in response.context["result"].valid_rows()] == ["new"]
    assert confirm(client, response).status_code == 302
    program = Program.objects.get(code="xlsx-program")
    assert (program.stage_min, program.stage_max, program.capacity) == (2, 4, 40)
    assert program.max_employees is None
    assert program.application_opens == date(2025, 3, 1)


# --- Import guide and template files ------------------------------------------------------


def template_url(extension: str) -> str:
    return reverse("admin:programs_program_import_template", args=[extension])


@pytest.mark.parametrize(
    ("extension", "file_format", "content_type"),
    [
        ("csv", CSV_FORMAT, "text/csv; charset=utf-8"),
        (
            "xlsx",
            XLSX_FORMAT,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_it_offers_a_template_file_that_imports_back_as_its_example_row(
    client, steve, version, extension, file_format, content_type
):
    client.force_login(steve)
    response = client.get(template_url(extension))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="program-import-template.{extension}"'
    )
    if extension == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == PROGRAM_COLUMNS
    assert len(rows) == 2

    before = Program.objects.count()
    upload = SimpleUploadedFile(f"template.{extension}", response.content)
    result = preview(client, upload, file_format).context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.valid_rows()] == ["new"]
    assert [row.object_repr for row in result.valid_rows()] == [
        "예시 지원사업 (이 행을 지우고 쓰세요)"
    ]
    assert Program.objects.count() == before


def test_the_template_file_is_the_resource_s_dry_run_importable_example(version):
    dataset = ProgramResource().template_dataset()
    assert dataset.headers == PROGRAM_COLUMNS
    assert dataset.dict[0]["code"] == "example-program"
    result = ProgramResource().import_data(dataset, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 1
    assert not Program.objects.filter(code="example-program").exists()


def test_it_offers_an_institution_template_too(client, steve, version):
    client.force_login(steve)
    url = reverse("admin:programs_institution_import_template", args=["csv"])
    response = client.get(url)
    assert response.status_code == 200
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "code,name_ko,name_en,abbreviation,website,contact"


def test_it_answers_404_for_a_template_in_an_unknown_format(client, steve, version):
    client.force_login(steve)
    assert client.get(template_url("json")).status_code == 404


@pytest.mark.parametrize("who", ["carol", "alice", "bob"])
def test_it_keeps_template_files_from_firms_and_consultants(
    client, who, request, version
):
    client.force_login(request.getfixturevalue(who))
    for extension in ["csv", "xlsx"]:
        url = template_url(extension)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/login/?next={url}"


def test_it_keeps_template_files_from_admin_users_who_may_not_import(
    client, carol, version
):
    carol.is_staff = True  # reaches the admin, with view permissions only
    carol.save()
    client.force_login(carol)
    response = client.get(template_url("csv"))
    assert response.status_code == 403
    assert b"example-program" not in response.content


def test_the_anonymous_visitor_gets_the_login_page_not_the_file(client, version):
    url = template_url("csv")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_the_import_page_states_each_column_s_values(client, steve, version):
    client.force_login(steve)
    page = client.get(IMPORT).content.decode()
    assert template_url("csv") in page
    assert template_url("xlsx") in page
    for column in PROGRAM_COLUMNS:
        assert f'id="column-{column}"' in page, column
    assert "A stage, a whole number from 1 to 9." in page
    assert "An amount in US dollars" in page
    assert "An amount in won" in page
    assert "A date as YYYY-MM-DD (2026-03-01)." in page
    assert "<code>seoul</code> Seoul" in page
    assert "<code>C</code> Manufacturing" in page
    assert "<code>DE</code> Germany" in page
    assert "<code>buyer_matching</code> Buyer matching" in page
    assert "<code>kotra</code>" in page
    # The raw list of field codes import-export prints is gone.
    assert "This importer will import the following fields" not in page


def test_the_import_page_speaks_korean_in_korean(client, steve, version):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    client.force_login(steve)
    page = client.get(IMPORT).content.decode()
    assert "<code>seoul</code> 서울" in page
    assert "<code>C</code> 제조업" in page
    assert "<code>DE</code> 독일" in page
    assert "최저 단계" in page


def test_the_import_page_makes_as_many_queries_for_many_programs_as_for_few(
    client, steve, gateway, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(steve)
    with CaptureQueriesContext(connection) as few:
        assert client.get(IMPORT).status_code == 200
    Institution.objects.create(
        code="test-other", name_ko="다른 기관", name_en="Other", abbreviation="OTH"
    )
    Program.objects.filter(pk=gateway.pk).update(name_en="Renamed")
    with django_assert_num_queries(len(few)):
        client.get(IMPORT)


def test_it_lists_each_problem_once_with_the_column_s_korean_name(
    client, steve, version
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    client.force_login(steve)
    rows = [new_row(code="bad-one", stage_min="0", capacity="abc")]
    response = preview(client, csv_file(rows))
    page = response.content.decode()
    assert page.count("0단계는 1–9 범위를 벗어납니다.") == 1
    assert page.count("정수가 아닙니다.") == 1
    assert "최저 단계: 0단계는" in page
    assert "stage_min:" not in page
    assert "capacity:" not in page
    # Not repeated in the messages above the page either.
    assert not [str(m) for m in response.context["messages"]]


# --- Export ----------------------------------------------------------------------------------


def _export(client, file_format: str):
    form = client.get(EXPORT).context["form"]
    data = {"format": file_format, "resource": "0"}
    data.update(
        {name: "on" for name in form.fields if name.startswith("programresource_")}
    )
    return client.post(EXPORT, data)


def test_it_exports_every_program_as_csv(client, steve, gateway):
    client.force_login(steve)
    response = _export(client, CSV_FORMAT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == Program.objects.count()
    assert {row["code"] for row in rows} == set(
        Program.objects.values_list("code", flat=True)
    )
    exported = next(row for row in rows if row["code"] == gateway.code)
    assert exported["institution"] == "kotra"
    assert exported["bottlenecks"] == "sales_routes, manpower"
    assert (exported["stage_min"], exported["stage_max"]) == ("2", "5")
    assert exported["is_active"] == "true"


def test_it_exports_xlsx_that_imports_back_unchanged(client, steve, version):
    client.force_login(steve)
    response = _export(client, XLSX_FORMAT)
    assert response.status_code == 200
    upload = SimpleUploadedFile("programs.xlsx", response.content)
    response = preview(client, upload, XLSX_FORMAT)
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == Program.objects.count()


# --- Recommendations ------------------------------------------------------------------------


def test_it_shows_recommendations_read_only(client, steve, version):
    steve.is_superuser = True
    steve.save()
    client.force_login(steve)
    assert (
        client.get(reverse("admin:programs_recommendation_changelist")).status_code
        == 200
    )
    assert client.get(reverse("admin:programs_recommendation_add")).status_code == 403
    url = reverse("admin:programs_recommendationrefresh_add")
    assert client.get(url).status_code == 403


# --- Keeping entries current -----------------------------------------------------------


def test_it_lists_the_programs_not_checked_in_six_months(client, steve, gateway):
    from programs.selectors import check_due_before

    client.force_login(steve)
    today = date.today()
    Program.objects.update(checked_on=today)
    Program.objects.filter(pk=gateway.pk).update(
        checked_on=check_due_before(today) - timedelta(days=1)
    )
    never = Program.objects.exclude(pk=gateway.pk).first()
    Program.objects.filter(pk=never.pk).update(checked_on=None)

    due = _result_codes(client.get(f"{CHANGELIST}?checked=due"))
    assert sorted(due) == sorted([gateway.code, never.code])
    recent = _result_codes(client.get(f"{CHANGELIST}?checked=recent"))
    assert gateway.code not in recent and never.code not in recent
    assert len(recent) == Program.objects.count() - 2

    index = client.get(reverse("admin:index")).content.decode()
    assert "2 programs were not checked against their source in the last 6 months." in (
        index
    )
    assert f"{CHANGELIST}?checked=due" in index


def test_the_admin_index_says_when_every_program_is_current(client, steve, version):
    client.force_login(steve)
    Program.objects.update(checked_on=date.today())
    index = client.get(reverse("admin:index")).content.decode()
    assert "Every program was checked against its source in the last 6 months." in index


def test_it_marks_programs_checked_today_but_not_one_without_a_source(
    client, steve, gateway
):
    client.force_login(steve)
    sourceless = Program.objects.exclude(pk=gateway.pk).first()
    Program.objects.filter(pk__in=[gateway.pk, sourceless.pk]).update(
        checked_on=date(2020, 1, 1)
    )
    Program.objects.filter(pk=sourceless.pk).update(source_url="")
    response = client.post(
        CHANGELIST,
        {
            "action": "mark_checked",
            "_selected_action": [gateway.pk, sourceless.pk],
        },
        follow=True,
    )
    gateway.refresh_from_db()
    sourceless.refresh_from_db()
    assert gateway.checked_on == date.today()
    assert sourceless.checked_on == date(2020, 1, 1)
    assert gateway.history.latest().history_user == steve
    shown = [str(m) for m in response.context["messages"]]
    assert f"1 program marked as checked on {date.today().isoformat()}." in shown
    assert (
        "Not marked, for they name no source to check against: "
        f"{sourceless.code}. Enter each one's source first." in shown
    )


def test_a_consultant_cannot_mark_programs_checked(client, carol, gateway):
    carol.is_staff = True  # reaches the admin, with view permissions only
    carol.save()
    client.force_login(carol)
    Program.objects.filter(pk=gateway.pk).update(checked_on=date(2020, 1, 1))
    client.post(
        CHANGELIST, {"action": "mark_checked", "_selected_action": [gateway.pk]}
    )
    gateway.refresh_from_db()
    assert gateway.checked_on == date(2020, 1, 1)


def test_a_blank_fee_imports_as_a_cost_that_varies_not_as_free(client, steve, version):
    client.force_login(steve)
    response = preview(client, csv_file([new_row(code="co-paid", fee_max_krw="")]))
    assert confirm(client, response).status_code == 302
    program = Program.objects.get(code="co-paid")
    assert program.fee_max_krw is None
    from programs.services import program_spec

    assert program_spec(program).fee_max_krw is None
