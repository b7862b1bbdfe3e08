"""Readers' Markdown to safe HTML: CommonMark by markdown-it-py, then sanitized by nh3.

markdown-it-py is built to stay linear on pathological input (it caps nesting and caches
the delimiters it has scanned). Raw HTML is off, so tags a reader types show as the text
they typed; nh3 then removes anything the allow-list does not name. Annotations store the
result on write (`Annotation.body_html`): pages never render Markdown.
"""

from bisect import bisect_left
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.link import link as commonmark_link

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip


def _label_closers(state: StateInline) -> list[int]:
    """Offsets of every `]` in the inline source that a backslash does not escape.

    Computed once per inline source and kept in the render's env, which lives as long as
    one render.
    """
    cache: dict[str, list[int]] = state.env.setdefault("argmap_label_closers", {})
    closers = cache.get(state.src)
    if closers is None:
        closers = []
        src = state.src
        index = src.find("]")
        while index >= 0:
            backslashes = 0
            while index - backslashes > 0 and src[index - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                closers.append(index)
            index = src.find("]", index + 1)
        cache[state.src] = closers
    return closers


def link_when_a_label_can_close(state: StateInline, silent: bool) -> bool:
    """CommonMark's link rule, skipped when no unescaped `]` follows this `[`.

    A link label must end at such a `]` before the end of the inline run, so where none
    exists the rule would fail anyway: returning False at once gives the same output
    without scanning the rest of the run once per `[` (which is what made runs like
    `[\\` or `![` cost up to 100 ms per 10,000 characters).
    """
    if state.src[state.pos] != "[":
        return False
    closers = _label_closers(state)
    following = bisect_left(closers, state.pos + 1)
    if following == len(closers) or closers[following] >= state.posMax:
        return False
    return commonmark_link(state, silent)


MAX_NESTING = 10


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Past this depth of quotes, lists, brackets or emphasis the rest is shown as text.
    # CommonMark's preset allows 20; every open bracket rescans up to that many levels, so
    # 10 nearly halves the cost of bracket runs, and no annotation nests 10 deep.
    parser.options["maxNesting"] = MAX_NESTING
    # Images are not in the allow-list; `![alt](url)` shows "!" and a link instead.
    parser.disable("image")
    parser.inline.ruler.at("link", link_when_a_label_can_close)
    return parser


PARSER = _parser()


def markdown_to_html(body: str) -> str:
    """CommonMark with raw HTML off: tags a user types show as the text they typed."""
    env: dict[str, Any] = {}
    return PARSER.render(body, env)


def render_markdown(body: str) -> str:
    """Markdown to HTML that cannot run script: rendered, then sanitized by nh3."""
    return nh3.clean(
        markdown_to_html(body),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
