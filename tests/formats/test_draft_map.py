"""The three third-party checks on the re-mapped debate itself (fixtures/draft-map.argmap2.json),
with the source texts and reader comments from fixtures/sources.json."""

import json
from collections import Counter
from pathlib import Path

import pytest

from argmap.debates.formats import aif, argdown, dump_json, registry, webannotation
from argmap.debates.quotes import sha256_of

from . import w3c
from .test_aif import arguebuf_graph, expected_graph
from .test_argdown import expected_relations, parse
from .test_webannotation import LINKS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DRAFT = FIXTURES / "draft-map.argmap2.json"


@pytest.fixture(scope="module")
def draft():
    return registry.read_argmap(json.loads(DRAFT.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def sources():
    entries = json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8"))
    known = {}
    for entry in entries:
        fields = entry["fields"]
        if entry["model"] == "debates.source":
            assert sha256_of(fields["text"]) == fields["sha256"]
            known[fields["slug"]] = {
                "text": fields["text"],
                "sha256": fields["sha256"],
                "comments": [],
            }
    for entry in entries:
        fields = entry["fields"]
        if entry["model"] == "debates.section" and fields["kind"] == "comment":
            known[fields["source"][0]]["comments"].append(
                [fields["start"], fields["end"], fields["position"]]
            )
    return known


@pytest.fixture(scope="module")
def known_sources(draft, sources):
    return {entry["slug"]: {**entry, **sources[entry["slug"]]} for entry in draft["sources"]}


def test_arguebuf_reads_the_debate(draft):
    read = arguebuf_graph(aif.to_aif(draft))
    assert read == expected_graph(draft)
    relations = Counter(node["relation"] for node in draft["nodes"] if node["relation"])
    links = Counter(link["type"] for link in draft["links"])
    assert len(read["atoms"]) == len(draft["nodes"])
    assert len(read["support"]) == relations["supports"]
    assert (
        len(read["attack"])
        == relations["opposes"] + relations["undercuts"] + 2 * links["contradicts"]
    )
    assert len(read["rephrase"]) == links["same_point"]


def test_argdown_reads_the_debate(draft):
    parsed = parse(argdown.to_argdown(draft))
    assert (parsed["lexerErrors"], parsed["parserErrors"], parsed["exceptions"]) == ([], [], [])
    assert [s["text"] for s in parsed["statements"]] == [n["text"] for n in draft["nodes"]]
    assert Counter(map(tuple, parsed["relationList"])) == Counter(expected_relations(draft))


def test_every_anchor_of_the_debate_is_a_conforming_web_annotation(draft):
    annotations = webannotation.anchor_annotations(draft, LINKS)
    assert len(annotations) == sum(len(node["anchors"]) for node in draft["nodes"])
    for annotation in annotations:
        assert w3c.must_failures(annotation) == [], annotation["id"]
    w3c.expand(webannotation.annotation_collection(annotations, "https://x.test/c/", "Debate", 50))


def test_round_trips(draft, known_sources):
    info = draft["map"]
    text = argdown.to_argdown(draft)
    assert dump_json(argdown.from_argdown(text, info, known_sources)) == dump_json(draft)
    exported = dump_json(aif.to_aif(draft))
    assert (
        dump_json(aif.to_aif(aif.from_aif(json.loads(exported), info, known_sources))) == exported
    )
    assert dump_json(registry.read_argmap(json.loads(dump_json(draft)))) == DRAFT.read_text(
        encoding="utf-8"
    )
