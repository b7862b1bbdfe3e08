"""A vote cools nothing it did not change: strengths on cached pages are state regions
(argmap/debates/fragments.py), filled again after a recompute without rendering anything."""

import functools

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from argmap.debates import fragments, views
from argmap.evaluation import strengths
from argmap.evaluation.models import CURATORS, Vote

from ..conftest import HX
from ..factories import UserFactory, thesis_with_children

pytestmark = pytest.mark.django_db

PAGES = {
    # page: (address, headers, queries of a hit after a vote: the map's tokens, then the
    # regions' reads: annotation counts, and for the claim page its annotation panel (the
    # node, its annotations) and its explanation (the node, its children, its contradicts
    # links); the strengths themselves come from the cache, with no query)
    "map": ("/maps/regions/?open=thesis", {}, 2),
    "expand": ("/maps/regions/tree/thesis/?state=open", HX, 2),
    "claim": ("/maps/regions/nodes/thesis/", {}, 7),
    # The diagram's strengths are its only regions (drawn, and in its list): the tokens.
    "diagram": ("/maps/regions/diagram/", {}, 1),
}


@pytest.fixture
def tree():
    return thesis_with_children(
        "regions", ("pro", "supports"), ("also", "supports"), ("con", "opposes")
    )


def vote(node, value, django_capture_on_commit_callbacks):
    voter = Client()
    voter.force_login(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = voter.post(
            reverse("vote", args=["regions", node.key]), {"acceptability": str(value)}
        )
    assert response.status_code == 302


@pytest.mark.parametrize("page", list(PAGES))
def test_after_a_vote_a_cached_page_shows_the_new_strength_without_rendering(
    page, client, tree, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url, headers, queries = PAGES[page]
    first = client.get(url, headers=headers).content.decode()
    assert "Strength 50%" in first and "Strength 100%" not in first
    again = client.get(url, headers=headers)
    assert again.content.decode() == first  # a hit

    vote(tree[1]["pro"], 4, django_capture_on_commit_callbacks)  # pro: (1 + 1) / 3
    for _ in range(3):
        vote(tree[1]["thesis"], 4, django_capture_on_commit_callbacks)

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(views, "render", no_render)
    with django_assert_num_queries(queries):
        after = client.get(url, headers=headers).content.decode()
    assert "Strength 67%" in after  # the supporter's own base score, two votes short of 4
    thesis = strengths.strengths_of(tree[0]).of(tree[1]["thesis"].pk)
    assert f"Strength {thesis.percent}%" in after and thesis.percent > 50
    assert "3 votes" in after
    with django_assert_num_queries(1):  # filled once, then served as stored
        assert client.get(url, headers=headers).content.decode() == after


def test_a_vote_that_moves_no_shown_number_changes_no_state_token(
    tree, django_capture_on_commit_callbacks
):
    from argmap.debates.models import MapRevision

    strengths.strengths_of(tree[0])
    state = MapRevision.objects.get(map=tree[0]).state
    voter = UserFactory()
    Vote.objects.cast(voter, tree[1]["pro"], {"acceptability": 2})
    strengths.recompute_soon(tree[0], strengths.Perspective(strengths.EVERYONE))
    # One vote shows: its count changed (strength 50% still), so the pages are told.
    assert MapRevision.objects.get(map=tree[0]).state != state
    state = MapRevision.objects.get(map=tree[0]).state
    strengths.recompute_soon(tree[0], strengths.Perspective(strengths.EVERYONE))
    assert MapRevision.objects.get(map=tree[0]).state == state  # nothing moved: untouched


def test_a_page_sorted_by_strength_is_keyed_by_the_order(
    client, tree, django_capture_on_commit_callbacks
):
    url = "/maps/regions/?open=thesis&sort=strength"
    html = client.get(url).content.decode()
    assert html.index('id="node-pro"') < html.index('id="node-also"')  # tied: curated order
    before = strengths.strengths_of(tree[0])
    vote(tree[1]["also"], 4, django_capture_on_commit_callbacks)  # its effect now leads
    after = strengths.strengths_of(tree[0])
    assert after.order != before.order
    html = client.get(url).content.decode()
    assert html.index('id="node-also"') < html.index('id="node-pro"')
    # A vote that leaves every side's order as it was keeps the sorted page's key.
    vote(tree[1]["con"], 3, django_capture_on_commit_callbacks)
    assert strengths.strengths_of(tree[0]).order == after.order


def emptied(html):
    """html with every state region emptied: what a cached page holds."""
    return fragments.REGION.sub(
        lambda match: match[0].split("-->", 1)[0] + "--><!--/state-->", html
    )


# Every page cached whole that shows strengths (not sorted by them: that one is keyed by
# their order), with a claim that has a parent (its link preview names it).
UNCHANGED = {
    **{name: (url, headers) for name, (url, headers, _) in PAGES.items()},
    "claim-child": ("/maps/regions/nodes/pro/", {}),
    "curators": ("/maps/regions/?open=thesis&perspective=curators", {}),
}


@pytest.mark.parametrize("page", list(UNCHANGED))
def test_no_strength_is_shown_outside_a_state_region(
    page, client, tree, django_capture_on_commit_callbacks
):
    # What a cached page shows outside its regions is rendered once a revision: a number
    # there (a title, a meta description, an aria-label) would stay as it was rendered.
    url, headers = UNCHANGED[page]
    before = client.get(url, headers=headers).content.decode()
    curator = UserFactory(is_staff=True)
    curator.groups.add(Group.objects.get_or_create(name=CURATORS)[0])
    for voter in (UserFactory(), curator):
        client_of = Client()
        client_of.force_login(voter)
        for node in ("thesis", "pro", "con"):
            with django_capture_on_commit_callbacks(execute=True):
                client_of.post(reverse("vote", args=["regions", node]), {"acceptability": "4"})
    caches["fragments"].clear()  # rendered afresh, under the new strengths
    after = client.get(url, headers=headers).content.decode()
    assert after != before  # the numbers moved…
    assert emptied(after) == emptied(before)  # …inside the regions only


def test_a_card_whose_computation_did_not_settle_says_so_in_words(client, tree, monkeypatch):
    # One round only: the thesis (pulled by its children) still moves, the leaves do not.
    monkeypatch.setattr(
        strengths.dfquad, "iterate", functools.partial(strengths.dfquad.iterate, max_rounds=1)
    )
    html = client.get("/maps/regions/?open=thesis").content.decode()
    thesis, pro = (html.split(f'id="node-{key}"', 1)[1][:3000] for key in ("thesis", "pro"))
    assert "did not settle" in thesis.split('id="node-pro"')[0]
    assert "did not settle" not in pro.split("</li>")[0]
