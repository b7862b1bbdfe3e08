"""The curators' three decisions on a proposal, and the stale ones refused with a message."""

import pytest
from django.core.exceptions import ValidationError

from argmap.accounts.models import Notification
from argmap.annotations.models import Proposal
from argmap.debates.models import Link

from ..factories import NodeFactory, SourceFactory, UserFactory


@pytest.fixture
def curator_user(db):
    return UserFactory(username="curator", is_staff=True)


def make(alice, node, source=None, **fields):
    proposal = Proposal(proposer=alice, map=node.map, target=node, relation="opposes")
    proposal.text = "The chips were not cheap."
    for name, value in fields.items():
        setattr(proposal, name, value)
    if source is not None:
        start = source.text.index("Critics said")
        proposal.select(source, start, start + len("Critics said the cost figure"))
    proposal.submit(10)
    return proposal


def test_accept_creates_the_node_with_its_anchor_and_tells_the_proposer(alice, node, curator_user):
    source = SourceFactory()
    proposal = make(alice, node, source)
    created = proposal.accept(curator_user, text="The chips were not cheap, critics said.")
    assert (created.parent, created.relation, created.text) == (
        node,
        "opposes",
        "The chips were not cheap, critics said.",
    )
    (anchor,) = created.anchors.all()
    assert anchor.exact == "Critics said the cost figure" and anchor.matches_source()
    proposal.refresh_from_db()
    assert (proposal.state, proposal.created_node, proposal.decided_by) == (
        "accepted",
        created,
        curator_user,
    )
    (notice,) = Notification.objects.filter(user=alice)
    assert "accepted" in notice.text and notice.read_at is None


def test_a_curated_map_needs_a_passage_to_accept_a_new_node(alice, node, curator_user):
    proposal = make(alice, node)
    with pytest.raises(ValidationError, match="quotes no passage"):
        proposal.accept(curator_user)
    assert Proposal.objects.get().state == "pending"


def test_accepting_a_link_creates_it(alice, node, thesis, curator_user):
    far = NodeFactory(map=node.map, parent=thesis)
    proposal = make(alice, node, relation="contradicts", other=far)
    proposal.accept(curator_user)
    assert Link.objects.get().kind == "contradicts"


def test_merge_adds_the_passage_to_the_node_it_repeats(alice, node, curator_user):
    source = SourceFactory()
    proposal = make(alice, node, source)
    proposal.merge(curator_user, node)
    assert node.anchors.filter(source=source).count() == 1
    assert Proposal.objects.get().merged_into == node
    proposal.refresh_from_db()
    assert "merged" in Notification.objects.get(user=alice).text


def test_reject_needs_a_reason_the_proposer_reads(alice, node, curator_user):
    proposal = make(alice, node)
    with pytest.raises(ValidationError, match="Say why"):
        proposal.reject(curator_user, "  ")
    proposal.reject(curator_user, "It repeats the parent.")
    assert Proposal.objects.get().reason == "It repeats the parent."
    assert "It repeats the parent." in Notification.objects.get(user=alice).text


def test_stale_decisions_are_refused_with_a_message(alice, node, thesis, curator_user):
    proposal = make(alice, node, SourceFactory())
    stale = Proposal.objects.get(pk=proposal.pk)  # a second curator's copy, loaded before
    proposal.reject(curator_user, "No.")
    for decide in (
        lambda: stale.accept(curator_user),
        lambda: stale.merge(curator_user, node),
        lambda: stale.reject(curator_user, "Also no."),
    ):
        with pytest.raises(ValidationError, match="already rejected"):
            decide()
    gone = make(alice, NodeFactory(map=node.map, parent=thesis), SourceFactory())
    gone.target.delete()
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        Proposal.objects.get(pk=gone.pk).accept(curator_user)
    assert Notification.objects.filter(user=alice).count() == 1
