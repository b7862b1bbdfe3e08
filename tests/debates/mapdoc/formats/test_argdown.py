"""Argdown out and in, checked by Argdown's own parser (@argdown/core, run by Node)."""

import copy
import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from argmap.debates.mapdoc import MapDocumentError
from argmap.debates.mapdoc.formats import argdown, dump_json

ROOT = Path(__file__).resolve().parents[4]
SCRIPT = Path(__file__).with_name("argdown_parse.mjs")


def argdown_core():
    """Node, once `make test` has run `npm ci`; else skip here, and fail on CI."""
    node = shutil.which("node")
    if node and (ROOT / "node_modules" / "@argdown" / "core").is_dir():
        return node
    reason = (
        "the Argdown checks need Node.js (node, npm on PATH)"
        if node is None
        else "the Argdown checks need @argdown/core: run `npm ci` (make test does)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Argdown checks, but {reason}")
    pytest.skip(reason)


def parse(text):
    result = subprocess.run(
        [argdown_core(), str(SCRIPT)],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def expected_relations(doc):
    """(from, Argdown relation type, to) for every relation the map's export states."""
    name = {"supports": "support", "opposes": "attack", "undercuts": "undercut"}
    triples = [(n["id"], name[n["relation"]], n["parent"]) for n in doc["nodes"] if n["parent"]]
    for link in doc["links"]:
        a, b = link["between"]
        if link["type"] == "contradicts":
            triples.append((a, "contradictory", b))
        else:  # equivalence: each entails the other
            triples += [(b, "support", a), (a, "support", b)]
    return triples


@pytest.fixture(scope="module")
def parsed():
    from . import sample

    return parse(argdown.to_argdown(sample.MAP))


def test_argdown_parses_the_export_without_errors(parsed):
    assert parsed["lexerErrors"] == []
    assert parsed["parserErrors"] == []
    assert parsed["exceptions"] == []


def test_argdown_reads_every_statement_with_its_text_and_data(parsed, argmap_doc):
    assert [s["title"] for s in parsed["statements"]] == [n["id"] for n in argmap_doc["nodes"]]
    assert [s["text"] for s in parsed["statements"]] == [n["text"] for n in argmap_doc["nodes"]]
    for statement, node in zip(parsed["statements"], argmap_doc["nodes"], strict=True):
        data = statement["data"]
        assert data["kind"] == node["kind"]
        assert data.get("heading", False) == node["heading"]
        assert data.get("label", "") == node["label"]
        assert [(a["source"], a["start"], a["end"], a["exact"], a["speaker"], a["voice"])
                for a in data.get("anchors", [])] == [
            (a["source"], a["start"], a["end"], a["exact"], a["speaker"], a["voice"])
            for a in node["anchors"]
        ]  # fmt: skip
    assert parsed["frontMatter"]["argmap"]["map"] == argmap_doc["map"]
    assert parsed["frontMatter"]["argmap"]["sources"] == argmap_doc["sources"]


def test_argdown_reads_every_relation(parsed, argmap_doc):
    assert parsed["relations"] == {"attack": 3, "contradictory": 1, "support": 5, "undercut": 1}
    assert Counter(map(tuple, parsed["relationList"])) == Counter(expected_relations(argmap_doc))
    assert parsed["relations"] == argdown.expected_counts(argmap_doc)["relations"]
    assert len(parsed["statements"]) == argdown.expected_counts(argmap_doc)["statements"]


@pytest.mark.parametrize(
    "break_it, reported",
    [
        pytest.param(
            lambda t: t.replace("[cheap-training]:", "[cheap-training:", 1),
            lambda p: p["parserErrors"] or p["lexerErrors"],
            id="an unclosed title",
        ),
        pytest.param(
            lambda t: t.replace("  <+ [andreessen-sputnik]\n", "  = [andreessen-sputnik]\n"),
            lambda p: p["parserErrors"],
            id="an equivalence written as =, which Argdown does not have",
        ),
        pytest.param(
            lambda t: t.replace("<_ [cost-says-little]", "[cost-says-little]"),
            lambda p: p["parserErrors"] or p["relations"].get("undercut") != 1,
            id="an undercut without its operator",
        ),
        pytest.param(
            lambda t: t.replace(' {"kind": "thesis"}', ' {"kind": "thesis"', 1),
            lambda p: p["parserErrors"] or p["lexerErrors"],
            id="data left open",
        ),
        pytest.param(
            lambda t: t.replace("[thesis]: ", "<+ [thesis]: ", 1),
            lambda p: p["parserErrors"],
            id="a relation under nothing",
        ),
    ],
)
def test_argdown_reports_a_broken_export(argmap_doc, break_it, reported):
    text = argdown.to_argdown(argmap_doc)
    broken = break_it(text)
    assert broken != text
    assert reported(parse(broken))


def test_round_trip_is_exact(argmap_doc, known_sources, map_info):
    text = argdown.to_argdown(argmap_doc)
    imported = argdown.from_argdown(text, map_info, known_sources)
    assert dump_json(imported) == dump_json(argmap_doc)
    assert argdown.to_argdown(imported) == text


def test_text_argdown_cannot_hold_goes_into_data(argmap_doc, known_sources, map_info):
    argmap_doc["nodes"][1]["text"] = "  Two lines,\nand spaces  "
    text = argdown.to_argdown(argmap_doc)
    assert "[cheap-training]: Two lines, and spaces {" in text
    assert argdown.from_argdown(text, map_info, known_sources)["nodes"][1]["text"] == (
        "  Two lines,\nand spaces  "
    )
    assert parse(text)["parserErrors"] == []


HAND_WRITTEN = """\
// Argdown as a person might write it: incoming relations, comments, no data

[Act]: We should act now.
  <+ [Cheap]: It is cheap. /* the cost */
    - [Hidden]: There are hidden costs.
    _ [Irrelevant]: Cost does not decide it.
  +> [Consequence]: Then we win.

[Hidden]
  >< [Irrelevant]
"""


def test_python_reader_agrees_with_argdowns_parser(map_info):
    doc = argdown.from_argdown(HAND_WRITTEN, map_info, {})
    by_id = {n["id"]: n for n in doc["nodes"]}
    assert {key: (n["parent"], n["relation"], n["text"]) for key, n in by_id.items()} == {
        "Act": ("Consequence", "supports", "We should act now."),
        "Cheap": ("Act", "supports", "It is cheap."),
        "Hidden": ("Cheap", "opposes", "There are hidden costs."),
        "Irrelevant": ("Cheap", "undercuts", "Cost does not decide it."),
        "Consequence": (None, None, "Then we win."),
    }
    assert [n["id"] for n in doc["nodes"]] == [
        "Consequence",
        "Act",
        "Cheap",
        "Hidden",
        "Irrelevant",
    ]
    assert doc["links"] == [{"type": "contradicts", "between": ["Hidden", "Irrelevant"]}]
    parsed = parse(HAND_WRITTEN)
    assert parsed["parserErrors"] == []
    assert Counter(map(tuple, parsed["relationList"])) == Counter(
        [
            ("Cheap", "support", "Act"),
            ("Hidden", "attack", "Cheap"),
            ("Irrelevant", "undercut", "Cheap"),
            ("Act", "support", "Consequence"),
            ("Hidden", "contradictory", "Irrelevant"),
        ]
    )


def test_bad_argdown_lists_every_problem(map_info, known_sources):
    text = """\
[a]: A thesis. {kind: thesis}
  <+ <An argument>: arguments are not read
  <+ [b]: B. {"anchors": [{"source": "nowhere", "start": 0, "end": 3, "exact": "abc"}]}
  <+ [c]: C.
[d]: Another root.
  <- [c]
"""
    with pytest.raises(MapDocumentError) as raised:
        argdown.from_argdown(text, map_info, known_sources)
    messages = [str(problem) for problem in raised.value.problems]
    assert (
        "line 2: is not a statement Argmap reads: '<+ <An argument>: arguments are not read'"
        in messages
    )
    assert any(m.startswith("statement a: data is not JSON") for m in messages)
    assert (
        "statement b anchor 1: quotes source 'nowhere', which this site does not have" in messages
    )
    assert "line 5: is indented under a statement without a relation" not in messages
    with pytest.raises(MapDocumentError) as raised:
        argdown.from_argdown(
            text.replace("  <+ <An argument>: arguments are not read\n", "")
            .replace("{kind: thesis}", "")
            .replace(
                '{"anchors": [{"source": "nowhere", "start": 0, "end": 3, "exact": "abc"}]}', ""
            ),
            map_info,
            known_sources,
        )
    messages = [str(problem) for problem in raised.value.problems]
    assert (
        "statement c: argues for more than one statement (supports a, opposes d); "
        "a map node has one parent" in messages
    )
    assert (
        "map: has 2 statements that argue for nothing (a, d); a map needs exactly one thesis"
        in messages
    )


def test_export_is_deterministic(argmap_doc):
    assert argdown.to_argdown(argmap_doc) == argdown.to_argdown(copy.deepcopy(argmap_doc))
