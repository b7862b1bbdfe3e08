"""The W3C Web Annotation Working Group's conformance checks, run offline.

`annotations/annotationMusts.test` lists, by path, the JSON Schemas (draft-04) that every
annotation must satisfy; each schema says `"expectedResult": "valid"`, and refers to the
shared definitions (`annotations.json#/…`, `id.json#/…`) by their bare `id`. Every listed
schema is run against each annotation, with formats (uri, date-time) checked.
pyld expands an annotation against the official context, which a document loader serves from
the vendored copy: nothing is fetched.
"""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator
from pyld import jsonld
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

VENDOR = Path(__file__).resolve().parents[3] / "vendor"
TESTS = VENDOR / "w3c-web-annotation-tests"
CONTEXT_FILE = VENDOR / "w3c-anno-context" / "anno.jsonld"
CONTEXT_IRIS = ("http://www.w3.org/ns/anno.jsonld", "https://www.w3.org/ns/anno.jsonld")
MUSTS = TESTS / "annotations" / "annotationMusts.test"


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def must_schemas():
    """(path, schema) for every assertion annotationMusts.test lists, in its order."""
    listed = _load(MUSTS)["assertions"]
    schemas = []
    for entry in listed:
        # The suite's .test format also allows inline assertion objects; the MUST list has
        # only paths, and a change to that should fail loudly here rather than be skipped.
        assert isinstance(entry, str), entry
        schema = _load(TESTS / entry)
        assert schema["expectedResult"] == "valid", entry
        schemas.append((entry, schema))
    return tuple(schemas)


@cache
def _registry():
    resources = []
    for path in sorted((TESTS / "definitions").glob("*.json")) + sorted(
        (TESTS / "annotations").rglob("*.json")
    ):
        schema = _load(path)
        resources.append(
            (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        )
    return Registry().with_resources(resources)


# jsonschema checks these formats only when rfc3986-validator and rfc3339-validator are
# installed; without them "uri" and "date-time" would pass anything, silently.
assert {"uri", "date-time"} <= set(Draft4Validator.FORMAT_CHECKER.checkers)


@cache
def _validators():
    return tuple(
        (
            path,
            schema,
            Draft4Validator(
                schema, registry=_registry(), format_checker=Draft4Validator.FORMAT_CHECKER
            ),
        )
        for path, schema in must_schemas()
    )


def must_failures(annotation):
    """The MUST assertions an annotation fails, as (assertion path, error message)."""
    return [
        (path, schema.get("errorMessage", "invalid"))
        for path, schema, validator in _validators()
        if not validator.is_valid(annotation)
    ]


def offline_loader(url, options=None):
    if url.rstrip("#") in CONTEXT_IRIS:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": _load(CONTEXT_FILE),
        }
    raise jsonld.JsonLdError(
        f"{url} is not the Web Annotation context; nothing is fetched",
        "jsonld.LoadDocumentError",
        code="loading document failed",
    )


def expand(document):
    return jsonld.expand(document, {"documentLoader": offline_loader})
