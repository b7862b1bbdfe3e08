"""The streamed export: a map, or a node's branch, read from the database in reading order
and handed to the converters in `formats/` a chunk at a time (docs/formats.md, "Downloads").

`export_map` gives the argmap/2 dict whose nodes and links are Streams; `chunks` writes it
in any format, as a download streams it and `export_map` (the command) prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import Q, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.urls import reverse

from argmap.lib.rows import snapshot

from .. import hooks
from ..models import Anchor, ArgumentMap, Link, Node, Source
from .formats import FORMAT, Stream, registry, webannotation


def depth_first(nodes: Iterable[Node]) -> list[Node]:
    """Nodes in reading order: each parent before its children, siblings by position."""
    children: dict[int | None, list[Any]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (node.position, node.pk))
    ordered: list[Node] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def _or_none(value: str) -> str | None:
    return value or None


def sorted_links(links: Iterable[Link], order: dict[int, int]) -> list[tuple[str, int, int]]:
    """Links as (kind, first, second) node pairs: each pair in reading order, then sorted
    by kind and by the reading order of the ends (the documented argmap/2 order)."""
    pairs: list[tuple[str, int, int]] = []
    for link in links:
        ends = sorted((link.from_node_id, link.to_node_id), key=order.__getitem__)
        pairs.append((link.kind, ends[0], ends[1]))
    pairs.sort(key=lambda pair: (pair[0], order[pair[1]], order[pair[2]]))
    return pairs


# Rows a cursor hands over per round trip while an export is read: on PostgreSQL a
# server-side cursor (the server holds the sorted result), on SQLite its own stepping.
FETCH_ROWS = 2000


def export_map(argmap: ArgumentMap, branch: Node | None = None) -> dict[str, Any]:
    """The map, or a node's branch, as argmap/2 (a dict whose key order is the documented one).

    Its nodes and links are Streams: each pass over them runs one query that the database
    sorts into reading order, read FETCH_ROWS rows at a time, so a million-node map is
    written without being held (`formats.materialized` reads them into lists). A branch is
    the node, everything under it, and its parent for context (with no parent or relation
    of its own), with the links and sources inside that part of the map."""
    tree = _TreeQuery(argmap, branch)
    every = Source.objects.defer("text").order_by("file")
    if branch is None:  # every node of the map is in its tree: no need to walk it first
        # With both ids constants, each source's EXISTS is read from its smaller side: a
        # correlated EXISTS joined every anchor to its node first (1.3 s at a million nodes,
        # all of it before the first byte).
        listed = list(every)
        ids = ArgumentMap.objects.quoted_source_ids([argmap.pk], [s.pk for s in listed])
        quoted = set(ids[argmap.pk])
        sources = [source for source in listed if source.pk in quoted]
        prefetch_related_objects(sources, "sections")
    else:
        in_tree = Q(pk__in=RawSQL(tree.sql(_SOURCES_OF_TREE), tree.params))  # noqa: S611
        sources = list(every.filter(in_tree).prefetch_related("sections"))
    return {
        "format": FORMAT,
        "map": {
            "slug": argmap.slug,
            "title": argmap.title,
            "question": argmap.question,
            "definition": argmap.definition or None,
            "cruxes": argmap.cruxes,
        },
        "sources": [export_source(source) for source in sources],
        "nodes": Stream(lambda: _exported_nodes(tree, {s.pk: s for s in sources})),
        "links": Stream(lambda: _exported_links(tree)),
    }


class _TreeQuery:
    """The recursive query behind an export: the map's nodes (or a branch and its parent)
    with a path that sorts them into reading order, each parent before its children and
    siblings by (position, id)."""

    def __init__(self, argmap: ArgumentMap, branch: Node | None):
        node, anchor = Node._meta.db_table, Anchor._meta.db_table
        self.names = {"node": node, "anchor": anchor, "link": Link._meta.db_table}
        self.names = {key: connection.ops.quote_name(name) for key, name in self.names.items()}
        self.names["end"] = connection.ops.quote_name("end")
        if branch is None:
            self.seed, top = "n.map_id = %s AND n.parent_id IS NULL", None
            self.params: list[Any] = [argmap.pk]
        else:
            self.seed, top = "n.id IN (%s, %s)", branch.parent_id
            self.params = [branch.pk, top]
        self.params = [top, top, *self.params, argmap.pk]
        self.map_id = argmap.pk

    def sql(self, select: str) -> str:
        """The query: the tree, then `select` from it ({node}, {anchor}, {link} and {end}
        stand for the quoted table and column names)."""
        if connection.vendor == "postgresql":
            empty, step = "'{}'::bigint[]", "ARRAY[n.position::bigint, n.id::bigint]"
        else:  # zero-padded text sorts as the numbers would
            empty, step = "''", "printf('%%010d%%010d', n.position, n.id)"
        tree = (
            "WITH RECURSIVE tree(id, path, top) AS ("
            " SELECT n.id, CASE WHEN n.id = %s THEN {empty} ELSE {step} END,"
            " CASE WHEN n.id = %s THEN 1 ELSE 0 END FROM {node} n WHERE {seed}"
            " UNION ALL"
            " SELECT n.id, tree.path || {step}, 0 FROM {node} n"
            " JOIN tree ON n.parent_id = tree.id WHERE tree.top = 0 AND n.map_id = %s"
            ") "
        )
        return tree.format(empty=empty, step=step, seed=self.seed, **self.names) + select.format(
            **self.names
        )

    def rows(self, select: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        with connection.chunked_cursor() as cursor:
            cursor.execute(self.sql(select), [*self.params, *params])
            while batch := cursor.fetchmany(FETCH_ROWS):
                yield from batch


_SOURCES_OF_TREE = "SELECT DISTINCT a.source_id FROM tree JOIN {anchor} a ON a.node_id = tree.id"

_NODE_ROWS = (
    "SELECT n.id, n.key, n.kind, n.is_heading, n.label, n.text, tree.top, p.key, n.relation,"
    " n.is_implicit, n.scheme, n.proposed_by,"
    " a.id, a.source_id, a.start, a.{end}, a.exact, a.prefix, a.suffix, a.speaker, a.voice"
    " FROM tree JOIN {node} n ON n.id = tree.id"
    " LEFT JOIN {node} p ON p.id = n.parent_id"
    " LEFT JOIN {anchor} a ON a.node_id = n.id"
    " ORDER BY tree.path, a.position, a.id"
)

# Each link as two rows, one per end, each end found from the tree by an index on the link
# table (joining the tree twice would make PostgreSQL, which cannot estimate a recursive
# query's size, scan the whole tree once per link). A pair sorts by its ends' paths, the
# earlier end's row first; a branch keeps the links with both ends inside it.
_LINK_ROWS = (
    "SELECT kind, key FROM ("
    " SELECT kind, link, path, key, MIN(path) OVER pair AS first, MAX(path) OVER pair AS last,"
    " COUNT(*) OVER pair AS ends FROM ("
    "  SELECT l.kind, l.id AS link, tree.path, n.key FROM tree"
    "  JOIN {link} l ON l.from_node_id = tree.id JOIN {node} n ON n.id = tree.id"
    "  WHERE l.map_id = %s"
    "  UNION ALL"
    "  SELECT l.kind, l.id AS link, tree.path, n.key FROM tree"
    "  JOIN {link} l ON l.to_node_id = tree.id JOIN {node} n ON n.id = tree.id"
    "  WHERE l.map_id = %s"
    " ) AS link_ends WINDOW pair AS (PARTITION BY link)"
    ") AS pairs WHERE ends = 2 ORDER BY kind, first, last, link, path"
)


def _exported_nodes(tree: _TreeQuery, sources: dict[int, Source]) -> Iterator[dict[str, Any]]:
    """Each node once, with its anchors: the query gives a row per anchor, in order."""
    node: dict[str, Any] = {}
    last = None
    for row in tree.rows(_NODE_ROWS):
        pk, key, kind, heading, label, text, top, parent, relation = row[:9]
        implicit, scheme, proposed_by, anchor_pk = row[9:13]
        if pk != last:
            if last is not None:
                yield node
            last = pk
            node = {
                "id": key,
                "kind": kind,
                "heading": bool(heading),
                "implicit": bool(implicit),
                "label": label,
                "text": text,
                "parent": None if top else parent,
                "relation": None if top else relation or None,
                "scheme": None if top else scheme or None,
                # Only on a node a reader proposed, so other nodes' exports keep their bytes.
                **({"proposed_by": proposed_by} if proposed_by else {}),
                "anchors": [],
            }
        if anchor_pk is not None:
            source_id, start, end, exact, prefix, suffix, speaker, voice = row[13:]
            source = sources[source_id]
            node["anchors"].append(
                {
                    "source": source.slug,
                    "start": start,
                    "end": end,
                    "exact": exact,
                    "prefix": prefix,
                    "suffix": suffix,
                    "speaker": speaker,
                    "voice": voice,
                    "comment": source.comment_number_at(start),
                }
            )
    if last is not None:
        yield node


def _exported_links(tree: _TreeQuery) -> Iterator[dict[str, Any]]:
    ends = tree.rows(_LINK_ROWS, [tree.map_id, tree.map_id])
    for (kind, first), (_, second) in zip(ends, ends, strict=False):
        yield {"type": kind, "between": [first, second]}


def export_source(source: Source) -> dict[str, Any]:
    """A source as argmap/2 lists it."""
    return {
        "slug": source.slug,
        "file": source.file,
        "title": source.title,
        "title_by": source.title_by,
        "kind": source.kind,
        "author": _or_none(source.author),
        "publisher": _or_none(source.publisher),
        "date": _or_none(source.date),
        "tags": list(source.tags),
        "disclosure": _or_none(source.disclosure),
        "sha256": source.sha256,
    }


def chunks(
    argmap: ArgumentMap,
    fmt: str,
    absolute: Callable[[str], str],
    branch: Node | None = None,
) -> Iterator[str]:
    """The map, or a node's branch, in one format, in pieces of text: what a download
    streams and `export_map` prints. `absolute` turns a path into an absolute IRI (for Web
    Annotation). Nothing is read until the first piece is asked for; from then on, every
    piece comes from the database as it was then (a snapshot, on PostgreSQL)."""
    with snapshot():
        yield from _chunks(argmap, fmt, absolute, branch)


def _chunks(
    argmap: ArgumentMap, fmt: str, absolute: Callable[[str], str], branch: Node | None
) -> Iterator[str]:
    doc = export_map(argmap, branch)
    links = web_links(absolute, argmap.slug)
    # Passage annotations belong to the sources, not to a branch: only the whole map has them.
    sources = [source["slug"] for source in doc["sources"]]
    wanted = fmt == "webannotation" and branch is None  # no other download carries them
    passages = hooks.published_passages(sources) if wanted else []
    if branch is None:
        collection = reverse("map-download", args=[argmap.slug, "webannotation"])
    else:
        collection = reverse("branch-download", args=[argmap.slug, branch.key, "webannotation"])
    yield from registry.chunks(
        doc, fmt, links=links, passages=passages, collection_iri=absolute(collection)
    )


def web_links(absolute: Callable[[str], str], map_slug: str = "") -> webannotation.Links:
    """The IRIs Web Annotations name, from the site's URLs: the export's (nodes of map_slug)
    and the read API's (nodes of any map) alike."""
    return webannotation.Links(
        node=lambda key: absolute(reverse("node", args=[map_slug, key])),
        source=lambda slug: absolute(reverse("source", args=[slug])),
        annotation=lambda pk: absolute(reverse("annotation", args=[pk])),
        node_in=lambda slug, key: absolute(reverse("node", args=[slug, key])),
    )
