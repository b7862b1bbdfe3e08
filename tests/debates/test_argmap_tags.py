"""argmap_tags' own filters and tags, against what they stand in for."""

from django.template import Context, Template
from django.template.defaultfilters import truncatechars
from hypothesis import example, given
from hypothesis import strategies as st

from argmap.debates.templatetags import argmap_tags


@given(st.text(max_size=120), st.integers(min_value=-2, max_value=130))
@example("e\u0301te", 10)  # not in NFC: Truncator gives back its NFC form, even when short
@example("\u0301" * 5 + "abc", 4)  # combining marks count for nothing
@example("", 0)
def test_shorten_is_truncatechars(text, length):
    assert argmap_tags.shorten(text, length) == truncatechars(text, length)


def test_shorten_leaves_a_text_whole_for_a_length_that_is_no_number():
    assert argmap_tags.shorten("A claim in words.", "x") == truncatechars("A claim in words.", "x")


ROW = Template(
    "{% load argmap_tags %}{% compact %}<li>\n  <p>  {{ text }}  </p>\n"
    "{% for child in children %}{% include row with children=child %}{% endfor %}"
    "\n  </li>\n{% endcompact %}"
)


def test_nested_compact_compacts_once_and_as_every_level_did(monkeypatch):
    """A row holding rows (the map tree) is compacted once, by the outermost tag, to the
    same HTML as when every level compacted its own."""
    calls = []
    real = argmap_tags.compact
    monkeypatch.setattr(argmap_tags, "compact", lambda html: calls.append(html) or real(html))
    context = {"row": ROW, "text": "A   claim", "children": [[[]], []]}
    once = ROW.render(Context(context))
    assert len(calls) == 1
    by_level = real(
        "<li><p> A claim </p>" + "<li><p> A claim </p><li><p> A claim </p></li></li>"
        "<li><p> A claim </p></li></li>"
    )
    assert once == by_level
