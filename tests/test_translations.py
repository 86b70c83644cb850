"""Korean is complete: every UI string and every piece of content has both languages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from diagnostics.models import Area, Option, Question, StageRule
from programs.models import Program

CATALOG = settings.BASE_DIR / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def _entries() -> list[str]:
    return [block for block in CATALOG.read_text().split("\n\n") if "msgid" in block]


def test_every_ui_string_has_a_korean_translation():
    untranslated = []
    for block in _entries()[1:]:  # the first entry is the header
        if block.lstrip().startswith("#~"):
            continue  # obsolete entries
        if "#, fuzzy" in block or re.search(
            r'msgstr(\[0\])? ""\n?$', block.strip() + "\n"
        ):
            untranslated.append(block.splitlines()[-2:])
    assert not untranslated


@pytest.mark.django_db
def test_every_question_option_area_and_stage_has_both_languages(content):
    for model, fields in [
        (Area, ["name_ko", "name_en"]),
        (Question, ["text_ko", "text_en"]),
        (Option, ["label_ko", "label_en"]),
        (StageRule, ["name_ko", "name_en", "description_ko", "description_en"]),
        (Program, ["name_ko", "name_en", "description_ko", "description_en"]),
    ]:
        for field in fields:
            assert not model.objects.filter(**{field: ""}).exists(), (model, field)


@pytest.mark.django_db
def test_korean_is_the_default_and_english_is_a_choice(client):
    korean = client.get(reverse("landing"), headers={"accept-language": "en"})
    assert '<html lang="ko"' in korean.content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(reverse("landing"))
    assert '<html lang="en"' in english.content.decode()
