"""The map's open state in its address (issue 13, item 5): ?open=, &branch=, &closed=.

A small map of our own, so every open and closed node is known:

    thesis ─ a ─ a1 ─ a1x ─ a1y
           │   └ a2
           └ b ─ b1
"""

import re
from html import unescape

import pytest
from django.core.cache import caches
from django.http import QueryDict

from argmap.debates import tree
from argmap.debates.tree import MAX_BRANCHES, MAX_KEYS, OpenState

from ..conftest import HX, cached_entries
from ..factories import MapFactory, NodeFactory


@pytest.fixture
def small_map(db):
    argmap = MapFactory(slug="small")
    thesis = NodeFactory(map=argmap, key="thesis", kind="thesis", relation="", parent=None)
    nodes = {"thesis": thesis}
    for key, parent in [
        ("a", "thesis"),
        ("b", "thesis"),
        ("a1", "a"),
        ("a2", "a"),
        ("a1x", "a1"),
        ("a1y", "a1x"),
        ("b1", "b"),
    ]:
        nodes[key] = NodeFactory(map=argmap, key=key, parent=nodes[parent])
    return argmap


def shown(client, query="", headers=None, path="/maps/small/"):
    response = client.get(f"{path}{query}", headers=headers or {})
    assert response.status_code == 200
    html = response.content.decode()
    keys = re.findall(r'<li id="node-([-\w]+)"', html)
    expanded = dict(re.findall(r'id="toggle-([-\w]+)".*?aria-expanded="(\w+)"', html, re.S))
    return html, keys, {key for key, value in expanded.items() if value == "true"}


def href(html, element_id):
    return unescape(re.search(rf'<a id="{element_id}"[^>]*href="([^"]*)"', html, re.S).group(1))


def test_the_address_is_read_sorted_unique_and_capped():
    state = OpenState.from_query(QueryDict("open=b,a,a&open=c&branch=x,x&closed=&focus=d"))
    assert state == OpenState(("a", "b", "c", "d"), ("x",), ())
    assert state.query() == "open=a,b,c,d&branch=x"
    assert OpenState.from_query(QueryDict("open=d,c,b,a&branch=x")).cache_key() == (
        state.cache_key()
    )
    # Not a key (no such characters in a slug): dropped, never looked up.
    assert OpenState.from_query(QueryDict("open=a;drop table,<b>,ok")).opened == ("ok",)
    many = ",".join(f"k{number:03d}" for number in range(500))
    capped = OpenState.from_query(QueryDict(f"open={many}&branch={many}&closed={many}"))
    assert (len(capped.opened), len(capped.branches), len(capped.closed)) == (
        MAX_KEYS,
        MAX_BRANCHES,
        MAX_KEYS,
    )


def test_open_keys_open_their_paths_and_nothing_else(client, small_map):
    _html, keys, expanded = shown(client, "?open=a1,b")
    assert sorted(keys) == ["a", "a1", "a1x", "a2", "b", "b1", "thesis"]
    assert expanded == {"thesis", "a", "a1", "b"}


def test_a_branch_opens_end_to_end_and_closed_keys_close_inside_it(client, small_map):
    html, keys, expanded = shown(client, "?branch=a")
    assert sorted(keys) == ["a", "a1", "a1x", "a1y", "a2", "b", "thesis"]
    assert re.search(r'<li id="node-a"\s+class="[^"]*"\s+data-branch', html)
    _html, keys, expanded = shown(client, "?branch=a&closed=a1")
    assert sorted(keys) == ["a", "a1", "a2", "b", "thesis"]
    assert expanded == {"thesis", "a"}
    _html, keys, _expanded = shown(client, "?closed=thesis")
    assert keys == ["thesis"]


def test_the_whole_map_as_a_branch_reloads_as_the_whole_map(client, small_map):
    html, keys, _expanded = shown(client)
    assert href(html, "branch-thesis") == "/maps/small/?branch=thesis#node-thesis"
    _html, keys, _expanded = shown(client, "?branch=thesis")
    assert len(keys) == small_map.nodes.count()


def test_without_javascript_each_toggle_links_to_the_state_it_makes(client, small_map):
    html, _keys, _expanded = shown(client, "?open=a1,b")
    assert href(html, "toggle-a1x") == "/maps/small/?open=a1x,b#node-a1x"
    assert href(html, "toggle-a1") == "/maps/small/?open=a,b#node-a1"
    assert href(html, "toggle-a") == "/maps/small/?open=b#node-a"
    assert href(html, "toggle-thesis") == "/maps/small/?closed=thesis#node-thesis"
    assert href(html, "branch-a") == "/maps/small/?open=b&branch=a#node-a"
    html, _keys, _expanded = shown(client, "?branch=a")
    assert href(html, "toggle-a1") == "/maps/small/?branch=a&closed=a1#node-a1"
    assert href(html, "toggle-a") == "/maps/small/#node-a"
    html, _keys, _expanded = shown(client, "?branch=a&closed=a1")
    assert href(html, "toggle-a1") == "/maps/small/?branch=a#node-a1"
    # Every link the page offers leads to a page that shows the node it lands on.
    links = re.findall(r'href="(/maps/small/[^"]*)#node-([-\w]+)"', html)
    assert len(links) >= 8
    for url, key in links:
        _html, keys, _expanded = shown(client, unescape(url).removeprefix("/maps/small/"))
        assert key in keys, url


def test_fragments_link_to_the_state_they_show(client, small_map):
    path = "/maps/small/tree/a/"
    html, keys, _expanded = shown(client, "?state=open", HX, path)
    assert keys == ["a", "a1", "a2"]
    assert href(html, "toggle-a1") == "/maps/small/?open=a1#node-a1"
    assert href(html, "toggle-a") == "/maps/small/#node-a"
    html, keys, _expanded = shown(client, "?state=branch", HX, path)
    assert re.search(r'<li id="node-a"\s+class="[^"]*"\s+data-branch', html)
    assert href(html, "toggle-a1x") == "/maps/small/?branch=a&closed=a1x#node-a1x"
    html, keys, _expanded = shown(client, "?state=closed", HX, path)
    assert keys == ["a"] and href(html, "toggle-a") == "/maps/small/?open=a#node-a"
    assert "data-branch" not in html


def test_without_htmx_a_fragment_address_lands_on_the_node_in_the_map(client, small_map):
    response = client.get("/maps/small/tree/a1/?state=open")
    assert response["Location"] == "/maps/small/?focus=a1#node-a1"


def tree_renderings() -> int:
    # The map's tree fragments ({% cache map-tree %}); whole responses for session-less
    # visitors (fragments.shared_response) are keyed by the address as asked, and are cheap.
    return sum(1 for key in cached_entries() if "template.cache.map-tree." in key)


def test_equal_states_share_one_cached_rendering(client, small_map):
    caches["fragments"].clear()
    shown(client, "?open=b,a1")
    entries = tree_renderings()
    assert entries == 1
    shown(client, "?open=a1,b,a1&branch=")
    assert tree_renderings() == entries
    shown(client, "?open=a1")
    assert tree_renderings() == entries + 1


def test_unknown_keys_are_left_out_but_an_unknown_focus_is_404(client, small_map):
    _html, keys, _expanded = shown(client, "?open=gone,a1&branch=gone&closed=gone")
    assert "a1x" in keys
    assert client.get("/maps/small/?focus=gone").status_code == 404


def test_branches_open_end_to_end_only_within_one_limit_together(client, small_map, monkeypatch):
    monkeypatch.setattr(tree, "BRANCH_LIMIT", 5)
    # a's branch is 5 nodes, b's 2: a is opened whole, b then only one level.
    _html, keys, expanded = shown(client, "?branch=a,b")
    assert "a1y" in keys and "b1" in keys
    assert "b" in expanded
    html, keys, _expanded = shown(client, "?branch=thesis")
    assert "a1" not in keys and "data-branch" not in html
