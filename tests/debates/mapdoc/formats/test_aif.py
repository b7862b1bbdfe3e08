"""AIF out and in, checked by arguebuf (the argument-mining community's graph library)."""

import copy
import json
from collections import Counter

import pytest
from arguebuf.model.node import AtomNode
from arguebuf.model.scheme import Attack, Rephrase, Support

from argmap.debates.mapdoc import MapDocumentError
from argmap.debates.mapdoc.formats import aif, dump_json


def expected_graph(doc):
    """What any AIF reader should find in the map's export, worked out from the map alone."""
    parent_of = {node["id"]: node["parent"] for node in doc["nodes"]}
    supports, attacks, rephrases = [], [], []
    for node in doc["nodes"]:
        if node["relation"] == "supports":
            supports.append(((node["id"],), node["parent"]))
        elif node["relation"] == "opposes":
            attacks.append(((node["id"],), node["parent"]))
        elif node["relation"] == "undercuts":
            # the attacked inference: from the parent to the grandparent
            attacks.append(((node["id"],), (node["parent"], parent_of[node["parent"]])))
    for link in doc["links"]:
        a, b = link["between"]
        if link["type"] == "contradicts":
            attacks += [((a,), b), ((b,), a)]
        else:
            rephrases.append(((a,), b))
    return {
        "atoms": sorted((node["id"], node["text"]) for node in doc["nodes"]),
        "support": sorted(supports, key=repr),
        "attack": sorted(attacks, key=repr),
        "rephrase": sorted(rephrases, key=repr),
    }


def aif_data(doc):
    """The AIF export as the plain JSON data a file holds (to_aif's lists are Streams)."""
    return json.loads(dump_json(aif.to_aif(doc)))


def arguebuf_graph(data):
    """The same summary, as arguebuf reads the AIF file."""
    graph = aif.load_graph(json.loads(dump_json(data)))

    def endpoint(node):
        if isinstance(node, AtomNode):
            return node.id
        (premise,) = [n for n in graph.incoming_nodes(node) if isinstance(n, AtomNode)]
        (conclusion,) = graph.outgoing_nodes(node)
        return (premise.id, conclusion.id)

    found = {"support": [], "attack": [], "rephrase": []}
    for scheme in graph.scheme_nodes.values():
        kind = {Support: "support", Attack: "attack", Rephrase: "rephrase"}[type(scheme.scheme)]
        premises = tuple(
            sorted(n.id for n in graph.incoming_nodes(scheme) if isinstance(n, AtomNode))
        )
        (conclusion,) = graph.outgoing_nodes(scheme)
        found[kind].append((premises, endpoint(conclusion)))
    return {
        "atoms": sorted((atom.id, atom.plain_text) for atom in graph.atom_nodes.values()),
        **{kind: sorted(pairs, key=repr) for kind, pairs in found.items()},
    }


def test_arguebuf_reads_the_maps_graph(argmap_doc):
    read = arguebuf_graph(aif.to_aif(argmap_doc))
    expected = expected_graph(argmap_doc)
    assert len(read["atoms"]) == len(argmap_doc["nodes"]) == 8
    assert Counter({kind: len(read[kind]) for kind in ("support", "attack", "rephrase")}) == {
        "support": 3,
        "attack": 6,  # 3 rebuttals, 1 undercut, 2 for the one contradiction
        "rephrase": 1,
    }
    assert read == expected


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda d: d["edges"].pop(1), id="an inference loses its conclusion"),
        pytest.param(
            lambda d: d["nodes"].__setitem__(
                d["nodes"].index(next(n for n in d["nodes"] if n["nodeID"] == "ra:cheap-training")),
                {"nodeID": "ra:cheap-training", "text": "Default Conflict", "type": "CA"},
            ),
            id="a support written as a conflict",
        ),
        pytest.param(
            lambda d: next(e for e in d["edges"] if e["toID"] == "ra:cheap-training").update(
                toID="ra:andreessen-sputnik"
            ),
            id="an undercut aimed at the wrong inference",
        ),
        pytest.param(lambda d: d["nodes"].pop(0), id="the thesis dropped"),
    ],
)
def test_arguebuf_sees_a_broken_export(argmap_doc, break_it):
    broken = aif_data(argmap_doc)
    break_it(broken)
    try:
        read = arguebuf_graph(broken)
    except ValueError:  # an inference with no conclusion cannot even be summarised
        return
    assert read != expected_graph(argmap_doc)


def test_every_anchor_is_a_locution_with_speaker_illocution_source_and_offsets(argmap_doc):
    data = aif_data(argmap_doc)
    by_id = {node["nodeID"]: node for node in data["nodes"]}
    people = {p["participantID"]: p for p in data["participants"]}
    edges = {(e["fromID"], e["toID"]) for e in data["edges"]}
    rows = iter(data["locutions"])
    for node in argmap_doc["nodes"]:
        for anchor in node["anchors"]:
            row = next(rows)
            locution = by_id[row["nodeID"]]
            assert locution["type"] == "L"
            assert locution["text"] == f"{anchor['speaker']}: {anchor['exact']}"
            assert (row["source"], row["start"], row["end"]) == (
                anchor["source"],
                anchor["start"],
                anchor["end"],
            )
            assert people[row["personID"]]["firstname"] == anchor["speaker"]
            (illocution,) = [by_id[t] for f, t in edges if f == row["nodeID"]]
            assert illocution["type"] == "YA"
            assert (illocution["nodeID"], node["id"]) in edges
            assert illocution["text"] == {"reports": "Reporting"}.get(anchor["voice"], "Asserting")
    assert next(rows, None) is None
    # "the author" of the essay and of the news article are two people; each reader
    # commenter is one of their own
    assert sorted(people) == [
        "comments-c/a reader commenter/2",
        "essay-a/the author",
        "news-b/Marc Andreessen (as quoted)",
        "news-b/the author",
    ]


def test_export_is_deterministic_json(argmap_doc):
    first = dump_json(aif.to_aif(argmap_doc))
    assert first == dump_json(aif.to_aif(copy.deepcopy(argmap_doc)))
    assert list(json.loads(first)) == ["nodes", "edges", "locutions", "participants"]


def test_round_trip_keeps_the_graph_and_anchors(argmap_doc, known_sources, map_info):
    exported = dump_json(aif.to_aif(argmap_doc))
    imported = aif.from_aif(json.loads(exported), map_info, known_sources)
    assert dump_json(aif.to_aif(imported)) == exported

    def graph(doc):
        return (
            [(n["id"], n["text"], n["parent"], n["relation"]) for n in doc["nodes"]],
            doc["links"],
        )

    assert graph(imported) == graph(argmap_doc)
    # AIF has no illocution for a concession; it comes back as asserted
    conceded = [
        {**a, "voice": "asserts" if a["voice"] == "concedes" else a["voice"]}
        for n in argmap_doc["nodes"]
        for a in n["anchors"]
    ]
    assert [a for n in imported["nodes"] for a in n["anchors"]] == conceded
    # what AIF cannot carry: node kinds other than the thesis, headings and labels
    assert {n["kind"] for n in imported["nodes"]} == {"thesis", "claim"}
    assert imported["sources"] == argmap_doc["sources"]


def test_reads_aifdb_style_numeric_ids_without_locution_sources(map_info):
    data = {
        "nodes": [
            {"nodeID": 1, "text": "We should act", "type": "I", "timestamp": "2020-01-01 10:00:00"},
            {"nodeID": 2, "text": "It is cheap", "type": "I"},
            {"nodeID": 3, "text": "Default Inference", "type": "RA"},
            {"nodeID": 4, "text": "Bob : It is cheap", "type": "L"},
            {"nodeID": 5, "text": "Asserting", "type": "YA"},
        ],
        "edges": [
            {"edgeID": 1, "fromID": 2, "toID": 3},
            {"edgeID": 2, "fromID": 3, "toID": 1},
            {"edgeID": 3, "fromID": 4, "toID": 5},
            {"edgeID": 4, "fromID": 5, "toID": 2},
        ],
        "locutions": [{"nodeID": 4, "personID": 1, "start": None, "end": None, "source": None}],
        "participants": [{"participantID": 1, "firstname": "Bob", "surname": "Smith"}],
    }
    doc = aif.from_aif(data, map_info, {})
    assert [
        (n["id"], n["kind"], n["parent"], n["relation"], n["anchors"]) for n in doc["nodes"]
    ] == [
        ("1", "thesis", None, None, []),
        ("2", "claim", "1", "supports", []),
    ]
    assert doc["sources"] == []


def test_bad_aif_lists_every_problem(argmap_doc, known_sources, map_info):
    data = aif_data(argmap_doc)
    # a second parent for one node, a second root, a locution of an unknown source,
    # a locution whose words are not the source's, and a preference node
    data["nodes"] += [
        {"nodeID": "ra:extra", "text": "Default Inference", "type": "RA"},
        {"nodeID": "orphan", "text": "Nobody argues from me", "type": "I"},
        {"nodeID": "pa:1", "text": "Default Preference", "type": "PA"},
    ]
    data["edges"] += [
        {"edgeID": "x1", "fromID": "andreessen-sputnik", "toID": "ra:extra", "formEdgeID": None},
        {"edgeID": "x2", "fromID": "ra:extra", "toID": "us-controls-chips", "formEdgeID": None},
        {"edgeID": "x3", "fromID": "thesis", "toID": "pa:1", "formEdgeID": None},
        {"edgeID": "x4", "fromID": "pa:1", "toID": "orphan", "formEdgeID": None},
    ]
    data["locutions"][0]["source"] = "no-such-source"
    first_l = data["locutions"][1]["nodeID"]
    next(n for n in data["nodes"] if n["nodeID"] == first_l)["text"] = "someone: other words"
    with pytest.raises(MapDocumentError) as raised:
        aif.from_aif(data, map_info, known_sources)
    messages = [str(problem) for problem in raised.value.problems]
    assert any(m.startswith("node pa:1: is a Preference scheme node") for m in messages)
    assert any(
        m.startswith("node andreessen-sputnik: argues for more than one statement")
        for m in messages
    )
    assert any("2 statements that argue for nothing (thesis, orphan)" in m for m in messages)
    assert (
        "node l:cheap-training:1: quotes source 'no-such-source', which this site does not have"
        in messages
    )
    assert f"node {first_l}: its words are not news-b[16:63]" in messages


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "file: is not an AIF JSON object with nodes and edges"),
        ({"nodes": []}, "file: has no list of edges"),
        (
            {"nodes": [{"nodeID": "a", "type": "I"}], "edges": []},
            "node a: needs nodeID, type and text",
        ),
        (
            {"nodes": [], "edges": [{"fromID": "a", "toID": "b"}]},
            "edge #1: joins a to b: no such node",
        ),
    ],
)
def test_malformed_aif_is_named(data, message, map_info):
    with pytest.raises(MapDocumentError) as raised:
        aif.from_aif(data, map_info, {})
    assert message in [str(problem) for problem in raised.value.problems]
