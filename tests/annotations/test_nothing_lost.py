"""Nothing a reader writes is lost: node edits and deletions, concurrency."""

import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse

from argmap.annotations.models import Annotation

from ..conftest import HX
from ..factories import (
    AnnotationFactory,
    NodeFactory,
    UserFactory,
)
from .conftest import client_for, post_note

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


# Nothing lost ---------------------------------------------------------------------------


def test_an_annotation_survives_edits_to_its_node(client, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Still here")
    node.text = "A reworded claim."
    node.save()
    annotation.refresh_from_db()
    assert annotation.node == node and annotation.node_text == "Cheap chips made the model."
    assert "Still here" in client.get(node.get_absolute_url()).content.decode()


def test_deleting_a_node_keeps_its_annotations_detached_for_their_author(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Keep me")
    node.delete()
    annotation.refresh_from_db()
    assert annotation.node is None and annotation.is_detached
    profile = as_alice.get(reverse("profile", args=["alice"])).content.decode()
    assert "Keep me" in profile and "since removed from the map" in profile
    assert "Cheap chips made the model." in profile
    assert as_alice.get(reverse("annotation", args=[annotation.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_all_persist(node):
    users = [UserFactory(username=f"writer{n}") for n in range(6)]
    clients = [client_for(user) for user in users]
    barrier, statuses = threading.Barrier(len(users), timeout=30), []

    def write(client, user):
        try:
            barrier.wait()
            statuses.append(post_note(client, node, HX, body=f"By {user.username}").status_code)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=write, args=pair) for pair in zip(clients, users, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(users)
    assert Annotation.objects.filter(node=node).count() == len(users)


def test_without_htmx_an_invalid_annotation_gets_a_page_with_the_form(as_alice, node):
    response = post_note(as_alice, node, body="")
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<h1>Annotate this {node.display_kind}</h1>" in html
    assert "Write something before saving." in html
    assert not Annotation.objects.exists()


def test_an_edit_on_the_profile_page_keeps_naming_its_target(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    profile = f"http://testserver{reverse('profile', args=['alice'])}"
    response = as_alice.get(
        reverse("annotation", args=[annotation.pk]), headers={**HX, "HX-Current-URL": profile}
    )
    assert "Cheap chips made the model." in response.content.decode()


def test_deleting_a_node_keeps_pending_proposals_for_review(thesis):
    from django.core.exceptions import ValidationError

    from ..factories import ProposalFactory, UserFactory

    target = NodeFactory(map=thesis.map, parent=thesis)
    proposal = ProposalFactory(target=target)
    target.delete()
    proposal.refresh_from_db()
    assert proposal.target is None and proposal.state == "pending"
    assert proposal.target_text == target.text  # the proposer still reads what it was on
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        proposal.accept(UserFactory(username="curator"))
