"""The consultants' queue: filters from the URL, search, sort, pages, counts, scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from diagnostics.models import (
    ConsultantRequest,
    ConsultantRequestStatus,
    Diagnostic,
    DiagnosticStatus,
    ReviewStatus,
)
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("diagnostics:agency_list")


def make_diagnostic(
    version,
    company=None,
    *,
    stage: int = 4,
    override: int | None = None,
    review_status: str = ReviewStatus.NEW,
    days_ago: int = 1,
    assigned_to=None,
    verified: int = 0,
    status: str = DiagnosticStatus.SUBMITTED,
) -> Diagnostic:
    company = company or CompanyFactory()
    submitted = status == DiagnosticStatus.SUBMITTED
    return Diagnostic.objects.create(
        company=company,
        version=version,
        status=status,
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago)
        if submitted
        else None,
        stage=stage if submitted else None,
        total_score=Decimal("50.00") if submitted else None,
        stage_override=override,
        review_status=review_status,
        assigned_to=assigned_to,
        verified_answers=verified,
    )


def names(response) -> list[str]:
    return [row["diagnostic"].company.name_ko for row in response.context["rows"]]


@pytest.fixture
def queue(version):
    """Four firms: two in Seoul, one in Busan, one in Gyeonggi."""
    firms = {
        "seoul_c": CompanyFactory(
            name_ko="서울제조", name_en="Seoul Works", region="seoul", industry="C"
        ),
        "seoul_g": CompanyFactory(
            name_ko="서울상사", name_en="Seoul Trading", region="seoul", industry="G"
        ),
        "busan": CompanyFactory(
            name_ko="부산해운", name_en="Busan Shipping", region="busan"
        ),
        "gyeonggi": CompanyFactory(
            name_ko="경기전자", name_en="Gyeonggi Electronics", region="gyeonggi"
        ),
    }
    return {
        "seoul_c": make_diagnostic(version, firms["seoul_c"], stage=2, days_ago=3),
        "seoul_g": make_diagnostic(
            version,
            firms["seoul_g"],
            stage=5,
            override=8,
            review_status=ReviewStatus.IN_REVIEW,
            days_ago=2,
        ),
        "busan": make_diagnostic(
            version, firms["busan"], stage=7, review_status=ReviewStatus.REVIEWED
        ),
        "gyeonggi": make_diagnostic(version, firms["gyeonggi"], stage=5, days_ago=10),
        "draft": make_diagnostic(
            version, firms["gyeonggi"], status=DiagnosticStatus.DRAFT
        ),
    }


def test_carol_sees_the_submissions_of_seoul_only_newest_first(client, carol, queue):
    client.force_login(carol)
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["서울상사", "서울제조"]


def test_a_consultant_with_two_regions_sees_both(client, queue):
    user = UserFactory(regions=["seoul", "busan"], role=Role.CONSULTANT)
    client.force_login(user)
    assert names(client.get(URL)) == ["부산해운", "서울상사", "서울제조"]


def test_nora_without_a_region_sees_nothing(client, nora, queue):
    client.force_login(nora)
    response = client.get(URL)
    assert names(response) == []
    assert response.context["total"] == 0
    assert "아직 담당 지역이 없어" in response.content.decode()


def test_lena_sees_every_region_but_no_draft(client, lena, queue):
    client.force_login(lena)
    assert names(client.get(URL)) == ["부산해운", "서울상사", "서울제조", "경기전자"]


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_firms_get_a_404(client, queue, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert (
        client.get(reverse("diagnostics:agency_export", args=["csv"])).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=new", ["서울제조", "경기전자"]),
        ("status=in_review", ["서울상사"]),
        ("status=reviewed", ["부산해운"]),
        # The effective stage: the override counts, the computed stage under it not.
        ("stage=8", ["서울상사"]),
        ("stage=5", ["경기전자"]),
        ("phase=preparation", ["서울제조"]),
        ("phase=use", ["경기전자"]),
        ("phase=deepening", ["부산해운", "서울상사"]),
        ("region=busan", ["부산해운"]),
        ("industry=G", ["서울상사"]),
        ("q=경기", ["경기전자"]),
        ("q=busan+ship", ["부산해운"]),
        ("q=SEOUL", ["서울상사", "서울제조"]),
        ("status=new&region=seoul", ["서울제조"]),
    ],
)
def test_each_filter(client, lena, queue, query, expected):
    client.force_login(lena)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)


def test_the_date_range_takes_whole_local_days(client, lena, queue):
    client.force_login(lena)
    today = timezone.localdate()
    start = (today - datetime.timedelta(days=3)).isoformat()
    end = (today - datetime.timedelta(days=2)).isoformat()
    response = client.get(f"{URL}?submitted_from={start}&submitted_to={end}")
    assert sorted(names(response)) == ["서울상사", "서울제조"]
    response = client.get(f"{URL}?submitted_to={end}")
    assert sorted(names(response)) == ["경기전자", "서울상사", "서울제조"]


def test_mine_shows_the_diagnostics_assigned_to_me(client, carol, queue):
    Diagnostic.objects.filter(pk=queue["seoul_c"].pk).update(assigned_to=carol)
    client.force_login(carol)
    assert names(client.get(f"{URL}?mine=1")) == ["서울제조"]
    assert names(client.get(f"{URL}?mine=on")) == ["서울제조"]
    assert len(names(client.get(f"{URL}?mine=0"))) == 2


def test_requested_shows_open_or_scheduled_requests_only(client, lena, queue):
    ConsultantRequest.objects.create(
        diagnostic=queue["busan"], preferred_time="오전", status="open"
    )
    ConsultantRequest.objects.create(
        diagnostic=queue["seoul_g"], preferred_time="오전", status="scheduled"
    )
    ConsultantRequest.objects.create(
        diagnostic=queue["gyeonggi"],
        preferred_time="오전",
        status=ConsultantRequestStatus.DONE,
    )
    client.force_login(lena)
    response = client.get(f"{URL}?requested=1")
    assert names(response) == ["부산해운", "서울상사"]
    flagged = {
        row["diagnostic"].company.name_ko
        for row in client.get(URL).context["rows"]
        if row["diagnostic"].has_open_request
    }
    assert flagged == {"부산해운", "서울상사"}


@pytest.mark.parametrize("hyphens", [True, False])
def test_search_by_business_number_with_or_without_hyphens(
    client, lena, queue, hyphens
):
    number = queue["busan"].company.business_number
    query = f"{number[:3]}-{number[3:5]}-{number[5:]}" if hyphens else number
    client.force_login(lena)
    assert names(client.get(URL, {"q": query})) == ["부산해운"]
    # A part of the number finds it too.
    assert "부산해운" in names(client.get(URL, {"q": number[:3] + "-" + number[3:5]}))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-submitted", ["부산해운", "서울상사", "서울제조", "경기전자"]),
        ("submitted", ["경기전자", "서울제조", "서울상사", "부산해운"]),
        ("-stage", ["서울상사", "부산해운", "경기전자", "서울제조"]),
        ("stage", ["서울제조", "경기전자", "부산해운", "서울상사"]),
        ("company", ["경기전자", "부산해운", "서울상사", "서울제조"]),
        ("-company", ["서울제조", "서울상사", "부산해운", "경기전자"]),
    ],
)
def test_sort(client, lena, queue, sort, expected):
    client.force_login(lena)
    assert names(client.get(f"{URL}?sort={sort}")) == expected


def test_the_counts_per_status_ignore_the_status_filter_only(client, lena, queue):
    client.force_login(lena)
    response = client.get(f"{URL}?status=new&phase=deepening")
    counts = {item["value"]: item["count"] for item in response.context["statuses"]}
    assert counts == {"new": 0, "in_review": 1, "reviewed": 1}
    assert response.context["total"] == 2
    assert response.context["page"].paginator.count == 0
    counts = {
        item["value"]: item["count"] for item in client.get(URL).context["statuses"]
    }
    assert counts == {"new": 2, "in_review": 1, "reviewed": 1}


def test_the_override_is_marked_beside_the_computed_stage(client, carol, queue):
    client.force_login(carol)
    html = client.get(URL).content.decode()
    assert "8 / 9" in html
    assert "산정 5" in html


def test_the_verified_share_is_shown(client, carol, queue):
    Diagnostic.objects.filter(pk=queue["seoul_c"].pk).update(verified_answers=9)
    client.force_login(carol)
    assert "20%" in client.get(URL).content.decode()


def test_pages_keep_the_filters(client, lena, version):
    for number in range(30):
        firm = CompanyFactory(name_ko=f"페이지기업{number:02d}", region="busan")
        make_diagnostic(version, firm, days_ago=number + 1)
    make_diagnostic(version, CompanyFactory(region="seoul"))
    client.force_login(lena)
    response = client.get(f"{URL}?region=busan&sort=company")
    page = response.context["page"]
    assert page.paginator.count == 30
    assert len(page.object_list) == 25
    html = response.content.decode()
    assert "?region=busan&amp;sort=company&amp;page=2" in html
    second = client.get(f"{URL}?region=busan&sort=company&page=2")
    assert names(second) == [f"페이지기업{n}" for n in range(25, 30)]
    # Sorting and the status tabs start again at page 1, filters kept.
    second_html = second.content.decode()
    assert "?region=busan&amp;sort=-company" in second_html
    assert "?region=busan&amp;sort=company&amp;status=new" in second_html


def test_the_export_links_carry_the_filters(client, lena, queue):
    client.force_login(lena)
    html = client.get(f"{URL}?region=busan&page=1").content.decode()
    assert reverse("diagnostics:agency_export", args=["csv"]) + "?region=busan" in html
    assert reverse("diagnostics:agency_export", args=["xlsx"]) + "?region=busan" in html


def test_a_clear_filters_link_when_filtered(client, lena, queue):
    client.force_login(lena)
    assert (
        'href="/diagnostic/agency/">'
        in client.get(f"{URL}?status=new").content.decode()
    )


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "stage=10",
        "stage=x",
        "phase=nope",
        "region=mars",
        "industry=ZZ",
        "submitted_from=2026-13-45",
        "sort=password",
        "page=abc",
        "page=999",
    ],
)
def test_invalid_values_say_so_and_never_fail(client, lena, queue, query):
    client.force_login(lena)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    if not query.startswith("page"):
        assert "error-summary" in response.content.decode()


def test_a_region_outside_carols_is_refused_and_shows_nothing_more(
    client, carol, queue
):
    client.force_login(carol)
    response = client.get(f"{URL}?region=busan")
    assert "error-summary" in response.content.decode()
    assert "부산해운" not in names(response)
    regions = [
        value for value, _ in response.context["filter"].form.fields["region"].choices
    ]
    assert regions == ["", "seoul"]


def _count(client, url: str) -> int:
    # The uncached path: cached counts would hide what grows with data.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query",
    ["", "?status=new&phase=use&q=기업&sort=-stage&mine=1&requested=1&region=seoul"],
)
def test_the_query_count_is_fixed_whatever_the_number_of_rows(
    client, carol, version, query
):
    def add(count: int) -> None:
        # Every row matches the filters: the page is never empty.
        for number in range(count):
            diagnostic = make_diagnostic(
                version,
                CompanyFactory(region="seoul"),
                stage=number % 3 + 4,
                override=5 if number % 4 == 0 else None,
                assigned_to=carol,
            )
            ConsultantRequest.objects.create(
                diagnostic=diagnostic, preferred_time="오후"
            )

    client.force_login(carol)
    add(3)
    client.get(URL + query)
    small = _count(client, URL + query)
    add(27)
    assert _count(client, URL + query) == small
    assert len(client.get(URL + query).context["rows"]) == 25
    # Session, user, permissions (2), the data's fingerprint for the cached counts
    # (5), the counts, and the page of rows.
    assert small <= 11


def test_counts_are_cached_until_the_data_changes(client, carol, version):
    make_diagnostic(version, CompanyFactory(region="seoul"))
    client.force_login(carol)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as again:
        response = client.get(URL)

    def counts_query(queries: CaptureQueriesContext) -> list[str]:
        return [
            q["sql"] for q in queries if 'COUNT("diagnostics_diagnostic"' in q["sql"]
        ]

    assert len(counts_query(first)) == 1
    assert counts_query(again) == []  # the counts come from the cache
    assert response.context["total"] == 1
    make_diagnostic(version, CompanyFactory(region="seoul"))
    assert client.get(URL).context["total"] == 2


def test_cached_counts_never_cross_scopes(client, carol, dave, version):
    make_diagnostic(version, CompanyFactory(region="seoul"))
    client.force_login(carol)
    assert client.get(URL).context["total"] == 1
    client.force_login(dave)
    assert client.get(URL).context["total"] == 0
