"""AIF (the Argument Interchange Format) in the JSON form AIFdb and OVA exchange.

Out: one I-node per map node; an RA (support) or CA (rebuttal) scheme node between a node and
its parent; for an undercut, a CA from the node to the scheme node of its parent's own link;
an MA per "same point" link; a CA in each direction per "contradicts" link. Every anchor is an
L-node (locution) of its speaker, joined to its I-node by a YA (illocution), with a `locutions`
row carrying the source and the offsets.

In: arguebuf reads the argument graph (I-nodes, scheme nodes, edges); it drops L, YA and TA
nodes and the `locutions` and `participants` tables, so anchors are read from those here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any, cast

import arguebuf
from arguebuf.model.node import AtomNode, SchemeNode
from arguebuf.model.scheme import Attack, Rephrase, Support
from arguebuf.schemas import aif as aif_schema

from ...schemes import BY_AIF, SCHEMES
from ..problems import MapDocumentError, Problem
from . import (
    ArgmapDoc,
    Stream,
    anchor_from_text,
    build_doc,
    tree_problems,
    with_parents,
)

MEDIA_TYPE = "application/json"
EXTENSION = "aif.json"

SCHEME_TEXT = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}
# AIF's registered illocutions have "Asserting"; none says "the document reports these words
# of someone else", which the issue names "Reporting". A concession is asserted by its author
# (against their own line): AIF has no illocution for that, so it goes out as "Asserting".
ILLOCUTION = {"asserts": "Asserting", "reports": "Reporting", "concedes": "Asserting"}
VOICE_OF = {"Asserting": "asserts", "Reporting": "reports"}


def _scheme(kind: str, node_id: str, scheme: str | None = None) -> dict[str, Any]:
    """A scheme node; a tree link's named argument scheme (Walton's, by the AIF ontology's
    name, which arguebuf reads as its Support scheme) replaces the default inference."""
    name = SCHEMES[scheme].aif if scheme in SCHEMES else SCHEME_TEXT[kind]
    return {"nodeID": node_id, "text": name, "type": kind, "scheme": name}


def _link_scheme_id(node: Mapping[str, Any]) -> str:
    """The scheme node that carries a node's link to its parent."""
    return ("ra:" if node["relation"] == "supports" else "ca:") + str(node["id"])


def participant_key(source: str, speaker: str, comment: int | None) -> str:
    # "the author" of one document is not "the author" of another, and each reader comment
    # is its own commenter: a participant is a speaker within one source (and one comment).
    return f"{source}/{speaker}" + (f"/{comment}" if comment is not None else "")


def to_aif(doc: ArgmapDoc) -> dict[str, Any]:
    """The map as AIF JSON: nodes, edges, locutions and participants in reading order.

    Each list is a Stream over the map's nodes and links, read again for each part of it in
    turn (I-nodes, scheme nodes, locutions...), so a writer holds one node at a time."""
    return {
        "nodes": Stream(lambda: chain(_atoms(doc), _schemes(doc), _locution_nodes(doc))),
        "edges": Stream(lambda: chain(_tree_edges(doc), _link_edges(doc), _locution_edges(doc))),
        "locutions": Stream(lambda: _locutions(doc)),
        "participants": Stream(lambda: _participants(doc)),
    }


def _edge(source: str, target: str) -> dict[str, Any]:
    return {"edgeID": f"{source}>{target}", "fromID": source, "toID": target, "formEdgeID": None}


def _atoms(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for node in doc["nodes"]:
        yield {"nodeID": node["id"], "text": node["text"], "type": "I"}


def _inferences(
    doc: ArgmapDoc,
) -> Iterator[tuple[str, str, list[tuple[str, str]], str | None]]:
    """(kind, scheme id, edges, argument scheme) per tree link, then per same-point and
    contradicts link."""
    for node, parent, _ in with_parents(doc["nodes"]):
        if parent is None:
            continue
        scheme_id = _link_scheme_id(node)
        target = _link_scheme_id(parent) if node["relation"] == "undercuts" else parent["id"]
        kind = "RA" if node["relation"] == "supports" else "CA"
        yield kind, scheme_id, [(node["id"], scheme_id), (scheme_id, target)], node.get("scheme")
    for link in doc["links"]:
        a, b = link["between"]
        if link["type"] == "same_point":
            scheme_id = f"ma:{a}:{b}"
            yield "MA", scheme_id, [(a, scheme_id), (scheme_id, b)], None
        else:
            for first, second in ((a, b), (b, a)):
                scheme_id = f"ca:{first}:{second}"
                yield "CA", scheme_id, [(first, scheme_id), (scheme_id, second)], None


def _schemes(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for kind, scheme_id, _, scheme in _inferences(doc):
        yield _scheme(kind, scheme_id, scheme)


def _tree_edges(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for _, _, edges, _ in _inferences({**doc, "links": ()}):
        for source, target in edges:
            yield _edge(source, target)


def _link_edges(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for _, _, edges, _ in _inferences({**doc, "nodes": ()}):
        for source, target in edges:
            yield _edge(source, target)


def _anchors(doc: ArgmapDoc) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(node id, locution id, illocution id, anchor) per anchor, in reading order."""
    for node in doc["nodes"]:
        for number, anchor in enumerate(node["anchors"], start=1):
            yield node["id"], f"l:{node['id']}:{number}", f"ya:{node['id']}:{number}", anchor


def _person(anchor: Mapping[str, Any]) -> str:
    return participant_key(anchor["source"], anchor["speaker"], anchor["comment"])


def _locution_nodes(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for _, locution_id, illocution_id, anchor in _anchors(doc):
        illocution = ILLOCUTION[anchor["voice"]]
        yield {
            "nodeID": locution_id,
            "text": f"{anchor['speaker']}: {anchor['exact']}",
            "type": "L",
        }
        yield {"nodeID": illocution_id, "text": illocution, "type": "YA", "scheme": illocution}


def _locution_edges(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for node_id, locution_id, illocution_id, _ in _anchors(doc):
        yield _edge(locution_id, illocution_id)
        yield _edge(illocution_id, node_id)


def _locutions(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    for _, locution_id, _, anchor in _anchors(doc):
        yield {
            "nodeID": locution_id,
            "personID": _person(anchor),
            "source": anchor["source"],
            "start": anchor["start"],
            "end": anchor["end"],
        }


def _participants(doc: ArgmapDoc) -> Iterator[dict[str, Any]]:
    """Each speaker once, in the order first quoted (as many as there are speakers)."""
    seen: set[str] = set()
    for _, _, _, anchor in _anchors(doc):
        person = _person(anchor)
        if person not in seen:
            seen.add(person)
            yield {"participantID": person, "firstname": anchor["speaker"], "surname": ""}


def looks_like_aif(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("nodes"), list)
        and isinstance(data.get("edges"), list)
        and all(isinstance(node, dict) and "nodeID" in node for node in data["nodes"])
    )


def _shape_problems(data: Any) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem("file", "is not an AIF JSON object with nodes and edges")]
    problems = []
    for key in ("nodes", "edges"):
        if not isinstance(data.get(key), list):
            problems.append(Problem("file", f"has no list of {key}"))
    if problems:
        return problems
    seen: set[str] = set()
    for index, node in enumerate(data["nodes"], start=1):
        where = f"node {node.get('nodeID', f'#{index}') if isinstance(node, dict) else f'#{index}'}"
        if not isinstance(node, dict) or not all(k in node for k in ("nodeID", "type", "text")):
            problems.append(Problem(where, "needs nodeID, type and text"))
            continue
        if not isinstance(node["text"], str):
            problems.append(Problem(where, "text is not a string"))
        if str(node["nodeID"]) in seen:
            problems.append(Problem(where, "appears twice"))
        seen.add(str(node["nodeID"]))
    for index, each in enumerate(data["edges"], start=1):
        if not isinstance(each, dict) or not all(k in each for k in ("fromID", "toID")):
            problems.append(Problem(f"edge #{index}", "needs fromID and toID"))
        elif str(each["fromID"]) not in seen or str(each["toID"]) not in seen:
            problems.append(
                Problem(f"edge #{index}", f"joins {each['fromID']} to {each['toID']}: no such node")
            )
    return problems


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    """AIFdb writes IDs as numbers or strings: strings throughout, as arguebuf expects."""
    return {
        "nodes": [{**node, "nodeID": str(node["nodeID"])} for node in data["nodes"]],
        "edges": [
            {
                "edgeID": str(each.get("edgeID", f"{each['fromID']}>{each['toID']}")),
                "fromID": str(each["fromID"]),
                "toID": str(each["toID"]),
                "formEdgeID": None,
            }
            for each in data["edges"]
        ],
        "locutions": list(data.get("locutions") or []),
    }


def load_graph(data: dict[str, Any]) -> arguebuf.Graph[Any]:
    """The argument graph as arguebuf reads it (dialogue nodes dropped, quietly)."""
    logger = logging.getLogger("arguebuf")
    level = logger.level
    # arguebuf warns once per edge to an L or YA node it does not model; they are read below.
    logger.setLevel(logging.ERROR)
    try:
        return arguebuf.load.aif(cast(aif_schema.Graph, _normalised(data)))
    finally:
        logger.setLevel(level)


def from_aif(
    data: Any,
    map_info: Mapping[str, Any],
    known_sources: Mapping[str, Mapping[str, Any]],
) -> ArgmapDoc:
    """An argmap/2 dict from AIF JSON; raises MapDocumentError listing every problem.

    `map_info` gives slug, title and question (AIF carries none of them); `known_sources`
    maps a source slug to its argmap/2 entry plus "text", for anchors read from locutions.
    """
    problems = _shape_problems(data)
    if problems:
        raise MapDocumentError(problems)
    graph = load_graph(data)
    reading = _Inferences(graph, _named_schemes(data))
    for scheme in graph.scheme_nodes.values():
        reading.read(scheme)
    reading.settle_attacks()
    problems = reading.problems
    nodes = {
        key: _node(key, atom, reading.parents[key], reading.scheme_of, problems)
        for key, atom in graph.atom_nodes.items()
    }
    problems.extend(tree_problems(nodes))
    problems.extend(_read_anchors(data, nodes, known_sources))
    if problems:
        raise MapDocumentError(problems)
    for node in nodes.values():
        if node["parent"] is None:
            node["kind"] = "thesis"
    return build_doc(map_info, list(nodes.values()), reading.links, known_sources)


def _named_schemes(data: dict[str, Any]) -> dict[str, str]:
    """A named scheme on a tree link's RA or CA node, by node id (arguebuf keeps only
    Support schemes, so they are read from the file)."""
    return {
        str(node.get("nodeID")): BY_AIF[node["scheme"]].key
        for node in data["nodes"]
        if node.get("type") in ("RA", "CA") and node.get("scheme") in BY_AIF
    }


class _Inferences:
    """What the scheme nodes say: each premise's claimed parents (supports, undercuts, and
    opposes once attacks are settled), the same-point and contradicts links, and the named
    scheme of each premise's inference; problems with scheme nodes a map cannot hold."""

    def __init__(self, graph: arguebuf.Graph[Any], named: dict[str, str]):
        self.graph = graph
        self.named = named
        self.parents: dict[str, list[tuple[str, str]]] = {key: [] for key in graph.atom_nodes}
        self.attacks: set[tuple[str, str]] = set()
        self.links: list[tuple[str, str, str]] = []
        self.scheme_of: dict[str, str] = {}
        self.problems: list[Problem] = []

    def premises(self, scheme: SchemeNode) -> list[str]:
        return sorted(n.id for n in self.graph.incoming_nodes(scheme) if isinstance(n, AtomNode))

    def read(self, scheme: SchemeNode) -> None:
        where = f"node {scheme.id}"
        sources = self.premises(scheme)
        targets = list(self.graph.outgoing_nodes(scheme))
        if len(targets) != 1 or not sources:
            self.problems.append(
                Problem(
                    where,
                    f"has {len(sources)} premises and {len(targets)} conclusions; "
                    "a scheme node needs at least one premise and exactly one conclusion",
                )
            )
            return
        target = targets[0]
        if scheme.id in self.named and len(sources) == 1:
            self.scheme_of[sources[0]] = self.named[scheme.id]
        if isinstance(target, AtomNode) and isinstance(scheme.scheme, Support):
            for premise in sources:
                self.parents[premise].append((target.id, "supports"))
        elif isinstance(target, AtomNode) and isinstance(scheme.scheme, Attack):
            self.attacks.update((premise, target.id) for premise in sources)
        elif isinstance(target, SchemeNode) and isinstance(scheme.scheme, Attack):
            self.read_undercut(where, sources, target)
        elif isinstance(target, AtomNode) and isinstance(scheme.scheme, Rephrase):
            if len(sources) != 1:
                self.problems.append(Problem(where, "rephrases more than one statement at once"))
                return
            self.links.append(("same_point", sources[0], target.id))
        else:
            kind = type(scheme.scheme).__name__ if scheme.scheme else "unnamed"
            self.problems.append(
                Problem(where, f"is a {kind} scheme node, which a map cannot hold")
            )

    def read_undercut(self, where: str, sources: list[str], target: SchemeNode) -> None:
        """An attack on an inference: its premises undercut the inference's one premise."""
        attacked = self.premises(target)
        if len(attacked) != 1 or not isinstance(target.scheme, Support | Attack):
            self.problems.append(
                Problem(where, "undercuts an inference that has no single premise")
            )
            return
        for premise in sources:
            self.parents[premise].append((attacked[0], "undercuts"))

    def settle_attacks(self) -> None:
        """Two statements attacking each other contradict each other (a link); a one-way
        attack is a rebuttal (opposes its parent)."""
        for premise, attacked_id in sorted(self.attacks):
            if (attacked_id, premise) in self.attacks:
                if premise < attacked_id:
                    self.links.append(("contradicts", premise, attacked_id))
            else:
                self.parents[premise].append((attacked_id, "opposes"))


def _node(
    key: str,
    atom: AtomNode[Any],
    claimed: list[tuple[str, str]],
    scheme_of: Mapping[str, str],
    problems: list[Problem],
) -> dict[str, Any]:
    """An I-node as an argmap/2 claim, with at most one parent."""
    if len(claimed) > 1:
        problems.append(
            Problem(
                f"node {key}",
                "argues for more than one statement ("
                + ", ".join(f"{relation} {parent}" for parent, relation in claimed)
                + "); a map node has one parent",
            )
        )
    parent, relation = claimed[0] if claimed else (None, None)
    return {
        "id": key,
        "kind": "claim",
        "heading": False,
        "label": "",
        "text": atom.plain_text,
        "parent": parent,
        "relation": relation,
        "scheme": scheme_of.get(key) if relation else None,
        "anchors": [],
    }


def _read_anchors(
    data: dict[str, Any],
    nodes: dict[str, dict[str, Any]],
    known_sources: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    """Anchors from L-nodes, their YA to an I-node and their `locutions` row."""
    problems: list[Problem] = []
    by_id = {str(node["nodeID"]): node for node in data["nodes"]}
    outgoing: dict[str, list[str]] = {}
    for each in data["edges"]:
        outgoing.setdefault(str(each["fromID"]), []).append(str(each["toID"]))
    locutions = {str(row.get("nodeID")): row for row in data.get("locutions") or []}
    people = {str(person.get("participantID")): person for person in data.get("participants") or []}
    for locution_id, locution in by_id.items():
        if locution["type"] != "L":
            continue
        where = f"node {locution_id}"
        row = locutions.get(locution_id, {})
        source = row.get("source")
        if source is None:
            continue  # a locution of a dialogue, not of one of our sources: no anchor
        known = known_sources.get(source)
        if known is None:
            problems.append(
                Problem(where, f"quotes source {source!r}, which this site does not have")
            )
            continue
        text, start, end = known["text"], row.get("start"), row.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(Problem(where, f"offsets {start}–{end} fall outside {source}"))
            continue
        person = people.get(str(row.get("personID")))
        if person is None:
            problems.append(Problem(where, f"names no known participant ({row.get('personID')})"))
            continue
        speaker = " ".join(p for p in (person.get("firstname"), person.get("surname")) if p)
        if not locution["text"].endswith(text[start:end]):
            problems.append(Problem(where, f"its words are not {source}[{start}:{end}]"))
            continue
        for illocution_id in outgoing.get(locution_id, []):
            illocution = by_id[illocution_id]
            if illocution["type"] != "YA":
                continue
            voice = VOICE_OF.get(illocution["text"])
            if voice is None:
                problems.append(
                    Problem(
                        f"node {illocution_id}",
                        f"illocution {illocution['text']!r} has no "
                        "counterpart (Asserting or Reporting)",
                    )
                )
                continue
            for key in outgoing.get(illocution_id, []):
                if key in nodes:
                    nodes[key]["anchors"].append(
                        anchor_from_text(source, known, start, end, speaker, voice)
                    )
    return problems
