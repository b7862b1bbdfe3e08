"""Deletion rules: a map goes with its whole tree; a node with children does not go alone."""

import pytest
from django.db.models import RestrictedError

from argmap.annotations.models import Annotation
from argmap.debates.models import Anchor, ArgumentMap, Node

from ..factories import AnchorFactory, AnnotationFactory, NodeFactory, ThesisFactory


@pytest.mark.django_db
def test_deleting_a_map_deletes_its_tree_and_keeps_annotations_detached():
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis)
    evidence = NodeFactory(map=thesis.map, parent=claim)
    AnchorFactory(node=evidence)
    annotation = AnnotationFactory(node=evidence)
    thesis.map.delete()
    assert not ArgumentMap.objects.exists()
    assert not Node.objects.exists() and not Anchor.objects.exists()
    annotation = Annotation.objects.get(pk=annotation.pk)
    assert annotation.is_detached


@pytest.mark.django_db
def test_a_node_with_children_cannot_be_deleted_alone():
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis)
    NodeFactory(map=thesis.map, parent=claim)
    with pytest.raises(RestrictedError):
        claim.delete()
    with pytest.raises(RestrictedError):
        Node.objects.filter(pk=claim.pk).delete()
    assert Node.objects.count() == 3


@pytest.mark.django_db
def test_a_leaf_can_be_deleted(admin_client):
    thesis = ThesisFactory()
    leaf = NodeFactory(map=thesis.map, parent=thesis)
    response = admin_client.post(f"/admin/debates/node/{leaf.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Node.objects.filter(pk=leaf.pk).exists()


@pytest.mark.django_db
def test_the_admin_deletes_a_whole_map(admin_client):
    thesis = ThesisFactory()
    NodeFactory(map=thesis.map, parent=NodeFactory(map=thesis.map, parent=thesis))
    response = admin_client.post(
        f"/admin/debates/argumentmap/{thesis.map.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Node.objects.exists()
