"""The map as plain data: argmap/2 export and loading, fixture reading, and the one validator.

The validator works on a "map document" (plain dicts), so the same checks serve
`check_map` on the database, `seed` on the fixtures before anything is written,
`export_seed` before it writes, and `load_document` before it writes.
"""

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .formats import Stream
from .models import Anchor, ArgumentMap, Link, Node, Source
from .quotes import quote_context, sha256_of
from .schemes import SCHEMES

FORMAT = "argmap/2"
FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = ["sources.json", "map.json", "nodes.json", "anchors.json", "links.json"]


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


class MapDocumentError(Exception):
    """An argmap/2 document that cannot be loaded; problems lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(map(str, problems)))


def depth_first(nodes):
    """Nodes in reading order: each parent before its children, siblings by position."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (node.position, node.pk))
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def _or_none(value):
    return value or None


def reading_order(argmap) -> list[Node]:
    return depth_first(list(argmap.nodes.all()))


def sorted_links(links, order):
    """Links as (kind, first, second) node pairs: each pair in reading order, then sorted
    by kind and by the reading order of the ends (the documented argmap/2 order)."""
    pairs = []
    for link in links:
        ends = sorted((link.from_node_id, link.to_node_id), key=order.__getitem__)
        pairs.append((link.kind, *ends))
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
    sources = list(
        Source.objects.defer("text")
        .filter(pk__in=RawSQL(tree.sql(_SOURCES_OF_TREE), tree.params))  # noqa: S611
        .prefetch_related("sections")
        .order_by("file")
    )
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

    def rows(self, select: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        with connection.chunked_cursor() as cursor:
            cursor.execute(self.sql(select), [*self.params, *params])
            while batch := cursor.fetchmany(FETCH_ROWS):
                yield from batch


_SOURCES_OF_TREE = "SELECT DISTINCT a.source_id FROM tree JOIN {anchor} a ON a.node_id = tree.id"

_NODE_ROWS = (
    "SELECT n.id, n.key, n.kind, n.is_heading, n.label, n.text, tree.top, p.key, n.relation,"
    " n.is_implicit, n.scheme,"
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
        implicit, scheme, anchor_pk = row[9:12]
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
                "anchors": [],
            }
        if anchor_pk is not None:
            source_id, start, end, exact, prefix, suffix, speaker, voice = row[12:]
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


def export_source(source):
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


# A map document: {"curated": bool (False for an imported map), "sources": {slug: {"text",
# "sha256", "sections"}}, "nodes": [{"id", "kind", "parent", "relation", "is_heading",
# "anchors": [{"source", "start", "end", "exact", "speaker", "voice"}]}],
# "links": [{"type", "between": [id, id]}]}

CURATED_RULES = (
    "curated: every node but the thesis and the curators' headings is anchored, and an "
    "author's point against their own parent is marked as a concession"
)
IMPORTED_RULES = (
    "imported: anchors are optional and concessions unmarked, as the file brought them; "
    "every anchor it has matches its source"
)


def rules_applied(curated):
    """Which rules a map is checked by, in words (check_map prints it)."""
    return CURATED_RULES if curated else IMPORTED_RULES


def document_from_database(argmap):
    nodes = list(argmap.nodes.prefetch_related("anchors"))
    key_of = {node.pk: node.key for node in nodes}
    sources = Source.objects.prefetch_related("sections")
    slug_of = {source.pk: source.slug for source in sources}
    return {
        "curated": argmap.is_curated,
        "cruxes": argmap.cruxes,
        "sources": {s.slug: source_entry(s) for s in sources},
        "nodes": [
            {
                "id": node.key,
                "kind": node.kind,
                "parent": key_of.get(node.parent_id),
                "relation": node.relation,
                "is_heading": node.is_heading,
                "is_implicit": node.is_implicit,
                "scheme": node.scheme,
                "anchors": [
                    {
                        "source": slug_of[anchor.source_id],
                        "start": anchor.start,
                        "end": anchor.end,
                        "exact": anchor.exact,
                        "speaker": anchor.speaker,
                        "voice": anchor.voice,
                    }
                    for anchor in node.anchors.all()
                ],
            }
            for node in nodes
        ],
        "links": [
            {
                "type": link.kind,
                "between": [key_of.get(link.from_node_id), key_of.get(link.to_node_id)],
                "stored": (link.from_node_id, link.to_node_id),
                "map": link.map_id,
            }
            for link in Link.objects.filter(
                Q(map=argmap) | Q(from_node__map=argmap) | Q(to_node__map=argmap)
            ).order_by("pk")
        ],
        "map_id": argmap.pk,
    }


def source_entry(source):
    """A source as the validator reads it: its text, hash, metadata and sections."""
    return {
        "text": source.text,
        "sha256": source.sha256,
        **{name: getattr(source, name) for name in METADATA},
        "sections": [
            {"start": s.start, "end": s.end, "position": s.position, "kind": s.kind}
            for s in source.sections.all()
        ],
    }


def read_fixtures(directory=FIXTURE_DIR):
    """All fixture objects by model label, and problems reading them."""
    objects, problems = {}, []
    for name in FIXTURE_FILES:
        path = Path(directory) / name
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(name, "fixture file is missing"))
            continue
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            problems.append(Problem(name, f"not valid JSON ({error})"))
            continue
        for entry in entries:
            objects.setdefault(entry.get("model"), []).append(entry.get("fields", {}))
    return objects, problems


def documents_from_fixtures(directory=FIXTURE_DIR):
    """One map document per map in the fixtures, and problems found on the way."""
    objects, problems = read_fixtures(directory)
    sources = {}
    for fields in objects.get("debates.source", []):
        sources[fields.get("slug")] = {
            "text": fields.get("text", ""),
            "sha256": fields.get("sha256"),
            **{name: fields.get(name, "") for name in METADATA},
            "sections": [],
        }
    for fields in objects.get("debates.section", []):
        source = sources.get((fields.get("source") or [None])[0])
        if source is not None:
            source["sections"].append({key: fields.get(key) for key in SECTION_KEYS})
    documents = {
        fields.get("slug"): {
            "sources": sources,
            "nodes": [],
            "links": [],
            "cruxes": fields.get("cruxes", []),
        }
        for fields in objects.get("debates.argumentmap", [])
    }
    nodes_by_key = {}
    for fields in objects.get("debates.node", []):
        map_slug = (fields.get("map") or [None])[0]
        key = fields.get("key")
        if map_slug not in documents:
            problems.append(Problem(f"node {key}", f"names a missing map {map_slug!r}"))
            continue
        parent = fields.get("parent")
        node = {
            "id": key,
            "kind": fields.get("kind"),
            "parent": parent[1] if parent else None,
            "relation": fields.get("relation", ""),
            "is_heading": fields.get("is_heading", False),
            "is_implicit": fields.get("is_implicit", False),
            "scheme": fields.get("scheme", ""),
            "anchors": [],
        }
        documents[map_slug]["nodes"].append(node)
        nodes_by_key[(map_slug, key)] = node
    for fields in objects.get("debates.anchor", []):
        node_ref = tuple((fields.get("node") or [None, None])[:2])
        source_slug = (fields.get("source") or [None])[0]
        node = nodes_by_key.get(node_ref)
        if node is None:
            problems.append(Problem(f"anchor of {node_ref[1]}", "names a missing node"))
            continue
        node["anchors"].append(
            {
                "source": source_slug,
                "start": fields.get("start"),
                "end": fields.get("end"),
                "exact": fields.get("exact"),
                "speaker": fields.get("speaker", ""),
                "voice": fields.get("voice", Anchor.Voice.ASSERTS),
            }
        )
    for fields in objects.get("debates.link", []):
        map_slug = (fields.get("map") or [None])[0]
        ends = [fields.get("from_node") or [None, None], fields.get("to_node") or [None, None]]
        if map_slug not in documents:
            problems.append(Problem("link", f"names a missing map {map_slug!r}"))
            continue
        if any(end[0] != map_slug for end in ends):
            problems.append(
                Problem(f"link {ends[0][1]} – {ends[1][1]}", "joins nodes of another map")
            )
        documents[map_slug]["links"].append(
            {"type": fields.get("kind"), "between": [end[1] for end in ends]}
        )
    return documents, problems


def find_problems(document):
    """Every problem with a map document, in a stable order."""
    problems = []
    sources = document["sources"]
    for slug, source in sorted(sources.items()):
        if sha256_of(source["text"]) != source["sha256"]:
            problems.append(Problem(f"source {slug}", "SHA-256 does not match its text"))
        problems.extend(metadata_problems(f"source {slug}", source))

    nodes = {}
    for node in document["nodes"]:
        if node["id"] in nodes:
            problems.append(Problem(f"node {node['id']}", "appears twice"))
        nodes[node["id"]] = node

    for node in document["nodes"]:
        where = f"node {node['id']}"
        if node["kind"] not in Node.Kind.values:
            problems.append(Problem(where, f"has unknown kind {node['kind']!r}"))
        if node["kind"] == Node.Kind.THESIS:
            if node["parent"] is not None:
                problems.append(Problem(where, "is a thesis but has a parent"))
        else:
            if node["parent"] is None:
                problems.append(Problem(where, "has no parent"))
            elif node["parent"] not in nodes:
                problems.append(Problem(where, f"names a missing parent {node['parent']!r}"))
            if node["relation"] not in Node.Relation.values:
                problems.append(Problem(where, "has no relation (supports, opposes or undercuts)"))
            elif node["relation"] == Node.Relation.UNDERCUTS:
                parent = nodes.get(node["parent"])
                if parent is not None and parent["parent"] is None:
                    problems.append(
                        Problem(
                            where,
                            f"undercuts {node['parent']!r}, which has no parent: an undercut "
                            "attacks the link from its parent to the grandparent",
                        )
                    )
        if node["is_heading"] and (node["kind"] != Node.Kind.CLAIM or node["anchors"]):
            problems.append(Problem(where, "is a curators' heading: a claim that quotes nothing"))
        problems.extend(_curators_node_problems(where, node))
        # An imported map brings what its file had: AIF and Argdown maps made elsewhere
        # have no anchors in our sources. The anchors it does bring are checked below.
        if not node["anchors"] and document.get("curated", True):
            if node["kind"] == Node.Kind.EVIDENCE:
                problems.append(Problem(where, "is evidence but has no anchor"))
            elif node["kind"] == Node.Kind.CLAIM and not (
                node["is_heading"] or node.get("is_implicit")
            ):
                problems.append(
                    Problem(
                        where,
                        "has no anchor and is not a curators' heading or implicit premise",
                    )
                )
        for number, anchor in enumerate(node["anchors"], start=1):
            problems.extend(anchor_problems(f"{where} anchor {number}", anchor, sources))

    problems.extend(cycle_problems(nodes))
    if document.get("curated", True):
        # A curation standard (mapping-guide: mark concessions), not a fact about the
        # graph: AIF, for one, has no illocution for conceding, so an AIF map brings none.
        problems.extend(self_rebuttal_problems(nodes, sources))
    problems.extend(link_problems(document.get("links", []), nodes, document.get("map_id")))
    problems.extend(crux_problems(document.get("cruxes", []), nodes))
    thesis_count = sum(1 for node in nodes.values() if node["kind"] == Node.Kind.THESIS)
    if thesis_count != 1:
        problems.append(Problem("map", f"has {thesis_count} theses; it needs exactly one"))
    return problems


CRUX_KINDS = ("agreed", "question")


def crux_shape_problems(cruxes):
    """A crux is {"kind": "agreed" or "question", "text", "sides": [{"label", "nodes"}]}."""
    if not isinstance(cruxes, list):
        return [Problem("map.cruxes", "must be a list")]
    problems = []
    for number, crux in enumerate(cruxes, start=1):
        where = f"crux {number}"
        sides = crux.get("sides") if isinstance(crux, dict) else None
        if not (
            isinstance(crux, dict)
            and crux.get("kind") in CRUX_KINDS
            and _text(crux.get("text"))
            and isinstance(sides, list)
            and sides
            and all(
                isinstance(side, dict)
                and _text(side.get("label"))
                and isinstance(side.get("nodes"), list)
                and all(isinstance(key, str) for key in side["nodes"])
                for side in sides
            )
        ):
            problems.append(
                Problem(
                    where,
                    'needs kind ("agreed" or "question"), text and sides, each with a label '
                    "and a list of node ids",
                )
            )
    return problems


def crux_problems(cruxes, nodes):
    """Every node a crux names is a node of the map."""
    problems = crux_shape_problems(cruxes)
    if problems:
        return problems
    for number, crux in enumerate(cruxes, start=1):
        for side in crux["sides"]:
            for key in side["nodes"]:
                if key not in nodes:
                    problems.append(Problem(f"crux {number}", f"names a missing node {key!r}"))
    return problems


def _curators_node_problems(where, node):
    """An implicit premise is the curators' claim (no anchor) supporting the argument that
    needs it; a scheme is one of the fixed list and names an inference to a parent."""
    problems = []
    if node.get("is_implicit"):
        if node["is_heading"] or node["kind"] != Node.Kind.CLAIM or node["anchors"]:
            problems.append(
                Problem(
                    where, "is an implicit premise: a claim, not a heading, that quotes nothing"
                )
            )
        if node["relation"] != Node.Relation.SUPPORTS:
            problems.append(
                Problem(where, "is an implicit premise but does not support its parent")
            )
    scheme = node.get("scheme") or ""
    if scheme and scheme not in SCHEMES:
        problems.append(Problem(where, f"has unknown scheme {scheme!r}"))
    elif scheme and node["parent"] is None:
        problems.append(Problem(where, "names a scheme but has no parent to infer to"))
    return problems


def metadata_problems(where, source):
    """What a source says of itself: blank when not given (never "unknown"), a date as
    YYYY-MM-DD, a disclosure in the text's own words."""
    problems = []
    for name in METADATA:
        value = source.get(name) or ""
        if "unknown" in value.lower():
            problems.append(Problem(where, f"{name} says {value!r}; leave it blank when not given"))
    if source.get("date") and not DATE.match(source["date"]):
        problems.append(Problem(where, f"date {source['date']!r} is not YYYY-MM-DD"))
    if source.get("disclosure") and source["disclosure"] not in source["text"]:
        problems.append(Problem(where, "the disclosure is not words of the text"))
    return problems


def anchor_problems(where, anchor, sources):
    source = sources.get(anchor["source"])
    if source is None:
        return [
            *voice_problems(where, anchor),
            Problem(where, f"names a missing source {anchor['source']!r}"),
        ]
    start, end, text = anchor["start"], anchor["end"], source["text"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return [
            *voice_problems(where, anchor),
            Problem(where, f"offsets {start}–{end} fall outside {anchor['source']}"),
        ]
    problems = []
    sections = source.get("sections") or []
    holding = [s for s in sections if s["start"] <= start and end <= s["end"]]
    if sections and len(holding) != 1:
        problems.append(
            Problem(where, "spans two sections (a quote lies inside one comment or the article)")
        )
    in_comment = bool(holding) and holding[0]["kind"] == "comment"
    problems.extend(
        voice_problems(where, anchor, "a reader commenter" if in_comment else "the author")
    )
    if text[start:end] != anchor["exact"]:
        problems.append(
            Problem(
                where,
                f"exact does not match {anchor['source']}[{start}:{end}] "
                f"(found {text[start:end][:40]!r})",
            )
        )
    elif anchor["exact"] != anchor["exact"].strip():
        problems.append(Problem(where, "starts or ends with white space; quote the words only"))
    return problems


def voice_holder(anchor, sources):
    """Who holds an anchor's words: (source, comment position) — a document or one comment."""
    source = sources.get(anchor["source"]) or {}
    for section in source.get("sections") or []:
        if section["kind"] == "comment" and section["start"] <= anchor["start"] < section["end"]:
            return anchor["source"], section["position"]
    return anchor["source"], None


def self_rebuttal_problems(nodes, sources):
    """An author never rebuts itself: an opposing node and its parent asserted by one holder
    is a concession (voice concedes) or an undercut, not a rebuttal."""
    problems = []

    def asserted(node):
        return {
            voice_holder(anchor, sources)
            for anchor in node["anchors"]
            if anchor.get("voice") == Anchor.Voice.ASSERTS and anchor.get("source") in sources
        }

    for node in nodes.values():
        parent = nodes.get(node["parent"])
        if node["relation"] != Node.Relation.OPPOSES or parent is None:
            continue
        for source, comment in sorted(asserted(node) & asserted(parent), key=str):
            holder = f"reader comment {comment} of {source}" if comment is not None else source
            problems.append(
                Problem(
                    f"node {node['id']}",
                    f"{holder} asserts both it and its parent {parent['id']!r}, which it "
                    "opposes: mark the concession (voice concedes) or relate it as an undercut",
                )
            )
    return problems


def voice_problems(where, anchor, own=None):
    """A voice is known; a reported anchor names who is reported; every speaker is named;
    asserted and conceded words are the text's own voice where they lie (own)."""
    problem = Anchor.voice_problem(anchor.get("voice"), anchor.get("speaker"), own)
    return [Problem(where, problem)] if problem else []


def link_problems(links, nodes, map_id=None):
    """Links join two different nodes of the map, repeat no tree edge, and are stored once."""
    problems, seen = [], set()
    for link in links:
        first, second = (list(link.get("between") or []) + [None, None])[:2]
        where = f"link {link.get('type')} {first} – {second}"
        if link.get("type") not in Link.Kind.values:
            problems.append(Problem(where, "has an unknown type (same_point or contradicts)"))
        if map_id is not None and link.get("map") not in (None, map_id):
            problems.append(Problem(where, "is filed under another map than its nodes"))
        missing = [end for end in (first, second) if end not in nodes]
        if missing:
            problems.append(
                Problem(where, "names a node not in this map: " + ", ".join(map(str, missing)))
            )
            continue
        if first == second:
            problems.append(Problem(where, "joins a node to itself"))
            continue
        if nodes[first]["parent"] == second or nodes[second]["parent"] == first:
            problems.append(Problem(where, "repeats a tree edge (parent and child)"))
        stored = link.get("stored")
        if stored is not None and stored[0] > stored[1]:
            problems.append(Problem(where, "is stored with its ends out of order"))
        pair = (link.get("type"), frozenset((first, second)))
        if pair in seen:
            problems.append(Problem(where, "is stored twice (a symmetric link is stored once)"))
        seen.add(pair)
    return problems


def cycle_problems(nodes):
    problems, reported = [], set()
    for start in nodes:
        seen, key = [], start
        while key is not None and key in nodes and key not in seen:
            seen.append(key)
            key = nodes[key]["parent"]
        if key in seen:
            cycle = tuple(sorted(seen[seen.index(key) :]))
            if cycle not in reported:
                reported.add(cycle)
                problems.append(
                    Problem(f"node {key}", "parent links form a cycle: " + " → ".join(cycle))
                )
    return problems


def problems_in_database(argmap=None):
    maps = [argmap] if argmap else ArgumentMap.objects.all()
    problems = []
    for each in maps:
        problems.extend(find_problems(document_from_database(each)))
    return problems


# Loading an argmap/2 document ------------------------------------------------------------

SECTION_KEYS = ("start", "end", "position", "kind")
METADATA = ("author", "publisher", "date", "disclosure")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
NODE_KEYS = ("id", "kind", "heading", "label", "text", "parent", "relation", "anchors")
ANCHOR_KEYS = ("source", "start", "end", "exact", "prefix", "suffix", "speaker", "voice")
SOURCE_FIELDS = ("title", "title_by", "kind", "author", "publisher", "date", "tags", "disclosure")


def _text(value, limit=None, blank=False):
    """Whether value is a string (non-blank unless blank) of at most limit characters."""
    return (
        isinstance(value, str)
        and (blank or bool(value.strip()))
        and (limit is None or len(value) <= limit)
    )


def _field_limit(model, name):
    return model._meta.get_field(name).max_length


def document_problems(
    document: Any, slug: str | None = None, curated: bool = True
) -> list[Problem]:
    """Every problem that stops an argmap/2 document loading; reads, never writes.

    An imported map (curated=False) is checked by the imported rules: anchors optional."""
    if not isinstance(document, dict):
        return [Problem("document", "is not a JSON object")]
    problems = []
    if document.get("format") != FORMAT:
        problems.append(Problem("format", f"is {document.get('format')!r}; expected {FORMAT!r}"))
    problems.extend(_map_problems(document.get("map"), slug))
    sources, source_problems = _source_problems(document.get("sources"))
    problems.extend(source_problems)
    nodes = document.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        return [*problems, Problem("nodes", "must be a non-empty list")]
    plain_nodes = []
    for index, node in enumerate(nodes, start=1):
        plain, node_problems = _node_problems(index, node, sources)
        problems.extend(node_problems)
        if plain is not None:
            plain_nodes.append(plain)
    links = document.get("links", [])
    plain_links = []
    if not isinstance(links, list):
        problems.append(Problem("links", "must be a list"))
    else:
        for index, link in enumerate(links, start=1):
            between = link.get("between") if isinstance(link, dict) else None
            if not (
                isinstance(between, list)
                and len(between) == 2
                and all(isinstance(end, str) for end in between)
            ):
                problems.append(Problem(f"link {index}", "needs between: two node ids"))
                continue
            plain_links.append({"type": link.get("type"), "between": between})
    texts = {slug: source_entry(source) for slug, source in sources.items()}
    map_data = document.get("map")
    cruxes = map_data.get("cruxes", []) if isinstance(map_data, dict) else []
    problems.extend(
        find_problems(
            {
                "curated": curated,
                "sources": texts,
                "nodes": plain_nodes,
                "links": plain_links,
                # shape problems are listed with the map's
                "cruxes": cruxes if not crux_shape_problems(cruxes) else [],
            }
        )
    )
    return problems


def _map_problems(data, slug):
    if not isinstance(data, dict):
        return [Problem("map", "must be an object with slug, title and question")]
    problems = []
    wanted = slug or data.get("slug")
    try:
        validate_slug(wanted)
        if len(wanted) > _field_limit(ArgumentMap, "slug"):
            raise ValidationError("too long")
    except (ValidationError, TypeError):
        problems.append(Problem("map.slug", f"{wanted!r} is not a slug (letters, digits, -, _)"))
    else:
        if ArgumentMap.objects.filter(slug=wanted).exists():
            problems.append(Problem("map.slug", f"a map {wanted!r} exists already"))
    for name in ("title", "question"):
        if not _text(data.get(name), _field_limit(ArgumentMap, name)):
            problems.append(Problem(f"map.{name}", "must be a non-empty string"))
    if data.get("definition") is not None and not _text(data["definition"]):
        problems.append(Problem("map.definition", "must be a non-empty string or null"))
    problems.extend(crux_shape_problems(data.get("cruxes", [])))
    return problems


def _source_problems(entries):
    """Sources must already be stored (their text is the project's, byte for byte)."""
    if not isinstance(entries, list):
        return {}, [Problem("sources", "must be a list")]
    problems, found = [], {}
    stored = {source.slug: source for source in Source.objects.prefetch_related("sections")}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(f"source {index}", "is not an object"))
            continue
        slug = entry.get("slug")
        where = f"source {slug}"
        source = stored.get(slug) if isinstance(slug, str) else None
        if source is None:
            problems.append(Problem(where, "is not a stored source; load its text first"))
            continue
        if entry.get("sha256") != source.sha256:
            problems.append(Problem(where, "sha256 differs from the stored text's"))
        if entry.get("file") != source.file:
            problems.append(Problem(where, f"file is {source.file!r} in the database"))
        if not _text(entry.get("title"), _field_limit(Source, "title")):
            problems.append(Problem(where, "title must be a non-empty string"))
        if entry.get("title_by") not in Source.TitleBy.values:
            problems.append(Problem(where, "title_by must be 'text' or 'curators'"))
        if entry.get("kind") not in Source.Kind.values:
            problems.append(Problem(where, f"has unknown kind {entry.get('kind')!r}"))
        for name in ("author", "publisher", "date"):
            value = entry.get(name)
            if value is not None and not _text(value, _field_limit(Source, name)):
                problems.append(Problem(where, f"{name} must be a string or null"))
        tags = entry.get("tags")
        if not (isinstance(tags, list) and all(_text(tag) for tag in tags)):
            problems.append(Problem(where, "tags must be a list of strings"))
        if entry.get("disclosure") is not None and not _text(entry.get("disclosure")):
            problems.append(Problem(where, "disclosure must be a string or null"))
        found[slug] = source
    return found, problems


def _node_problems(index, node, sources):
    if not isinstance(node, dict):
        return None, [Problem(f"node {index}", "is not an object")]
    where = f"node {node.get('id', index)}"
    missing = [key for key in NODE_KEYS if key not in node]
    if missing:
        return None, [Problem(where, "lacks " + ", ".join(missing))]
    problems = []
    try:
        validate_slug(node["id"])
        if len(node["id"]) > _field_limit(Node, "key"):
            raise ValidationError("too long")
    except (ValidationError, TypeError):
        problems.append(Problem(where, "id must be a slug of at most 60 characters"))
    if not _text(node["text"]):
        problems.append(Problem(where, "text must be a non-empty string"))
    if not isinstance(node["heading"], bool):
        problems.append(Problem(where, "heading must be true or false"))
    if not isinstance(node.get("implicit", False), bool):
        problems.append(Problem(where, "implicit must be true or false"))
    if node.get("scheme") is not None and not isinstance(node["scheme"], str):
        problems.append(Problem(where, "scheme must be a scheme name or null"))
    if not _text(node["label"], _field_limit(Node, "label"), blank=True):
        problems.append(Problem(where, "label must be a string of at most 60 characters"))
    if node["parent"] is not None and not isinstance(node["parent"], str):
        problems.append(Problem(where, "parent must be a node id or null"))
    if (node["relation"] is None) != (node["parent"] is None):
        problems.append(Problem(where, "relation is null exactly when parent is null"))
    anchors = node["anchors"] if isinstance(node["anchors"], list) else []
    if not isinstance(node["anchors"], list):
        problems.append(Problem(where, "anchors must be a list"))
    plain_anchors = []
    for number, anchor in enumerate(anchors, start=1):
        at = f"{where} anchor {number}"
        if not isinstance(anchor, dict) or any(key not in anchor for key in ANCHOR_KEYS):
            problems.append(Problem(at, "needs " + ", ".join(ANCHOR_KEYS)))
            continue
        problems.extend(_anchor_detail_problems(at, anchor, sources.get(anchor["source"])))
        plain_anchors.append({key: anchor[key] for key in ANCHOR_KEYS})
    plain = {
        "id": node["id"],
        "kind": node["kind"],
        "parent": node["parent"],
        "relation": node["relation"] or "",
        "is_heading": node["heading"] is True,
        "is_implicit": node.get("implicit") is True,
        "scheme": node.get("scheme") if isinstance(node.get("scheme"), str) else "",
        "anchors": plain_anchors,
    }
    return plain, problems


def _anchor_detail_problems(where, anchor, source):
    """What the shared validator does not check: context, speaker length, comment number."""
    if source is None or not isinstance(anchor["start"], int) or not isinstance(anchor["end"], int):
        return []  # the shared validator reports the missing source or the bad offsets
    problems = []
    start, end = anchor["start"], anchor["end"]
    if 0 <= start < end <= len(source.text):
        if (anchor["prefix"], anchor["suffix"]) != quote_context(source.text, start, end):
            problems.append(Problem(where, "prefix or suffix differs from the text around it"))
        expected = source.comment_number_at(start)
        if anchor.get("comment") != expected:
            problems.append(
                Problem(where, f"comment is {anchor.get('comment')!r}; the text gives {expected!r}")
            )
    if isinstance(anchor["speaker"], str) and len(anchor["speaker"]) > _field_limit(
        Anchor, "speaker"
    ):
        problems.append(Problem(where, "speaker is longer than 200 characters"))
    return problems


def load_document(
    document: Any, slug: str | None = None, origin: str = ArgumentMap.Origin.CURATED
) -> ArgumentMap:
    """Load an argmap/2 document as a new map (named slug, else the document's own slug).

    Sources must already be stored. Every problem is listed in MapDocumentError and nothing
    is written; otherwise the map, its nodes, anchors and links and the sources' metadata
    are written in one transaction. Returns the new map.
    """
    problems = document_problems(document, slug, curated=origin == ArgumentMap.Origin.CURATED)
    if problems:
        raise MapDocumentError(problems)
    with transaction.atomic():
        return _write_document(document, slug or document["map"]["slug"], origin)


def _write_document(document, slug, origin):
    data = document["map"]
    argmap = ArgumentMap.objects.create(
        slug=slug,
        title=data["title"],
        question=data["question"],
        definition=data.get("definition") or "",
        cruxes=data.get("cruxes") or [],
        origin=origin,
    )
    sources = {
        source.slug: source
        for source in Source.objects.filter(
            slug__in=[entry["slug"] for entry in document["sources"]]
        )
    }
    for entry in document["sources"]:
        source = sources[entry["slug"]]
        for name in SOURCE_FIELDS:
            value = entry[name]
            setattr(source, name, "" if value is None else value)
        source.save()
    nodes, positions = {}, {}
    # Reading order puts each parent first; every node is saved before its children.
    for entry in _parents_first(document["nodes"]):
        parent = nodes.get(entry["parent"])
        position = positions.get(entry["parent"], 0)
        positions[entry["parent"]] = position + 1
        nodes[entry["id"]] = Node.objects.create(
            map=argmap,
            key=entry["id"],
            kind=entry["kind"],
            text=entry["text"].strip(),
            parent=parent,
            relation=entry["relation"] or "",
            position=position,
            label=entry["label"],
            is_heading=entry["heading"],
            is_implicit=entry.get("implicit", False),
            scheme=entry.get("scheme") or "",
        )
    Anchor.objects.bulk_create(
        Anchor(
            node=nodes[entry["id"]],
            position=position,
            source=sources[anchor["source"]],
            start=anchor["start"],
            end=anchor["end"],
            exact=anchor["exact"],
            prefix=anchor["prefix"],
            suffix=anchor["suffix"],
            speaker=anchor["speaker"],
            voice=anchor["voice"],
        )
        for entry in document["nodes"]
        for position, anchor in enumerate(entry["anchors"])
    )
    links = []
    for link in document.get("links", []):
        made = Link(map=argmap, kind=link["type"])
        made.from_node, made.to_node = (nodes[end] for end in link["between"])
        made.order_ends()
        links.append(made)
    Link.objects.bulk_create(links)
    return argmap


def _parents_first(entries):
    """Entries with each parent before its children, siblings in their document order."""
    by_parent: dict[Any, list] = {}
    for entry in entries:
        by_parent.setdefault(entry["parent"], []).append(entry)
    ordered, stack = [], list(reversed(by_parent.get(None, [])))
    while stack:
        entry = stack.pop()
        ordered.append(entry)
        stack.extend(reversed(by_parent.get(entry["id"], [])))
    return ordered


def load_json(text: str, slug: str | None = None) -> ArgumentMap:
    """load_document for JSON text; a text that is not JSON is one problem."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MapDocumentError([Problem("document", f"not valid JSON ({error})")]) from error
    return load_document(document, slug)
