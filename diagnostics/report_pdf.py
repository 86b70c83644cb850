"""WeasyPrint's side of the PDF report: the URL fetcher and the rendering.

Imported by the workers only (WeasyPrint takes about a second and 40 MB to import): web
processes never render.

WeasyPrint fetches whatever a document references (stylesheets, images, fonts,
attachments). Every HTML() and CSS() here gets `StaticFilesOnlyFetcher`, which reads the
app's own static files and refuses anything else: no network, no other file, no
redirect. Firms' text goes through Django's autoescaping, so it is never markup; the
fetcher is the second wall, should markup ever slip through.

Fonts come from fontconfig (NanumGothic, from the fonts-nanum package that setup
installs), not from @font-face: nothing needs fetching, and WeasyPrint embeds a subset of
the glyphs used (through HarfBuzz's subsetter, libharfbuzz-subset0).
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

REPORT_STYLESHEETS = ("css/report.css",)

# Documents resolve relative URLs against this address, which names no real directory:
# the fetcher maps what follows it onto the static directories, and only that.
STATIC_BASE_URL = "file:///exportready-static/"
_STATIC_BASE_PATH = urlsplit(STATIC_BASE_URL).path


def _static_roots() -> list[Path]:
    roots = []
    for entry in settings.STATICFILES_DIRS:
        directory = entry[1] if isinstance(entry, tuple | list) else entry
        roots.append(Path(directory).resolve())
    roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticFilesOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, reduced to the app's static files.

    Keeps the URLs it served and refused, for the tests and the log.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=["file"], allow_redirects=False, timeout=1)
        self.served: list[str] = []
        self.refused: list[str] = []

    def static_path(self, url: str) -> Path | None:
        """The static file `url` names, or None when it names anything else."""
        if not url.startswith(STATIC_BASE_URL):
            return None
        parts = urlsplit(url)
        relative = unquote(parts.path)[len(_STATIC_BASE_PATH) :]
        if not relative or relative.startswith("/") or parts.netloc:
            return None
        for root in _static_roots():
            # resolve() follows symbolic links and "..": what is left must stay inside.
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("Report rendering refused to fetch %r", url[:200])
            raise ValueError("Only the app's static files can be fetched.")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def pdf_render(
    *,
    html: str,
    extra_css: str = "",
    fetcher: StaticFilesOnlyFetcher | None = None,
) -> RenderedPdf:
    """Lay out `html` with the report stylesheet (and `extra_css`) into a PDF."""
    fetcher = fetcher or StaticFilesOnlyFetcher()
    font_config = FontConfiguration()
    stylesheets = [
        CSS(url=STATIC_BASE_URL + name, url_fetcher=fetcher, font_config=font_config)
        for name in REPORT_STYLESHEETS
    ]
    if extra_css:
        stylesheets.append(
            CSS(
                string=extra_css,
                base_url=STATIC_BASE_URL,
                url_fetcher=fetcher,
                font_config=font_config,
            )
        )
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config
    )
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))
