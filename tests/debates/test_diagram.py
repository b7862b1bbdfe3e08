"""The diagram draws a bounded neighbourhood of its focus (issue 14) that a screen reader can
walk as a list (issue 13, item 2)."""

import re

import pytest

from argmap.debates.diagram import LEVEL_LIMITS, LINKS_SHOWN, PATH_SHOWN
from argmap.debates.models import Node

from ..factories import LinkFactory, NodeFactory, ThesisFactory

FIRST, SECOND = LEVEL_LIMITS


def flat(response):
    return re.sub(r"\s+", " ", response.content.decode())


def svg_of(html):
    return html.split("<svg", 1)[1].split("</svg>", 1)[0]


def outline_of(html):
    return html.split('class="diagram-outline"', 1)[1].split("</section>", 1)[0]


def drawn_keys(html):
    return re.findall(r'id="box-([A-Za-z0-9_-]+)"', svg_of(html))


def url(thesis, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/maps/{thesis.map.slug}/diagram/" + (f"?{query}" if query else "")


def children(parent, count, relation=Node.Relation.SUPPORTS, start=0):
    return [
        NodeFactory(map=parent.map, parent=parent, relation=relation, position=start + index)
        for index in range(count)
    ]


@pytest.mark.django_db
def test_a_node_with_one_child_too_many_draws_the_limit_and_a_link_to_the_rest(client):
    thesis = ThesisFactory()
    made = children(thesis, FIRST + 1)
    html = flat(client.get(url(thesis)))
    assert drawn_keys(html) == [thesis.key, *(node.key for node in made[:FIRST])]
    next_page = url(thesis, focus=thesis.key, page=2).replace("&", "&amp;")
    assert svg_of(html).count(f'href="{next_page}"') == 1
    assert f'<a href="{next_page}">Next 1 of 1 more ›</a>' in outline_of(html)
    # The link leads to the rest, and back.
    rest = flat(client.get(url(thesis, focus=thesis.key, page=2)))
    assert drawn_keys(rest) == [thesis.key, made[-1].key]
    assert "‹ Previous" in outline_of(rest)


@pytest.mark.django_db
def test_a_child_with_one_child_too_many_links_to_its_own_diagram(client):
    thesis = ThesisFactory()
    (child,) = children(thesis, 1)
    grandchildren = children(child, SECOND + 1)
    html = flat(client.get(url(thesis)))
    assert drawn_keys(html) == [thesis.key, child.key, *(g.key for g in grandchildren[:SECOND])]
    branch = url(thesis, focus=child.key)
    assert svg_of(html).count(f'href="{branch}"') == 2  # the child's box and its "more"
    assert f'<a href="{branch}">1 more: open this branch ›</a>' in outline_of(html)
    # Nothing below the second level is drawn; a box with children left out says so.
    great = children(grandchildren[0], 1)
    html = flat(client.get(url(thesis)))
    assert great[0].key not in drawn_keys(html)
    assert svg_of(html).count('class="box-chevron"') == 1


@pytest.mark.django_db
def test_a_cut_keeps_both_sides_and_draws_them_grouped(client):
    thesis = ThesisFactory()
    supporters = children(thesis, FIRST + 2)
    (opponent,) = children(thesis, 1, Node.Relation.OPPOSES, start=50)
    keys = drawn_keys(flat(client.get(url(thesis))))
    # First supporter, first opponent, then supporters: the opponent is never cut off.
    assert keys == [thesis.key, *(node.key for node in supporters[: FIRST - 1]), opponent.key]


@pytest.mark.django_db
def test_the_focus_is_drawn_below_its_parent_with_the_path_up_to_the_thesis(client):
    thesis = ThesisFactory()
    chain = [thesis]
    for _ in range(PATH_SHOWN + 2):
        (node,) = children(chain[-1], 1)
        chain.append(node)
    focus = chain[-2]
    response = client.get(url(thesis, focus=focus.key))
    html = flat(response)
    assert drawn_keys(html) == [chain[-3].key, focus.key, chain[-1].key]
    crumbs = html.split('aria-label="Path to the focus"', 1)[1].split("</nav>", 1)[0]
    shown = re.findall(r"\?focus=([\w-]+)", crumbs)
    assert shown == [node.key for node in chain[-2 - PATH_SHOWN : -2]]
    assert f'href="{url(thesis)}">Thesis</a>' in crumbs and "…" in crumbs
    # The parent's box moves the focus up; the focus's box opens its claim.
    assert f'href="{url(thesis, focus=chain[-3].key)}"' in svg_of(html)
    assert f'href="{focus.get_absolute_url()}"' in svg_of(html)


@pytest.mark.django_db
def test_an_undercut_attacks_the_link_it_undercuts_from_either_side(client):
    thesis = ThesisFactory()
    (claim,) = children(thesis, 1)
    (reason,) = children(claim, 1)
    (undercut,) = children(reason, 1, Node.Relation.UNDERCUTS)
    for focus in (claim, reason):  # the undercut a grandchild, then a child of the focus
        response = client.get(url(thesis, focus=focus.key))
        edges = {edge.child.node.key: edge for edge in response.context["edges"]}
        x1, y1, x2, y2 = edges[reason.key].ends
        assert edges[undercut.key].path.startswith(f"M{(x1 + x2) // 2},{(y1 + y2) // 2} ")
        assert 'class="edge edge-undercuts"' in flat(response)


@pytest.mark.django_db
def test_the_drawing_is_hidden_from_screen_readers_who_get_a_list_with_words(client):
    thesis = ThesisFactory()
    (claim,) = children(thesis, 1)
    (rebuttal,) = children(claim, 1, Node.Relation.OPPOSES)
    (undercut,) = children(claim, 1, Node.Relation.UNDERCUTS, start=5)
    LinkFactory(from_node=rebuttal, to_node=thesis, kind="same_point")
    html = flat(client.get(url(thesis)))
    svg = svg_of(html)
    assert 'aria-hidden="true"' in svg.split(">", 1)[0] and 'role="img"' not in svg
    # Every link in the drawing is out of the tab order; the list has them all.
    assert svg.count("<a ") == svg.count('tabindex="-1"') == 4
    outline = outline_of(html)
    for node, word in ((claim, "Supports"), (rebuttal, "Opposes"), (undercut, "Undercuts")):
        item = outline.split(f'data-box="box-{node.key}"', 1)[0].rsplit("<li>", 1)[1]
        assert word in item
    assert "Same point as" in outline and f"?focus={thesis.key}" in outline
    # Lists nested as the tree: the focus's, its children's, theirs; and both ends' links.
    assert outline.count('<ul class="outline-links">') == 2 and outline.count("<ul") == 5


@pytest.mark.django_db
def test_a_node_lists_a_few_of_its_cross_links_and_sends_to_its_claim_for_the_rest(client):
    thesis = ThesisFactory()
    (claim,) = children(thesis, 1)
    others = children(NodeFactory(map=thesis.map, parent=thesis, position=9), LINKS_SHOWN + 1)
    for other in others:
        LinkFactory(from_node=claim, to_node=other)
    outline = outline_of(flat(client.get(url(thesis))))
    item = outline.split(f'data-box="box-{claim.key}"', 1)[1].split("</ul>", 1)[0]
    assert item.count("Contradicted by") == LINKS_SHOWN
    assert f'<a href="{claim.get_absolute_url()}">1 more link on its claim page</a>' in item


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"focus": "no-such-node"}, {"page": "0"}, {"page": "x"}, {"page": "²"}, {"page": "2"}],
)
def test_an_unknown_focus_or_page_is_not_found(client, params):
    thesis = ThesisFactory()
    children(thesis, 1)
    assert client.get(url(thesis, **params)).status_code == 404


def test_the_seed_maps_diagram_is_a_bounded_neighbourhood_of_linked_boxes(client, seeded_map):
    html = flat(client.get(f"/maps/{seeded_map.slug}/diagram/"))
    keys = drawn_keys(html)
    assert 1 < len(keys) <= 1 + FIRST + FIRST * SECOND < seeded_map.nodes.count()
    drawn = {node.key: node for node in seeded_map.nodes.filter(key__in=keys)}
    thesis = seeded_map.thesis
    for key in keys:
        target = thesis.get_absolute_url() if key == thesis.key else url(thesis, focus=key)
        assert (
            f'<a href="{target}" tabindex="-1" class="box box-{drawn[key].relation or "thesis"}'
            in html
        )
    assert 'class="edge edge-opposes"' in html and 'class="edge edge-supports"' in html


def test_a_focused_branch_draws_only_its_own_nodes(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    html = flat(client.get(f"/maps/{seeded_map.slug}/diagram/", {"focus": branch.key}))
    inside = {Node.objects.get(pk=pk).key for pk in Node.objects.subtree_ids(branch)}
    keys = drawn_keys(html)
    assert keys[0] == seeded_map.thesis.key  # the parent, above the focus
    assert branch.key in keys and set(keys[1:]) <= inside
