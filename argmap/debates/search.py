"""Full-text search: PostgreSQL's ranking and headlines, with a plain fallback on SQLite.

Both backends mark matches with private-use characters that never occur in the
texts; `highlighted` escapes everything else and only then turns them into <mark>.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

MARK_START, MARK_END = "\ue000", "\ue001"
MAX_QUERY_LENGTH = 200
CONFIG = "english"
SNIPPET_CHARS = 110


class BadQuery(ValueError):
    pass


class EmptyQuery(BadQuery):
    """Nothing to search for: a hint for the person, not an error of theirs."""


def clean_query(raw):
    """The query a person meant, or BadQuery with a message for them."""
    query = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    query = re.sub(r"\s+", " ", query)
    if not query:
        raise EmptyQuery("Type a word or phrase to search for.")
    if len(query) > MAX_QUERY_LENGTH:
        raise BadQuery(f"Searches are limited to {MAX_QUERY_LENGTH} characters; shorten yours.")
    if not search_words(query):
        raise BadQuery("Search for words or numbers; punctuation alone matches nothing.")
    return query


def search_words(query):
    return re.findall(r"\w+", query)


def search(queryset, field, query, limit=20):
    """Rows whose `field` matches, best first, each with .rank and .headline."""
    if connection.vendor == "postgresql":
        return list(_search_postgresql(queryset, field, query)[:limit])
    return _search_fallback(queryset, field, query, limit)


def search_vector(field):
    # Must stay identical to the expression the GIN indexes are built on (see migrations).
    return SearchVector(field, config=CONFIG)


def _search_postgresql(queryset, field, query):
    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    return (
        queryset.annotate(document=search_vector(field))
        .filter(document=search_query)
        .annotate(
            rank=SearchRank(search_vector(field), search_query),
            headline=SearchHeadline(
                field,
                search_query,
                config=CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=30,
                min_words=12,
            ),
        )
        .order_by("-rank", "pk")
    )


# Endings the fallback strips, longest first, so that "controls", "controlled" and "controlling"
# all look for "control"; PostgreSQL's english configuration does the same with Snowball.
SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "s")
MIN_STEM = 3


def stem(word):
    """A small suffix stemmer: the word without one common English ending, lowercased."""
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue  # "class", "status", "analysis" are not plurals
            stemmed = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return stemmed + "y"
            if suffix in ("ed", "ing") and stemmed[-1] == stemmed[-2] and stemmed[-1] not in "ls":
                return stemmed[:-1]  # "stopped" and "stopping" are "stop"
            if suffix in ("ed", "ing") and stemmed.endswith("ll") and len(stemmed) > 5:
                return stemmed[:-1]  # "controlled" is "control"
            return stemmed
    return word


def _needle(word):
    """What the text must contain: the stem, less a final "y" that turns into "ie"."""
    base = stem(word)
    return base[:-1] if base.endswith("y") and len(base) > MIN_STEM else base


def _stem_pattern(word):
    # The stem, then any ending: so the text is stemmed the same way as the query.
    base, needle = stem(word), _needle(word)
    if needle != base:
        return re.escape(needle) + r"(?:y|ie)\w*"
    return re.escape(base) + r"\w*"


def _search_fallback(queryset, field, query, limit):
    words = search_words(query)
    for word in words:
        queryset = queryset.filter(**{f"{field}__icontains": _needle(word)})
    pattern = re.compile(
        r"\b(?:" + "|".join(_stem_pattern(word) for word in words) + ")", re.IGNORECASE
    )
    results = []
    for row in queryset.order_by("pk")[: limit * 5]:
        text = getattr(row, field)
        row.rank = len(pattern.findall(text)) / (1 + len(text) / 1000)
        row.headline = _snippet(text, pattern)
        results.append(row)
    results.sort(key=lambda row: -row.rank)
    return results[:limit]


def _snippet(text, pattern):
    first = pattern.search(text)
    start = max(0, first.start() - SNIPPET_CHARS) if first else 0
    end = min(len(text), start + 2 * SNIPPET_CHARS + (first.end() - first.start() if first else 0))
    window = pattern.sub(lambda match: MARK_START + match.group(0) + MARK_END, text[start:end])
    return ("…" if start else "") + window + ("…" if end < len(text) else "")


def highlighted(headline):
    """Safe HTML for a headline: escaped text, with matches in <mark>."""
    html = escape(headline).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own markers become tags
