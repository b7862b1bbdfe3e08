"""Readers' Markdown: CommonMark, typed HTML shown as text, links safe, hostile shapes inert."""

from html.parser import HTMLParser

import nh3
import pytest
from markdown_it import MarkdownIt

from argmap.lib.markdown import (
    ALLOWED_TAGS,
    MAX_BRACKET_REACH,
    MAX_DEPTH,
    MAX_LINES,
    MAX_MARKUP,
    bracket_reach,
    markdown_problem,
    render_markdown,
)

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


def test_a_block_that_starts_with_a_tag_shows_its_tags_as_typed():
    html = render_markdown('<div class="x">\n*kept*\n</div>\n\n*emphasis again*')
    assert html == (
        '<p>&lt;div class="x"&gt;\n<em>kept</em>\n&lt;/div&gt;</p>\n'
        "<p><em>emphasis again</em></p>\n"
    )
    assert render_markdown("<!-- note -->\n\ntext") == "<p>&lt;!-- note --&gt;</p>\n<p>text</p>\n"
    assert render_markdown("a <!-- b --> c") == "<p>a &lt;!-- b --&gt; c</p>\n"


def test_links_carry_rel_and_only_safe_schemes():
    html = render_markdown('[ok](https://example.org/a?b=1&c=2 "t") [bad](javascript:alert(1))')
    assert html == (
        '<p><a href="https://example.org/a?b=1&amp;c=2" title="t" rel="nofollow noopener ugc">'
        "ok</a> [bad](javascript:alert(1))</p>\n"
    )  # a script address is not linked: the text shows as typed
    assert render_markdown("<https://example.org/b> <JavaScript:alert(1)>") == (
        '<p><a href="https://example.org/b" rel="nofollow noopener ugc">https://example.org/b</a>'
        " &lt;JavaScript:alert(1)&gt;</p>\n"
    )
    # Schemes markdown-it links but nh3 does not allow lose the address, not the text.
    assert render_markdown("[f](ftp://example.org/)") == (
        '<p><a rel="nofollow noopener ugc">f</a></p>\n'
    )


def test_images_are_not_rendered_and_their_text_stays():
    html = render_markdown("![a chart](https://example.org/c.png)")
    assert "<img" not in html
    assert '!<a href="https://example.org/c.png" rel="nofollow noopener ugc">a chart</a>' in html
    titled = render_markdown('![*a* chart](u "the <title>") ![x](javascript:alert(1))')
    assert titled == (
        '<p>!<a href="u" title="the &lt;title&gt;" rel="nofollow noopener ugc"><em>a</em> chart'
        "</a> ![x](javascript:alert(1))</p>\n"
    )


def test_escaped_brackets_show_as_typed_brackets():
    # The old guard escaped an escaped "[" again, showing stray backslashes.
    assert render_markdown("\\[" * 60) == "<p>" + "[" * 60 + "</p>\n"
    assert render_markdown("[\\]" * 40) == "<p>" + "[]" * 40 + "</p>\n"


def test_nul_and_unpaired_surrogates_become_replacement_characters():
    assert render_markdown("a\x00b") == "<p>a\ufffdb</p>\n"
    assert render_markdown("a\ud800b") == "<p>a?b</p>\n"


# Ordinary Markdown renders exactly as plain markdown-it-py renders it (raw HTML and images
# off, nh3 after): the rules added for images, depth and references change nothing else.
MARKDOWN_IT = MarkdownIt("commonmark", {"html": False}).disable("image")
ORDINARY = [
    "*one* **two** `x < y`\n\n- a\n- b\n\n> said\n\n1. first",
    'A [link](https://example.org/a?b=1&c=2 "title") and <https://example.org/x>.\n\n"q" & a',
    "### Heading\n\n#### Sub\n\nText  \nhard break\\\nanother",
    "```python\nx = 1 < 2\n```\n\n    indented code\n\n---\n\n***\n",
    "1. one\n2. two\n   - nested\n   - list\n\n3) other",
    "> quote\n> > nested quote\n\n> lazy\ncontinuation",
    "Setext\n======\n\nAnd\n---",
    "[ref] and [other][ref]\n\n[ref]: https://example.org/ref 'T'",
    "Escapes: \\* \\_ \\` \\[ &amp; &copy; &#35; &#x22;",
    "snake_case_word and 2*3*4 and **bold**text",
    "<someone@example.org> and [m](mailto:a@b.c)",
    "Tabs\tin\ttext\n\n\tcode with tab",
    "Ünïcödé — “smart” ‘quotes’ … ★",
    "- [ ] not a task\n- [x] still not\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "~~strike~~ www.example.org https://bare.example.org",
    "[a](<b c>) [d](e 'f') [g](h (i)) `` code ` tick ``",
    "1. a\n\n   para in item\n\n2. b\n\n* c\n* d\n\n+ e",
    "<b>bold</b> and <i>it</i> and 2 < 3 > 1, a <!-- comment --> b",
    "\\[" * 30 + "]" + "[a](" * 20 + "[" * 25 + "]" * 25,
]


@pytest.mark.parametrize("body", ORDINARY, ids=lambda body: repr(body[:12]))
def test_ordinary_markdown_renders_as_before(body):
    before = nh3.clean(
        MARKDOWN_IT.render(body),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
    assert render_markdown(body) == before


class Depth(HTMLParser):
    """The deepest nesting of elements in a fragment."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.depth = self.deepest = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "hr"):
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth -= 1


@pytest.mark.parametrize(
    "body",
    ["> " * 40 + "deep *words*", "- " * 3 + "1. " * 30 + "deep *words*", "*a " * 40 + "deep words"],
    ids=["quotes", "lists", "emphasis"],
)
def test_nesting_past_the_cap_shows_as_its_text(body):
    html = render_markdown(body)
    assert "deep" in html and "words" in html
    assert Depth(html).deepest <= MAX_DEPTH


def test_quotes_nested_within_the_cap_keep_their_markup():
    html = render_markdown("> " * 10 + "*a*")
    assert html.count("<blockquote>") == 10 and "<em>a</em>" in html


HOSTILE = [
    "[\\" * 5000,
    "[\\]" * 3333,
    "[" * 5000 + "]" * 5000,
    "![" * 5000,
    "[a](" * 2500,
    "[a][" * 2500,
    "![a](javascript:b) " * 526,
    ">" * 10_000,
    "> " * 4999 + "x",
    ">a\n" * 3333,
    "1. " * 3333,
    "- " * 5000,
    "- > " * 2499 + "a",
    "*a**" * 2500,
    "*a " * 3333,
    "_a" * 5000,
    "`" * 10_000,
    "<" * 10_000,
    "<b>" * 3333,
    "<div>\n\n" * 1428,
    "<a href=" * 1250,
    "<!--" * 2500,
    "&#" * 5000,
    "    " * 2500,
    "[a]: https://example.org/" + "x" * 200 + "\n\n" + "[a]" * 3250,
]


@pytest.mark.parametrize("body", HOSTILE, ids=lambda body: repr(body[:8]))
def test_hostile_bodies_render_to_inert_bounded_html_keeping_their_text(body):
    assert len(body) <= 10_000
    html = render_markdown(body)
    assert active_content(html) == []
    assert "<script" not in html and "<img" not in html
    assert Depth(html).deepest <= MAX_DEPTH
    # The worst case is a reference used over and over: past 20x, references show as typed.
    assert len(html) <= 20 * len(body)
    # Deep nesting is flattened, not dropped: the letters typed are still there.
    assert html.count("a") >= body.count("a") - body.count("<a") - 2 * body.count("javascript")


# Limits that bound the parser's work (scripts/bench_markdown.py) -------------------------


@pytest.mark.parametrize(
    ("body", "reach"),
    [
        ("[a](b) and [c]", 2 + 2),
        ("[" + "x" * 99, 100),  # never closed: to the end
        ("[" + "x" * 9 + "\n\n" + "y" * 500, 10),  # or to the paragraph's end
        ("\\[" + "x" * 999, 0),  # escaped: no label to look for
        ("[[a]]", 4 + 2),
    ],
)
def test_bracket_reach_counts_what_the_parser_scans_for_each_bracket(body, reach):
    assert bracket_reach(body) == reach


@pytest.mark.parametrize(
    "body",
    [
        "a\n" * MAX_LINES,
        "a\r\n" * (MAX_LINES - 1) + "a",
        "*" * MAX_MARKUP,
        "[a](https://example.org) " * 100,
        "[" + "x" * (MAX_BRACKET_REACH - 1),
    ],
)
def test_bodies_within_the_limits_are_accepted(body):
    assert markdown_problem(body) is None


@pytest.mark.parametrize(
    "body",
    [
        "a\n" * (MAX_LINES + 1),
        "a\r" * (MAX_LINES + 1),
        "_" * (MAX_MARKUP + 1),
        "![" * 150 + "-" * 5000,
    ],
)
def test_a_body_past_the_limits_shows_as_the_text_typed(body):
    # Forms refuse it; one stored another way costs no parsing and stays inert.
    assert markdown_problem(body) is not None
    html = render_markdown(body + "<script>")
    assert html.startswith("<p>") and "&lt;script&gt;" in html and "<a" not in html
