"""The vote endpoint as readers use it, and strengths on the map's pages."""

import re

import pytest
from django.urls import reverse

from argmap.debates import fragments
from argmap.evaluation import strengths
from argmap.evaluation.models import Vote

from ..conftest import HX, cached_entries
from ..factories import (
    AnchorFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
    UserFactory,
    thesis_with_children,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return thesis_with_children(
        "votes", ("weak", "supports"), ("strong", "supports"), ("con", "opposes")
    )


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    return user


def vote_url(key, slug="votes"):
    return reverse("vote", args=[slug, key])


def test_a_vote_without_javascript_is_stored_and_redirects_back(client, alice, tree):
    page = reverse("node", args=["votes", "weak"])
    response = client.post(
        vote_url("weak"), {"acceptability": "3", "relevance": "1"}, headers={"Referer": page}
    )
    assert response.status_code == 302 and response["Location"].endswith(page)
    vote = Vote.objects.get()
    assert (vote.user, vote.node.key, vote.acceptability, vote.relevance) == (alice, "weak", 3, 1)


def test_a_vote_without_the_csrf_token_is_refused_and_stores_nothing(alice, tree):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(alice)
    assert guarded.post(vote_url("weak"), {"acceptability": "3"}).status_code == 403
    assert not Vote.objects.exists()


def test_a_vote_with_htmx_answers_the_panel_with_the_distribution(client, alice, tree):
    for value in (0, 4):
        Vote.objects.cast(UserFactory(), tree[1]["con"], {"acceptability": value})
    before = client.get(vote_url("con"), headers=HX).content.decode()
    assert "How others voted shows once you have voted" in before
    assert "How everyone voted" not in before
    response = client.post(vote_url("con"), {"acceptability": "2"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="vote-panel-' in html and "Your vote is saved" in html
    assert "How everyone voted" in html
    assert re.search(
        r"0: 1</span>\s*<span class=\"vote-count\">1: 0</span>\s*<span class=\"vote-count\">2: 1",
        html,
    )
    assert re.search(r'value="2"\s+checked', html)


def test_a_field_left_out_stays_and_an_empty_one_withdraws(client, alice, tree):
    client.post(vote_url("weak"), {"acceptability": "4", "relevance": "2"})
    client.post(vote_url("weak"), {"acceptability": "1"})
    assert Vote.objects.values_list("acceptability", "relevance").get() == (1, 2)
    client.post(vote_url("weak"), {"relevance": ""})
    assert Vote.objects.values_list("acceptability", "relevance").get() == (1, None)


@pytest.mark.parametrize(
    ("key", "data", "message"),
    [
        ("weak", {"acceptability": "5"}, "from 0 to 4"),
        ("weak", {"acceptability": "-1"}, "from 0 to 4"),
        ("weak", {"relevance": "²"}, "from 0 to 4"),
        ("weak", {"acceptability": "2", "relevance": "x"}, "from 0 to 4"),
        ("thesis", {"relevance": "3"}, "no relevance vote"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_stores_nothing(
    client, alice, tree, key, data, message
):
    response = client.post(vote_url(key), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Vote.objects.exists()


def test_a_node_of_another_map_is_a_400_an_unknown_node_a_404(client, alice, tree):
    other = MapFactory(slug="other")
    NodeFactory(map=other, parent=ThesisFactory(map=other), key="elsewhere")
    assert client.post(vote_url("elsewhere"), {"acceptability": "1"}).status_code == 400
    assert client.post(vote_url("nowhere"), {"acceptability": "1"}).status_code == 404
    assert client.post(vote_url("weak", "no-map"), {"acceptability": "1"}).status_code == 404
    assert not Vote.objects.exists()


def test_anonymous_voters_go_to_log_in_and_come_back(client, tree):
    page = reverse("node", args=["votes", "weak"])
    response = client.post(vote_url("weak"), {"acceptability": "1"}, headers={"Referer": page})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert not Vote.objects.exists()


def test_voting_is_rate_limited(client, alice, tree, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "vote": (2, 60)}
    statuses = [client.post(vote_url("weak"), {"acceptability": "1"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_vote_changes_no_structure_token(client, alice, tree):
    argmap = tree[0]
    token = fragments.current(argmap)
    client.post(vote_url("weak"), {"acceptability": "1"})
    assert fragments.current(argmap) == token


def test_a_claim_page_explains_its_strength_strongest_first(client, alice, tree):
    argmap, nodes = tree
    for _ in range(3):
        Vote.objects.cast(UserFactory(), nodes["strong"], {"acceptability": 4, "relevance": 4})
    html = client.get(reverse("node", args=["votes", "thesis"])).content.decode()
    explanation = html.split('id="explanation-heading"', 1)[1].split("</section>", 1)[0]
    assert "Base score" in explanation and "0 acceptability votes" in explanation
    assert explanation.index(nodes["strong"].text) < explanation.index(nodes["weak"].text)
    assert nodes["con"].text in explanation.split("Attackers", 1)[1]
    assert reverse("strength-how") in explanation
    assert 'id="vote"' in html and "Save vote" in html


def test_every_node_card_shows_strength_and_votes(client, tree):
    argmap, nodes = tree
    Vote.objects.cast(UserFactory(), nodes["weak"], {"acceptability": 0})
    html = client.get("/maps/votes/?open=thesis").content.decode()
    tree_html = html.split('id="perspectives-heading"')[0]
    assert tree_html.count('class="strength"') == 4
    assert "Strength 33%" in html and "1 vote" in html  # (1 + 0) / 3
    assert html.count('class="vote-toggle"') == 4


def test_the_sort_orders_each_side_by_effect_and_the_curated_order_stays_the_default(client, tree):
    argmap, nodes = tree
    for _ in range(2):
        Vote.objects.cast(UserFactory(), nodes["strong"], {"acceptability": 4})
    curated = client.get("/maps/votes/").content.decode()
    assert curated.index('id="node-weak"') < curated.index('id="node-strong"')
    by_strength = client.get("/maps/votes/?sort=strength").content.decode()
    assert by_strength.index('id="node-strong"') < by_strength.index('id="node-weak"')
    assert "sort=strength" in by_strength.split('id="node-thesis"', 1)[1]  # kept in links


def test_the_map_page_shows_the_thesis_under_every_perspective(client, seeded_map):
    html = client.get(seeded_map.get_absolute_url()).content.decode()
    table = html.split('class="perspective-table"', 1)[1].split("</table>", 1)[0]
    slugs = set(seeded_map.nodes.values_list("anchors__source__slug", flat=True)) - {None}
    assert "Everyone’s votes" in table and "The curators’ votes" in table
    assert all(f"?perspective=source%3A{slug}" in table for slug in slugs)
    assert table.count("<tr") == 1 + 2 + len(slugs)
    assert len(re.findall(r"Strength \d{1,3}%", table)) == 2 + len(slugs)
    # With no votes every base score is one half, so everyone and the curators agree, and
    # the documents do not all argue the same way.
    values = re.findall(r'value="(\d+)"', table)
    assert values[0] == values[1] and len(set(values[2:])) > 1


def test_a_perspective_is_named_and_kept_in_links(client, seeded_map):
    slug = seeded_map.nodes.values_list("anchors__source__slug", flat=True).exclude(
        anchors__source__slug=None
    )[0]
    html = client.get(f"{seeded_map.get_absolute_url()}?perspective=source:{slug}").content.decode()
    assert "Showing strengths under <strong>as “" in html
    assert f"perspective=source%3A{slug}" in html.split('id="argument-tree"', 1)[1]


def diagram_links(html):
    """Every page of the map the diagram page links to (its drawing and its list; not the
    map's downloads, which have no perspective)."""
    main = html.split('class="page-head diagram-head"', 1)[1]
    return [
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/maps/[^"]*)"', main)
        if not re.match(r"/maps/votes/(export|download)", href)
    ]


@pytest.mark.parametrize(
    "perspective, label",
    [("curators", "the curators’ votes"), ("source:votes-source", "as “Votes source” argues")],
)
def test_the_diagram_says_its_perspective_shows_each_strength_and_keeps_it_in_links(
    client, tree, perspective, label
):
    argmap, nodes = tree
    source = SourceFactory(slug="votes-source", title="Votes source")
    AnchorFactory(node=nodes["strong"], source=source, voice="asserts")
    html = client.get(f"/maps/votes/diagram/?perspective={perspective}").content.decode()
    assert f"Strengths under <strong>{label}</strong>" in html
    links = diagram_links(html)
    assert len(links) >= 5  # the claim, each child's diagram, the tree, the perspectives
    kept = "perspective=" + perspective.replace(":", "%3A")
    assert all(kept in link for link in links), [link for link in links if kept not in link]
    # Each drawn box and each item of the list shows its node's strength, in words.
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    outline = html.split('class="diagram-outline"', 1)[1]
    for box in nodes.values():
        drawn = svg.split(f'id="box-{box.key}"', 1)[1].split("</a>", 1)[0]
        assert re.search(r"Strength \d{1,3}% · 0 votes", drawn)
        listed = outline.split(f'data-box="box-{box.key}"', 1)[1].split("</li>", 1)[0]
        assert re.search(r"Strength \d{1,3}%", listed)
    strong = svg.split('id="box-strong"', 1)[1].split("</a>", 1)[0]
    if perspective.startswith("source:"):  # granted by its document: τ = 1
        assert "Strength 100%" in strong
    # The diagram's own links (the next focus) keep it too, from a branch's diagram.
    branch = client.get(f"/maps/votes/diagram/?focus=strong&perspective={perspective}")
    assert f"Strengths under <strong>{label}</strong>" in branch.content.decode()
    assert all(kept in link for link in diagram_links(branch.content.decode()))


def test_an_unknown_perspective_is_a_400(client, tree):
    assert client.get("/maps/votes/?perspective=nobody").status_code == 400
    assert client.get("/maps/votes/nodes/weak/?perspective=source:none").status_code == 400
    assert client.get("/maps/votes/diagram/?perspective=nobody").status_code == 400


@pytest.mark.parametrize(
    ("path", "heading", "weak_at", "shown"),
    [
        ("/maps/votes/?open=thesis", "Showing strengths under <strong>your votes", "node-weak",
         "Strength 67%"),
        ("/maps/votes/diagram/?", "Strengths under <strong>your votes</strong>", "box-weak",
         "Strength 67% · 1 vote"),
    ],
)  # fmt: skip
def test_mine_shows_only_my_votes_and_is_never_cached(
    client, alice, tree, path, heading, weak_at, shown
):
    argmap, nodes = tree
    Vote.objects.cast(UserFactory(), nodes["weak"], {"acceptability": 0})
    Vote.objects.cast(alice, nodes["weak"], {"acceptability": 4})
    html = client.get(f"{path}&perspective=mine").content.decode()
    assert heading in html
    weak = html.split(f'id="{weak_at}"', 1)[1]
    assert shown in weak  # (1 + 1) / 3, from alice's vote only
    assert not any("alice" in str(value) for value in cached_entries().values())


def test_the_how_page_says_how_strength_is_computed(client):
    html = client.get(reverse("strength-how")).content.decode()
    assert "(1 + the votes’ sum ÷ 4) ÷ (2 + the number of votes)" in html


@pytest.mark.parametrize(
    "path",
    [
        "/maps/votes/?open=thesis",
        "/maps/votes/?perspective=curators&sort=strength",
        "/maps/votes/tree/thesis/?state=open",
        "/maps/votes/nodes/thesis/",
        "/maps/votes/nodes/weak/?perspective=mine",
    ],
)
def test_votes_add_no_query(client, alice, tree, path):
    """The same queries with and without votes (and test_query_counts: at 10 and 10,000
    nodes), each rendered on cold caches."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = HX if "/tree/" in path else {}

    def count():
        for alias in ("fragments", "rows", "strengths"):
            caches[alias].clear()
        strengths.forget()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, headers=headers).status_code == 200
        return len(queries)

    without = count()
    for node in tree[1].values():
        for _ in range(3):
            Vote.objects.cast(UserFactory(), node, {"acceptability": 3, "relevance": 2})
    Vote.objects.cast(alice, tree[1]["weak"], {"acceptability": 1, "relevance": 1})
    assert count() == without
