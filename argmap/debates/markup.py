"""The light markup of a source's text, read as formatting without moving a single offset.

The sources are stored byte for byte, and anchors and passage selectors index that text.
So the markup is never removed: `styles` says, for stretches of the text, how to show them
(bold, italic, a heading, a link's words) and which characters are markup to hide (the
asterisks, a heading's hashes, a link's address, YAML front matter, a site's comment-policy
boilerplate). The reader wraps each stretch in a span with those classes; hidden characters
stay in the page, so the script that turns a selection into offsets counts them exactly.
"""

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

HIDE = "md-hide"

# A stretch of text and the classes that say how to show it ("" for plain text).
Run = tuple[str, str]

FRONT_MATTER = re.compile(r"\A---\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
HEADING = re.compile(r"^(#{1,6})([ \t]+)(.*)$", re.MULTILINE)
BOLD = re.compile(r"(\*\*|__)(?=\S)([^\n]+?)(?<=\S)\1")
ITALIC = re.compile(r"(?<![*\w])(\*|_)(?=[^\s*_])([^\n*_]+?)(?<=[^\s*_])\1(?![*\w])")
LINK = re.compile(r"(\[)([^\]\n]+)(\]\([^)\s]+\))")
# A site's comment policy, printed between an article and its reader comments.
BOILERPLATE = re.compile(r"^Editor's Note:.*\Z", re.DOTALL | re.MULTILINE)

Interval = tuple[int, int, str]


@lru_cache(maxsize=32)
def markup_intervals(text: str) -> tuple[Interval, ...]:
    """(start, end, class) for every piece of markup in text; intervals may nest. Cached: a
    source's whole text is read again on every page of it."""
    return find_markup(text)


def find_markup(text: str) -> tuple[Interval, ...]:
    """markup_intervals, uncached (for short texts that would push whole sources out)."""
    found: list[Interval] = []
    front = FRONT_MATTER.match(text)
    body_from = front.end() if front else 0
    if front:
        found.append((0, front.end(), f"{HIDE} md-front"))
    for match in HEADING.finditer(text, body_from):
        level = len(match.group(1))
        found.append((match.start(1), match.end(2), HIDE))
        found.append((match.start(3), match.end(3), f"md-h md-h{level}"))
    for pattern, style in ((BOLD, "md-b"), (ITALIC, "md-i")):
        for match in pattern.finditer(text, body_from):
            found.append((match.start(1), match.end(1), HIDE))
            found.append((match.start(2), match.end(2), style))
            found.append((match.end(2), match.end(), HIDE))
    for match in LINK.finditer(text, body_from):
        found.append((match.start(1), match.end(1), HIDE))
        found.append((match.start(2), match.end(2), "md-link"))
        found.append((match.start(3), match.end(3), HIDE))
    return tuple(found)


def boilerplate_intervals(text: str, sections: Sequence[Any]) -> list[Interval]:
    """The comment policy at the foot of an article that has reader comments, hidden."""
    if not any(section.kind == "comment" for section in sections):
        return []
    found = []
    for section in sections:
        if section.kind != "body":
            continue
        match = BOILERPLATE.search(text[: section.end], section.start)
        if match:
            found.append((match.start(), section.end, f"{HIDE} md-boilerplate"))
    return found


def runs(text: str, start: int, end: int, intervals: Iterable[Interval]) -> list[Run]:
    """text[start:end] cut where markup begins or ends, each stretch with its classes."""
    inside = [
        (max(a, start), min(b, end), style) for a, b, style in intervals if a < end and b > start
    ]
    if not inside:
        return [(text[start:end], "")] if end > start else []
    edges = sorted({start, end, *(a for a, _, _ in inside), *(b for _, b, _ in inside)})
    result: list[Run] = []
    for left, right in zip(edges, edges[1:], strict=False):
        styles = sorted({style for a, b, style in inside if a <= left and b >= right})
        result.append((text[left:right], " ".join(styles)))
    return result


# The quote marks a quote may open or close with; a preview is set in the page's own.
QUOTE_MARKS = "\"'“”‘’„«»"


def preview(exact: str, prefix: str = "", suffix: str = "", limit: int = 70) -> list[Run]:
    """A quote as the reader shows it, cut to at most limit visible characters (and "…"): its
    formatting kept, its markup characters and the quote marks around it left out. Read with
    the prefix and suffix stored beside it, so a bold that opens or closes outside the quote is
    still known for one. For display only: the stored quote and its offsets stay as they are."""
    text = prefix + exact + suffix
    start = len(prefix)
    shown = [
        (piece, style)
        for piece, style in runs(text, start, start + len(exact), find_markup(text))
        if HIDE not in style.split()
    ]
    result: list[Run] = []
    room = limit
    for index, (piece, style) in enumerate(shown):
        if index == 0:
            piece = piece.lstrip().lstrip(QUOTE_MARKS)
        if index == len(shown) - 1:
            piece = piece.rstrip().rstrip(QUOTE_MARKS)
        if len(piece) > room:
            cut = piece[: max(room - 1, 0)].rstrip()
            result.append((cut + "…", style))
            return result
        result.append((piece, style))
        room -= len(piece)
    return result
