"""The demo catalog (programs/content/catalog.json) as loaded: every entry names its
operator, a source and the day it was checked, and no rule shuts out every firm.
Data only; nobody's rights are involved."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.validators import KSIC_DIVISION_SECTIONS
from programs.models import Institution, Program
from programs.rules import FirmProfile, ProgramSpec, check_program, recommend
from programs.services import program_spec

pytestmark = pytest.mark.django_db

CATALOG_FILE = settings.BASE_DIR / "programs" / "content" / "catalog.json"
TODAY = date(2026, 12, 2)


@pytest.fixture
def catalog(version) -> list[Program]:
    return list(Program.objects.select_related("institution").order_by("code"))


def test_the_database_holds_the_whole_file(catalog):
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    assert sorted(p.code for p in catalog) == sorted(
        p["code"] for p in data["programs"]
    )
    assert 35 <= len(catalog) <= 60


def test_every_entry_names_its_operator_a_source_and_a_check_date(catalog):
    problems = []
    for program in catalog:
        if not program.source_url.startswith(("http://", "https://")):
            problems.append(f"{program.code}: no source")
        if program.checked_on is None:
            problems.append(f"{program.code}: no check date")
        if program.source_url.rstrip("/") == program.institution.website.rstrip("/"):
            problems.append(f"{program.code}: the source is the operator's home page")
        if not program.verified and not program.verification_note.strip():
            problems.append(f"{program.code}: unverified without a note")
        if not (program.name_ko and program.name_en):
            problems.append(f"{program.code}: a name is missing")
    assert problems == []


def test_it_covers_the_agencies_firms_really_deal_with(catalog):
    by_institution = {p.institution.code for p in catalog}
    assert {"mss", "kotra", "kosme", "kita", "ksure"} <= by_institution
    # The programs that belong elsewhere are filed there.
    assert Program.objects.get(code="kipo-ip-desk").institution.code == "kipo"
    assert Institution.objects.get(code="ksure").abbreviation == "K-SURE"
    halal = [p.code for p in catalog if "할랄" in p.name_ko]
    assert halal == [], "halal support is part of certification entries, once"


@pytest.mark.parametrize(
    ("family", "edges"),
    [
        ("mss-export-voucher", [None, 1_000, 100_000, 1_000_000, 5_000_000, None]),
        ("mss-global-champions-1000", None),
    ],
)
def test_the_tiers_of_a_family_leave_no_gap(catalog, family, edges):
    tiers = sorted(
        (p for p in catalog if p.family == family),
        key=lambda p: p.export_min_usd or 0,
    )
    if family == "mss-export-voucher":
        assert len(tiers) == 5
        assert [t.export_min_usd for t in tiers] == edges[:5]
        assert [t.export_max_usd for t in tiers] == edges[1:]
    else:
        assert [(t.export_min_usd, t.export_max_usd) for t in tiers] == [
            (100_000, 1_000_000),
            (1_000_000, 5_000_000),
            (5_000_000, None),
            (10_000_000, None),
        ]


def witness(program: ProgramSpec, today: date) -> FirmProfile:
    """A firm built to meet every rule of `program`; if it cannot, no firm can."""
    exports = program.export_min_usd or 0
    if program.exported_last_year:
        exports = max(exports, 1)
    divisions = sorted(program.ksic_divisions)
    if program.industries:
        divisions = [
            d for d in divisions if KSIC_DIVISION_SECTIONS[d] in program.industries
        ]
    division = divisions[0] if divisions else ""
    chapter = (
        sorted(program.hs_chapters)[0] if program.hs_chapters and not division else ""
    )
    if division:
        industry = KSIC_DIVISION_SECTIONS[division]
    else:
        industry = sorted(program.industries)[0] if program.industries else "C"
    return FirmProfile(
        stage=program.stage_min,
        annual_exports_usd=exports,
        employees=1,
        revenue_krw=0,
        industry=industry,
        region=sorted(program.regions)[0] if program.regions else "seoul",
        target_markets=frozenset(sorted(program.target_markets)[:1]),
        bottleneck_scores={},
        area_scores={},
        year_founded=today.year - (program.age_min_years or 0),
        industry_division=division,
        hs_code=chapter,
    )


def test_no_rule_shuts_out_every_firm(catalog):
    unreachable = {}
    for program in catalog:
        spec = program_spec(program)
        check = check_program(witness(spec, TODAY), spec, today=TODAY)
        if not check.eligible:
            unreachable[program.code] = [reason.code for reason in check.failed]
    assert unreachable == {}


def test_no_window_lies_in_the_past(catalog):
    for program in catalog:
        spec = program_spec(program)
        window = check_program(witness(spec, TODAY), spec, today=TODAY).window
        assert window.closes is None or window.closes >= TODAY, program.code


def test_a_firm_exporting_3_million_short_of_funds_is_sent_to_k_sure(catalog):
    weak_funds = FirmProfile(
        stage=6,
        annual_exports_usd=3_000_000,
        employees=60,
        revenue_krw=20_000_000_000,
        industry="C",
        region="gyeonggi",
        target_markets=frozenset({"US", "VN"}),
        bottleneck_scores={
            "funds": Decimal(25),
            "technology": Decimal(70),
            "manpower": Decimal(65),
            "sales_routes": Decimal(60),
        },
        area_scores={"finance": Decimal(20), "marketing": Decimal(70)},
        year_founded=2009,
        industry_division="29",
        hs_code="8479",
        just_diagnosed=True,
    )
    specs = [program_spec(p) for p in catalog if p.is_active]
    institutions = {p.pk: p.institution.code for p in catalog}
    result = recommend(weak_funds, specs, today=TODAY)
    k_sure = [m for m in result.matches if institutions[m.program_id] == "ksure"]
    assert k_sure, [m.code for m in result.matches]
    assert all(
        any(
            r.code == "addresses_area" and r.param("area") == "finance"
            for r in m.reasons
        )
        for m in k_sure
    )
    # The voucher tier for US$3M is Growth, and only that one.
    vouchers = [
        m.code for m in result.matches if m.code.startswith("mss-export-voucher")
    ]
    assert vouchers in ([], ["mss-export-voucher-4-growth"])
