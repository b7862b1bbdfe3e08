"""The typed model of an argmap/2 document: an export passes as it is; a broken one is
refused with every problem, each named where it is, before anything reads its values."""

import copy
import json

import jsonschema
import pytest

from argmap.debates.mapdoc import MapDocumentError, read
from argmap.debates.mapdoc.document import json_schema, parse
from argmap.debates.mapdoc.formats import dump_json

from .formats import sample


@pytest.fixture
def argmap_doc():
    return copy.deepcopy(sample.MAP)


def test_an_export_passes_as_it_is(argmap_doc):
    parsed, problems = parse(argmap_doc)
    assert problems == [] and parsed is not None
    assert [node.id for node in parsed.nodes] == [node["id"] for node in argmap_doc["nodes"]]
    # the JSON Schema the model writes accepts the export too (and is itself valid)
    jsonschema.Draft202012Validator.check_schema(json_schema())
    jsonschema.validate(json.loads(dump_json(argmap_doc)), json_schema())


def test_every_problem_is_listed_where_it_is(argmap_doc):
    argmap_doc["map"].pop("title")
    argmap_doc["map"]["cruxes"] = [{"kind": "maybe", "text": " ", "sides": []}]
    argmap_doc["nodes"][1]["heading"] = "no"
    del argmap_doc["nodes"][2]["anchors"][0]["voice"]
    argmap_doc["nodes"][3]["anchors"][0]["start"] = True  # a bool is not a number
    argmap_doc["links"].append({"type": "same_point"})
    argmap_doc["links"].append({"type": "same_point", "between": ["thesis"]})
    parsed, problems = parse(argmap_doc)
    assert parsed is None
    assert [str(problem) for problem in problems] == [
        "map: has no title",
        "crux 1: kind has the wrong type (input should be 'agreed' or 'question')",
        "crux 1: text must not be blank",
        "crux 1: sides must not be empty",
        "node cheap-training: heading has the wrong type (input should be a valid boolean)",
        "node andreessen-sputnik anchor 1: has no voice",
        "node research-runs-left-out anchor 1: start is not a whole number",
        f"link #{len(argmap_doc['links']) - 1}: has no between",
        f"link #{len(argmap_doc['links'])}: between must name two nodes",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], ["document: is not a JSON object"]),
        ({"format": "argmap/1"}, ["format: is 'argmap/1'; expected 'argmap/2'"]),
        (
            {"format": "argmap/2", "map": {}, "sources": [], "nodes": []},
            ["map: has no slug", "map: has no title", "map: has no question"],
        ),
    ],
)
def test_the_wrong_kind_of_file_is_named(data, expected):
    assert [str(problem) for problem in parse(data)[1]][: len(expected)] == expected


@pytest.mark.django_db
def test_reading_a_file_raises_every_problem(argmap_doc):
    argmap_doc["nodes"][1]["heading"] = "no"
    with pytest.raises(MapDocumentError) as raised:
        read(json.dumps(argmap_doc), "argmap", "another")
    assert [problem.where for problem in raised.value.problems] == ["node cheap-training"]
