"""schemathesis, in process, against the OpenAPI document: every operation, every check it
has, at least 100 examples each, on the seed map with public and private annotations."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

EXAMPLES = 100

# Read at collection: the document is built from the code alone, without the database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.usefixtures("annotated_map", "wsgi_in_test")
def test_every_operation_conforms(case):
    case.call_and_validate()
