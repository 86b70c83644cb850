"""Template helpers of the PDF report and of the report status on the result pages."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from diagnostics.models import Diagnostic
from diagnostics.reports import report_language, report_panel

register = template.Library()

_HANGUL_CHARS = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
_HANGUL = re.compile(f"[{_HANGUL_CHARS}]")
# Inside a word: between two characters one of which is Hangul.
_INSIDE_KOREAN_WORD = re.compile(
    f"(?<=[{_HANGUL_CHARS}])(?=\\S)|(?<=\\S)(?=[{_HANGUL_CHARS}])"
)
_WHITESPACE = re.compile(r"(\s+)")
_TAGS = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose text is not flowed as HTML: left as they are.
_SKIPPED = {"svg", "style", "script", "title", "head"}
# Longer runs stay breakable: an unbreakable word wider than its column would overflow.
_LONGEST_KEPT_WORD = 24
# U+2060 WORD JOINER: no line break here. Default-ignorable, so it is neither drawn nor
# extracted with the text.
WORD_JOINER = "\u2060"


def keep_words(html: str) -> str:
    """Keep each Korean word of rendered HTML on one line.

    Korean breaks lines between words, at spaces; WeasyPrint ignores `word-break:
    keep-all` and would break between any two syllables. A word joiner goes between the
    characters of each whitespace-separated word that holds Hangul, so lines break only
    at the spaces. (A `white-space: nowrap` span per word does the same, but made the
    render twice as slow: some 1,700 extra inline boxes.)

    `html` comes from a template rendered with autoescaping, so its text holds no "<" or
    ">": splitting at tags finds every text run, and nothing is unescaped (a firm's text
    stays text). Joiners go only next to Hangul, so never inside an entity such as
    "&amp;". SVG, style, script, title and head are left alone.
    """
    pieces = []
    skipping: str | None = None
    for piece in _TAGS.split(html):
        if piece.startswith("<"):
            name = _TAG_NAME.match(piece)
            if skipping is None and name and name[1].lower() in _SKIPPED:
                if not piece.endswith("/>"):
                    skipping = name[1].lower()
            elif skipping and piece.lower().startswith(f"</{skipping}"):
                skipping = None
            pieces.append(piece)
        elif skipping or not _HANGUL.search(piece):
            pieces.append(piece)
        else:
            pieces.append(_join_words(piece))
    return "".join(pieces)


def _join_words(text: str) -> str:
    words = []
    for word in _WHITESPACE.split(text):
        if len(word) <= _LONGEST_KEPT_WORD and _HANGUL.search(word):
            word = _INSIDE_KOREAN_WORD.sub(WORD_JOINER, word)
        words.append(word)
    return "".join(words)


class KeepWordsNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        # The nodelist renders escaped HTML; keep_words only adds span tags to it.
        return mark_safe(keep_words(self.nodelist.render(context)))


@register.tag("keepwords")
def do_keepwords(
    parser: template.base.Parser, token: template.base.Token
) -> KeepWordsNode:
    """{% keepwords %}…{% endkeepwords %}: see keep_words."""
    nodelist = parser.parse(("endkeepwords",))
    parser.delete_first_token()
    return KeepWordsNode(nodelist)


@register.inclusion_tag("diagnostics/_report_panel.html", takes_context=True)
def report_status(
    context: template.Context, diagnostic: Diagnostic, scope: str = "firm"
) -> dict[str, Any]:
    """The report's status, download links and request buttons for one diagnostic.

    `scope` is "firm" (the result page) or "agency" (the agency pages): it picks the
    URLs, whose views each check access again.
    """
    language = report_language(context.get("LANGUAGE_CODE") or "")
    return {
        "panel": report_panel(diagnostic=diagnostic, language=language, scope=scope),
        "csrf_token": context.get("csrf_token"),
    }
