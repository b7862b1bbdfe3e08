"""Readers' Markdown to safe HTML: CommonMark by markdown-it-py, then sanitized by nh3.

markdown-it-py is a maintained CommonMark renderer with a public interface for what we need:
`html=False` shows the HTML a reader types as the text they typed; its link check leaves a
script, file or (non-image) data address unlinked, as text; a render rule shows an image as
"!" and a link (images are not in the allow-list); and a block rule, first in the chain,
shows whatever is nested deeper than MAX_DEPTH as the text typed. (markdown-it would drop
it: past its `maxNesting` it skips the rest of the block. Its parser recurses once per level,
so the cap also keeps 5,000 nested quotes from Python's recursion limit.) nh3 then removes
anything the allow-list does not name.

It replaced cmark-gfm, whose tree could only be reached through its private `_cmark` module
and hand-declared C signatures. Being pure Python it is slower on the worst bodies
(scripts/bench_markdown.py; docs/performance.md), which is affordable: annotations store the
result on write (`Annotation.body_html`), writes are rate limited, and pages never render
Markdown.
"""

import re
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip

# Quotes in lists in quotes: blocks nested this deep (the paragraph counts) show as the text
# typed. nh3's HTML parser scans its stack of open elements on each tag, so 10,000 nested
# quotes took it 450 ms; a real annotation does not nest 20 deep.
MAX_DEPTH = 20


def _too_deep(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """At the deepest level allowed, the rest of the block is one paragraph of its text."""
    if state.level < MAX_DEPTH - 2:  # the paragraph and its inline markup still fit
        return False
    if silent:
        return True
    state.line = end
    state.push("paragraph_open", "p", 1).map = [start, end]
    inline = state.push("inline", "", 0)
    inline.content = state.getLines(start, end, state.blkIndent, False).strip()
    inline.map, inline.children = [start, end], []
    state.push("paragraph_close", "p", -1)
    return True


def _image_as_link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image shows as "!" and a link to it, its description the link's text."""
    image = tokens[idx]
    title = image.attrGet("title")
    href = escapeHtml(str(image.attrGet("src") or ""))
    titled = f' title="{escapeHtml(str(title))}"' if title else ""
    text = self.renderInline(image.children or [], options, env)
    return f'!<a href="{href}"{titled}>{text}</a>'


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_DEPTH})
    md.block.ruler.before("table", "too_deep", _too_deep)
    md.add_render_rule("image", _image_as_link)
    return md


_MARKDOWN = _renderer()
# A reference definition is written once and may be used thousands of times: one long
# address used 3,250 times made 43 times the body's length in HTML. Past GROWTH, the body
# renders again with references shown as the text typed.
GROWTH = 20
_WITHOUT_REFERENCES = _renderer().disable("reference")


# Limits no real annotation meets, which bound the worst body's cost (scripts/bench_markdown.py;
# docs/performance.md): the parser's work grows with the lines (each is a block to scan) and
# with the characters that open inline markup (a run of "![" cost 150 ms in 10,000
# characters, 3,333 short paragraphs 50 ms). Forms refuse a body past them, with a message.
MAX_LINES = 300
MARKUP = "[]!*_`<>&\\"
MAX_MARKUP = 500
# A "[" makes the parser look for its "]" up to the end of the paragraph, trying every rule
# at each character on the way (about 2.5 µs a character): a few hundred "[" left open
# before a long paragraph cost 230 ms, and one before 10,000 characters 25 ms. So their
# reach (bracket_reach) is bounded: a stray "[" in a paragraph of 5,000 characters is not.
MAX_BRACKET_REACH = 5_000
_BRACKETS = re.compile(r"\\.|\[|\]|(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)", re.S)


def bracket_reach(text: str) -> int:
    """How many characters the parser may scan for the "]" of every "[" in all: from each "["
    to its "]", or when it has none, to the end of its paragraph (a blank line)."""
    reach, opened = 0, []
    for found in _BRACKETS.finditer(text):
        mark = found.group()
        if mark == "[":
            opened.append(found.start())
        elif mark == "]":
            if opened:
                reach += found.start() - opened.pop()
        elif not mark.startswith("\\"):  # a blank line: the paragraph ends
            reach += sum(found.start() - start for start in opened)
            opened.clear()
    return reach + sum(len(text) - start for start in opened)


def lines_of(text: str) -> int:
    """How many lines CommonMark reads in text (it ends a line at \\n, \\r or both)."""
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def markdown_problem(body: str) -> str | None:
    """Why body is past the limits a reader's Markdown keeps to, said for them, or None."""
    lines = lines_of(body)
    if lines > MAX_LINES:
        return f"An annotation can have at most {MAX_LINES} lines; this one has {lines:,}."
    markup = sum(body.count(mark) for mark in MARKUP)
    if markup > MAX_MARKUP:
        marks = " ".join(MARKUP)
        return (
            f"An annotation can hold at most {MAX_MARKUP} of the characters Markdown reads "
            f"as markup ({marks}); this one has {markup:,}."
        )
    if bracket_reach(body) > MAX_BRACKET_REACH:
        return (
            "This annotation leaves too many “[” without their “]” before long text; "
            "close each link’s brackets, or write \\[ for a bracket of the text."
        )
    return None


def markdown_to_html(body: str) -> str:
    """CommonMark, with the HTML a user types shown as the text they typed."""
    # Text a database cannot store (a NUL, an unpaired surrogate) shows as a replacement.
    text = body.encode("utf-8", "replace").decode("utf-8")
    if markdown_problem(text) is not None:
        # Forms refuse such a body; one stored another way (the admin, an older limit)
        # shows as the text typed, which costs nothing to parse.
        return f"<p>{escapeHtml(text)}</p>"
    html = str(_MARKDOWN.render(text))
    if len(html) > GROWTH * max(len(text), 50):
        html = str(_WITHOUT_REFERENCES.render(text))
    return html


def render_markdown(body: str) -> str:
    """Markdown to HTML that cannot run script: rendered, then sanitized by nh3."""
    return nh3.clean(
        markdown_to_html(body),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
