"""The curators' queue: each proposal with its context, decided in the admin in three clicks
(open it, choose, save), stale decisions refused with a message, never a 500."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from argmap.accounts.models import Notification
from argmap.annotations.models import Annotation, Proposal
from argmap.debates.models import Node

from ..curation_support import form_data
from ..factories import AnchorFactory, NodeFactory, ProposalFactory, ThesisFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_url(proposal):
    return f"/admin/annotations/proposal/{proposal.pk}/change/"


def decide(client, proposal, follow=False, **fields):
    data = form_data(client.get(change_url(proposal)))
    data.update(fields)
    return client.post(change_url(proposal), data, follow=follow)


def test_the_queue_lists_pending_proposals_first(curator_client):
    decided = ProposalFactory(text="Decided already.", state=Proposal.State.REJECTED)
    pending = ProposalFactory(text="Waiting for a curator.")
    html = curator_client.get("/admin/annotations/proposal/").content.decode()
    assert html.index(pending.text) < html.index(decided.text)


def test_a_proposal_shows_its_target_parent_siblings_passage_and_similar_nodes(curator_client):
    thesis = ThesisFactory()
    target = NodeFactory(map=thesis.map, parent=thesis, text="Cheap chips made the model.")
    sibling = NodeFactory(map=thesis.map, parent=thesis, text="A sibling of the target.")
    twin = NodeFactory(map=thesis.map, parent=sibling, text="Critics doubt the cost figure.")
    proposal = ProposalFactory(target=target, text="Critics doubt the cost figures given.")
    html = curator_client.get(change_url(proposal)).content.decode()
    for text in (thesis.text, target.text, sibling.text, twin.text):
        assert text in html
    assert f"<mark>{proposal.exact}</mark>" in html
    assert f'value="merge:{twin.pk}"' in html  # merging into a similar node is one choice
    assert '<textarea name="text"' in html


def test_accepting_adds_the_node_with_its_anchor_and_credits_the_proposer(curator_client, curator):
    proposal = ProposalFactory(annotation__author__username="alice", text="Critics doubt the cost.")
    response = decide(curator_client, proposal, decision="accept", text="Critics doubt it.")
    assert response.status_code == 302
    proposal.refresh_from_db()
    node = proposal.created_node
    assert (proposal.state, proposal.decided_by, node.text) == (
        "accepted",
        curator,
        "Critics doubt it.",
    )
    assert (node.parent, node.relation) == (proposal.target, "opposes")
    assert node.anchors.get().exact == proposal.exact
    added = LogEntry.objects.get(object_id=str(node.pk), action_flag=ADDITION)
    assert f"proposal #{proposal.pk}" in added.get_change_message()
    assert Notification.objects.get(user__username="alice").text.endswith("it is now in the map.")


def test_merging_into_a_similar_node_anchors_the_passage_there(curator_client):
    thesis = ThesisFactory()
    twin = NodeFactory(map=thesis.map, parent=thesis, text="Critics doubt the cost figure.")
    AnchorFactory(node=twin)
    proposal = ProposalFactory(target=thesis, text="Critics doubt the cost figures.")
    assert decide(curator_client, proposal, decision=f"merge:{twin.pk}").status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.merged_into) == ("merged", twin)
    assert twin.anchors.filter(source=proposal.source, start=proposal.start).exists()


def test_merging_by_key(curator_client):
    proposal = ProposalFactory()
    other = NodeFactory(map=proposal.map, parent=proposal.target, key="elsewhere")
    response = decide(curator_client, proposal, merge_key="nope")
    assert response.status_code == 200 and "This map has no node" in response.content.decode()
    assert decide(curator_client, proposal, merge_key="elsewhere").status_code == 302
    assert Proposal.objects.get().merged_into == other


def test_rejecting_needs_a_reason_the_proposer_reads(curator_client, client):
    proposal = ProposalFactory()
    response = decide(curator_client, proposal, decision="reject", reason="")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reason"]
    assert Proposal.objects.get().state == "pending"
    reason = "The map already has this point under the cost branch."
    assert decide(curator_client, proposal, decision="reject", reason=reason).status_code == 302
    client.force_login(proposal.proposer)
    assert reason in client.get("/accounts/proposals/").content.decode()


def test_a_decision_already_taken_is_refused_with_a_message(curator_client, curator):
    proposal = ProposalFactory()
    data = form_data(curator_client.get(change_url(proposal)))  # the page as first loaded
    Proposal.objects.get(pk=proposal.pk).reject(curator, "Another curator was first.")
    data["decision"] = "accept"
    response = curator_client.post(change_url(proposal), data)
    assert response.status_code == 200
    assert "already rejected" in response.content.decode()
    assert (
        Proposal.objects.get().state == "rejected"
        and not Node.objects.filter(parent=proposal.target, relation="opposes").exists()
    )


def test_a_decision_on_a_deleted_target_is_refused_with_a_message(curator_client):
    proposal = ProposalFactory()
    data = form_data(curator_client.get(change_url(proposal)))
    proposal.target.delete()
    data["decision"] = "accept"
    response = curator_client.post(change_url(proposal), data)
    assert response.status_code == 200 and "deleted" in response.content.decode()
    assert Proposal.objects.get().state == "pending"


def test_a_race_lost_after_the_form_was_checked_is_a_message_not_a_500(curator_client, monkeypatch):
    proposal = ProposalFactory()
    data = form_data(curator_client.get(change_url(proposal)))
    data["decision"] = "accept"
    original = Proposal.check_decidable
    calls = []

    def decided_meanwhile(self):
        calls.append(1)
        if len(calls) > 1:  # the form checked it; another curator decides before the save
            Proposal.objects.filter(pk=self.pk).update(state="rejected")
            self.state = "rejected"
        return original(self)

    monkeypatch.setattr(Proposal, "check_decidable", decided_meanwhile)
    response = curator_client.post(change_url(proposal), data, follow=True)
    assert response.status_code == 200
    assert "already rejected" in response.content.decode()


def test_a_passage_proposal_from_the_reader_is_a_claim_or_evidence(client):
    thesis = ThesisFactory()
    anchor = AnchorFactory(node=thesis)
    source = anchor.source
    client.force_login(UserFactory())
    for relation, kind in (("opposes", "claim"), ("supports", "evidence")):
        start, end = 0, 10
        client.post(
            f"/sources/{source.slug}/annotations/",
            {
                "start": start,
                "end": end,
                "exact": source.text[start:end],
                "prefix": "",
                "suffix": source.text[end : end + 32],
                "kind": "comment",
                "body": "Worth a node.",
                "visibility": "public",
                "target": thesis.pk,
                "relation": relation,
                "proposed_text": "A sentence for the map.",
            },
        )
        proposal = Proposal.objects.latest("pk")
        assert (proposal.kind, proposal.annotation.exact) == (kind, source.text[start:end])
        assert (proposal.start, proposal.end) == (start, end)


def test_a_proposal_never_shows_a_private_annotations_body(curator_client):
    proposal = ProposalFactory(annotation__body="My private thoughts.")
    Annotation.objects.filter(pk=proposal.annotation_id).update(visibility="private")
    assert "My private thoughts." not in curator_client.get(change_url(proposal)).content.decode()
