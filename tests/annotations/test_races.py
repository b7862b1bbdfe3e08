"""A write that races a delete of what it points at: the loser answers 409 or a clear
message, never 500, and nothing is left half done (docs/architecture.md, "Writes that race").

Each race holds one side's transaction open until the other waits for its lock, so every
run plays the same interleaving (tests.conftest.race); on PostgreSQL, which checks foreign
keys at commit. SQLite runs one writer at a time: the same writes one after the other are
in test_annotations and test_admin_proposals.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from argmap.annotations.models import Annotation, Flag, Proposal
from argmap.debates.models import Node

from ..conftest import HX, needs_postgresql, race
from ..factories import (
    AnchorFactory,
    AnnotationFactory,
    MapFactory,
    NodeFactory,
    PassageAnnotationFactory,
    ProposalFactory,
    ThesisFactory,
    UserFactory,
)

pytestmark = [
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accounts_sandbox", "roomy_pool"),
]


def logged_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def leaf():
    return NodeFactory(map=(thesis := ThesisFactory(map=MapFactory())).map, parent=thesis)


def test_a_delete_waits_for_a_flag_and_takes_it_along(leaf):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    annotation = AnnotationFactory(author=alice, node=leaf)
    delete = reverse("annotation-delete", args=[annotation.pk])
    response, held = race(
        lambda: annotation.flag(bob, "spam"), lambda: logged_in(alice).post(delete, headers=HX)
    )
    assert held is None and response.status_code == 200
    assert not Annotation.objects.filter(pk=annotation.pk).exists()
    assert not Flag.objects.exists()


def test_a_flag_after_a_delete_answers_409(leaf):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    annotation = AnnotationFactory(author=alice, node=leaf)
    flag = reverse("annotation-flag", args=[annotation.pk])
    response, held = race(
        lambda: Annotation.objects.get(pk=annotation.pk).delete(),
        lambda: logged_in(bob).post(flag, {"reason": "spam"}, headers=HX),
    )
    assert held is None and response.status_code == 409
    assert not Annotation.objects.exists() and not Flag.objects.exists()


def test_annotating_a_node_being_deleted_answers_no_such_node(leaf):
    note = {"node": leaf.pk, "kind": "comment", "body": "Too late.", "visibility": "public"}
    response, held = race(
        lambda: Node.objects.get(pk=leaf.pk).delete(),
        lambda: logged_in(UserFactory()).post(reverse("annotation-create"), note, headers=HX),
    )
    assert held is None and response.status_code == 400
    assert "No such node" in response.content.decode()
    assert not Annotation.objects.exists()


def test_deleting_a_node_being_annotated_waits_and_detaches_the_annotation(leaf):
    alice = UserFactory()
    error, held = race(
        lambda: AnnotationFactory(author=alice, node=leaf, body="first"),
        lambda: Node.objects.filter(pk=leaf.pk).delete(),
    )
    assert held is None and not isinstance(error, Exception)
    assert not Node.objects.filter(pk=leaf.pk).exists()
    (annotation,) = Annotation.objects.all()
    assert annotation.is_detached and annotation.body == "first"


def test_accepting_a_proposal_for_a_node_being_deleted_says_so(leaf):
    proposal = ProposalFactory(target=leaf)
    result, held = race(
        lambda: Node.objects.get(pk=leaf.pk).delete(),
        lambda: Proposal.objects.get(pk=proposal.pk).accept(UserFactory()),
    )
    assert held is None and isinstance(result, ValidationError)
    assert "deleted meanwhile" in result.messages[0]
    assert Proposal.objects.get().state == Proposal.State.PENDING
    assert not Node.objects.filter(parent=leaf.pk).exists()


def test_deleting_a_node_while_a_proposal_is_accepted_under_it_is_refused(leaf):
    proposal = ProposalFactory(target=leaf)
    curator = UserFactory()
    result, held = race(
        lambda: Proposal.objects.get(pk=proposal.pk).accept(curator),
        lambda: Node.objects.get(pk=leaf.pk).delete(),
    )
    assert held is None and type(result).__name__ == "RestrictedError"
    assert Proposal.objects.get().state == Proposal.State.ACCEPTED
    assert Node.objects.filter(parent=leaf).count() == 1


def test_accepting_a_proposal_whose_annotation_is_being_deleted_keeps_its_passage(leaf):
    # The proposal holds its own copy of the passage: the annotation's deletion detaches it.
    proposal = ProposalFactory(target=leaf)
    result, held = race(
        lambda: Annotation.objects.get(pk=proposal.annotation_id).delete(),
        lambda: Proposal.objects.get(pk=proposal.pk).accept(UserFactory()),
    )
    assert held is None and isinstance(result, Node)
    assert result.anchors.get().exact == proposal.exact
    stored = Proposal.objects.get()
    assert (stored.state, stored.annotation, stored.created_node) == ("accepted", None, result)


def test_suggesting_a_passage_for_a_node_being_deleted_saves_nothing(leaf):
    anchor = AnchorFactory(node=leaf.parent)  # the form offers the nodes of maps quoting it
    source, annotation = anchor.source, PassageAnnotationFactory.build(source=anchor.source)
    form = {
        "start": annotation.start, "end": annotation.end, "exact": annotation.exact,
        "prefix": annotation.prefix, "suffix": annotation.suffix, "kind": "comment",
        "body": "Belongs there.", "visibility": "public", "target": leaf.pk,
        "relation": "supports", "proposed_text": "It shows the point.",
    }  # fmt: skip
    url = reverse("passage-annotation-create", args=[source.slug])
    response, held = race(
        lambda: Node.objects.get(pk=leaf.pk).delete(),
        lambda: logged_in(UserFactory()).post(url, form, headers=HX),
    )
    assert held is None and response.status_code == 400
    assert "deleted meanwhile" in response.content.decode()
    assert not Annotation.objects.exists() and not Proposal.objects.exists()


def test_merging_a_proposal_into_a_node_being_deleted_says_so(leaf):
    proposal, other = ProposalFactory(target=leaf), NodeFactory(map=leaf.map, parent=leaf.parent)
    result, held = race(
        lambda: Node.objects.get(pk=other.pk).delete(),
        lambda: Proposal.objects.get(pk=proposal.pk).merge(UserFactory(), other),
    )
    assert held is None and isinstance(result, ValidationError)
    assert "deleted meanwhile" in result.messages[0]
    assert Proposal.objects.get().state == Proposal.State.PENDING


def test_deleting_a_node_while_a_proposal_is_merged_into_it_waits_and_takes_its_anchor(leaf):
    proposal, other = ProposalFactory(target=leaf), NodeFactory(map=leaf.map, parent=leaf.parent)
    result, held = race(
        lambda: Proposal.objects.get(pk=proposal.pk).merge(UserFactory(), other),
        lambda: Node.objects.get(pk=other.pk).delete(),
    )
    assert held is None and not isinstance(result, Exception)
    stored = Proposal.objects.get()
    assert (stored.state, stored.merged_into) == ("merged", None)
    assert not Node.objects.filter(pk=other.pk).exists()
