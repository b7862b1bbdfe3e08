"""What readers see of the argument graph: undercuts, cross-links, voices, one document's
argument; and what curators edit of it in the admin."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from argmap.debates import fragments
from argmap.debates.markup import preview
from argmap.debates.models import Anchor, Link, Node, Source
from argmap.debates.tree import branch_labels

from ..conftest import HX
from ..factories import AnchorFactory, NodeFactory, ThesisFactory

MAP = "/maps/deepseek-r1-sputnik"


def flat(response):
    """The page's HTML with runs of whitespace collapsed (templates are one element a line)."""
    return re.sub(r"\s+", " ", response.content.decode())


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# Undercuts -------------------------------------------------------------------------------


def test_an_undercut_reads_as_an_attack_on_the_link_in_the_tree(client, seeded_map):
    undercut = seeded_map.nodes.filter(relation=Node.Relation.UNDERCUTS).first()
    parent, grandparent = undercut.parent, undercut.parent.parent
    response = client.get(f"{MAP}/tree/{parent.key}/?state=open", headers=HX)
    html = flat(response)
    # Set apart from the parent's supporting and opposing children, with its own heading.
    group = html.split('class="child-group group-undercuts"', 1)[1]
    assert f'id="node-{undercut.key}"' in group
    assert 'class="child-group group-supports"' not in group
    assert "Even if this holds, does it bear on what it is said to support" in group
    # And on its own card, in words, naming both ends of the link it attacks.
    card = html.split(f'id="node-{undercut.key}"', 1)[1]
    assert "Undercuts the link:" in card
    assert escape(parent.text[:40]) in card and escape(grandparent.text[:40]) in card
    assert "undercut" in text_of(response)  # the parent's counts name its undercuts


def test_a_claim_page_shows_its_undercut_and_its_own_undercuts_apart(client, seeded_map):
    undercut = seeded_map.nodes.filter(relation=Node.Relation.UNDERCUTS).first()
    page = flat(client.get(undercut.get_absolute_url()))
    assert "Undercuts the link:" in page
    assert escape(undercut.parent.parent.text[:40]) in page
    parent_page = flat(client.get(undercut.parent.get_absolute_url()))
    assert parent_page.index("group-undercuts") > max(
        parent_page.find("group-supports"), parent_page.find("group-opposes")
    )


@pytest.mark.django_db
def test_children_are_grouped_supporting_then_opposing_then_undercuts(client):
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis)
    made = {
        relation: NodeFactory(map=thesis.map, parent=claim, relation=relation, position=index)
        for index, relation in enumerate(["undercuts", "opposes", "supports"])
    }
    html = flat(client.get(f"/maps/{thesis.map.slug}/tree/{claim.key}/?state=open", headers=HX))
    places = {relation: html.index(f'id="node-{node.key}"') for relation, node in made.items()}
    assert places["supports"] < places["opposes"] < places["undercuts"]
    assert "1 for · 1 against · 1 undercut" in html


# Cross-links -----------------------------------------------------------------------------


def test_a_link_shows_on_both_nodes_with_the_other_ends_branch(client, seeded_map):
    link = Link.objects.filter(kind=Link.Kind.CONTRADICTS).select_related("from_node").first()
    ends = (link.from_node, link.to_node)
    labels = branch_labels([node.pk for node in ends])
    for near, far in (ends, ends[::-1]):
        html = flat(client.get(near.get_absolute_url()))
        item = html.split(f'id="xlink-{near.key}-{far.key}"', 1)[1].split("</li>", 1)[0]
        assert "Contradicted by" in item
        assert f'href="{far.get_absolute_url()}"' in item  # a real link without JavaScript
        assert f'hx-get="{far.get_absolute_url()}?from={near.key}&amp;state=open"' in item
        if labels.get(far.pk):
            assert f'in <em class="xlink-branch">{escape(labels[far.pk])}</em>' in item


def test_a_cross_link_opens_the_other_node_in_place_and_closes_again(client, seeded_map):
    link = Link.objects.filter(kind=Link.Kind.SAME_POINT).first()
    near, far = link.to_node, link.from_node
    url = f"{far.get_absolute_url()}?from={near.key}"
    opened = client.get(f"{url}&state=open", headers=HX)
    html = flat(opened).strip()
    assert html.startswith(f'<li id="xlink-{near.key}-{far.key}"')
    assert 'hx-target="this"' in html and 'hx-swap="outerHTML"' in html
    assert "Same point as" in html and 'class="xlink-card"' in html
    assert escape(far.anchors.first().exact[:60]) in html
    assert 'aria-expanded="true"' in html and "state=closed" in html
    closed = flat(client.get(f"{url}&state=closed", headers=HX))
    assert 'class="xlink-card"' not in closed and 'aria-expanded="false"' in closed
    # Without htmx the same address is the other node's own page.
    full = client.get(url)
    assert full.templates[0].name == "debates/node.html" and b"<html" in full.content


def test_a_cross_link_between_unlinked_nodes_is_404(client, seeded_map):
    first, second = seeded_map.nodes.exclude(kind=Node.Kind.THESIS)[:2]
    assert not Link.objects.touching([first]).filter(
        from_node__in=[first, second], to_node__in=[first, second]
    )
    response = client.get(f"{second.get_absolute_url()}?from={first.key}&state=open", headers=HX)
    assert response.status_code == 404
    assert client.get(f"{second.get_absolute_url()}?from=nope", headers=HX).status_code == 404


def test_a_new_link_refreshes_the_cached_tree(client, seeded_map):
    thesis = seeded_map.thesis
    first, second = thesis.children.all()[:2]
    client.get(f"{MAP}/")
    before = fragments.current(seeded_map)
    assert f"xlink-{first.key}-{second.key}" not in flat(client.get(f"{MAP}/"))
    Link.objects.create(from_node=first, to_node=second, kind=Link.Kind.CONTRADICTS)
    assert fragments.current(seeded_map) != before
    assert f'id="xlink-{first.key}-{second.key}"' in flat(client.get(f"{MAP}/"))


# Voices and reader comments --------------------------------------------------------------


def test_reported_and_conceded_quotes_read_as_such(client, seeded_map):
    for voice, word in ((Anchor.Voice.REPORTS, "reported"), (Anchor.Voice.CONCEDES, "conceded")):
        anchor = Anchor.objects.filter(voice=voice).select_related("node", "source").first()
        node_page = flat(client.get(anchor.node.get_absolute_url()))
        assert f"{word.capitalize()}: {escape(anchor.speaker_label)}" in node_page
        # The chip on the tree row.
        tree = flat(client.get(f"{MAP}/?focus={anchor.node.key}"))
        assert f'<span class="chip-speaker">{word}: {escape(anchor.speaker_label)}</span>' in tree
        # And in the reader: beside the jump to the quote, and on the highlight.
        reader = flat(client.get(anchor.source.get_absolute_url()))
        jump = reader.split(f'href="#anchor-{anchor.pk}"', 1)[1][:600]
        assert f"({word}: {escape(anchor.speaker_label)})" in jump
        assert f'title="{word.capitalize()}: ' in reader


def test_reader_comments_show_their_number_wherever_a_speaker_shows(client, seeded_map):
    anchor = (
        Anchor.objects.filter(speaker="a reader commenter").select_related("node", "source").first()
    )
    section = anchor.source.comment_at(anchor.start)
    label = f"reader comment {section.position}"
    assert anchor.speaker_label == label
    assert f"{label.capitalize()}, in" in flat(client.get(anchor.node.get_absolute_url()))
    assert f'<span class="chip-speaker">{label}</span>' in flat(
        client.get(f"{MAP}/?focus={anchor.node.key}")
    )
    reader = flat(client.get(anchor.source.get_absolute_url()))
    assert f'<p class="comment-by">Reader comment {section.position}</p>' in reader


@pytest.mark.django_db
def test_a_reported_speaker_inside_a_comment_names_the_comment():
    source = Source.objects.create(
        slug="thread", file="t.txt", title="T", kind=Source.Kind.NEWS_ARTICLE,
        text="Body. First comment. Second comment quoting Ann.", sha256="x",
    )  # fmt: skip
    for position, (start, end, kind) in enumerate([(0, 5, "body"), (5, 20, "comment")]):
        source.sections.create(position=position, start=start, end=end, kind=kind, speaker="x")
    source.sections.create(position=2, start=20, end=len(source.text), kind="comment", speaker="x")
    anchor = AnchorFactory(
        source=source, quote="quoting Ann", speaker="Ann (as quoted by a reader commenter)"
    )
    anchor.voice = Anchor.Voice.REPORTS
    assert anchor.comment_number == 2
    assert anchor.speaker_label == "Ann (as quoted by reader comment 2)"
    annotated = Anchor.objects.with_comment_numbers().get(pk=anchor.pk)
    assert annotated.comment_position == 2


# Follow one source -----------------------------------------------------------------------


def test_a_documents_argument_is_its_own_page_with_just_enough_ancestors(
    client, seeded_map, django_assert_num_queries
):
    source = Source.objects.get(slug="not-sputnik-blog")
    anchored = set(
        Node.objects.filter(anchors__source=source).values_list("key", flat=True).distinct()
    )
    needed = set(anchored)
    for node in Node.objects.filter(key__in=anchored):
        needed |= {ancestor.key for ancestor in Node.objects.ancestors_of(node)}
    # every map's token (the whole response's key), the source, the maps quoting it (the
    # maps, their tokens, the sources and which each map quotes, kept under the tokens), the
    # shown map's token, then the page's nodes
    with django_assert_num_queries(12):
        response = client.get(reverse("source-argument", args=[source.slug]))
    assert response.status_code == 200
    html = flat(response)
    shown = set(re.findall(r'<li id="node-([\w-]+)"', html))
    assert shown == needed
    # Each node from the document carries its quotes, whole, as the reader shows them (the
    # source's Markdown markup hidden); the others are marked as context.
    words = text_of(response)
    for anchor in Anchor.objects.filter(source=source):
        shown_quote = "".join(
            piece
            for piece, _ in preview(anchor.exact, anchor.prefix, anchor.suffix, len(anchor.exact))
        )
        assert not shown_quote.endswith("…")
        assert escape(" ".join(shown_quote.split())) in words
    assert "**" not in words
    context_only = needed - anchored - {"thesis"}
    assert html.count('<span class="kind">Context</span>') == len(context_only)
    assert f"{len(anchored)} claims and evidence drawn from this source" in html
    # Reading order: each node after its parent.
    for key in shown - {"thesis"}:
        node = Node.objects.get(key=key)
        assert html.index(f'id="node-{node.parent.key}"') < html.index(f'id="node-{key}"')
    # The source page links to it.
    assert reverse("source-argument", args=[source.slug]) in flat(
        client.get(f"/sources/{source.slug}/")
    )


def test_a_documents_argument_hides_the_sources_markup_in_its_quotes(client, seeded_map):
    # The analyst's summary bolds words inside its quotes ("**training compute**").
    for source in Source.objects.all():
        words = text_of(client.get(reverse("source-argument", args=[source.slug])))
        assert "**" not in words and '“"' not in words, source.slug


def test_the_argument_of_an_unquoted_or_unknown_source(client, db):
    source = Source.objects.create(slug="alone", file="a.txt", title="A", kind="essay", text="x")
    assert "Nothing in any map quotes this source yet." in flat(
        client.get(reverse("source-argument", args=[source.slug]))
    )
    assert client.get(reverse("source-argument", args=["nope"])).status_code == 404


# The admin -------------------------------------------------------------------------------


def node_change_data(admin_client, node):
    from ..curation_support import form_data

    return form_data(admin_client.get(reverse("admin:debates_node_change", args=[node.pk])))


def test_the_admin_adds_a_link_from_either_end_and_stores_it_once(admin_client, seeded_map):
    first, second = seeded_map.thesis.children.order_by("pk")[:2]
    data = node_change_data(admin_client, second)
    prefix = next(key for key in data if key.endswith("-TOTAL_FORMS") and "link" in key)
    prefix = prefix.removesuffix("-TOTAL_FORMS")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-kind"] = Link.Kind.SAME_POINT
    data[f"{prefix}-{index}-other"] = str(first.pk)
    response = admin_client.post(reverse("admin:debates_node_change", args=[second.pk]), data)
    assert response.status_code == 302, [
        (formset.formset.prefix, formset.formset.errors)
        for formset in response.context["inline_admin_formsets"]
    ]
    link = Link.objects.get(kind=Link.Kind.SAME_POINT, from_node=first, to_node=second)
    assert link.map == seeded_map
    # Shown from the other end too, and refused a second time.
    data = node_change_data(admin_client, first)
    others = {str(value) for key, value in data.items() if key.endswith("-other")}
    assert str(second.pk) in others
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-kind"] = Link.Kind.SAME_POINT
    data[f"{prefix}-{index}-other"] = str(second.pk)
    response = admin_client.post(reverse("admin:debates_node_change", args=[first.pk]), data)
    assert response.status_code == 200
    assert "linked this way already" in flat(response)
    assert Link.objects.filter(kind=Link.Kind.SAME_POINT, from_node=first).count() == 1


def test_the_admin_refuses_a_link_along_a_tree_edge(admin_client, seeded_map):
    parent = seeded_map.thesis.children.filter(children__isnull=False).first()
    child = parent.children.first()
    data = node_change_data(admin_client, parent)
    prefix = next(key for key in data if key.endswith("-TOTAL_FORMS") and "link" in key)
    prefix = prefix.removesuffix("-TOTAL_FORMS")
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-kind"] = Link.Kind.CONTRADICTS
    data[f"{prefix}-{index}-other"] = str(child.pk)
    before = Link.objects.count()
    response = admin_client.post(reverse("admin:debates_node_change", args=[parent.pk]), data)
    assert response.status_code == 200 and "never repeats a tree edge" in flat(response)
    assert Link.objects.count() == before


def test_the_admin_refuses_an_undercut_under_a_child_of_the_thesis(admin_client, seeded_map):
    node = seeded_map.thesis.children.first()
    data = node_change_data(admin_client, node)
    data["relation"] = Node.Relation.UNDERCUTS
    response = admin_client.post(reverse("admin:debates_node_change", args=[node.pk]), data)
    assert response.status_code == 200 and "nothing under it can undercut" in flat(response)
    node.refresh_from_db()
    assert node.relation != Node.Relation.UNDERCUTS


def test_the_admin_edits_an_anchors_voice_and_refuses_a_reported_author(admin_client, seeded_map):
    anchor = Anchor.objects.filter(voice=Anchor.Voice.ASSERTS, speaker="the author").first()
    url = reverse("admin:debates_anchor_change", args=[anchor.pk])
    from ..curation_support import form_data

    data = form_data(admin_client.get(url))
    data["voice"] = Anchor.Voice.REPORTS
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "name who is reported" in flat(response)
    data["speaker"] = "an AI insider (as quoted)"
    assert admin_client.post(url, data).status_code == 302
    anchor.refresh_from_db()
    assert (anchor.voice, anchor.speaker) == (Anchor.Voice.REPORTS, "an AI insider (as quoted)")


def test_the_link_autocomplete_finds_nodes_by_text(admin_client, seeded_map):
    node = seeded_map.thesis.children.first()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "debates", "model_name": "link", "field_name": "to_node", "term": node.key},
    )
    assert response.status_code == 200
    assert str(node.pk) in {row["id"] for row in response.json()["results"]}


def test_a_source_page_says_what_its_text_gives_and_not_given_for_the_rest(client, seeded_map):
    blog = flat(client.get("/sources/not-sputnik-blog/"))
    assert "<dt>Author</dt> <dd> not given </dd>" in blog
    assert "<dt>Date</dt> <dd> 2025-01-30 </dd>" in blog
    assert "<dt>Tags</dt> <dd> starred, ai </dd>" in blog
    article = flat(client.get("/sources/reason-sputnik-moment-article/"))
    disclosure = "“I have small holdings in both Microsoft and Nvidia.”"
    assert f"<dt>Disclosure</dt> <dd> {disclosure} </dd>" in article
    analysis = flat(client.get("/sources/deepseek-analyst-summary/"))
    assert "The text gives no title; the curators wrote this one." in analysis
    assert "The text gives no title" not in blog


def test_a_node_at_the_far_end_of_a_link_saves_in_the_admin(admin_client, seeded_map):
    """A link is stored lower id first, so most linked nodes are its to_node: their page must
    save as it was sent back (the inline's hidden parent field once held the other end)."""
    link = Link.objects.filter(map=seeded_map).select_related("to_node").first()
    node = link.to_node
    data = node_change_data(admin_client, node)
    node_text = data["text"]
    data["text"] = node_text + " (edited)"
    response = admin_client.post(reverse("admin:debates_node_change", args=[node.pk]), data)
    assert response.status_code == 302, [
        (formset.formset.prefix, formset.formset.errors)
        for formset in response.context["inline_admin_formsets"]
    ]
    node.refresh_from_db()
    assert node.text == node_text + " (edited)"
    assert Link.objects.get(pk=link.pk).from_node_id == link.from_node_id  # unchanged, once
