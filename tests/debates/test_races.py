"""A curator's write that adds a row pointing at a node (a link, an anchor, a child moved
under it) racing the deletion of that node or its map: the delete wins and the write is
refused (RowGone, a 409 page in the admin), or the delete waits and takes the new row along,
never an IntegrityError at commit (docs/architecture.md, "Writes that race").

As tests/annotations/test_races.py: one side's transaction is held open until the other
waits for its lock (tests.conftest.race), on PostgreSQL, which checks foreign keys at commit.
"""

import pytest
from django.db.models import RestrictedError

from argmap.annotations.models import Annotation
from argmap.debates.models import Anchor, ArgumentMap, Link, Node
from argmap.lib.rows import RowGone

from ..conftest import needs_postgresql, race
from ..factories import (
    AnchorFactory,
    AnnotationFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
)

pytestmark = [
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roomy_pool"),
]


@pytest.fixture
def two():
    """Two leaves under one thesis."""
    thesis = ThesisFactory(map=MapFactory())
    return NodeFactory(map=thesis.map, parent=thesis), NodeFactory(map=thesis.map, parent=thesis)


def linking(first, second):
    return lambda: Link(from_node=first, to_node=second, kind=Link.Kind.CONTRADICTS).save()


def test_linking_to_a_node_being_deleted_is_refused(two):
    first, second = two
    result, held = race(lambda: Node.objects.get(pk=second.pk).delete(), linking(first, second))
    assert held is None and isinstance(result, RowGone)
    assert not Link.objects.exists()


def test_deleting_a_node_being_linked_waits_and_takes_the_link_along(two):
    first, second = two
    result, held = race(linking(first, second), lambda: Node.objects.get(pk=first.pk).delete())
    assert held is None and not isinstance(result, Exception)
    assert not Link.objects.exists() and Node.objects.filter(pk=second.pk).exists()


def anchoring(node, source):
    return lambda: AnchorFactory.build(node=node, source=source).save()


def test_anchoring_a_node_being_deleted_is_refused(two):
    leaf, source = two[0], SourceFactory()
    result, held = race(lambda: Node.objects.get(pk=leaf.pk).delete(), anchoring(leaf, source))
    assert held is None and isinstance(result, RowGone)
    assert not Anchor.objects.exists()


def test_deleting_a_node_being_anchored_waits_and_takes_the_anchor_along(two):
    leaf, source = two[0], SourceFactory()
    result, held = race(anchoring(leaf, source), lambda: Node.objects.filter(pk=leaf.pk).delete())
    assert held is None and not isinstance(result, Exception)
    assert not Anchor.objects.exists()


def moving(node, under):
    def move():
        moved = Node.objects.get(pk=node.pk)
        moved.parent = under
        moved.save()

    return move


def test_moving_a_node_under_one_being_deleted_is_refused(two):
    first, second = two
    result, held = race(lambda: Node.objects.get(pk=second.pk).delete(), moving(first, second))
    assert held is None and isinstance(result, RowGone)
    assert Node.objects.get(pk=first.pk).parent_id == second.parent_id


def test_deleting_a_node_while_one_is_moved_under_it_is_refused(two):
    first, second = two
    result, held = race(moving(first, second), lambda: Node.objects.get(pk=second.pk).delete())
    assert held is None and isinstance(result, RestrictedError)
    assert Node.objects.get(pk=first.pk).parent_id == second.pk


def test_deleting_a_map_being_annotated_waits_and_detaches_the_annotation(two):
    leaf = two[0]
    result, held = race(
        lambda: AnnotationFactory(node=leaf, body="first"),
        lambda: ArgumentMap.objects.filter(pk=leaf.map_id).delete(),
    )
    assert held is None and not isinstance(result, Exception)
    assert not ArgumentMap.objects.exists()
    (annotation,) = Annotation.objects.all()
    assert annotation.is_detached and annotation.body == "first"


def test_adding_a_child_to_a_map_being_deleted_is_refused(two):
    leaf = two[0]
    result, held = race(
        lambda: ArgumentMap.objects.get(pk=leaf.map_id).delete(),
        lambda: NodeFactory(map=leaf.map, parent=leaf),
    )
    assert held is None and isinstance(result, RowGone)
    assert not Node.objects.exists()
