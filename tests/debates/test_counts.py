"""Each map's node counts are kept on every kind of write (debates/counts.py)."""

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import RestrictedError

from argmap.debates import counts, mapdoc
from argmap.debates.mapdoc.formats import dump_json
from argmap.debates.models import ArgumentMap, Node, NodeCount
from tests.factories import MapFactory, NodeFactory


def kept(*maps):
    """What counts.py holds for these maps, by (map id, relation), zeros left out."""
    return Counter(
        {
            (row.map_id, row.relation): row.number
            for row in NodeCount.objects.filter(map__in=maps)
            if row.number
        }
    )


def recounted(*maps):
    return counts.tally(Node.objects.filter(map__in=maps))


def assert_kept(*maps):
    assert kept(*maps) == recounted(*maps)


def test_saves_add_and_move_nodes(two_maps):
    first, second, nodes = two_maps
    assert_kept(first, second)
    assert kept(first) == {(first.pk, ""): 1, (first.pk, "supports"): 1, (first.pk, "opposes"): 1}
    child = NodeFactory(map=first, parent=nodes["a"], relation="undercuts")
    assert_kept(first)
    child.relation = "opposes"  # a curator changes how it bears on its parent
    child.save()
    assert_kept(first)
    loaded = Node.objects.get(pk=nodes["b"].pk)
    loaded.text = "Only its words change."
    loaded.save()
    assert_kept(first)
    # A stale copy saved over a changed row: counted from what was stored, not loaded.
    stale = Node.objects.get(pk=child.pk)
    Node.objects.filter(pk=child.pk).update(relation="supports")
    stale.save()
    assert_kept(first, second)


def test_queryset_writes(two_maps):
    first, second, nodes = two_maps
    thesis = nodes["thesis"]
    Node.objects.bulk_create(
        [Node(map=first, parent=thesis, relation="opposes", key=f"n{n}") for n in range(4)]
    )
    assert_kept(first)
    Node.objects.filter(map=first, relation="opposes").update(relation="supports")
    assert_kept(first)
    Node.objects.filter(key__in=["n0", "n1"]).update(text="Same place, new words.")
    assert_kept(first)
    Node.objects.filter(key__startswith="n").delete()
    assert_kept(first)
    nodes["a"].delete()
    assert_kept(first, second)
    assert kept(first) == {(first.pk, ""): 1, (first.pk, "supports"): 1}  # b, moved


def test_a_refused_delete_changes_no_count(two_maps):
    first, _, nodes = two_maps
    NodeFactory(map=first, parent=nodes["a"])
    with pytest.raises(RestrictedError), transaction.atomic():  # a node with children
        Node.objects.filter(pk=nodes["a"].pk).delete()
    assert_kept(first)


def test_a_deleted_map_takes_its_counts(two_maps):
    first, second, _ = two_maps
    first.delete()
    assert not NodeCount.objects.filter(map_id=first.pk).exists()
    assert_kept(second)


def test_imports_generated_and_seeded_maps(seeded_map):
    call_command("generate_map", nodes=60, slug="generated", verbosity=0)
    generated = ArgumentMap.objects.get(slug="generated")
    document = json.loads(dump_json(mapdoc.export_map(seeded_map)))
    copy = mapdoc.load_document(document, slug="copy")
    assert_kept(seeded_map, generated, copy)
    call_command("generate_map", nodes=30, slug="generated", replace=True, verbosity=0)
    again = ArgumentMap.objects.get(slug="generated")  # a new map in the old one's place
    assert_kept(seeded_map, again, copy)
    assert sum(kept(again).values()) == 30
    assert not NodeCount.objects.filter(map_id=generated.pk).exists()
    call_command("seed", verbosity=0, stdout=io.StringIO())  # saved again over itself
    assert_kept(seeded_map)


def test_home_shows_the_kept_counts(two_maps, client, django_assert_num_queries):
    first, _, nodes = two_maps
    NodeFactory(map=first, parent=nodes["a"], relation="undercuts")
    (shown,) = (m for m in ArgumentMap.objects.counted() if m.pk == first.pk)
    numbers = (shown.node_count, shown.supports_count, shown.opposes_count)
    assert numbers + (shown.undercuts_count,) == (4, 1, 1, 1)
    MapFactory(slug="empty")  # a map without nodes counts none
    (empty,) = (m for m in ArgumentMap.objects.counted() if m.slug == "empty")
    assert empty.node_count == 0
