"""Tree rows' cards cached under what they show (argmap/debates/fragments.py, point 10): an
edit renders again only the cards it changed, and every card shows every change at once."""

import html
import logging
import re

import pytest
from django.core.cache import caches
from django.db.models import F

from argmap.annotations.models import Annotation
from argmap.debates import fragments
from argmap.debates.models import Link, Node
from argmap.debates.tree import anchors_shown

from .. import conftest
from ..factories import AnnotationFactory, UserFactory

MAP = "/maps/deepseek-r1-sputnik"


def rows_written():
    """The cards written to the fragments cache since the last clear of written_keys."""
    return {key for key in conftest.written_keys if key.startswith("row:")}


def cards(page):
    """Each tree row's card in a page, by its node's key (a row's card ends where the
    row's children begin)."""
    found = {}
    for match in re.finditer(r'<li id="node-([^"]+)"', page):
        start = match.end()
        end = page.find('class="tree-children"', start)
        found[match[1]] = page[start:end]
    return found


def edit_elsewhere(argmap):
    """A curator's edit that changes no card: a new structure token, as any edit makes."""
    leaf = argmap.nodes.filter(children__isnull=True).order_by("-pk").first()
    Node.objects.filter(pk=leaf.pk).update(position=F("position"))


def test_an_edit_renders_again_only_the_cards_it_changed(client, seeded_map):
    thesis = seeded_map.thesis
    first = client.get(f"{MAP}/").content.decode()
    shown = cards(first)
    assert len(shown) > 5 and len(rows_written()) == len(shown)

    conftest.written_keys.clear()
    edit_elsewhere(seeded_map)
    again = client.get(f"{MAP}/").content.decode()
    assert rows_written() == set()  # the page rendered again, every card found
    assert cards(again) == shown

    conftest.written_keys.clear()
    changed = thesis.children.order_by("position").first()
    Node.objects.filter(pk=changed.pk).update(text="Rewritten, and only this card with it.")
    page = cards(client.get(f"{MAP}/").content.decode())
    showing = {key for key, card in page.items() if "Rewritten, and only this" in card}
    assert changed.key in showing
    assert len(rows_written()) == len(showing)
    assert {key for key in page if page[key] != shown[key]} == showing


def test_a_card_shows_at_once_a_new_text_of_the_node_it_links_to(client, seeded_map):
    link = Link.objects.filter(from_node__map=seeded_map).select_related("from_node").first()
    near, far = link.from_node, link.to_node
    page = f"{MAP}/?focus={near.key}"
    assert far.text[:40] in html.unescape(cards(client.get(page).content.decode())[near.key])
    Node.objects.filter(pk=far.pk).update(text="The far end, rewritten.")
    assert "The far end, rewritten." in cards(client.get(page).content.decode())[near.key]


def test_an_undercut_shows_at_once_a_new_text_of_the_claim_it_undercuts_from(client, seeded_map):
    undercut = seeded_map.nodes.filter(relation=Node.Relation.UNDERCUTS).first()
    page = f"{MAP}/?focus={undercut.key}"
    client.get(page)
    Node.objects.filter(pk=undercut.parent_id).update(text="A parent, rewritten.")
    card = cards(client.get(page).content.decode())[undercut.key]
    assert "even if “A parent, rewritten.” holds" in card


def test_a_source_retitled_shows_at_once_on_every_card_quoting_it(client, seeded_map):
    client.get(f"{MAP}/")
    node = quoting(seeded_map)
    anchor = node.anchors.select_related("source").first()
    type(anchor.source).objects.filter(pk=anchor.source_id).update(title="A source, retitled")
    card = cards(client.get(f"{MAP}/").content.decode())[node.key]
    assert "A source, retitled" in card


@pytest.mark.usefixtures("accounts_sandbox")
def test_one_viewers_own_perspective_caches_no_card(client, seeded_map):
    client.force_login(UserFactory())
    conftest.written_keys.clear()
    assert client.get(f"{MAP}/?perspective=mine").status_code == 200
    assert rows_written() == set()
    client.get(f"{MAP}/")
    assert rows_written()  # everyone's perspective: the same cards for any viewer


def quoting(argmap):
    """A node on the map page as it first opens, with quotes."""
    return argmap.thesis.children.filter(anchors__isnull=False).order_by("position").first()


def loaded(node):
    return Node.objects.select_related("map").prefetch_related(anchors_shown()).get(pk=node.pk)


def test_a_row_key_is_the_data_it_is_rendered_from(seeded_map):
    node = quoting(seeded_map)
    assert fragments.row_key(loaded(node), "page") == fragments.row_key(loaded(node), "page")
    assert fragments.row_key(loaded(node), "page") != fragments.row_key(loaded(node), "other")
    changed = loaded(node)
    changed.text += "!"
    assert fragments.row_key(changed, "page") != fragments.row_key(loaded(node), "page")
    quoted = loaded(node)
    anchor = quoted.anchors.all()[0]
    anchor.source.title += "!"  # two hops away: the quote's source
    assert fragments.row_key(quoted, "page") != fragments.row_key(loaded(node), "page")
    told = loaded(node)
    told.cross_links = [{"kind": "contradicts", "node": loaded(node.children.first())}]
    other = loaded(node)
    other.cross_links = [{"kind": "contradicts", "node": loaded(node.children.last())}]
    assert fragments.row_key(told, "page") != fragments.row_key(other, "page")


def test_a_row_without_its_quotes_prefetched_or_with_an_odd_value_is_not_cached(seeded_map, caplog):
    assert fragments.row_key(Node.objects.get(pk=seeded_map.thesis.pk)) is None
    odd = loaded(seeded_map.thesis)
    odd.shown_as = object()
    with caplog.at_level(logging.WARNING, logger="argmap.debates.fragments"):
        assert fragments.row_key(odd) is None
    assert "rendered uncached" in caplog.text


@pytest.mark.usefixtures("accounts_sandbox")
def test_cards_are_the_same_for_a_visitor_and_a_reader_with_private_annotations(client, seeded_map):
    cache = caches["rows"]
    client.get(f"{MAP}/")
    anonymous = {key: cache.get(key) for key in rows_written()}
    assert anonymous
    cache.clear()
    caches["fragments"].clear()  # the tree around them too: rendered again, logged in
    conftest.written_keys.clear()
    reader = UserFactory(username="a-reader-named-here")
    for node in seeded_map.thesis.children.all()[:3]:
        AnnotationFactory(author=reader, node=node, visibility=Annotation.Visibility.PRIVATE)
    client.force_login(reader)
    client.get(f"{MAP}/")
    logged_in = {key: cache.get(key) for key in rows_written()}
    assert logged_in == anonymous  # the same keys, byte for byte the same cards
    for card in logged_in.values():
        assert reader.username not in card and "csrf" not in card.lower()
