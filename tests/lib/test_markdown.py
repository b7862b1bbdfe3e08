"""Readers' Markdown: CommonMark, typed HTML shown as text, links safe, hostile shapes inert."""

import pytest
from markdown_it import MarkdownIt

from argmap.lib.markdown import MAX_NESTING, PARSER, render_markdown

from ..annotations.conftest import active_content


def test_commonmark_emphasis_code_lists_and_quotes():
    html = render_markdown("*one* **two** `x < y`\n\n- a\n- b\n\n> said\n\n1. first")
    assert "<em>one</em> <strong>two</strong> <code>x &lt; y</code>" in html
    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html
    assert "<blockquote>\n<p>said</p>\n</blockquote>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html


def test_typed_html_shows_as_the_text_typed():
    html = render_markdown('<b onclick="x()">bold</b> and <script>alert(1)</script>')
    assert '&lt;b onclick="x()"&gt;bold&lt;/b&gt;' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert active_content(html) == []


def test_links_carry_rel_and_only_safe_schemes():
    html = render_markdown('[ok](https://example.org/a?b=1&c=2 "t") [bad](javascript:alert(1))')
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" title="t" rel="nofollow noopener ugc">ok</a>'
        in html
    )
    assert "javascript" not in html.split("ok</a>")[1] or "href=" not in html.split("ok</a>")[1]
    assert html.count("<a ") == 1


def test_images_are_not_rendered_and_their_text_stays():
    html = render_markdown("![a chart](https://example.org/c.png)")
    assert "<img" not in html
    assert '!<a href="https://example.org/c.png" rel="nofollow noopener ugc">a chart</a>' in html


def test_escaped_brackets_show_as_typed_brackets():
    # The old guard escaped an escaped "[" again, showing stray backslashes.
    assert render_markdown("\\[" * 60) == "<p>" + "[" * 60 + "</p>\n"
    assert render_markdown("[\\]" * 40) == "<p>" + "[]" * 40 + "</p>\n"


# The link rule is skipped where no unescaped "]" can close a label; the output must be
# exactly CommonMark's, including where code spans and escapes sit around the brackets.
REFERENCE = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING}).disable("image")
SAME_OUTPUT = [
    "[a](b) [c]",
    "[`\\`](u)",
    "[a\\\\](u)",
    "[a\\](u)",
    "[[x](y)",
    "[a] [b]\n\n[b]: https://example.org/",
    "[a\nb](u)",
    "x [y *z [w](v)* ] q",
    "[\\" * 30 + "]",
    "\\\\]" + "[a" * 10,
    "[a](" * 40,
    "[" * 50 + "]" * 50,
    "`[`](u)]",
]


@pytest.mark.parametrize("body", SAME_OUTPUT)
def test_the_fast_link_rule_renders_exactly_what_commonmark_does(body):
    assert PARSER.render(body) == REFERENCE.render(body)


HOSTILE = [
    "[\\" * 5000,
    "[\\]" * 3333,
    "[" * 5000 + "]" * 5000,
    "![" * 5000,
    "[a](" * 2500,
    "[a][" * 2500,
    ">" * 10_000,
    "> " * 5000 + "x",
    "1. " * 3333,
    "- " * 5000,
    "*a**" * 2500,
    "_a" * 5000,
    "`" * 10_000,
    "<" * 10_000,
    "<a href=" * 1250,
    "&#" * 5000,
    "    " * 2500,
]


@pytest.mark.parametrize("body", HOSTILE, ids=lambda body: repr(body[:8]))
def test_hostile_bodies_render_to_inert_html_keeping_their_text(body):
    html = render_markdown(body)
    assert active_content(html) == []
    assert "<script" not in html and "<img" not in html
    # Deep nesting is capped, not dropped: the letters typed are still there.
    assert html.count("a") >= body.count("a") - body.count("<a")
