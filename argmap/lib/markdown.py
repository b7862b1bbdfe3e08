"""Readers' Markdown to safe HTML: raw HTML off, then sanitized by nh3."""

import html

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip


# Unmatched brackets make Python-Markdown's link patterns quadratic; past this many they
# are escaped, so a hostile body renders in milliseconds rather than seconds.
UNMATCHED_LIMIT = 50


def escape_unmatched(body: str) -> str:
    for opening, closing in ("[]", "()"):
        unmatched = []
        for index, char in enumerate(body):
            if char == opening:
                unmatched.append(index)
            elif char == closing and unmatched:
                unmatched.pop()
        if len(unmatched) > UNMATCHED_LIMIT:
            chars = list(body)
            for index in unmatched:
                chars[index] = "\\" + opening
            body = "".join(chars)
    return body


def markdown_to_html(body: str) -> str:
    """Markdown with raw HTML switched off: tags a user types show as the text they typed."""
    converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    try:
        return converter.convert(escape_unmatched(body))
    except RecursionError:  # absurdly deep nesting: show the text as typed
        return "<p>" + html.escape(body) + "</p>"


def render_markdown(body: str) -> str:
    """Markdown to HTML that cannot run script: rendered, then sanitized by nh3."""
    return nh3.clean(
        markdown_to_html(body),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
