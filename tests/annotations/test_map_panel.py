"""Annotations on the map tree: counts and the inline panel."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from argmap.evaluation import strengths

from ..conftest import HX
from ..factories import AnnotationFactory

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


# The map tree ---------------------------------------------------------------------------


def test_the_tree_shows_public_annotation_counts(client, node, alice):
    AnnotationFactory.create_batch(2, node=node, author=alice)
    AnnotationFactory(node=node, author=alice, visibility="private")
    AnnotationFactory(node=node, author=alice, is_hidden=True)
    html = client.get(reverse("map", args=[node.map.slug])).content.decode()
    assert "2 annotations" in html
    assert f'hx-get="{reverse("node-annotations", args=[node.pk])}"' in html
    assert 'aria-expanded="false"' in html


def test_the_map_page_query_count_does_not_grow_with_annotations(
    client, node, alice, django_assert_num_queries
):
    url = reverse("map", args=[node.map.slug])
    AnnotationFactory(node=node, author=alice)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    AnnotationFactory.create_batch(20, node=node, author=alice)
    for name in ("fragments", "rows", "strengths"):  # a full render again, as the first was
        caches[name].clear()
    strengths.forget()  # and the process's own copies of strengths
    with django_assert_num_queries(len(few)):
        assert "21 annotations" in client.get(url).content.decode()


def test_the_panel_opens_and_closes_inline(as_alice, client, node, alice):
    AnnotationFactory(node=node, author=alice, body="Hello there")
    url = reverse("node-annotations", args=[node.pk])
    opened = as_alice.get(url, headers=HX).content.decode()
    assert f'<div id="annotation-panel-{node.pk}"' in opened and 'aria-expanded="true"' in opened
    assert "Hello there" in opened and 'name="body"' in opened
    anonymous = client.get(url, headers=HX).content.decode()
    assert "Hello there" in anonymous and 'name="body"' not in anonymous
    closed = as_alice.get(url + "?open=0", headers=HX).content.decode()
    assert 'aria-expanded="false"' in closed and "1 annotation" in closed
    assert as_alice.get(url).status_code == 302  # without htmx: the node's page


def test_the_node_panel_lists_in_a_fixed_number_of_queries(
    as_bob, node, alice, django_assert_num_queries
):
    url = reverse("node-annotations", args=[node.pk])
    AnnotationFactory(node=node, author=alice)
    with CaptureQueriesContext(connection) as few:
        as_bob.get(url, headers=HX)
    AnnotationFactory.create_batch(10, node=node, author=alice)
    with django_assert_num_queries(len(few)):
        as_bob.get(url, headers=HX)
