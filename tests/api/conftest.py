import pytest
from django.core import signals
from django.db import close_old_connections

from argmap.annotations.models import Annotation
from argmap.debates.models import Source
from tests.factories import AnnotationFactory, PassageAnnotationFactory, UserFactory

SLUG = "deepseek-r1-sputnik"


@pytest.fixture
def unlimited_api(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": (10**9, 60)}


@pytest.fixture
def wsgi_in_test():
    """Requests through the WSGI handler inside a test's transaction: as Django's test client
    does, the handler must not close the connection at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def annotated_map(seeded_map, unlimited_api):
    """The seed map with annotations of every kind a visitor may or may not see."""
    reader = UserFactory(username="reader-one", email="reader-one@example.org")
    node = seeded_map.nodes.get(key="analogy-fits")
    source = Source.objects.get(slug="not-sputnik-blog")
    public_node = AnnotationFactory(author=reader, node=node, kind="agree", body="Public on a node")
    AnnotationFactory(
        author=reader, node=node, body="Private on a node", visibility=Annotation.Visibility.PRIVATE
    )
    AnnotationFactory(author=reader, node=node, body="Hidden on a node", is_hidden=True)
    passage = PassageAnnotationFactory(author=reader, source=source, body="Public on a passage")
    PassageAnnotationFactory(
        author=reader,
        source=source,
        body="Private on a passage",
        visibility=Annotation.Visibility.PRIVATE,
    )
    return {"map": seeded_map, "node": node, "public": [public_node, passage], "reader": reader}
