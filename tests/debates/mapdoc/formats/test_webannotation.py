"""W3C Web Annotation out, checked by the Working Group's MUST schemas and by pyld."""

import copy
import json
import re

import pytest
from pyld import jsonld

from argmap.debates.mapdoc.formats import dump_json, webannotation

from . import sample, w3c

SAMPLES = w3c.TESTS / "tools" / "samples"
# The snapshot's samples anno11–13 use Composite, List and Independents targets, which the
# Data Model dropped before it became a Recommendation; its own schema (3.2, "each target is
# a uri, External Web Resource, Choice or Specific Resource") rejects them, as it should.
# collection1.json holds the same three again.
DROPPED_FROM_THE_MODEL = {f"http://example.org/anno{number}" for number in (11, 12, 13)}

LINKS = webannotation.Links(
    node=lambda key: f"https://argmap.example.org/maps/sample/nodes/{key}/",
    source=lambda slug: f"https://argmap.example.org/sources/{slug}/",
    annotation=lambda pk: f"https://argmap.example.org/annotations/{pk}/",
    node_in=lambda slug, key: f"https://argmap.example.org/maps/{slug}/nodes/{key}/",
)
COLLECTION = "https://argmap.example.org/maps/sample/annotations/"


def read_sample(path):
    # Many incorrect samples carry a trailing comma besides the defect they were written for;
    # reading past the comma lets the schemas judge that defect. A file that is not JSON at
    # all (incorrect/anno1.json) cannot be an annotation and counts as failing.
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", path.read_text(encoding="utf-8")))


def sample_annotations(kind):
    for path in sorted((SAMPLES / kind).glob("*.json")):
        try:
            data = read_sample(path)
        except json.JSONDecodeError:
            yield path.name, None
            continue
        if data.get("type") == "Annotation" or kind == "incorrect":
            yield path.name, data
        else:  # collections and pages of the correct samples: judge the annotations they
            # hold, which share the enclosing document's @context
            page = data.get("first", data)
            items = page.get("items", []) if isinstance(page, dict) else []
            for number, item in enumerate(items, start=1):
                yield f"{path.name} item {number}", {"@context": data["@context"], **item}


def test_the_must_list_is_read_whole():
    assert len(w3c.must_schemas()) == 54


@pytest.mark.parametrize("name, annotation", list(sample_annotations("correct")))
def test_correct_samples_pass_every_must(name, annotation):
    failures = w3c.must_failures(annotation)
    if annotation["id"] in DROPPED_FROM_THE_MODEL:
        assert [path for path, _ in failures] == ["annotations/3.2-targetObjectsRecognized.json"]
    else:
        assert failures == []


@pytest.mark.parametrize("name, annotation", list(sample_annotations("incorrect")))
def test_incorrect_samples_fail_a_must(name, annotation):
    assert annotation is None or w3c.must_failures(annotation)


def all_annotations(doc):
    return [
        *webannotation.anchor_annotations(doc, LINKS),
        *webannotation.public_annotations(sample.PASSAGE_ANNOTATIONS, LINKS),
    ]


def test_an_annotation_on_a_node_targets_the_node_and_names_its_author():
    (annotation,) = webannotation.public_annotations([sample.NODE_ANNOTATION], LINKS)
    assert annotation["target"] == "https://argmap.example.org/maps/sample/nodes/thesis/"
    assert annotation["creator"] == {"type": "Person", "nickname": "reader-one"}
    assert annotation["motivation"] == "assessing"
    assert w3c.must_failures(annotation) == []


def test_every_anchor_and_public_passage_annotation_passes_every_must(argmap_doc):
    annotations = all_annotations(argmap_doc)
    anchors = sum(len(node["anchors"]) for node in argmap_doc["nodes"])
    assert len(annotations) == anchors + 1 == 8
    for annotation in annotations:
        assert w3c.must_failures(annotation) == [], annotation["id"]


def test_private_and_hidden_annotations_never_appear(argmap_doc):
    bodies = json.dumps(all_annotations(argmap_doc))
    assert "A private thought" not in bodies
    assert "Hidden by moderators" not in bodies
    assert (
        webannotation.public_annotations(
            [{**sample.PASSAGE_ANNOTATIONS[0], "visibility": "private"}], LINKS
        )
        == []
    )


def test_selectors_select_the_quoted_words(argmap_doc):
    texts = dict(sample.SOURCE_TEXTS.items())
    for annotation in all_annotations(argmap_doc):
        slug = annotation["target"]["source"].rstrip("/").rsplit("/", 1)[1]
        quote, position = annotation["target"]["selector"]
        assert texts[slug][position["start"] : position["end"]] == quote["exact"]
        assert texts[slug][: position["start"]].endswith(quote["prefix"])
        assert texts[slug][position["end"] :].startswith(quote["suffix"])


def test_motivation_follows_the_voice(argmap_doc):
    motivations = [a["motivation"] for a in all_annotations(argmap_doc)]
    assert motivations == [
        "identifying",  # asserts
        "linking",  # reports
        "identifying",
        "identifying",  # concedes
        "identifying",
        "identifying",
        "identifying",
        "questioning",  # a reader's question on a passage
    ]
    reported = all_annotations(argmap_doc)[1]["body"][1]["value"]
    assert (
        reported == "the document reports these words; the speaker is Marc Andreessen (as quoted)"
    )
    commenter = all_annotations(argmap_doc)[2]["body"][1]["value"]
    assert commenter == "a reader commenter (reader comment 2) asserts these words as their own"


def test_pyld_expands_every_term_against_the_official_context(argmap_doc):
    for annotation in all_annotations(argmap_doc):
        expanded = w3c.expand(annotation)
        # compacting back gives the annotation again: no key was dropped as unknown
        compacted = jsonld.compact(
            expanded, webannotation.CONTEXT, {"documentLoader": w3c.offline_loader}
        )
        assert compacted == annotation
        (node,) = expanded
        assert node["@type"] == ["http://www.w3.org/ns/oa#Annotation"]
        selectors = node["http://www.w3.org/ns/oa#hasTarget"][0][
            "http://www.w3.org/ns/oa#hasSelector"
        ]
        assert [s["@type"] for s in selectors] == [
            ["http://www.w3.org/ns/oa#TextQuoteSelector"],
            ["http://www.w3.org/ns/oa#TextPositionSelector"],
        ]


def test_the_loader_fetches_nothing():
    with pytest.raises(jsonld.JsonLdError):
        w3c.expand({"@context": "https://example.org/other.jsonld", "x": 1})


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda a: a.pop("target"), id="no target"),
        pytest.param(
            lambda a: a.__setitem__("@context", "http://example.org/ctx"), id="wrong context"
        ),
        pytest.param(lambda a: a["target"]["selector"][0].pop("exact"), id="quote without exact"),
        pytest.param(
            lambda a: a["target"]["selector"][1].__setitem__("start", "ten"), id="text position"
        ),
        pytest.param(lambda a: a.__setitem__("id", "not an iri"), id="id not an IRI"),
        pytest.param(lambda a: a.__setitem__("created", "yesterday"), id="created not a date-time"),
    ],
)
def test_a_broken_annotation_fails_a_must(argmap_doc, break_it):
    annotation = copy.deepcopy(all_annotations(argmap_doc)[-1])
    break_it(annotation)
    assert w3c.must_failures(annotation)


def test_collection_pages_hold_every_annotation_once(argmap_doc):
    annotations = all_annotations(argmap_doc)
    collection = webannotation.annotation_collection(annotations, COLLECTION, "Sample", 3)
    assert list(collection) == ["@context", "id", "type", "label", "total", "first", "last"]
    assert collection["total"] == 8
    assert collection["last"] == COLLECTION + "?page=3"
    pages = [collection["first"]] + [
        webannotation.annotation_page(annotations, COLLECTION, number, 3) for number in (2, 3)
    ]
    assert [item for page in pages for item in page["items"]] == annotations
    assert [page["startIndex"] for page in pages] == [0, 3, 6]
    assert [page.get("next") for page in pages] == [
        COLLECTION + "?page=2",
        COLLECTION + "?page=3",
        None,
    ]
    assert [page.get("prev") for page in pages] == [
        None,
        COLLECTION + "?page=1",
        COLLECTION + "?page=2",
    ]
    assert pages[1]["partOf"] == {"id": COLLECTION, "total": 8}
    for page in pages[1:]:
        w3c.expand(page)
    w3c.expand(collection)
    with pytest.raises(ValueError, match="page 4 does not exist"):
        webannotation.annotation_page(annotations, COLLECTION, 4, 3)


def test_an_empty_map_is_one_empty_page():
    collection = webannotation.annotation_collection([], COLLECTION, "Empty", 100)
    assert collection["total"] == 0
    assert collection["first"]["items"] == []
    assert "next" not in collection["first"]


def test_output_is_deterministic(argmap_doc):
    def render():
        return dump_json(
            webannotation.annotation_collection(
                all_annotations(copy.deepcopy(argmap_doc)), COLLECTION, "S", 5
            )
        )

    assert render() == render()
    assert (
        webannotation.MEDIA_TYPE
        == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
