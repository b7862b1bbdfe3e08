"""The OpenAPI document passes openapi-spec-validator, and both third-party checks are first
seen to fail: the validator on a broken document, schemathesis on a view that answers 500 and
on a document that says something the API does not do."""

import copy
import json
import traceback

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from argmap.api import api as operations

pytestmark = pytest.mark.usefixtures("annotated_map", "wsgi_in_test")


def live_schema():
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def document():
    """The document as /api/v1/openapi.json serves it, a copy to break."""
    return copy.deepcopy(live_schema().raw_schema)


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_validator_fails_a_broken_document(document):
    broken = copy.deepcopy(document)
    broken["components"]["schemas"]["Map"]["properties"]["slug"]["type"] = "text"
    with pytest.raises(OpenAPIValidationError):
        validate(broken, cls=OpenAPIV31SpecValidator)
    del broken["info"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken, cls=OpenAPIV31SpecValidator)


def schemathesis_failures(schema, path):
    """What schemathesis reports on one operation's generated cases with every check, as the
    suite's schemathesis test runs them ("" when it finds nothing)."""
    try:
        run_schemathesis(schema, path)
    except BaseException as found:  # a FailureGroup (a BaseExceptionGroup), or a group of them
        return "".join(traceback.format_exception(found))
    return ""


def run_schemathesis(schema, path):
    operation = schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate()

    check()


def test_schemathesis_passes_the_real_api():
    schema = live_schema()
    assert schemathesis_failures(schema, "/api/v1/maps") == ""


def test_schemathesis_fails_a_view_that_answers_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in one view")

    monkeypatch.setattr(operations, "map_body", broken)
    schema = live_schema()
    assert "Server error" in schemathesis_failures(schema, "/api/v1/maps")


def test_schemathesis_fails_a_document_that_is_wrong(document):
    # The document promises a whole number where the API gives the map's question.
    document["components"]["schemas"]["Map"]["properties"]["question"] = {"type": "integer"}
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    assert "Response violates schema" in schemathesis_failures(schema, "/api/v1/maps")


def test_the_document_has_no_key_twice(client):
    """JSON parsers keep the last of two equal keys, so the validators cannot see a repeat;
    Swagger UI's YAML parser refuses the document (an operation's "200" twice did it)."""

    def refuse_repeats(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=refuse_repeats)
