"""argmap.core.cache: while the fleet's Redis is down, pages render afresh instead of failing."""

import pytest
from django.core.cache import caches
from django.utils.html import escape

from ..conftest import HX

CLOSED = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, connections are refused


@pytest.fixture
def redis_down(settings):
    fragments = {
        "BACKEND": "argmap.core.cache.SharedCache",
        "LOCATION": CLOSED,
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
    settings.CACHES = {**settings.CACHES, "fragments": fragments}
    yield
    caches["fragments"].close()


def test_the_broken_redis_does_raise_without_the_shared_cache(redis_down):
    with pytest.raises(Exception, match="refused|Error"):
        super(type(caches["fragments"]), caches["fragments"]).get("anything")


@pytest.mark.usefixtures("redis_down")
def test_pages_render_while_redis_is_down(client, seeded_map):
    thesis = seeded_map.thesis
    page = client.get(f"/maps/{seeded_map.slug}/")
    assert page.status_code == 200 and escape(thesis.text) in page.content.decode()
    fragment = client.get(f"/maps/{seeded_map.slug}/tree/{thesis.key}/?state=open", headers=HX)
    assert fragment.status_code == 200
    assert client.get(f"/maps/{seeded_map.slug}/nodes/{thesis.key}/").status_code == 200
