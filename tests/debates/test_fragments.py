"""The render cache invariant (argmap/debates/fragments.py): never stale, never per user."""

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.http import HttpResponse, HttpResponseNotFound
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.test import Client, RequestFactory
from django.utils.html import escape

from argmap.annotations.models import Annotation
from argmap.debates import fragments
from argmap.debates.models import Anchor, ArgumentMap, Node, Source, StateChange

from ..conftest import HX, cached_entries, needs_postgresql
from ..factories import AnnotationFactory, PassageAnnotationFactory, UserFactory

MAP = "/maps/deepseek-r1-sputnik"


def cached_fragments():
    """The cached tree renderings ({% cache %} tags), without whole responses."""
    return {key: value for key, value in cached_entries().items() if ":template.cache." in key}


def cached_responses():
    return {key: value for key, value in cached_entries().items() if ":response:" in key}


def render_map(client, branch):
    page = client.get(f"{MAP}/").content.decode()
    fragment = client.get(f"{MAP}/tree/{branch.key}/?state=open", headers=HX).content.decode()
    # Whitespace collapsed: the templates put one element per line.
    return " ".join((page + fragment).split())


def render_page(client):
    return " ".join(client.get(f"{MAP}/").content.decode().split())


@pytest.mark.usefixtures("accounts_sandbox")
def test_the_cached_tree_is_the_same_for_a_visitor_and_a_user_with_private_annotations(
    client, seeded_map
):
    branch = seeded_map.thesis.children.first()
    reader = UserFactory()
    for node in (seeded_map.thesis, branch, branch.children.first()):
        AnnotationFactory(author=reader, node=node, visibility=Annotation.Visibility.PRIVATE)
    render_map(client, branch)
    anonymous = cached_fragments()
    caches["fragments"].clear()
    client.force_login(reader)
    html = render_map(client, branch)
    assert "Private: only you" not in html  # closed panels: the private ones are not listed
    assert len(anonymous) == 3  # the question and cruxes, the tree, the open branch
    assert cached_fragments() == anonymous
    assert not cached_responses()  # a logged-in visitor's responses are never cached whole


# What cache code has ever looked for in a page's text: a cached page must never be
# post-processed by searching it, so a reader can write any of these and see it back.
CACHE_MACHINERY_STRINGS = ("--csrf-token--", "response:", "A" * 64, "{{ csrf_token }}")
TOKEN_MARKS = ("X-CSRFToken", "csrfmiddlewaretoken")


@pytest.mark.usefixtures("accounts_sandbox")
def test_an_annotation_holding_what_the_cache_code_uses_comes_back_byte_for_byte(seeded_map):
    node = seeded_map.thesis.children.first()
    words = " ".join(CACHE_MACHINERY_STRINGS)
    link = "[more](https://elsewhere.example/?t=--csrf-token--)"
    annotation = AnnotationFactory(
        node=node, body=f"{words} {link}", visibility=Annotation.Visibility.PUBLIC
    )
    assert "--csrf-token--" in annotation.body_html
    page = f"{MAP}/nodes/{node.key}/"
    reader = Client()
    reader.get("/accounts/login/")  # holds a CSRF cookie, as anyone who saw a form does
    for visitor in (reader, Client(), reader):  # a miss, then hits from the cache
        html = visitor.get(page).content.decode()
        assert annotation.body_html in html
    assert len(cached_responses()) == 1


@pytest.mark.usefixtures("accounts_sandbox")
def test_no_shared_page_carries_a_csrf_token(seeded_map):
    branch = seeded_map.thesis.children.first()
    reader = Client()
    reader.get("/accounts/login/")
    secret = reader.cookies["csrftoken"].value
    for path, headers in (
        (f"{MAP}/", {}),
        (f"{MAP}/nodes/{branch.key}/", {}),
        (f"{MAP}/tree/{branch.key}/?state=open", HX),
    ):
        for visitor in (Client(), reader):
            response = visitor.get(path, headers=headers)
            html = response.content.decode()
            assert response.status_code == 200 and "private" in response["Cache-Control"]
            assert not any(mark in html for mark in TOKEN_MARKS), path
            assert "csrftoken" not in response.cookies, path
            assert secret not in html
    assert len(cached_responses()) == 3


@pytest.mark.usefixtures("accounts_sandbox")
def test_a_logged_in_page_carries_its_own_token_for_htmx(seeded_map):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    page = client.get(f"{MAP}/").content.decode()
    token = CSRF_IN_PAGE.search(page).group(1)
    assert client.post("/accounts/logout/", headers={"X-CSRFToken": token}).status_code == 302
    assert not cached_responses()


CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([A-Za-z0-9]{64})"')


def test_a_cached_response_answers_its_etag_with_304_until_the_map_changes(client, seeded_map):
    fragment = f"{MAP}/tree/{seeded_map.thesis.children.first().key}/?state=open"
    first = client.get(fragment, headers=HX)
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert client.get(fragment, headers={**HX, "If-None-Match": etag}).status_code == 304
    page = client.get(f"{MAP}/", headers={"If-None-Match": etag})
    assert page.status_code == 200 and page["ETag"] != etag  # the page is another response
    save(seeded_map)
    fresh = client.get(fragment, headers={**HX, "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert "Rewritten by save()." in fresh.content.decode()


def test_parameters_a_page_ignores_do_not_make_new_cached_responses(client, seeded_map):
    caches["fragments"].clear()
    for junk in ("?x=1", "?x=2&utm_source=a", "?"):
        assert client.get(f"{MAP}/{junk}").status_code == 200
    assert len(cached_responses()) == 1  # one page, one entry: junk cannot fill the cache
    client.get(f"{MAP}/?focus={seeded_map.thesis.children.first().key}")
    assert len(cached_responses()) == 2  # a parameter the page reads is a page of its own
    claim = f"{MAP}/nodes/{seeded_map.thesis.key}/"
    for junk in ("", "?from=a", "?from=b&state=open"):  # only htmx cross-links read these
        assert client.get(f"{claim}{junk}").status_code == 200
    assert len(cached_responses()) == 3


def test_a_parameter_left_out_of_the_key_never_reaches_a_cached_page(client, seeded_map):
    key = seeded_map.thesis.children.first().key
    for path in (f"{MAP}/", f"{MAP}/nodes/{key}/"):
        first = client.get(f"{path}?utm_source=poisoned")
        assert first.status_code == 200 and "poisoned" not in first.content.decode()
        later = Client().get(path)
        assert later["ETag"] == first["ETag"] and "poisoned" not in later.content.decode()


def test_a_cached_claim_page_dates_its_annotations_in_words_that_stay_true(client, seeded_map):
    # "3 minutes ago" would still say so a day later from the cached response.
    node = seeded_map.thesis.children.first()
    annotation = AnnotationFactory(node=node, visibility=Annotation.Visibility.PUBLIC)
    html = client.get(f"{MAP}/nodes/{node.key}/").content.decode()
    panel = html.split('id="annotations"', 1)[1]
    assert date_filter(annotation.created, "j F Y, H:i") in panel
    assert not re.search(r"\b(ago|now)\b", panel)


@pytest.mark.usefixtures("accounts_sandbox")
def test_renaming_an_author_refreshes_the_cached_claim_page_but_a_log_in_does_not(
    client, seeded_map
):
    node = seeded_map.thesis.children.first()
    author = UserFactory(username="first-name")
    AnnotationFactory(author=author, node=node, visibility=Annotation.Visibility.PUBLIC)
    page = f"{MAP}/nodes/{node.key}/"
    assert "first-name" in client.get(page).content.decode()
    token = fragments.current(seeded_map)
    Client().force_login(author)  # saves last_login only
    assert fragments.current(seeded_map) == token
    author.username = "second-name"
    author.save()
    html = client.get(page).content.decode()
    assert "second-name" in html and "first-name" not in html


@pytest.mark.usefixtures("accounts_sandbox")
def test_a_visitor_with_a_session_gets_a_fresh_render(client, seeded_map):
    client.get(f"{MAP}/")
    client.force_login(UserFactory(username="reader"))
    page = client.get(f"{MAP}/")
    assert "reader" in page.content.decode() and "ETag" not in page
    assert len(cached_responses()) == 1  # only the anonymous one


def test_reading_a_token_never_writes(seeded_map, django_assert_num_queries):
    token = fragments.current(seeded_map)
    with django_assert_num_queries(1) as captured:
        assert fragments.current(seeded_map) == token
    assert captured.captured_queries[0]["sql"].lstrip().upper().startswith("SELECT")


def test_a_new_map_has_its_token_row(db):
    argmap = ArgumentMap.objects.create(slug="new", title="New", question="Does it?")
    (bulk,) = ArgumentMap.objects.bulk_create([ArgumentMap(slug="b", title="B", question="?")])
    assert fragments.current(argmap) and fragments.current(bulk)


COUNT = "-->1 annotation<!--/state-->"  # the count on a node's closed annotation panel


def leaf_of(argmap):
    return argmap.nodes.get(key="leaf-to-delete")


def save(argmap):
    node = argmap.thesis.children.first()
    node.text = "Rewritten by save()."
    node.save()
    return "Rewritten by save().", True


def update(argmap):
    argmap.nodes.filter(pk=argmap.thesis.children.first().pk).update(text="Rewritten by update().")
    return "Rewritten by update().", True


def bulk_create(argmap):
    thesis = argmap.thesis
    Node.objects.bulk_create(
        [
            Node(
                map=argmap,
                key="bulk-made",
                text="Made by bulk_create().",
                parent=thesis,
                relation=Node.Relation.SUPPORTS,
                position=thesis.children.next_position(),
            )
        ]
    )
    return "Made by bulk_create().", True


def delete_one(argmap):
    leaf = leaf_of(argmap)
    leaf.delete()
    return escape(leaf.text), False


def delete_many(argmap):
    leaf = leaf_of(argmap)
    Node.objects.filter(pk=leaf.pk).delete()
    return escape(leaf.text), False


def source_title(argmap):
    Source.objects.filter(anchors__node__map=argmap).update(title="A retitled source")
    return "A retitled source", True


def anchor_speaker(argmap):
    Anchor.objects.filter(node__map=argmap).update(speaker="a renamed speaker")
    return "a renamed speaker", True


def public_annotation(argmap):
    AnnotationFactory(node=argmap.thesis, visibility=Annotation.Visibility.PUBLIC)
    return COUNT, True


def add_leaf_to_delete(argmap):
    """The leaf that delete_one and delete_many remove."""
    thesis = argmap.thesis
    thesis.children.create(
        map=argmap,
        key="leaf-to-delete",
        text="A leaf to delete.",
        relation=Node.Relation.OPPOSES,
        position=thesis.children.next_position(),
    )


@pytest.mark.parametrize(
    "write",
    [
        save,
        update,
        bulk_create,
        delete_one,
        delete_many,
        source_title,
        anchor_speaker,
        public_annotation,
    ],
)
def test_each_kind_of_write_makes_the_next_render_fresh(client, seeded_map, write):
    add_leaf_to_delete(seeded_map)
    thesis = seeded_map.thesis
    branch = thesis.children.first()
    before = render_map(client, branch)
    words, shown = write(seeded_map)
    assert (words in before) is not shown
    assert (words in render_map(client, branch)) is shown


@pytest.mark.parametrize(
    "write",
    [save, update, bulk_create, delete_one, delete_many, source_title, anchor_speaker],
)
def test_each_kind_of_write_makes_the_next_claim_page_fresh(client, seeded_map, write):
    add_leaf_to_delete(seeded_map)
    thesis = seeded_map.thesis
    page = f"{MAP}/nodes/{thesis.key}/"
    before = client.get(page).content.decode()
    assert len(cached_fragments()) == 2  # the claim page's two parts
    words, shown = write(seeded_map)
    assert (words in before) is not shown
    assert (words in client.get(page).content.decode()) is shown


@pytest.mark.parametrize("write", [save, update, source_title])
def test_each_kind_of_write_makes_the_next_document_argument_fresh(client, seeded_map, write):
    branch = seeded_map.thesis.children.first()  # what save and update rewrite
    pages = [f"/sources/{source.slug}/argument/" for source in Source.objects.all()]
    page = next(page for page in pages if escape(branch.text) in client.get(page).content.decode())
    caches["fragments"].clear()
    before = client.get(page).content.decode()
    assert len(cached_responses()) == 1  # cached whole (fragments, point 9)
    words, shown = write(seeded_map)
    assert (words in before) is not shown
    assert (words in client.get(page).content.decode()) is shown


def test_a_curators_edit_shows_at_once_on_the_cached_reader(client, seeded_map):
    anchor = Anchor.objects.filter(node__map=seeded_map, node__kind="claim").first()
    page = anchor.source.get_absolute_url()
    client.get(page)
    assert len(cached_responses()) == 1  # cached whole (fragments, point 9)
    Node.objects.filter(pk=anchor.node_id).update(text="A claim rewritten by a curator.")
    assert "A claim rewritten by a curator." in client.get(page).content.decode()
    words, _ = source_title(seeded_map)
    assert words in client.get(page).content.decode()


# Pages that span the maps, each cached whole under every map's token (point 9).
SITE_PAGES = [
    "/",
    "/search/?q=market",
    "/sources/not-sputnik-blog/",
    "/sources/not-sputnik-blog/argument/",
]


@pytest.mark.usefixtures("accounts_sandbox")
def test_an_annotation_on_a_node_leaves_the_pages_across_the_maps_warm(
    client, seeded_map, django_assert_num_queries
):
    first = {page: client.get(page).content for page in SITE_PAGES}
    responses = cached_responses()
    assert len(responses) == len(SITE_PAGES)
    AnnotationFactory(node=seeded_map.thesis, visibility=Annotation.Visibility.PUBLIC)
    for page in SITE_PAGES:
        # Every map's token (the reader: and its passage annotations' stamp), nothing else.
        with django_assert_num_queries(2 if page.endswith("-blog/") else 1):
            assert client.get(page).content == first[page]
    assert cached_responses() == responses


@pytest.mark.usefixtures("accounts_sandbox")
def test_a_passage_annotation_shows_at_once_on_the_cached_reader(client, seeded_map):
    source = Source.objects.get(slug="not-sputnik-blog")
    page = source.get_absolute_url()
    client.get(page)
    annotation = PassageAnnotationFactory(source=source, body="A fresh passage annotation")
    assert "A fresh passage annotation" in client.get(page).content.decode()
    annotation.body = "An edited passage annotation"
    annotation.save()
    assert "An edited passage annotation" in client.get(page).content.decode()
    Annotation.objects.filter(pk=annotation.pk).update(is_hidden=True)
    assert "An edited passage annotation" not in client.get(page).content.decode()


def test_a_new_thesis_shows_at_once_on_the_cached_home_page(client, seeded_map):
    assert "A new thesis, at once." not in client.get("/").content.decode()
    seeded_map.nodes.filter(pk=seeded_map.thesis.pk).update(text="A new thesis, at once.")
    assert "A new thesis, at once." in client.get("/").content.decode()


@pytest.mark.usefixtures("accounts_sandbox")
def test_the_cached_claim_page_parts_are_the_same_for_everyone(client, seeded_map):
    node = seeded_map.thesis.children.first()
    reader = UserFactory(username="reader", is_staff=True)
    AnnotationFactory(author=reader, node=node, visibility=Annotation.Visibility.PRIVATE)
    page = f"{MAP}/nodes/{node.key}/"
    client.get(page)
    anonymous = cached_fragments()
    caches["fragments"].clear()
    client.force_login(reader)
    html = client.get(page).content.decode()
    assert "Private: only you" in html and "Edit in admin" in html  # shown, not cached
    assert len(anonymous) == 2
    assert cached_fragments() == anonymous


def test_private_annotations_leave_the_trees_alone(seeded_map):
    token = fragments.tokens_by_slug(seeded_map.slug)
    annotation = AnnotationFactory(node=seeded_map.thesis, visibility="private")
    annotation.body = "edited"
    annotation.save()
    Annotation.objects.filter(pk=annotation.pk).update(body="edited again")
    annotation.delete()
    assert fragments.tokens_by_slug(seeded_map.slug) == token


def state_of(argmap):
    return fragments.tokens_by_slug(argmap.slug)[1]


def test_an_annotation_made_public_or_hidden_changes_the_state_not_the_structure(seeded_map):
    annotation = AnnotationFactory(node=seeded_map.thesis, visibility="private")
    token, state = fragments.current(seeded_map), state_of(seeded_map)
    Annotation.objects.filter(pk=annotation.pk).update(visibility="public")
    assert state_of(seeded_map) != state
    state = state_of(seeded_map)
    Annotation.objects.filter(visibility="public").update(is_hidden=True)
    assert state_of(seeded_map) != state
    assert fragments.current(seeded_map) == token


def test_a_write_to_one_map_leaves_the_others_cached(seeded_map):
    call_command("generate_map", nodes=5, slug="tiny", verbosity=0)
    token = fragments.current(seeded_map)
    tiny = ArgumentMap.objects.get(slug="tiny")
    tiny_token = fragments.current(tiny)
    tiny.nodes.filter(kind=Node.Kind.CLAIM).update(text="changed")
    assert fragments.current(tiny) != tiny_token
    assert fragments.current(seeded_map) == token


@pytest.mark.usefixtures("accounts_sandbox")
def test_hiding_in_the_admin_refreshes_the_tree(admin_client, seeded_map):
    annotation = AnnotationFactory(node=seeded_map.thesis, visibility="public")
    assert COUNT in render_page(admin_client)
    response = admin_client.post(
        "/admin/annotations/annotation/",
        {"action": "hide", "_selected_action": [annotation.pk]},
    )
    assert response.status_code == 302
    assert COUNT not in render_page(admin_client)


def test_editing_a_node_in_the_admin_refreshes_the_tree(admin_client, seeded_map):
    node = seeded_map.thesis.children.first()
    admin_client.get(f"{MAP}/")
    response = admin_client.get(f"/admin/debates/node/{node.pk}/change/")
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None
    }
    token = fragments.current(seeded_map)
    node.text = "Changed through the admin's form."
    node.save()  # the admin saves through ModelAdmin.save_model, i.e. Model.save()
    assert data and fragments.current(seeded_map) != token


def test_management_commands_refresh_the_trees(client, seeded_map):
    call_command("generate_map", nodes=5, slug="tiny", verbosity=0)
    client.get("/maps/tiny/")
    first = ArgumentMap.objects.get(slug="tiny").thesis.text
    call_command("generate_map", nodes=5, slug="tiny", seed=2, replace=True, verbosity=0)
    again = client.get("/maps/tiny/").content.decode()
    second = ArgumentMap.objects.get(slug="tiny").thesis.text
    assert first != second and escape(second) in again
    token = fragments.current(seeded_map)
    call_command("seed", reload=True, verbosity=0)
    reloaded = ArgumentMap.objects.get(slug="deepseek-r1-sputnik")
    assert fragments.current(reloaded) != token or reloaded.pk != seeded_map.pk


def test_search_results_are_cached_until_any_map_changes(
    client, seeded_map, django_assert_num_queries
):
    node = seeded_map.thesis.children.first()
    link = f'href="{node.get_absolute_url()}"'
    client.get("/search/?q=market")
    with django_assert_num_queries(1):  # every map's token; the whole page from the cache
        assert "for “market”" in client.get("/search/?q=market").content.decode()
    # The same search, spaced otherwise: another page, whose results come from the cache.
    with django_assert_num_queries(2):  # every map's token, for the page and the results
        cached = client.get("/search/?q=market  ")
    assert "for “market”" in cached.content.decode()
    assert link not in client.get("/search/?q=Rewritten").content.decode()
    save(seeded_map)  # a write to one map changes the token that covers every map
    assert link in client.get("/search/?q=Rewritten").content.decode()


def test_an_annotation_leaves_the_cached_tree_warm_and_shows_its_count_at_once(
    client, seeded_map, django_assert_num_queries, queries_pinned
):
    branch = seeded_map.thesis.children.first()
    fragment = f"{MAP}/tree/{branch.key}/?state=open"
    before = render_map(client, branch)
    rendered = cached_fragments()
    responses = cached_responses()
    AnnotationFactory(node=branch, visibility=Annotation.Visibility.PUBLIC)
    with django_assert_num_queries(2):  # the map's tokens, then the counts: nothing renders
        assert COUNT in " ".join(client.get(f"{MAP}/").content.decode().split())
    with django_assert_num_queries(1):  # filled again once, then kept
        assert COUNT in client.get(f"{MAP}/").content.decode()
    assert COUNT in client.get(fragment, headers=HX).content.decode()
    assert COUNT not in before
    assert cached_fragments() == rendered  # the same trees, under the same keys
    assert cached_responses().keys() == responses.keys()


@pytest.mark.usefixtures("accounts_sandbox")
def test_an_annotation_shows_at_once_on_the_cached_claim_page_of_its_node(client, seeded_map):
    node = seeded_map.thesis.children.first()
    page = f"{MAP}/nodes/{node.key}/"
    assert "A fresh public annotation" not in client.get(page).content.decode()
    rendered = cached_fragments()
    AnnotationFactory(node=node, body="A fresh public annotation", visibility="public")
    assert "A fresh public annotation" in client.get(page).content.decode()
    assert cached_fragments() == rendered


def test_state_changed_fills_registered_regions_again_and_renders_nothing(
    client, seeded_map, monkeypatch
):
    # Another app's state (votes, strengths) shown through the public API alone.
    tallies = {seeded_map.thesis.pk: 3}
    monkeypatch.setitem(
        fragments.STATES,
        "annotation-count",
        fragments.State(lambda pks: {pk: tallies.get(pk) for pk in pks}, lambda n: f"<{n}>"),
    )
    token = fragments.current(seeded_map)
    assert "&lt;3&gt;" in client.get(f"{MAP}/").content.decode()  # escaped: not a SafeString
    rendered = cached_fragments()
    tallies[seeded_map.thesis.pk] = 4
    assert "&lt;3&gt;" in client.get(f"{MAP}/").content.decode()  # not told yet: cached
    fragments.state_changed([seeded_map.pk], "annotations")
    assert "&lt;4&gt;" in client.get(f"{MAP}/").content.decode()
    assert cached_fragments() == rendered and fragments.current(seeded_map) == token


def logged(argmap):
    """A first logged change: a map's first state token is a random one, from before any
    change, and a page filled at it refills every region once (changed_since cannot tell)."""
    fragments.state_changed([argmap.pk], "elsewhere", nodes=[0])


def counted_state(monkeypatch, kind, topic):
    """Replace kind's read with one that counts the nodes it is asked for."""
    real, asked = fragments.STATES[kind], []

    def read(pks, *variant):
        asked.extend(pks)
        return real.read(pks, *variant)

    monkeypatch.setitem(
        fragments.STATES, kind, fragments.State(read, real.show, real.by_variant, topic)
    )
    return asked


def test_an_annotation_refills_its_nodes_regions_alone(
    client, seeded_map, monkeypatch, django_assert_num_queries
):
    """Issue 19: a write cools only what shows it. An annotation elsewhere in the map leaves
    a cached claim page's regions unread (its hit reads the tokens and the log); one on the
    page's own node shows at once, its panel refilled and nothing rendered again."""
    shown, elsewhere = seeded_map.thesis.children.all()[:2]
    page = f"{MAP}/nodes/{shown.key}/"
    logged(seeded_map)
    first = client.get(page).content
    rendered = cached_fragments()
    panels = counted_state(monkeypatch, "annotation-panel", "annotations")
    counts = counted_state(monkeypatch, "annotation-count", "annotations")
    AnnotationFactory(node=elsewhere, body="Said of another node", visibility="public")
    with django_assert_num_queries(2):  # the tokens, then the changes since the page's fill
        assert client.get(page).content == first
    assert panels == counts == []
    with django_assert_num_queries(1):  # marked as filled at the new state: a plain hit
        assert client.get(page).content == first
    AnnotationFactory(node=shown, body="Said of this node", visibility="public")
    assert "Said of this node" in client.get(page).content.decode()
    assert shown.pk in panels and elsewhere.pk not in panels + counts
    assert cached_fragments() == rendered


def test_annotations_moved_to_another_node_by_an_update_show_there_at_once(client, seeded_map):
    first, second = seeded_map.thesis.children.all()[:2]
    logged(seeded_map)
    AnnotationFactory(node=first, body="Moved by a curator", visibility="public")
    page = f"{MAP}/nodes/{second.key}/"
    assert "Moved by a curator" not in client.get(page).content.decode()
    Annotation.objects.filter(node=first).update(node=second)  # the filter no longer finds them
    assert "Moved by a curator" in client.get(page).content.decode()


def test_a_change_of_strengths_leaves_annotation_regions_unread(client, seeded_map, monkeypatch):
    logged(seeded_map)
    client.get(f"{MAP}/")
    counts = counted_state(monkeypatch, "annotation-count", "annotations")
    strength = counted_state(monkeypatch, "strength", "strengths")
    fragments.state_changed([seeded_map.pk], "strengths")
    client.get(f"{MAP}/")
    assert counts == [] and strength  # every node's strength read again, no count
    fragments.state_changed([seeded_map.pk], "annotations", nodes=[seeded_map.thesis.pk])
    client.get(f"{MAP}/")
    assert counts == [seeded_map.thesis.pk]


def test_a_page_filled_before_the_kept_changes_refills_every_region(
    client, seeded_map, monkeypatch
):
    """Changes are pruned: a page filled before the oldest kept one cannot tell what reached
    it, so it refills every region (never keeps a value no change was read for)."""
    node = seeded_map.thesis.children.first()
    client.get(f"{MAP}/")
    monkeypatch.setattr(fragments, "KEEP", 2)
    monkeypatch.setattr(fragments, "PRUNE_EVERY", 1)
    counts = counted_state(monkeypatch, "annotation-count", "annotations")
    AnnotationFactory(node=node, body="First", visibility="public")
    for _ in range(4):  # changes that reach no region, then prune the first away
        fragments.state_changed([seeded_map.pk], "elsewhere", nodes=[0])
    assert "1 annotation" in client.get(f"{MAP}/").content.decode()
    assert node.pk in counts and len(counts) > 1  # every count, not only the reached one


def test_each_state_change_is_numbered_after_the_last_and_names_its_node(seeded_map):
    node = seeded_map.thesis.children.first()
    before = fragments.tokens_by_slug(seeded_map.slug)[1]
    AnnotationFactory(node=node, visibility="public")
    after = fragments.tokens_by_slug(seeded_map.slug)[1]
    assert fragments.changed_since(before, after) is None  # a random first token: can't tell
    fragments.state_changed([seeded_map.pk], "annotations", nodes=[node.pk])
    latest = fragments.tokens_by_slug(seeded_map.slug)[1]
    assert int(latest) > int(after)
    reached = fragments.changed_since(after, latest)
    assert reached("annotation-count", node.pk) and reached("annotation-panel", node.pk)
    assert not reached("annotation-count", seeded_map.thesis.pk)
    assert not reached("strength", node.pk)
    assert fragments.changed_since(latest, after) is None  # backwards: cannot tell
    AnnotationFactory(node=node, visibility="private")  # not shown: no change at all
    assert fragments.tokens_by_slug(seeded_map.slug)[1] == latest


def test_a_region_holds_only_what_its_kind_shows(seeded_map):
    html = fragments.region("annotation-count", seeded_map.thesis.pk)
    assert html == f"<!--state:annotation-count:{seeded_map.thesis.pk}--><!--/state-->"
    assert "Annotate" in fragments.fill(html)
    assert fragments.fill("<!--state:unknown:1-->x<!--/state-->") == (
        "<!--state:unknown:1--><!--/state-->"
    )


@pytest.mark.usefixtures("accounts_sandbox")
def test_a_reader_cannot_write_a_region_into_a_page(client, seeded_map):
    node = seeded_map.thesis.children.first()
    forged = f"<!--state:annotation-count:{node.pk}-->forged<!--/state-->"
    AnnotationFactory(node=node, body=f"{forged} <!--/state-->", visibility="public")
    html = client.get(f"{MAP}/nodes/{node.key}/").content.decode()
    assert "&lt;!--state:annotation-count" in html  # shown as the text it is
    assert html.count("<!--state:") == html.count("<!--/state-->")
    assert fragments.fill(html) == html  # its real regions hold their values already


def simultaneous_misses(monkeypatch, ask, visitors=20):
    """(hold, run): run() calls ask() from `visitors` threads at once and gives what each
    got; hold(), called in the render, keeps the first render going until every other
    visitor is waiting on it or has been served (later renders pass at once)."""
    arrived, others_served = threading.Barrier(visitors), threading.Semaphore(0)
    waiting, lock, held = set(), threading.Lock(), []
    real_wait = fragments._wait

    def counted_wait(seconds):
        with lock:
            if threading.get_ident() not in waiting:
                waiting.add(threading.get_ident())
                others_served.release()
        real_wait(seconds)

    monkeypatch.setattr(fragments, "_wait", counted_wait)

    def visit(_):
        arrived.wait(timeout=10)
        response = ask()
        if threading.get_ident() not in waiting and held[:1] != [threading.get_ident()]:
            others_served.release()
        return response

    def hold():
        with lock:
            first = not held
            held.append(threading.get_ident())
        for _ in range(visitors - 1 if first else 0):
            assert others_served.acquire(timeout=10)

    def run():
        with ThreadPoolExecutor(visitors) as pool:
            return list(pool.map(visit, range(visitors)))

    return hold, run


def page_of(view, slug):
    """Asks for the map page at slug as a visitor without a session, through shared_response."""
    wrapped = fragments.shared_response()(view)
    return lambda: wrapped(RequestFactory().get(f"/maps/{slug}/"), slug=slug)


def test_twenty_simultaneous_misses_render_once(monkeypatch):
    monkeypatch.setattr(fragments, "tokens_by_slug", lambda slug: ("token", "state"))
    caches["fragments"].clear()
    renders = []

    def view(request, slug):
        renders.append(slug)
        hold()
        return HttpResponse(f"<p>The map {slug}.</p>")

    hold, run = simultaneous_misses(monkeypatch, page_of(view, "one"))
    responses = run()
    assert len(renders) == 1
    assert {response.content for response in responses} == {b"<p>The map one.</p>"}
    assert all(response["ETag"] for response in responses)


def test_twenty_simultaneous_hits_after_a_state_change_fill_once(monkeypatch):
    tokens = {"one": ("token", "before")}
    monkeypatch.setattr(fragments, "tokens_by_slug", tokens.get)
    caches["fragments"].clear()
    reads = []

    def read(pks):
        reads.append(pks)
        if len(reads) > 1:  # the fill after the change: held while the others ask
            hold()
        return {1: f"{len(reads)} annotations"}

    monkeypatch.setitem(fragments.STATES, "test-count", fragments.State(read, str))

    def view(request, slug):
        return HttpResponse(f"<p>{fragments.region('test-count', 1)}</p>")

    hold, run = simultaneous_misses(monkeypatch, page_of(view, "one"))
    assert b"1 annotations" in page_of(view, "one")().content  # rendered and filled once
    tokens["one"] = ("token", "after")  # an annotation: the state token moves on
    responses = run()
    assert len(reads) == 2  # one fill for the twenty, not one each
    assert {r.content for r in responses} == {
        b"<p><!--state:test-count:1-->2 annotations<!--/state--></p>"
    }
    assert page_of(view, "one")().content == responses[0].content  # kept: no fill again
    assert len(reads) == 2


def test_while_one_renders_the_others_get_the_copy_from_before_the_change(monkeypatch):
    tokens = {"one": ("before", "s"), "two": ("before", "s")}
    monkeypatch.setattr(fragments, "tokens_by_slug", tokens.get)
    caches["fragments"].clear()
    version, renders = {"one": "old", "two": "old"}, []

    def view(request, slug):
        if version[slug] == "new":  # the render after the change: held while others ask
            renders.append(slug)
            hold()
        return HttpResponse(f"{slug}: {version[slug]}")

    for slug in ("one", "two"):
        page_of(view, slug)()
    tokens["one"], version["one"] = ("after", "s"), "new"

    hold, run = simultaneous_misses(monkeypatch, page_of(view, "one"))
    responses = run()
    assert renders == ["one"]
    bodies = [response.content for response in responses]
    assert bodies.count(b"one: new") == 1 and bodies.count(b"one: old") == 19  # never two's
    assert all("ETag" not in r for r in responses if r.content == b"one: old")
    assert page_of(view, "one")().content == b"one: new"


def test_a_miss_that_renders_nothing_to_keep_holds_nobody(monkeypatch):
    monkeypatch.setattr(fragments, "tokens_by_slug", lambda slug: ("token", "state"))
    caches["fragments"].clear()

    def view(request, slug):
        hold()
        return HttpResponseNotFound("no such node")

    hold, run = simultaneous_misses(monkeypatch, page_of(view, "one"), visitors=3)
    started = time.monotonic()
    assert {response.status_code for response in run()} == {404}
    assert time.monotonic() - started < fragments.RENDER_WAIT_SECONDS


def test_the_diagram_is_a_shared_response_fresh_after_an_edit(
    client, seeded_map, django_assert_num_queries
):
    diagram = f"{MAP}/diagram/"
    before = client.get(diagram).content.decode()
    with django_assert_num_queries(1):  # the map's tokens
        assert client.get(diagram).content.decode() == before
    words, _ = save(seeded_map)
    assert words not in before and words in client.get(diagram).content.decode()


def test_twenty_simultaneous_misses_of_a_cached_fragment_render_once(monkeypatch):
    caches["fragments"].clear()
    renders = []

    def part():
        renders.append(1)
        hold()
        return "Rendered once."

    tag = (
        '{% load argmap_tags %}{% cache 60 part "key" using="fragments" %}{{ part }}{% endcache %}'
    )
    page = Template(tag)
    hold, run = simultaneous_misses(monkeypatch, lambda: page.render(Context({"part": part})))
    assert run() == ["Rendered once."] * 20
    assert renders == [1]


class PausedInserts:
    """StateChange's manager, each insert followed by a random pause: between a change's
    number and its map's token, where an unlocked writer would be overtaken."""

    def __getattr__(self, name):
        return getattr(StateChange._default_manager, name)

    def bulk_create(self, objs):
        made = StateChange._default_manager.bulk_create(objs)
        time.sleep(random.random() * 0.05)
        return made


class PausedLog:
    _default_manager = PausedInserts()

    def __new__(cls, **fields):
        return StateChange(**fields)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_state_changes_are_all_reached_from_any_earlier_state(seeded_map, monkeypatch):
    """Twelve writers change state on twelve nodes of one map at once: each change is
    numbered under the map's row lock, so the map's final state is the newest change and a
    page filled before them all refills every one of those nodes (none is left out by a
    change numbered before another that committed first)."""
    nodes = list(seeded_map.nodes.order_by("pk")[:12])
    logged(seeded_map)
    before = fragments.tokens_by_slug(seeded_map.slug)[1]
    barrier, failures = threading.Barrier(len(nodes), timeout=30), []
    monkeypatch.setattr(fragments, "_state_log", lambda: PausedLog)

    def write(node):
        try:
            barrier.wait()
            with transaction.atomic():
                fragments.state_changed([seeded_map.pk], "annotations", nodes=[node.pk])
                time.sleep(0.01)  # hold the lock a moment, as a write's transaction does
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=write, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    after = fragments.tokens_by_slug(seeded_map.slug)[1]
    newest = StateChange.objects.filter(map_id=seeded_map.pk).order_by("-pk").first()
    assert after == str(newest.pk)
    reached = fragments.changed_since(before, after)
    assert all(reached("annotation-count", node.pk) for node in nodes)
