"""Moving and reordering nodes in the admin, without cycles."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError

from argmap.debates.models import Node

from ..curation_support import form_data, node_change_url

# Moving and reordering nodes ------------------------------------------------------------


def test_moving_a_node_under_its_own_descendant_is_refused_and_nothing_is_saved(
    curator_client, seeded_map
):
    branch = Node.objects.get(key="analogy-fits")
    descendant = branch.children.first()
    data = form_data(curator_client.get(node_change_url(branch)))
    data["parent"] = descendant.pk
    response = curator_client.post(node_change_url(branch), data)
    assert response.status_code == 200
    assert "would make a cycle" in response.content.decode()
    branch.refresh_from_db()
    assert branch.parent.key == "thesis"
    assert not LogEntry.objects.exists()


def test_a_node_cannot_become_its_own_parent(seeded_map):
    node = Node.objects.get(key="analogy-fits")
    node.parent = node
    with pytest.raises(ValidationError) as raised:
        node.full_clean()
    assert "cycle" in raised.value.message_dict["parent"][0]


def test_a_moved_node_goes_last_among_its_new_siblings_and_the_move_is_logged(
    curator_client, seeded_map
):
    node = Node.objects.get(key="andreessen-sputnik-moment")
    new_parent = Node.objects.get(key="thesis").children.exclude(pk=node.parent_id).first()
    last = max(new_parent.children.values_list("position", flat=True))
    data = form_data(curator_client.get(node_change_url(node)))
    data["parent"] = new_parent.pk
    assert curator_client.post(node_change_url(node), data).status_code == 302
    node.refresh_from_db()
    assert (node.parent, node.position) == (new_parent, last + 1)
    entry = LogEntry.objects.get(object_id=str(node.pk))
    assert (entry.user.username, entry.action_flag) == ("curator", CHANGE)
    assert entry.get_change_message() == "Changed parent."


def test_siblings_are_reordered_through_the_parents_children_inline(curator_client, seeded_map):
    parent = Node.objects.get(key="analogy-fits")
    first, second = list(parent.children.order_by("position", "pk"))[:2]
    data = form_data(curator_client.get(node_change_url(parent)))
    for index in range(int(data["children-TOTAL_FORMS"])):
        if data[f"children-{index}-id"] == first.pk:
            data[f"children-{index}-position"] = second.position + 1
    assert curator_client.post(node_change_url(parent), data).status_code == 302
    assert list(parent.children.order_by("position", "pk"))[:2] == [second, first]


def test_the_node_list_shows_paths_from_the_thesis_without_a_query_per_row(
    curator_client, seeded_map, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = curator_client.get("/admin/debates/node/")
    page = response.content.decode()
    assert "thesis › analogy-fits" in page
    assert len(response.context["cl"].result_list) == Node.objects.count()


def test_the_node_list_searches_quotes_and_filters_by_source_and_speaker(
    curator_client, seeded_map
):
    found = curator_client.get("/admin/debates/node/", {"q": "group chat on fire"})
    assert [node.key for node in found.context["cl"].result_list] == ["r1-caused-shock"]
    commenters = curator_client.get("/admin/debates/node/", {"speaker": "a reader commenter"})
    assert all(
        "a reader commenter" in {anchor.speaker for anchor in node.anchors.all()}
        for node in commenters.context["cl"].result_list
    )
    by_source = curator_client.get("/admin/debates/node/", {"source": "not-sputnik-blog"})
    assert by_source.context["cl"].result_count > 0
    assert curator_client.get("/admin/debates/node/", {"kind": "evidence"}).status_code == 200
