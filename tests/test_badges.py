"""The shared badges (templates/includes/badges.html) that every page uses to say what a node is."""

import re

import pytest
from django.template.loader import render_to_string


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("relation", "glyph", "word"),
    [
        ("supports", "✚", "Supports"),
        ("opposes", "✖", "Opposes"),
        ("undercuts", "↯", "Undercuts"),
        ("", "◆", ""),
    ],
)
def test_a_relation_badge_shows_its_glyph_hidden_from_screen_readers_and_its_word(
    relation, glyph, word
):
    html = render_to_string("includes/badges.html#relation", {"relation": relation})
    assert f'class="relation relation-{relation or "thesis"}"' in html
    assert f'<span aria-hidden="true">{glyph}</span>' in html
    assert text_of(html) == f"{glyph} {word}".strip()


def test_a_label_replaces_the_word_of_a_relation_badge():
    context = {"relation": "opposes", "label": "Opposes the claim above"}
    html = render_to_string("includes/badges.html#relation", context)
    assert text_of(html) == "✖ Opposes the claim above"
