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


def clean_query(raw):
    """The query a person meant, or BadQuery with a message for them."""
    query = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    query = re.sub(r"\s+", " ", query)
    if not query:
        raise BadQuery("Type a word or phrase to search for.")
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


def _search_fallback(queryset, field, query, limit):
    words = search_words(query)
    for word in words:
        queryset = queryset.filter(**{f"{field}__icontains": word})
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
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
