"""The map's question defined, its implicit premises and its cruxes (issue 23)."""

import json
import re

import pytest

from argmap.debates.mapdoc import MapDocumentError, export_map, load_document
from argmap.debates.mapdoc.formats import dump_json
from argmap.debates.models import Link, Node


def plain(document):
    return json.loads(dump_json(document))


def test_the_map_page_states_the_questions_senses_and_its_cruxes(client, seeded_map):
    html = client.get(seeded_map.get_absolute_url()).content.decode()
    defined = html[html.index('class="question-defined"') :]
    assert ">What the question means</h2>" in defined
    # after the tree, so the thesis and first claims keep a phone's first screen (issue 26)
    assert html.index('id="argument-tree"') < html.index('class="question-defined"')
    assert "(a) A gap revealed" in defined and "(b) A wake-up call" in defined
    cruxes = html[html.index('class="cruxes"') : html.index('class="downloads"')]
    assert "What all the sources agree on" in cruxes
    assert "The questions the conclusion turns on" in cruxes
    question = cruxes[cruxes.index("Is R1 derivative of American work?") :]
    question = question[: question.index("</li>")]
    # each side links to the nodes that take it
    yes, no = re.split(r"<strong>No:</strong>", question)
    assert Node.objects.get(key="follower-generic-drug").get_absolute_url() in yes
    assert Node.objects.get(key="cheating-claims-are-cope").get_absolute_url() in no


def test_the_cruxes_cost_one_query_whatever_they_name(seeded_map, django_assert_num_queries):
    seeded_map.refresh_from_db()
    with django_assert_num_queries(1):
        rows = seeded_map.crux_rows()
        urls = [
            node.get_absolute_url()
            for row in rows
            for side in row["sides"]
            for node in side["nodes"]
        ]
    assert len(urls) >= 30


def test_an_implicit_premise_is_marked_as_the_curators_and_takes_the_attacks(client, seeded_map):
    premise = Node.objects.get(key="only-export-allowed-chips")
    assert premise.is_implicit and not premise.anchors.exists()
    assert premise.parent.key == "wall-made-less-relevant"  # 001's argument that needs it
    attackers = {link.other_end(premise).key for link in Link.objects.touching([premise])}
    assert {"built-on-banned-chips", "hidden-banned-chips"} <= attackers
    html = client.get(premise.get_absolute_url()).content.decode()
    assert "Implicit premise, added by the curators" in html
    assert "The curators added this premise" in html
    exported = {n["id"]: n for n in plain(export_map(seeded_map))["nodes"]}
    assert exported["only-export-allowed-chips"]["implicit"] is True
    assert exported["wall-made-less-relevant"]["implicit"] is False


def test_the_export_carries_the_definition_and_cruxes_and_a_bad_crux_is_refused(seeded_map):
    document = plain(export_map(seeded_map))
    assert document["map"]["definition"].startswith("The curators read the documents")
    assert [c["kind"] for c in document["map"]["cruxes"]].count("agreed") == 2
    copy = load_document(document, slug="copy")
    assert copy.cruxes == seeded_map.cruxes and copy.definition == seeded_map.definition
    document["map"]["cruxes"].append({"kind": "maybe", "text": "?", "sides": []})
    with pytest.raises(MapDocumentError) as raised:
        load_document(document, slug="bad")
    problems = [str(problem) for problem in raised.value.problems]
    assert any(p.startswith("crux 7: kind has the wrong type") for p in problems)


def test_a_crux_naming_a_missing_node_is_a_check_map_problem(seeded_map):
    document = plain(export_map(seeded_map))
    document["map"]["cruxes"][0]["sides"][0]["nodes"].append("no-such-node")
    with pytest.raises(MapDocumentError) as raised:
        load_document(document, slug="bad")
    assert "crux 1: names a missing node 'no-such-node'" in [str(p) for p in raised.value.problems]
