"""Moving and reordering nodes in the admin, without cycles."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command

from argmap.debates.admin import NodeAdmin
from argmap.debates.models import ArgumentMap, Node

from ..curation_support import form_data, node_change_url
from ..factories import MapFactory, NodeFactory

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
    # One page, never every row at once.
    assert len(response.context["cl"].result_list) == NodeAdmin.list_per_page


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


# The node list: tree order, a page at a time; the parent by autocomplete ------------------

CHANGELIST = "/admin/debates/node/"


def tree_order(argmap):
    """Every node of the map depth first, siblings by position: what the list must show."""
    children = {}
    for node in argmap.nodes.order_by("position", "pk"):
        children.setdefault(node.parent_id, []).append(node)
    order, todo = [], list(reversed(children[None]))
    while todo:
        node = todo.pop()
        order.append(node.key)
        todo += reversed(children.get(node.pk, []))
    return order


def listed_keys(response):
    return [node.key for node in response.context["cl"].result_list]


def test_the_node_list_of_a_map_is_in_tree_order_a_page_at_a_time(curator_client, seeded_map):
    url, shown, pages = f"{CHANGELIST}?map__id__exact={seeded_map.pk}", [], 0
    while url:
        response = curator_client.get(url)
        assert response.status_code == 200
        keys = listed_keys(response)
        assert 0 < len(keys) <= NodeAdmin.list_per_page
        shown += keys
        pages += 1
        next_url = response.context["cl"].tree_next_url
        url = f"{CHANGELIST}{next_url}" if next_url else None
    assert shown == tree_order(seeded_map)
    assert pages == -(-seeded_map.nodes.count() // NodeAdmin.list_per_page)
    html = response.content.decode()
    assert "Back to the thesis" in html and "Next 100 in tree order" not in html
    # Each row still shows its path from the thesis.
    deepest = response.context["cl"].result_list[len(keys) - 1]
    chain = [node.key for node in Node.objects.ancestors_of(deepest)]
    assert f'<td class="field-path_from_thesis">{" › ".join(chain)}</td>' in html


def test_searching_or_sorting_the_node_list_leaves_tree_order(curator_client, seeded_map):
    response = curator_client.get(f"{CHANGELIST}?q=chips")
    assert response.context["cl"].tree_next_url is None
    assert all(
        "chips" in node.text.lower() or node.anchors.exists()
        for node in response.context["cl"].result_list
    )
    keys = listed_keys(curator_client.get(f"{CHANGELIST}?o=1"))
    assert keys == sorted(keys)
    # A cursor that is not a node starts from the thesis again.
    assert listed_keys(curator_client.get(f"{CHANGELIST}?after=x"))[0] == "thesis"


@pytest.mark.parametrize("size", [300, 3000])
def test_a_page_of_the_node_list_costs_the_same_queries_at_any_size(
    size, curator_client, django_assert_max_num_queries
):
    call_command("generate_map", nodes=size, slug=f"admin-{size}", verbosity=0)
    argmap = ArgumentMap.objects.get(slug=f"admin-{size}")
    url = f"{CHANGELIST}?map__id__exact={argmap.pk}"
    first = curator_client.get(url)
    second_url = f"{CHANGELIST}{first.context['cl'].tree_next_url}"
    # A query a generation and one to resume: a few per level of the map, none per row.
    with django_assert_max_num_queries(30) as captured:
        response = curator_client.get(second_url)
    assert len(listed_keys(response)) == NodeAdmin.list_per_page
    print(f"{size} nodes: {len(captured)} queries for the second page")


def test_each_position_input_is_labelled_with_its_node(curator_client, seeded_map):
    html = curator_client.get(f"{CHANGELIST}?map__id__exact={seeded_map.pk}").content.decode()
    assert 'aria-label="Position of thesis"' in html
    assert html.count('aria-label="Position of ') == NodeAdmin.list_per_page


def test_the_parent_is_chosen_by_autocomplete_among_the_nodes_of_the_same_map(
    curator_client, seeded_map
):
    node = Node.objects.get(key="analogy-fits")
    other = NodeFactory(map=MapFactory(), key="analogy-elsewhere", parent=None, relation="")
    html = curator_client.get(node_change_url(node)).content.decode()
    parent = re.search(r'<select name="parent"[^>]*>.*?</select>', html, re.S).group(0)
    assert "admin-autocomplete" in parent and parent.count("<option") <= 2
    found = curator_client.get(
        "/admin/autocomplete/",
        {"term": "analogy", "app_label": "debates", "model_name": "node", "field_name": "parent"},
        headers={"Referer": f"http://testserver{node_change_url(node)}"},
    ).json()["results"]
    ids = {int(result["id"]) for result in found}
    assert ids and other.pk not in ids
    assert set(Node.objects.filter(pk__in=ids).values_list("map", flat=True)) == {node.map_id}
    # Elsewhere (the add page), every map's nodes.
    found = curator_client.get(
        "/admin/autocomplete/",
        {"term": "analogy", "app_label": "debates", "model_name": "node", "field_name": "parent"},
    ).json()["results"]
    assert other.pk in {int(result["id"]) for result in found}
