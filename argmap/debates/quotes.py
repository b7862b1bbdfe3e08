"""Quote text helpers: pure functions over strings, no database."""

import hashlib

CONTEXT_CHARS = 32

# Curly quotes and apostrophes mapped to straight ones: one code point for one, so a
# match in the straightened text sits at the same offsets in the original.
STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "‟": '"'})


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def quote_context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The W3C TextQuoteSelector prefix and suffix around text[start:end]."""
    return text[max(0, start - width) : start], text[end : end + width]


def find_quote(text: str, quote: str, any_quote_marks: bool = False) -> list[int]:
    """Every start offset at which quote occurs in text, overlapping ones too.

    With any_quote_marks, curly and straight quotes and apostrophes match each other
    (a pasted "AI's" finds the text's “AI’s”).
    """
    if any_quote_marks:
        text, quote = text.translate(STRAIGHT_QUOTES), quote.translate(STRAIGHT_QUOTES)
    starts, position = [], text.find(quote)
    while quote and position != -1:
        starts.append(position)
        position = text.find(quote, position + 1)
    return starts


def quote_preview(text: str, start: int, end: int, width: int = 20) -> str:
    """A short plain-text view of text[start:end] in its context, the quote in [brackets]."""
    before, after = quote_context(text, start, end, width)
    return " ".join(f"{before}[{text[start:end]}]{after}".split())


def words_around_bounds(text: str, start: int, end: int, width: int = 90) -> tuple[int, int]:
    """Where a few words either side of text[start:end] begin and end, at word boundaries."""
    low, high = max(0, start - width), min(len(text), end + width)
    before, after = text[low:start], text[end:high]
    if start - width > 0 and " " in before:
        low += before.index(" ") + 1
    if end + width < len(text) and " " in after:
        high = end + after.rindex(" ")
    return low, high


def words_around(text: str, start: int, end: int, width: int = 90) -> tuple[str, str]:
    """A few words either side of text[start:end], cut at word boundaries."""
    low, high = words_around_bounds(text, start, end, width)
    before, after = text[low:start], text[end:high]
    if low > max(0, start - width):
        before = "…" + before
    if high < min(len(text), end + width):
        after = after + "…"
    return before, after


def selector_matches(
    text: str, start: int, end: int, exact: str, prefix: str = "", suffix: str = ""
) -> bool:
    """exact stands at text[start:end], after prefix and before suffix."""
    return (
        text[start:end] == exact and text[:start].endswith(prefix) and text[end:].startswith(suffix)
    )
