"""The sources' markup read as formatting, with every offset where it was."""

import html
import re

import pytest

from argmap.debates.markup import boilerplate_intervals, markup_intervals, preview, runs
from argmap.debates.models import Source

BLOG = """---
title: A post
tags:
  - ai
---

## Summary

It **cost $5.5M to train**, a *base* run; see [the paper](https://example.org/p).
That **does *not* mean** it failed.
"""


def styled(text, start=0, end=None):
    end = len(text) if end is None else end
    return runs(text, start, end, markup_intervals(text))


def test_runs_put_back_together_give_the_text_exactly():
    for start, end in [(0, len(BLOG)), (50, 90), (60, 61), (0, 0)]:
        assert "".join(piece for piece, _ in styled(BLOG, start, end)) == BLOG[start:end]


def test_front_matter_headings_bold_italic_and_links():
    shown = [(piece, style) for piece, style in styled(BLOG)]
    hidden = "".join(piece for piece, style in shown if "md-hide" in style)
    visible = "".join(piece for piece, style in shown if "md-hide" not in style)
    assert "title: A post" in hidden and "title" not in visible
    assert "**" not in visible and "## " not in visible and "https://example.org" not in visible
    assert ("Summary", "md-h md-h2") in shown
    assert ("cost $5.5M to train", "md-b") in shown
    assert ("base", "md-i") in shown
    assert ("the paper", "md-link") in shown
    assert ("not", "md-b md-i") in shown
    assert "It cost $5.5M to train, a base run; see the paper." in visible


def test_plain_text_and_lone_marks_are_left_alone():
    text = "5 * 3 = 15 and a_b_c stays; ** alone too."
    assert styled(text) == [(text, "")]


class Section:
    def __init__(self, kind, start, end):
        self.kind, self.start, self.end = kind, start, end


def test_the_comment_policy_under_an_article_with_comments_is_hidden():
    text = "Article.\nEditor's Note: be civil.\nPlease\nto post comments\nFirst comment."
    body_end = text.index("First")
    sections = [Section("body", 0, body_end), Section("comment", body_end, len(text))]
    ((start, end, style),) = boilerplate_intervals(text, sections)
    assert text[start:end] == "Editor's Note: be civil.\nPlease\nto post comments\n"
    assert "md-hide" in style
    assert boilerplate_intervals(text, sections[:1]) == []  # no comments, nothing to set apart


def reader_text(html_page):
    """Each .text block's characters, tags dropped, with its data-start."""
    blocks = re.findall(r'<div class="text" data-start="(\d+)">(.*?)</div>', html_page, re.DOTALL)
    return [(int(start), html.unescape(re.sub(r"<[^>]+>", "", body))) for start, body in blocks]


@pytest.mark.parametrize(
    "slug", ["not-sputnik-blog", "deepseek-analyst-summary", "reason-sputnik-moment-article"]
)
def test_the_reader_keeps_every_character_at_its_offset(client, seeded_map, slug):
    source = Source.objects.get(slug=slug)
    page = client.get(source.get_absolute_url()).content.decode()
    blocks = reader_text(page)
    assert blocks
    for start, text in blocks:
        assert source.text[start : start + len(text)] == text
    assert 'class="md-hide' in page


def test_the_reader_shows_bold_and_hides_front_matter_and_boilerplate(client, seeded_map):
    summary = client.get(Source.objects.get(slug="deepseek-analyst-summary").get_absolute_url())
    assert '<span class="md-b">cost $5.5M to train</span>' in summary.content.decode()
    blog = client.get(Source.objects.get(slug="not-sputnik-blog").get_absolute_url()).content
    assert re.search(rb'<span class="md-hide md-front">---\ntitle:', blog)
    article = Source.objects.get(slug="reason-sputnik-moment-article")
    page = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<span class="md-hide md-boilerplate">Editor&#x27;s Note:', page)
    assert '<details class="provenance">' in page and article.sha256 in page


def test_quotes_on_a_claim_page_show_formatting(client, seeded_map):
    from argmap.debates.models import Anchor

    anchor = Anchor.objects.filter(exact__contains="**").first()
    assert anchor is not None
    page = client.get(anchor.node.get_absolute_url()).content.decode()
    quotes = re.findall(r'<mark class="quote-exact">(.*?)</mark>', page, re.DOTALL)
    (quote,) = [q for q in quotes if "md-hide" in q]
    assert '<span class="md-b">' in quote and '<span class="md-hide">**</span>' in quote
    assert html.unescape(re.sub(r"<[^>]+>", "", quote)) == anchor.exact


# A quote's preview (issue 26, item 7) --------------------------------------------------


def test_a_preview_hides_markup_even_when_it_opens_outside_the_quote():
    assert preview("**cost $5.5M** to train") == [("cost $5.5M", "md-b"), (" to train", "")]
    # The bold opens in the prefix and closes in the suffix: the quote is bold, with no marks.
    assert preview("cost $5.5M to train", prefix="it **", suffix="** and") == [
        ("cost $5.5M to train", "md-b")
    ]


def test_a_preview_drops_the_quote_marks_around_it_and_cuts_at_the_limit():
    assert preview('"DeepSeek did something"') == [("DeepSeek did something", "")]
    assert preview("“It is”, he said") == [("It is”, he said", "")]
    cut = preview("word " * 40, limit=20)
    assert "".join(text for text, _ in cut) == "word word word word…"
    assert len("".join(text for text, _ in cut)) <= 20
