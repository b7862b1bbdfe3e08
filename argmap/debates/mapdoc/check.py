"""The meaning checks: every rule a map document must keep (anchors match their sources,
one thesis, parents exist and form no cycle, links join two nodes of the map, the curators'
standards for a curated map), on the plain document that a stored map (`document_from_database`),
the fixtures (`fixtures.documents_from_fixtures`) and a loaded file (`load.document_problems`)
all become. The shape of an argmap/2 file is checked before, by `load`.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q

from ..models import Anchor, ArgumentMap, Link, Node, Source
from ..quotes import sha256_of
from ..schemes import SCHEMES
from .document import crux_shape_problems
from .problems import Problem, cycle_problems

SECTION_KEYS = ("start", "end", "position", "kind")
METADATA = ("author", "publisher", "date", "disclosure")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


# A map document: {"curated": bool (False for an imported map), "sources": {slug: {"text",
# "sha256", "sections"}}, "nodes": [{"id", "kind", "parent", "relation", "is_heading",
# "anchors": [{"source", "start", "end", "exact", "speaker", "voice"}]}],
# "links": [{"type", "between": [id, id]}]}; Entry, one of its dicts (or the whole).
Entry = dict[str, Any]


CURATED_RULES = (
    "curated: every node but the thesis and the curators' headings is anchored, and an "
    "author's point against their own parent is marked as a concession"
)
IMPORTED_RULES = (
    "imported: anchors are optional and concessions unmarked, as the file brought them; "
    "every anchor it has matches its source"
)


def rules_applied(curated: bool) -> str:
    """Which rules a map is checked by, in words (check_map prints it)."""
    return CURATED_RULES if curated else IMPORTED_RULES


def document_from_database(argmap: ArgumentMap) -> Entry:
    nodes = list(argmap.nodes.prefetch_related("anchors"))
    key_of: dict[int | None, str] = {node.pk: node.key for node in nodes}
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


def source_entry(source: Source) -> Entry:
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


def find_problems(document: Entry) -> list[Problem]:
    """Every problem with a map document, in a stable order."""
    sources = document["sources"]
    curated = document.get("curated", True)
    problems = source_problems(sources)
    nodes: dict[Any, Entry] = {}
    for node in document["nodes"]:
        if node["id"] in nodes:
            problems.append(Problem(f"node {node['id']}", "appears twice"))
        nodes[node["id"]] = node
    for node in document["nodes"]:
        where = f"node {node['id']}"
        problems.extend(place_problems(where, node, nodes))
        if node["is_heading"] and (node["kind"] != Node.Kind.CLAIM or node["anchors"]):
            problems.append(Problem(where, "is a curators' heading: a claim that quotes nothing"))
        problems.extend(_curators_node_problems(where, node))
        if curated:
            problems.extend(unanchored_problems(where, node))
        for number, anchor in enumerate(node["anchors"], start=1):
            problems.extend(anchor_problems(f"{where} anchor {number}", anchor, sources))
    problems.extend(cycle_problems(nodes))
    if curated:
        # A curation standard (mapping-guide: mark concessions), not a fact about the
        # graph: AIF, for one, has no illocution for conceding, so an AIF map brings none.
        problems.extend(self_rebuttal_problems(nodes, sources))
    problems.extend(link_problems(document.get("links", []), nodes, document.get("map_id")))
    problems.extend(crux_problems(document.get("cruxes", []), nodes))
    thesis_count = sum(1 for node in nodes.values() if node["kind"] == Node.Kind.THESIS)
    if thesis_count != 1:
        problems.append(Problem("map", f"has {thesis_count} theses; it needs exactly one"))
    return problems


def source_problems(sources: dict[str, Entry]) -> list[Problem]:
    """Each source's text matches its SHA-256, and its metadata says only what it gives."""
    problems = []
    for slug, source in sorted(sources.items()):
        if sha256_of(source["text"]) != source["sha256"]:
            problems.append(Problem(f"source {slug}", "SHA-256 does not match its text"))
        problems.extend(metadata_problems(f"source {slug}", source))
    return problems


def place_problems(where: str, node: Entry, nodes: dict[Any, Entry]) -> list[Problem]:
    """A node's place in the tree: a known kind; a thesis has no parent, any other node a
    parent of the map and a relation to it; an undercut's parent has a parent of its own."""
    problems = []
    if node["kind"] not in Node.Kind.values:
        problems.append(Problem(where, f"has unknown kind {node['kind']!r}"))
    if node["kind"] == Node.Kind.THESIS:
        if node["parent"] is not None:
            problems.append(Problem(where, "is a thesis but has a parent"))
        return problems
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
    return problems


def unanchored_problems(where: str, node: Entry) -> list[Problem]:
    """A curated map quotes for every point: evidence always, a claim unless it is a
    curators' heading or implicit premise. (An imported map brings what its file had: AIF
    and Argdown maps made elsewhere have no anchors in our sources; the anchors it does
    bring are checked like any other.)"""
    if node["anchors"]:
        return []
    if node["kind"] == Node.Kind.EVIDENCE:
        return [Problem(where, "is evidence but has no anchor")]
    if node["kind"] == Node.Kind.CLAIM and not (node["is_heading"] or node.get("is_implicit")):
        return [Problem(where, "has no anchor and is not a curators' heading or implicit premise")]
    return []


def crux_problems(cruxes: Any, nodes: dict[Any, Entry]) -> list[Problem]:
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


def _curators_node_problems(where: str, node: Entry) -> list[Problem]:
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


def metadata_problems(where: str, source: Entry) -> list[Problem]:
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


def anchor_problems(where: str, anchor: Entry, sources: dict[str, Entry]) -> list[Problem]:
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


def voice_holder(anchor: Entry, sources: dict[str, Entry]) -> tuple[str, int | None]:
    """Who holds an anchor's words: (source, comment position) — a document or one comment."""
    source = sources.get(anchor["source"]) or {}
    for section in source.get("sections") or []:
        if section["kind"] == "comment" and section["start"] <= anchor["start"] < section["end"]:
            return anchor["source"], section["position"]
    return anchor["source"], None


def self_rebuttal_problems(nodes: dict[Any, Entry], sources: dict[str, Entry]) -> list[Problem]:
    """An author never rebuts itself: an opposing node and its parent asserted by one holder
    is a concession (voice concedes) or an undercut, not a rebuttal."""
    problems = []

    def asserted(node: Entry) -> set[tuple[str, int | None]]:
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


def voice_problems(where: str, anchor: Entry, own: str | None = None) -> list[Problem]:
    """A voice is known; a reported anchor names who is reported; every speaker is named;
    asserted and conceded words are the text's own voice where they lie (own)."""
    problem = Anchor.voice_problem(anchor.get("voice"), anchor.get("speaker"), own)
    return [Problem(where, problem)] if problem else []


def link_problems(
    links: Iterable[Entry], nodes: dict[Any, Entry], map_id: int | None = None
) -> list[Problem]:
    """Links join two different nodes of the map, repeat no tree edge, and are stored once."""
    problems: list[Problem] = []
    seen: set[tuple[Any, frozenset[Any]]] = set()
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


def problems_in_database(
    argmap: ArgumentMap | None = None, *, maps: Iterable[ArgumentMap] | None = None
) -> list[Problem]:
    """One map's problems; or those of maps (every map by default), each named by its map."""
    if argmap is not None:
        return find_problems(document_from_database(argmap))
    maps = ArgumentMap.objects.all() if maps is None else maps
    return problems_by_map(
        {each.slug: find_problems(document_from_database(each)) for each in maps}
    )


def problems_by_map(found: dict[str, Sequence[Problem]]) -> list[Problem]:
    """Each map's problems (found: {slug: problems}) named by its map; a document's problems
    (the maps share the documents) once, first."""
    shared: list[Problem] = []
    own: list[Problem] = []
    for slug, problems in found.items():
        for problem in problems:
            if problem.where.startswith("source "):
                if problem not in shared:
                    shared.append(problem)
            else:
                own.append(Problem(f"map {slug}, {problem.where}", problem.message))
    return shared + own
