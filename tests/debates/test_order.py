"""Each node's reading order is kept on every kind of write (debates/order.py)."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from argmap.debates import mapdoc, order
from argmap.debates.mapdoc.export import depth_first
from argmap.debates.mapdoc.formats import dump_json
from argmap.debates.models import ArgumentMap, Node
from tests.factories import NodeFactory


def assert_kept(*maps):
    """The stored paths are those derived from the roots afresh, and sorted byte by byte
    they are the reading order (the export's, computed in Python)."""
    for argmap in maps:
        stored = order.stored(argmap.pk)
        assert stored == order.recomputed(argmap.pk)
        nodes = list(Node.objects.filter(map=argmap))
        by_path = [node.pk for node in sorted(nodes, key=lambda node: stored[node.pk])]
        assert by_path == [node.pk for node in depth_first(nodes)]


def test_saves_place_and_move_nodes(two_maps):
    first, second, nodes = two_maps
    assert_kept(first, second)
    child = NodeFactory(map=first, parent=nodes["a"], position=5)
    grandchild = NodeFactory(map=first, parent=child, position=0)
    assert_kept(first)
    child.parent = nodes["b"]  # a curator moves a branch: its subtree moves with it
    child.save()
    assert_kept(first)
    assert order.stored(first.pk)[grandchild.pk].startswith(order.stored(first.pk)[child.pk])
    nodes["b"].position = 0  # before its sibling now, and its subtree too
    nodes["b"].save()
    assert_kept(first)
    loaded = Node.objects.get(pk=nodes["a"].pk)
    loaded.text = "Only its words change."
    loaded.save()
    assert_kept(first, second)


def test_queryset_writes(two_maps):
    first, second, nodes = two_maps
    thesis = nodes["thesis"]
    made = Node.objects.bulk_create(
        [
            Node(map=first, parent=thesis, relation="opposes", key=f"n{n}", position=9 - n)
            for n in range(4)
        ]
    )
    # Children of nodes made in the same call, and of nodes made before it.
    Node.objects.bulk_create(
        [
            Node(map=first, parent=made[0], key="under-n0", position=1),
            Node(map=first, parent=nodes["a"], key="under-a", position=0),
        ]
    )
    assert_kept(first)
    Node.objects.filter(map=first, parent=thesis).update(position=F("position") + 10)
    assert_kept(first)
    Node.objects.filter(key="n3").update(position=0)  # first among its siblings
    assert_kept(first)
    # A branch moved under another by one update: each level below it follows.
    Node.objects.filter(key="n0").update(parent=nodes["b"])
    assert_kept(first)
    Node.objects.filter(key__in=["n1", "n2"]).update(text="Same place, new words.")
    assert_kept(first)
    Node.objects.filter(key__in=["under-n0", "under-a"]).delete()
    Node.objects.filter(key__startswith="n").delete()
    assert_kept(first, second)


def test_a_save_that_moves_nothing_costs_one_query(two_maps):
    from django.test.utils import CaptureQueriesContext

    first, _, nodes = two_maps
    NodeFactory(map=first, parent=nodes["a"])  # a child, which no walk needs to visit
    loaded = Node.objects.get(pk=nodes["a"].pk)
    loaded.text = "New words, same place."
    with CaptureQueriesContext(connection) as captured:
        loaded.save()
    kept = [
        q["sql"]
        for q in captured.captured_queries
        if "SET reading_order = " in q["sql"] and "RETURNING" in q["sql"]
    ]
    walked = [q["sql"] for q in captured.captured_queries if '"parent_id" IN (' in q["sql"]]
    assert len(kept) == 1 and not walked  # one UPDATE that found nothing to write
    assert_kept(first)


def test_imports_generated_and_seeded_maps(seeded_map):
    call_command("generate_map", nodes=60, slug="generated", verbosity=0)
    generated = ArgumentMap.objects.get(slug="generated")
    document = json.loads(dump_json(mapdoc.export_map(seeded_map)))
    copy = mapdoc.load_document(document, slug="copy")
    assert_kept(seeded_map, generated, copy)
    call_command("seed", verbosity=0, stdout=io.StringIO())  # saved again over itself
    assert_kept(seeded_map)


def test_the_export_reads_the_index_in_order(db):
    """On PostgreSQL the (map, reading_order) index hands the export's nodes over in
    reading order: no sort of the map before its first row (at most the anchors of one node
    sorted together). At 200 nodes the planner would rather sort; a million-node export,
    read through a cursor, takes the index (docs/performance.md), so sorting is disabled."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from argmap.debates.mapdoc.export import _NODE_ROWS, _TreeQuery

    call_command("generate_map", nodes=200, slug="planned", verbosity=0)
    argmap = ArgumentMap.objects.get(slug="planned")
    tree = _TreeQuery(argmap, None)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + tree.sql(_NODE_ROWS), tree.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "node_map_reading_order_idx" in plan
    sorts = [line for line in plan.splitlines() if "Sort" in line and "Key" not in line]
    assert all("Incremental Sort" in line for line in sorts), plan


def test_a_cycle_ends_its_refresh_within_the_maps_node_count(
    two_maps, django_assert_max_num_queries
):
    """A raw update that makes a cycle (check_map then reports it) must not spin for
    MAX_LEVELS ever-longer statements: past DEEP levels the bound is the map's node count."""
    first, _, nodes = two_maps
    chain = [nodes["a"]]
    for position in range(order.DEEP + 5):  # deeper than DEEP, so the tightened bound is used
        chain.append(NodeFactory(map=first, parent=chain[-1], position=position))
    assert_kept(first)
    size = Node.objects.filter(map=first).count()
    # Levels: at most the map's node count plus one, each an UPDATE and a children's read.
    with django_assert_max_num_queries(2 * (size + 1) + 10):
        Node.objects.filter(pk=nodes["a"].pk).update(parent=chain[-1])
    assert Node.objects.get(pk=nodes["a"].pk).parent_id == chain[-1].pk  # the write stands
