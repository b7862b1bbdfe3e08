import json

import pytest

from argmap.debates.mapdoc.formats import registry

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
