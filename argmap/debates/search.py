"""Full-text search: PostgreSQL's ranking and headlines, with a plain fallback on SQLite.

On PostgreSQL each searched text (a node's text, an anchor's exact words, a source's text)
has its vector stored beside it, a generated column with a GIN index (migration 0017): a
search matches and ranks from the stored vectors and parses only the rows it shows, for
their headlines. Both backends mark matches with private-use characters that never occur
in the texts; `highlighted` escapes everything else and only then turns them into <mark>.
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Expression, F, QuerySet, Window
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


def clean_query(raw: str) -> str:
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


def search_words(query: str) -> list[str]:
    return re.findall(r"\w+", query)


# Matches ranked at most, per kind: a word the whole map uses matches every other node, and
# ranking them all grows with the map. Past this many the page says "more than".
CANDIDATES = 500


class Results(list[Any]):
    """The rows shown, best first; matched counts the matches up to candidates, and more
    says there are more than that (never counted)."""

    def __init__(self, rows: list[Any], matched: int, more: bool) -> None:
        super().__init__(rows)
        self.matched, self.more = matched, more


def search(
    queryset: QuerySet[Any],
    field: str,
    query: str,
    limit: int = 20,
    candidates: int = CANDIDATES,
) -> Results:
    """Rows whose `field` matches, best first, each with .rank and .headline.

    Ranks at most `candidates` matches (the first found), in two queries whatever the size:
    the ranked ids, then the rows shown with their headlines (so only they get one).
    """
    if connection.vendor == "postgresql":
        ranks, matched = _rank_postgresql(queryset, query, limit, candidates)
    else:
        ranks, matched = _rank_fallback(queryset, field, query, limit, candidates)
    if not ranks:  # nothing matched: no rows to fetch
        return Results([], 0, False)
    rows = list(_with_headlines(queryset.filter(pk__in=list(ranks)), field, query))
    for row in rows:
        row.rank = ranks[row.pk]
    rows.sort(key=lambda row: (-row.rank, row.pk))
    # The one found past the candidates only tells there are more: never more shown than that.
    return Results(rows[:candidates], min(matched, candidates), matched > candidates)


# The stored vector's column on each searched table: to_tsvector(CONFIG, the text), written
# by PostgreSQL with the row (migration 0017). No model declares it, so only search reads it.
VECTOR_COLUMN = "search_vector"


class StoredVector(Expression):
    """The row's stored search vector, in whatever alias the query gives its table."""

    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__()
        self.pk: Any = F("pk")  # resolved to the table's column, so it follows the alias

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        table = compiler.quote_name_unless_alias(self.pk.alias)
        # A list, as Django's own expressions give (some callers add a list to it).
        return f"{table}.{connection.ops.quote_name(VECTOR_COLUMN)}", []


def _search_query(query):
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def matching(queryset, query):
    """The rows that match, found through the stored vectors' GIN index (PostgreSQL;
    unordered)."""
    return (
        queryset.annotate(document=StoredVector()).filter(document=_search_query(query)).order_by()
    )


def _rank_postgresql(queryset, query, limit, candidates):
    """{pk: rank} of the best `limit` among the first candidates + 1 matches, and how many
    matched (up to candidates + 1), in one query: the window count runs before the LIMIT."""
    found = matching(queryset, query).values("pk")[: candidates + 1]
    ranked = (
        queryset.model._default_manager.filter(pk__in=found)
        .annotate(
            rank=SearchRank(StoredVector(), _search_query(query)),
            matched=Window(Count("pk")),
        )
        .order_by("-rank", "pk")
        .values_list("pk", "rank", "matched")[:limit]
    )
    rows = list(ranked)
    return {pk: rank for pk, rank, _ in rows}, rows[0][2] if rows else 0


def _with_headlines(queryset, field, query):
    if connection.vendor != "postgresql":
        pattern = _pattern(search_words(query))
        rows = list(queryset)
        for row in rows:
            row.headline = _snippet(getattr(row, field), pattern)
        return rows
    return queryset.annotate(
        headline=SearchHeadline(
            field,
            _search_query(query),
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=30,
            min_words=12,
        )
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


def _pattern(words):
    return re.compile(
        r"\b(?:" + "|".join(_stem_pattern(word) for word in words) + ")", re.IGNORECASE
    )


def _rank_fallback(queryset, field, query, limit, candidates):
    """As _rank_postgresql, without full-text search: the first candidates + 1 rows holding
    every word's stem, ranked by how often the words occur for the text's length."""
    words = search_words(query)
    for word in words:
        queryset = queryset.filter(**{f"{field}__icontains": _needle(word)})
    pattern = _pattern(words)
    found = list(queryset.order_by("pk").values_list("pk", field)[: candidates + 1])
    ranks = {pk: len(pattern.findall(text)) / (1 + len(text) / 1000) for pk, text in found}
    best = sorted(ranks, key=lambda pk: (-ranks[pk], pk))[:limit]
    return {pk: ranks[pk] for pk in best}, len(found)


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


# Similar claims: the nodes of a map most like a text a reader is typing. ------------------

SIMILAR_SHOWN = 5
# PostgreSQL hands rapidfuzz this many candidates to rank. They are found first by words:
# the nodes holding every word of one of the text's runs of SIMILAR_RUN consecutive words
# (its stopwords left out), through the full-text GIN index, best ts_rank first; when that
# finds fewer than SIMILAR_SHOWN (words put in between, a text partly reworded), by runs of
# SIMILAR_SHORT_RUN (12 ms median at 100,000 nodes, against 3 ms for runs of 4). Only when
# that too finds too few (a text misspelt or reworded throughout) are the nearest by
# trigram distance asked for (pg_trgm's GiST index, ORDER BY text <-> %s LIMIT n): that
# index cannot prune when every text shares most trigrams with every other, as in the
# generated 100,000-node map, where it reads the whole index (90-110 ms quiet, 340 ms at
# load 15: docs/performance.md), so the server stops it after SIMILAR_TRIGRAM_MS, and the
# list shows what the words found: the answer stays under 150 ms however busy the server.
SIMILAR_CANDIDATES = 60
SIMILAR_RUN = 4
SIMILAR_SHORT_RUN = 3
SIMILAR_RUNS = 12
SIMILAR_TRIGRAM_MS = 120
SIMILAR_MIN_SCORE = 35.0
# Only this many characters of the text are compared (cut at a word): a claim is one
# sentence, and pg_trgm's and rapidfuzz's work grows with the text, so a hostile text (a
# pasted passage of a whole source, 100 KB) costs what one long sentence does.
SIMILAR_TEXT_CHARS = 300


def similar_text(text):
    """text as similar() compares it: printable, spaces folded, at most SIMILAR_TEXT_CHARS
    characters (cut at a word), read from a bounded slice of it."""
    text = text[: 4 * SIMILAR_TEXT_CHARS]
    text = re.sub(r"\s+", " ", "".join(ch for ch in text if ch.isprintable())).strip()
    if len(text) > SIMILAR_TEXT_CHARS:
        text = text[: SIMILAR_TEXT_CHARS + 1].rsplit(" ", 1)[0]
    return text[:SIMILAR_TEXT_CHARS]


def similar(nodes: QuerySet[Any], text: str, limit: int = SIMILAR_SHOWN) -> list[Any]:
    """The nodes most like text, best first, each with .similarity (0-100).

    Ranked by rapidfuzz's token_set_ratio, which reads a paraphrase (the same words
    reordered, some added or dropped) as close where whole-string similarity would not. On
    PostgreSQL only SIMILAR_CANDIDATES are ranked, found through the indexes at any size of
    map (by word runs, else by trigrams: see SIMILAR_CANDIDATES); SQLite, the embedded
    default, ranks the map's nodes in process. Only the first SIMILAR_TEXT_CHARS of text
    count.
    """
    from rapidfuzz import fuzz, process, utils

    text = similar_text(text)
    if len(search_words(text)) < 2:
        return []
    rows = nodes.order_by().values_list("pk", "text")
    if connection.vendor == "postgresql":
        lexemes = _lexemes(text)
        candidates = _by_word_runs(nodes, text, lexemes=lexemes)
        if len(candidates) < SIMILAR_SHOWN:
            candidates.update(_by_word_runs(nodes, text, SIMILAR_SHORT_RUN, lexemes))
        if len(candidates) < SIMILAR_SHOWN:
            candidates.update(_by_trigrams(nodes, text))
    else:
        candidates = dict(rows)
    found = process.extract(
        text,
        candidates,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        limit=4 * limit,
        score_cutoff=SIMILAR_MIN_SCORE,
    )
    scores = {pk: score for _, score, pk in found}
    # Every text holding all of a short text's words scores 100 on token_set_ratio: ties
    # go to the one whose words, sorted, are most like the text's (closest in length too).
    query = utils.default_process(text)
    closeness = {
        pk: fuzz.token_sort_ratio(query, utils.default_process(candidates[pk])) for pk in scores
    }
    best = sorted(scores, key=lambda pk: (-scores[pk], -closeness[pk], pk))[:limit]
    shown = {node.pk: node for node in nodes.filter(pk__in=best).select_related("map")}
    result = []
    for pk in best:
        if pk in shown:
            shown[pk].similarity = round(scores[pk])
            result.append(shown[pk])
    return result


def _lexemes(text):
    """text's lexemes in their order, stopwords left out, as the full-text index holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)) ORDER BY positions[1]",
            [CONFIG, text],
        )
        return [lexeme for (lexeme,) in cursor.fetchall()]


def _by_word_runs(nodes, text, run=SIMILAR_RUN, lexemes=None):
    """{pk: text} of the nodes holding every lexeme of one of text's runs of `run` lexemes
    (at most SIMILAR_RUNS runs), the SIMILAR_CANDIDATES best by ts_rank."""
    lexemes = (_lexemes(text) if lexemes is None else lexemes)[: SIMILAR_RUNS + run - 1]
    if not lexemes:
        return {}
    runs = [lexemes[i : i + run] for i in range(max(1, len(lexemes) - run + 1))]
    quoted = ["'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes]
    terms = dict(zip(lexemes, quoted, strict=True))
    tsquery = " | ".join("(" + " & ".join(terms[lexeme] for lexeme in run) + ")" for run in runs)
    # Lexemes already: the "simple" configuration reads them as they are (no stemming again).
    query = SearchQuery(tsquery, search_type="raw", config="simple")
    document = StoredVector()
    rows = (
        nodes.order_by()
        .annotate(document=document)
        .filter(document=query)
        .annotate(rank=SearchRank(document, query))
        .order_by("-rank")
        .values_list("pk", "text")[:SIMILAR_CANDIDATES]
    )
    return dict(rows)


def _by_trigrams(nodes, text, bound_ms=None):
    """{pk: text} of the SIMILAR_CANDIDATES nodes nearest to text by trigram distance, or
    none when the server took longer than bound_ms (SIMILAR_TRIGRAM_MS) to find them."""
    from django.contrib.postgres.search import TrigramDistance
    from psycopg.errors import QueryCanceled

    # Ordered by the distance alone: a tiebreaker would stop the GiST index from answering
    # the ORDER BY … LIMIT, and sort the whole map instead (1.9 s at 100,000).
    rows = nodes.order_by().annotate(distance=TrigramDistance("text", text)).order_by("distance")
    bound = f"{bound_ms or SIMILAR_TRIGRAM_MS}ms"
    try:
        # The server's own statement_timeout, for this query alone: set local to a savepoint
        # (gone with it if the query is stopped), and put back after, since an outer
        # transaction would otherwise keep the short bound for the rest of the request.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "set_config('statement_timeout', %s, true)",
                [bound],
            )
            ((before, _),) = cursor.fetchall()
            found = dict(rows.values_list("pk", "text")[:SIMILAR_CANDIDATES])
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
    except OperationalError as error:
        if not isinstance(error.__cause__, QueryCanceled):
            raise
        return {}
    return found
