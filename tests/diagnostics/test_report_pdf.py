"""The PDF itself: what it says, in which fonts, what it fetches, how it breaks lines.

Alice (firm A) submits; her report renders through the same service the worker calls.
Nobody else appears: access to reports is tested in test_reports.py.
"""

from __future__ import annotations

import http.server
import io
import logging
import re
import threading

import pytest
from django.core import mail
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from diagnostics.models import Report, ReportStatus
from diagnostics.report_pdf import (
    STATIC_BASE_URL,
    StaticFilesOnlyFetcher,
    pdf_render,
)
from diagnostics.reports import (
    report_context,
    report_html,
    report_render,
    reports_storage,
)
from diagnostics.services import diagnostic_start, diagnostic_submit
from diagnostics.templatetags.report_tags import WORD_JOINER, keep_words
from programs.selectors import recommendations_for
from tests.conftest import answer_all

pytestmark = pytest.mark.django_db


def _submit(user, content, *, language: str = "ko"):
    diagnostic = diagnostic_start(company=user.company, user=user)
    answer_all(diagnostic, content, user)
    with translation.override(language):
        return diagnostic_submit(diagnostic=diagnostic, user=user)


def _render(diagnostic, language: str, capture) -> Report:
    report = Report.objects.get(diagnostic=diagnostic, language=language)
    with capture(execute=True):
        rendered = report_render(report_id=report.pk)
    assert rendered is not None
    return rendered


def _pdf(report: Report) -> PdfReader:
    with reports_storage().open(report.file_name, "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def _text(reader: PdfReader) -> str:
    # Compared without whitespace: a program's name may wrap onto a second line.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Base font name -> whether the font file is embedded."""
    fonts = {}
    for page in reader.pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return fonts


@pytest.fixture
def weasyprint_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return lambda: [
        r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")
    ]


def test_it_renders_a_korean_report_with_the_name_stage_and_programs(
    alice, content, django_capture_on_commit_callbacks, weasyprint_warnings
):
    diagnostic = _submit(alice, content)
    report = _render(diagnostic, "ko", django_capture_on_commit_callbacks)

    reader = _pdf(report)
    text = _text(reader)
    assert "에이상사" in text
    rule = content.stage_rule(diagnostic.stage)
    assert re.sub(r"\s+", "", rule.name_ko) in text
    with translation.override("ko"):
        programs = recommendations_for(diagnostic)
    assert programs
    for program in programs:
        assert re.sub(r"\s+", "", program["name"]) in text
    assert "부록:응답내용" in text  # the appendix heading, translated
    assert report.status == ReportStatus.READY
    assert report.pages == len(reader.pages) >= 5
    assert report.size_bytes < 100_000
    assert report.render_ms > 0 and report.attempts == 1
    fonts = _fonts(reader)
    assert fonts and all(fonts.values()), fonts  # every font embedded
    assert all("NanumGothic" in name for name in fonts), fonts
    # A fontTools fallback (no libharfbuzz-subset0), a missing glyph or an unknown CSS
    # property would each log a warning.
    assert weasyprint_warnings() == []
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "에이상사" in mail.outbox[0].subject
    assert f"/diagnostic/{diagnostic.pk}/result/" in mail.outbox[0].body


def test_it_renders_the_english_report_in_english(
    alice, content, django_capture_on_commit_callbacks
):
    diagnostic = _submit(alice, content, language="en")
    report = _render(diagnostic, "en", django_capture_on_commit_callbacks)
    text = _text(_pdf(report))
    assert "ATrading" in text  # the English name
    assert "GlobalCompetenceLevelreport" in text
    assert content.stage_rule(diagnostic.stage).name_en.replace(" ", "") in text
    with translation.override("en"):
        for program in recommendations_for(diagnostic):
            assert program["name"].replace(" ", "") in text
    assert "Yourcompany" in text and "에이상사" not in text


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listening_server():
    """An HTTP server on 127.0.0.1 that counts what is asked of it."""
    _CountingHandler.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.requests
    server.shutdown()
    server.server_close()


def _hostile(base: str) -> str:
    return (
        f'<img src="{base}/img"><link rel="attachment" href="file:///etc/passwd">'
        f'<style>@import url("{base}/css"); p {{ background: url({base}/bg) }}</style>'
        f'<p style="background-image: url({base}/inline)">x</p>'
    )


def test_a_hostile_company_name_is_printed_as_text_and_fetches_nothing(
    alice, content, django_capture_on_commit_callbacks, listening_server
):
    base, requests = listening_server
    company = alice.company
    # Within the name's 200 characters: an image, an attachment, a stylesheet import.
    company.name_ko = (
        f'악성<img src="{base}/i"><link rel="attachment" href="file:///etc/passwd">'
        f"<style>@import url({base}/c);</style>"
    )
    company.save()
    diagnostic = _submit(alice, content)
    report = _render(diagnostic, "ko", django_capture_on_commit_callbacks)
    reader = _pdf(report)
    assert requests == []
    assert reader.attachments == {}
    assert '<imgsrc="http://127.0.0.1' in _text(reader)  # printed, not interpreted


def test_markup_that_got_through_would_still_fetch_nothing(listening_server):
    """The fetcher is the second wall: raw markup, not escaped, reaches no network
    and no file, and attaches nothing."""
    base, requests = listening_server
    html = (
        f"<html><head>{_hostile(base)}"
        f'<link rel="stylesheet" href="{base}/sheet.css">'
        f'<link rel="attachment" href="{base}/attachment">'
        f'<link rel="attachment" href="../../../../../etc/hostname">'
        f"<style>@font-face {{ font-family: x; src: url({base}/font.ttf) }}"
        f"h1 {{ font-family: x }}</style></head>"
        f'<body><h1>제목</h1><img src="file:///etc/passwd"><img src="../../etc/passwd">'
        f'<object data="{base}/object"></object><embed src="{base}/embed">'
        f'<svg><image href="{base}/svg-image"/></svg></body></html>'
    )
    fetcher = StaticFilesOnlyFetcher()
    rendered = pdf_render(html=html, fetcher=fetcher)
    assert requests == []
    assert fetcher.served == [STATIC_BASE_URL + "css/report.css"]
    assert any(url.startswith(base) for url in fetcher.refused)
    assert any(url.startswith("file:///etc/") for url in fetcher.refused)
    assert PdfReader(io.BytesIO(rendered.data)).attachments == {}


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.com/report.css",
        "data:text/css,p{}",
        "ftp://example.com/x",
        STATIC_BASE_URL + "../../etc/passwd",
        STATIC_BASE_URL + "%2e%2e/%2e%2e/etc/passwd",
        STATIC_BASE_URL + "/etc/passwd",
        STATIC_BASE_URL + "css/missing.css",
        STATIC_BASE_URL,
        "file://evil.example/exportready-static/css/app.css",
    ],
)
def test_the_fetcher_refuses_anything_but_a_static_file(url):
    fetcher = StaticFilesOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_apps_static_files():
    response = StaticFilesOnlyFetcher().fetch(STATIC_BASE_URL + "css/report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_keep_words_joins_the_syllables_of_each_korean_word_only():
    html = '<p class="x">수출 전략을 세웁니다 (US$500,000) &amp;한빛 abc</p>'
    joined = keep_words(html)
    j = WORD_JOINER
    assert joined == (
        f'<p class="x">수{j}출 전{j}략{j}을 세{j}웁{j}니{j}다 (US$500,000) '
        f"&amp;{j}한{j}빛 abc</p>"
    )
    assert joined.replace(j, "") == html


def test_keep_words_leaves_svg_style_and_long_runs_alone():
    long_run = "가" * 30
    html = (
        "<svg><text>시장 이해</text></svg><style>p{}</style>"
        f"<p>{long_run}</p><p>시장</p>"
    )
    assert keep_words(html) == html.replace("시장</p>", f"시{WORD_JOINER}장</p>")


def test_a_company_name_with_markup_stays_escaped_through_keepwords():
    template = Template(
        "{% load report_tags %}{% keepwords %}<p>{{ name }}</p>{% endkeepwords %}"
    )
    rendered = template.render(Context({"name": '<b onclick="x">굵게</b> & 회사'}))
    assert "<b" not in rendered
    assert rendered.replace(WORD_JOINER, "") == (
        "<p>&lt;b onclick=&quot;x&quot;&gt;굵게&lt;/b&gt; &amp; 회사</p>"
    )


KOREAN = (
    "귀사의 단계가 이 사업의 지원 대상 단계에 해당합니다 수출 전담 인력과 해외 거점을 "
    "갖추면 다음 단계로 나아갈 수 있습니다"
)


def _lines(html: str) -> list[str]:
    # A column a few words wide: every line ends at a break opportunity.
    rendered = pdf_render(html=html, extra_css="body { width: 32mm; }")
    text = PdfReader(io.BytesIO(rendered.data)).pages[0].extract_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_korean_lines_break_between_words_never_inside_one():
    words = set(KOREAN.split())
    lines = _lines(keep_words(f"<p>{KOREAN}</p>"))
    assert len(lines) > 3
    for line in lines:
        assert set(line.split()) <= words, line
    # Without keep_words, WeasyPrint splits words: the test can tell the difference.
    unjoined = _lines(f"<p>{KOREAN}</p>")
    assert any(not set(line.split()) <= words for line in unjoined)


def test_the_report_names_the_consultants_place_only_when_it_has_something(
    alice, content
):
    diagnostic = _submit(alice, content)
    with translation.override("en"):
        html = report_html(diagnostic=diagnostic, language="en")
    assert "From your consultant" not in html  # report_notes() is empty for now
    with translation.override("en"):
        context = report_context(diagnostic)
        context["consultant_notes"] = [
            {"author": "Carol", "created_at": None, "body": "Line one\nline two"}
        ]
        html = render_to_string("reports/report.html", context)
    assert "From your consultant" in html and "Line one<br>line two" in html
