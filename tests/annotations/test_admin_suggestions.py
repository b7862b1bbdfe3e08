"""Curators accept or reject readers' suggestions."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError

from argmap.annotations.models import Annotation, Suggestion
from argmap.debates.models import Node

from ..curation_support import form_data
from ..factories import NodeFactory, SuggestionFactory, ThesisFactory

# Suggestions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_a_suggestion_adds_the_node_and_anchor_under_the_target(curator):
    suggestion = SuggestionFactory(proposed_text="Critics doubt the cost figure.")
    node = suggestion.accept(curator)
    assert (node.parent, node.relation, node.kind) == (
        suggestion.target,
        Node.Relation.OPPOSES,
        Node.Kind.EVIDENCE,
    )
    assert node.map == suggestion.target.map
    assert node.key == "critics-doubt-the-cost-figure"
    anchor = node.anchors.get()
    annotation = suggestion.annotation
    assert (anchor.source, anchor.start, anchor.end, anchor.exact) == (
        annotation.source,
        annotation.start,
        annotation.end,
        annotation.exact,
    )
    assert anchor.matches_source()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED
    assert (suggestion.reviewed_by, suggestion.created_node) == (curator, node)
    assert suggestion.reviewed_at is not None
    with pytest.raises(ValidationError):
        suggestion.accept(curator)
    assert Node.objects.filter(text="Critics doubt the cost figure.").count() == 1


@pytest.mark.django_db
def test_a_suggestion_whose_passage_no_longer_matches_adds_nothing(curator):
    suggestion = SuggestionFactory()
    Annotation.objects.filter(pk=suggestion.annotation_id).update(exact="something else")
    suggestion.refresh_from_db()
    nodes = Node.objects.count()
    with pytest.raises(ValidationError, match="no longer matches"):
        suggestion.accept(curator)
    assert Node.objects.count() == nodes
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING


@pytest.mark.django_db
def test_an_undercut_is_accepted_only_under_a_node_with_a_parent(curator):
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis)
    refused = SuggestionFactory(target=claim.parent, relation=Node.Relation.UNDERCUTS)
    with pytest.raises(ValidationError, match="Only a node with a parent can be undercut"):
        refused.accept(curator)
    assert not Node.objects.filter(text=refused.proposed_text).exists()
    node = SuggestionFactory(target=claim, relation=Node.Relation.UNDERCUTS).accept(curator)
    assert (node.parent, node.relation) == (claim, Node.Relation.UNDERCUTS)


@pytest.mark.django_db
def test_accepting_in_the_admin_credits_the_suggester_in_the_log(curator_client):
    suggestion = SuggestionFactory(annotation__author__username="alice")
    url = f"/admin/annotations/suggestion/{suggestion.pk}/change/"
    data = form_data(curator_client.get(url))
    data["decision"] = "accept"
    response = curator_client.post(url, data)
    assert response.status_code == 302
    suggestion.refresh_from_db()
    node = suggestion.created_node
    assert node.parent == suggestion.target
    added = LogEntry.objects.get(object_id=str(node.pk), action_flag=ADDITION)
    assert "by alice" in added.get_change_message()
    accepted = LogEntry.objects.get(object_id=str(suggestion.pk), action_flag=CHANGE)
    assert accepted.get_change_message().startswith("Accepted")


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_records_it_for_the_suggester(curator_client, curator):
    suggestion = SuggestionFactory()
    url = f"/admin/annotations/suggestion/{suggestion.pk}/change/"
    data = form_data(curator_client.get(url))
    data.update(decision="reject", reason="")
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reason"]
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING

    data["reason"] = "The map already has this point under the cost branch."
    assert curator_client.post(url, data).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.reason == "The map already has this point under the cost branch."
    assert suggestion.reviewed_by == curator
    assert suggestion.suggested_by.suggestions.get().reason == suggestion.reason
    entry = LogEntry.objects.get(object_id=str(suggestion.pk))
    assert entry.get_change_message() == f"Rejected: {suggestion.reason}"


@pytest.mark.django_db
def test_reject_without_a_reason_changes_nothing(curator):
    suggestion = SuggestionFactory()
    with pytest.raises(ValidationError):
        suggestion.reject(curator, "   ")
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING


@pytest.mark.django_db
def test_the_accept_action_accepts_each_pending_suggestion(curator_client):
    pending, done = SuggestionFactory(), SuggestionFactory(status=Suggestion.Status.REJECTED)
    response = curator_client.post(
        "/admin/annotations/suggestion/",
        {"action": "accept_selected", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Accepted 1 suggestion(s)." in page
    assert "was not accepted: This suggestion was already rejected." in page
    pending.refresh_from_db()
    assert pending.created_node is not None


# Review context (issue 13, item 13) ----------------------------------------------------------


@pytest.mark.django_db
def test_the_suggestion_page_shows_the_suggesters_annotation_and_a_textarea(curator_client):
    suggestion = SuggestionFactory(annotation__body="The *key* passage, in my view.")
    suggestion.annotation.save()  # renders body_html
    html = curator_client.get(f"/admin/annotations/suggestion/{suggestion.pk}/change/")
    html = html.content.decode()
    assert "The <em>key</em> passage, in my view." in html
    assert '<textarea name="proposed_text"' in html


@pytest.mark.django_db
def test_accepting_links_to_the_new_node(curator_client):
    suggestion = SuggestionFactory()
    url = f"/admin/annotations/suggestion/{suggestion.pk}/change/"
    data = form_data(curator_client.get(url))
    data["decision"] = "accept"
    page = curator_client.post(url, data, follow=True).content.decode()
    suggestion.refresh_from_db()
    node = suggestion.created_node
    assert f'<a href="{node.get_absolute_url()}">' in page
    assert f'href="/admin/debates/node/{node.pk}/change/"' in page


@pytest.mark.django_db
def test_a_suggested_rebuttal_is_a_claim_and_support_is_evidence(client):
    from argmap.debates.models import Source

    from ..factories import AnchorFactory, ThesisFactory, UserFactory

    thesis = ThesisFactory()
    anchor = AnchorFactory(node=thesis)
    source: Source = anchor.source
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
        assert Suggestion.objects.latest("pk").kind == kind
