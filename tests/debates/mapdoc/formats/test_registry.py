import json

import pytest

from argmap.debates.mapdoc import MapDocumentError
from argmap.debates.mapdoc.formats import dump_json, registry

from .test_webannotation import LINKS


@pytest.mark.parametrize("fmt", ["argmap", "aif", "argdown"])
def test_every_importable_export_is_recognised_by_its_content(argmap_doc, fmt):
    assert registry.detect(registry.render(argmap_doc, fmt)) == fmt


@pytest.mark.parametrize(
    "text",
    ["", "plain words", "{not json", '{"format": "argmap/1"}', "[1, 2]", '{"nodes": []}'],
)
def test_anything_else_is_no_format(text):
    assert registry.detect(text) is None


def test_hand_written_argdown_is_recognised():
    assert registry.detect("// a comment\n\n[a]: A.\n  <+ [b]: B.\n") == "argdown"


def test_file_names():
    assert registry.file_name("sample", "aif") == "sample.aif.json"
    assert (
        registry.file_name("sample", "argdown", "cheap-training")
        == "sample--cheap-training.argdown"
    )
    assert registry.file_name("sample", "webannotation") == "sample.annotations.jsonld"
    assert registry.file_name("sample", "argmap") == "sample.argmap.json"


def test_web_annotation_render_is_one_collection(argmap_doc):
    data = json.loads(
        registry.render(
            argmap_doc, "webannotation", links=LINKS, collection_iri="https://x.test/c/"
        )
    )
    assert data["type"] == "AnnotationCollection"
    assert data["total"] == len(data["first"]["items"]) == 7
    with pytest.raises(ValueError):
        registry.render(argmap_doc, "webannotation")


def test_argmap_reader_accepts_an_export_as_is(argmap_doc):
    text = registry.render(argmap_doc, "argmap")
    assert dump_json(registry.read_argmap(json.loads(text))) == text


def test_argmap_reader_lists_every_problem(argmap_doc):
    argmap_doc["map"].pop("title")
    argmap_doc["nodes"][1]["heading"] = "no"
    del argmap_doc["nodes"][2]["anchors"][0]["voice"]
    argmap_doc["nodes"][3]["anchors"][0]["start"] = True
    argmap_doc["links"].append({"type": "same_point"})
    with pytest.raises(MapDocumentError) as raised:
        registry.read_argmap(argmap_doc)
    assert [str(p) for p in raised.value.problems] == [
        "map: title is missing or not text",
        "node cheap-training: heading has the wrong type",
        "node andreessen-sputnik anchor 1: has no voice",
        "node research-runs-left-out anchor 1: start is not a whole number",
        "link #3: needs a type and two nodes in between",
    ]
    with pytest.raises(MapDocumentError, match="is not argmap/2 JSON"):
        registry.read_argmap({"format": "argmap/1"})
