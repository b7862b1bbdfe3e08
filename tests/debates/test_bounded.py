"""What a reader sees on one screen is bounded (issue 14), shown at a size just past each bound."""

import re

import pytest
from django.core.management import call_command

from argmap.debates import reader
from argmap.debates import search as text_search
from argmap.debates.models import ArgumentMap, Node
from argmap.debates.tree import BRANCH_LIMIT

from ..conftest import HX
from ..factories import AnchorFactory, NodeFactory, SourceFactory, ThesisFactory

pytestmark = pytest.mark.django_db


def test_subtree_ids_stops_counting_just_past_the_limit():
    thesis = ThesisFactory()
    for number in range(6):
        NodeFactory(map=thesis.map, parent=thesis, relation="supports", key=f"c{number}")
    assert len(Node.objects.subtree_ids(thesis)) == 7
    assert len(Node.objects.subtree_ids(thesis, limit=5)) == 6  # limit + 1: "too big"
    assert len(Node.objects.subtree_ids(thesis, limit=7)) == 7


def test_a_branch_of_limit_plus_one_opens_one_level_only(client, monkeypatch):
    thesis = ThesisFactory()
    monkeypatch.setattr("argmap.debates.tree.BRANCH_LIMIT", 3)
    child = NodeFactory(map=thesis.map, parent=thesis, relation="supports", key="child")
    NodeFactory(map=thesis.map, parent=child, relation="supports", key="grandchild")
    url = f"/maps/{thesis.map.slug}/tree/{thesis.key}/?state=branch"
    assert 'id="node-grandchild"' in client.get(url, headers=HX).content.decode()
    NodeFactory(map=thesis.map, parent=thesis, relation="opposes", key="fourth")  # 4 = 3 + 1
    html = client.get(url, headers=HX).content.decode()
    assert 'id="node-child"' in html and 'id="node-grandchild"' not in html
    assert BRANCH_LIMIT == 400


def test_search_past_its_candidates_says_more_than(client, monkeypatch):
    thesis = ThesisFactory()
    for number in range(4):
        NodeFactory(
            map=thesis.map, parent=thesis, relation="supports", text=f"Zeppelins fly {number}."
        )
    monkeypatch.setattr(text_search, "CANDIDATES", 4)
    html = client.get("/search/", {"q": "zeppelins"}, headers=HX).content.decode()
    assert re.search(r"4 results\s+for", html) and "More than" not in html
    NodeFactory(map=thesis.map, parent=thesis, relation="supports", text="Zeppelins fly 5.")
    monkeypatch.setattr(text_search.search, "__defaults__", (20, 4))
    html = client.get("/search/", {"q": "zeppelins"}, headers=HX).content.decode()
    assert re.search(r"Nodes \(4 of more than 4\)", html)
    assert re.search(r"More than 4 results\s+for", html)


def test_the_home_page_counts_stay_right_after_every_kind_of_write(client):
    thesis = ThesisFactory()

    def shown_nodes():
        html = client.get("/").content.decode()
        return int(re.search(r"<dt>Nodes</dt>\s*<dd>\s*(\d+)", html).group(1))

    assert shown_nodes() == 1
    child = NodeFactory(map=thesis.map, parent=thesis, relation="supports")
    assert shown_nodes() == 2
    Node.objects.bulk_create(
        [Node(map=thesis.map, parent=thesis, relation="opposes", key=f"b{n}") for n in range(3)]
    )
    assert shown_nodes() == 5
    Node.objects.filter(key__startswith="b").delete()
    child.delete()
    assert shown_nodes() == 1
    assert ArgumentMap.objects.counted()[0].node_count == 1


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of 60 characters, two quotes a page, from three quotes on."""
    monkeypatch.setattr(reader, "PARTS_FROM", 3)
    monkeypatch.setattr(reader, "PART_CHARS", 60)
    monkeypatch.setattr(reader, "QUOTES_PER_PAGE", 2)


PARAGRAPHS = ["Alpha beta gamma delta.", "Epsilon zeta eta theta.", "Iota kappa lambda mu."]


def quoted_source(count):
    source = SourceFactory(text="\n\n".join(PARAGRAPHS))
    thesis = ThesisFactory()
    anchors = []
    for number in range(count):
        node = NodeFactory(map=thesis.map, parent=thesis, relation="supports", key=f"q{number}")
        anchors.append(AnchorFactory(node=node, source=source, quote=PARAGRAPHS[number % 3]))
    return source, anchors


def test_a_source_with_few_quotes_is_one_page(client, small_parts):
    source, anchors = quoted_source(3)
    html = client.get(source.get_absolute_url()).content.decode()
    assert "Parts of the text" not in html
    assert all(f'id="anchor-{anchor.pk}"' in html for anchor in anchors)


def test_a_source_with_more_quotes_than_a_page_is_read_in_parts(client, small_parts):
    source, anchors = quoted_source(5)  # quotes 0 and 3 on the first paragraph
    html = client.get(source.get_absolute_url()).content.decode()
    assert 'aria-label="Parts of the text"' in html and "Part 1 of 2" in html
    text = re.sub(r"<[^>]+>", "", html.split('id="reader-text"', 1)[1].split("</article>")[0])
    assert PARAGRAPHS[1] in text and PARAGRAPHS[2] not in text
    drawn = {anchor.pk for anchor in anchors if f'id="anchor-{anchor.pk}"' in html}
    assert drawn == {anchors[0].pk, anchors[3].pk}  # two a page, in text order
    assert 'href="?part=1&amp;page=2"' in html and 'href="?part=2"' in html
    second = client.get(source.get_absolute_url(), {"part": 1, "page": 2}).content.decode()
    assert f'id="anchor-{anchors[1].pk}"' in second and f'id="anchor-{anchors[0].pk}"' not in second
    # The last part starts at its own offset into the whole text: offsets never move.
    last = client.get(source.get_absolute_url(), {"part": 2}).content.decode()
    assert f'data-start="{source.text.index(PARAGRAPHS[2])}"' in last
    assert f'id="anchor-{anchors[2].pk}"' in last


def test_a_link_to_a_quote_opens_its_part_with_it_drawn(client, small_parts):
    source, anchors = quoted_source(6)
    url = anchors[5].get_reader_url()  # the third paragraph: the second part
    assert url.endswith(f"?anchor={anchors[5].pk}#anchor-{anchors[5].pk}")
    html = client.get(url.split("#")[0]).content.decode()
    assert "Part 2 of 2" in html and f'id="anchor-{anchors[5].pk}"' in html


@pytest.mark.parametrize("query", ["?part=abc", "?part=0", "?part=99", "?page=-1", "?anchor=x9"])
def test_odd_part_and_page_numbers_read_a_part_anyway(client, small_parts, query):
    source, _ = quoted_source(5)
    response = client.get(source.get_absolute_url() + query)
    assert response.status_code == 200 and "Part " in response.content.decode()


def test_a_link_to_a_quote_costs_one_query_more_at_any_size(
    client, small_parts, django_assert_num_queries
):
    for count in (2, 6):  # one piece, and in parts
        source, anchors = quoted_source(count)
        # The whole response's key (every map's token, the passage stamp), the pinned ten
        # (test_query_counts' "source"), and the quote asked for.
        with django_assert_num_queries(13):
            client.get(anchors[-1].get_reader_url().split("#")[0])


def test_a_sources_argument_comes_a_page_of_nodes_at_a_time(client, monkeypatch):
    monkeypatch.setattr("argmap.debates.views.ARGUMENT_NODES", 3)
    source, anchors = quoted_source(3)  # q0, q1, q2 under one thesis, in the text's order
    url = f"{source.get_absolute_url()}argument/"

    def shown(html):
        return set(re.findall(r'<li id="node-([\w-]+)"', html))

    def place(anchor):
        return f"{anchor.start}-{anchor.pk}"

    first = client.get(url).content.decode()
    # The thesis counts: it is shown, so two quotes fill three nodes.
    assert shown(first) == {"thesis", "q0", "q1"}
    assert f'href="?after={place(anchors[1])}"' in first and "?before=" not in first
    second = client.get(url, {"after": place(anchors[1])}).content.decode()
    assert shown(second) == {"thesis", "q2"}
    assert f'href="?before={place(anchors[2])}"' in second and "?after=" not in second
    # Back from the second page: the quotes before it, the same page as the first.
    back = client.get(url, {"before": place(anchors[2])}).content.decode()
    assert shown(back) == {"thesis", "q0", "q1"}
    assert f'href="?after={place(anchors[1])}"' in back and "?before=" not in back
    # Any place in the text reads, even one between quotes or past the end.
    assert shown(client.get(url, {"after": "1-0"}).content.decode()) >= {"q1"}
    assert client.get(url, {"after": "999999-1"}).status_code == 200


def test_a_sources_argument_shows_a_deep_quote_whole_and_counts_its_ancestors(client, monkeypatch):
    monkeypatch.setattr("argmap.debates.views.ARGUMENT_NODES", 3)
    source = SourceFactory(text="\n\n".join(PARAGRAPHS))
    parent = ThesisFactory()
    for depth in range(4):  # a chain of four under the thesis, only the deepest quoted
        parent = NodeFactory(map=parent.map, parent=parent, key=f"d{depth}")
    AnchorFactory(node=parent, source=source, quote=PARAGRAPHS[0])
    other = NodeFactory(map=parent.map, parent=parent.parent, key="other")
    AnchorFactory(node=other, source=source, quote=PARAGRAPHS[1])
    html = client.get(f"{source.get_absolute_url()}argument/").content.decode()
    # The first quote is shown with all five of its nodes, over the bound; the next waits.
    assert set(re.findall(r'<li id="node-([\w-]+)"', html)) == {"thesis", "d0", "d1", "d2", "d3"}
    assert "More of this source" in html


def test_the_home_counts_are_each_relation_of_each_map(seeded_map):
    call_command("generate_map", nodes=40, slug="other", verbosity=0)
    for argmap in ArgumentMap.objects.counted():
        nodes = argmap.nodes.all()
        assert argmap.node_count == nodes.count()
        for relation in ("supports", "opposes", "undercuts"):
            assert getattr(argmap, f"{relation}_count") == nodes.filter(relation=relation).count()
    seed = next(m for m in ArgumentMap.objects.counted() if m.pk == seeded_map.pk)
    assert (seed.node_count, seed.supports_count, seed.opposes_count, seed.undercuts_count) == (
        209,
        157,
        37,
        14,
    )
