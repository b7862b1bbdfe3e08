"""Annotations on passages of a source: selectors, and the proposals they carry."""

import re
from html import unescape

import pytest
from django.urls import reverse

from argmap.annotations.forms import TARGETS_A_GROUP
from argmap.annotations.models import Annotation, Proposal

from ..conftest import HX
from ..factories import (
    AnchorFactory,
    AnnotationFactory,
    NodeFactory,
    SourceFactory,
)
from .conftest import post_passage, selector

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


def test_annotating_a_passage_stores_the_quote_selector(as_alice, source):
    quote = "Critics said the cost figure"
    response = post_passage(as_alice, source, selector(source, quote))
    assert response.status_code == 200
    annotation = Annotation.objects.get()
    assert annotation.source == source and annotation.node is None
    assert source.text[annotation.start : annotation.end] == annotation.exact == quote
    assert source.text[: annotation.start].endswith(annotation.prefix)
    assert source.text[annotation.end :].startswith(annotation.suffix)
    html = response.content.decode()
    assert '<div class="reader" id="reader"' in html  # the reader, re-rendered
    assert f'href="#annotation-{annotation.pk}"' in html and f'id="passage-{annotation.pk}"' in html


def test_passage_annotation_offsets_count_code_points(as_alice, db):
    source = SourceFactory(text="Emoji 🚀 first, then “curly” quotes — and the passage we want.")
    quote = "the passage we want"
    assert post_passage(as_alice, source, selector(source, quote)).status_code == 200
    assert Annotation.objects.get().exact == quote


@pytest.mark.parametrize(
    "change",
    [
        {"end": 10_000},  # past the end of the text
        {"start": -1},
        {"start": 20, "end": 20},
        {"start": 30, "end": 20},
        {"exact": "Critics said the cost figurX"},  # does not match the text
        {"start": 0},  # offsets do not match the quote
        {"prefix": "something else entirely"},
        {"suffix": "not what follows"},
        {"start": "", "end": ""},
        {"exact": ""},
        {"start": "ten"},
    ],
    ids=str,
)
def test_bad_selectors_are_a_400_that_writes_nothing(as_alice, source, change):
    data = selector(source, "Critics said the cost figure", **change)
    for headers in (HX, {}):
        response = post_passage(as_alice, source, data, headers)
        assert response.status_code == 400
    assert not Annotation.objects.exists()


def test_selector_errors_are_explained(as_alice, source):
    data = selector(source, "Critics said the cost figure", exact="Critics said the cost figurX")
    html = post_passage(as_alice, source, data).content.decode()
    assert "do not match the source’s text" in html


def test_annotating_a_missing_source_is_a_404(as_alice, source):
    url = reverse("passage-annotation-create", args=["no-such-source"])
    assert as_alice.post(url, selector(source, "Critics"), headers=HX).status_code == 404


def test_a_passage_can_carry_a_proposal(as_alice, source, node):
    data = selector(
        source,
        "the result still shows real efficiency",
        target=node.pk,
        relation="opposes",
        proposed_text="The efficiency is real.",
    )
    response = post_passage(as_alice, source, data)
    assert response.status_code == 200
    proposal = Proposal.objects.get()
    assert (proposal.target, proposal.relation, proposal.state) == (node, "opposes", "pending")
    assert proposal.annotation.exact == proposal.exact == "the result still shows real efficiency"
    assert proposal.proposer.username == "alice"
    assert "waiting for the curators" in response.content.decode()


@pytest.mark.parametrize(
    "change", [{"proposed_text": ""}, {"target": 999_999}, {"relation": "sideways"}], ids=str
)
def test_bad_proposals_write_nothing(as_alice, source, node, change):
    data = selector(source, "Critics said", target=node.pk, proposed_text="A point.")
    data.update(change)
    assert post_passage(as_alice, source, data).status_code == 400
    assert not Annotation.objects.exists() and not Proposal.objects.exists()


def test_passage_highlights_follow_visibility(as_alice, as_bob, client, source, alice):
    private = AnnotationFactory(node=None, author=alice, visibility="private", body="secret note")
    private.set_passage(source, 0, 7)
    private.save()
    public = AnnotationFactory(node=None, author=alice, body="open note")
    public.set_passage(source, 10, 20)
    public.save()
    mine = as_alice.get(source.get_absolute_url()).content.decode()
    assert f'id="passage-{private.pk}"' in mine and "secret note" in mine
    assert f'id="passage-{public.pk}"' in mine
    for other in (as_bob, client):
        html = other.get(source.get_absolute_url()).content.decode()
        assert f'id="passage-{private.pk}"' not in html and "secret note" not in html
        assert f'id="passage-{public.pk}"' in html and "open note" in html


def test_the_reader_offers_the_form_only_to_logged_in_users(as_alice, client, source):
    assert 'id="passage-form"' in as_alice.get(source.get_absolute_url()).content.decode()
    anonymous = client.get(source.get_absolute_url()).content.decode()
    assert 'id="passage-form"' not in anonymous and "to annotate passages" in anonymous


# The nodes a passage may be proposed under ------------------------------------------------


def target_options(html):
    """The target list's groups, each with the texts of its options, as the page shows it."""
    region = html.split('id="passage-targets"')[1].split('id="find-targets"')[0]
    groups = {}
    for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', region, re.S):
        groups[unescape(label)] = [unescape(t) for t in re.findall(r">([^<]+)</option>", body)]
    return groups


def test_the_target_list_waits_for_the_passage_and_lists_no_map_whole(as_alice, source, node):
    NodeFactory(map=node.map, parent=node, text="Nothing here is quoted.")
    html = as_alice.get(source.get_absolute_url()).content.decode()
    assert target_options(html) == {}
    assert "Choose “Find nodes” once the words are selected" in html


def test_finding_targets_without_a_script_groups_what_the_passage_bears_on(as_alice, source, node):
    other = NodeFactory(map=node.map, parent=node, text="Critics said the cost figure is low.")
    near = NodeFactory(map=node.map, parent=node, text="An efficiency claim, quoted later.")
    AnchorFactory(node=near, source=source, quote="Supporters said the result")
    NodeFactory(map=node.map, parent=node, text="Unrelated words about the weather entirely.")
    # The reader pastes the first sentence's words (no script: no offsets) and asks.
    data = {**selector(source, "DeepSeek trained its model"), "words": "DeepSeek trained its"}
    for name in ("start", "end", "exact", "prefix", "suffix"):
        data.pop(name)
    response = post_passage(as_alice, source, {**data, "find": "1"}, headers={})
    assert response.status_code == 200
    groups = target_options(response.content.decode())
    assert list(groups)[:2] == ["Quoting this passage", "Quoting words near it"]
    assert groups["Quoting this passage"] == [f"Claim: {node.text}"]
    assert groups["Quoting words near it"] == [f"Claim: {near.text}"]
    assert Annotation.objects.count() == 0 and Proposal.objects.count() == 0
    # Typed words find others, by their likeness; the form keeps what was written.
    response = post_passage(as_alice, source, {**data, "find": "1", "look_for": "cost figure"})
    html = response.content.decode()
    assert target_options(html)["Found for “cost figure”"][0] == f"Claim: {other.text}"
    assert "About this passage." in html
    # The chosen node is then saved as the proposal's target.
    response = post_passage(
        as_alice, source, {**data, "target": other.pk, "proposed_text": "A point."}
    )
    assert response.status_code == 200
    assert Proposal.objects.get().target == other


def test_a_target_list_is_bounded_whatever_the_map(as_alice, source, node):
    for number in range(30):
        NodeFactory(map=node.map, parent=node, text=f"DeepSeek trained model number {number}.")
    data = {**selector(source, "DeepSeek trained its model"), "find": "1"}
    groups = target_options(post_passage(as_alice, source, data).content.decode())
    assert all(len(texts) <= TARGETS_A_GROUP for texts in groups.values())
    assert len(groups["Like its words"]) == TARGETS_A_GROUP


def test_words_that_are_not_in_the_text_say_so_where_the_targets_are(as_alice, source):
    data = {"words": "words that are nowhere", "find": "1", "body": ""}
    html = post_passage(as_alice, source, data).content.decode()
    problem = html.split('id="passage-targets"')[1].split('id="find-targets"')[0]
    assert "These words are not in the text as written" in problem
    assert Annotation.objects.count() == 0
