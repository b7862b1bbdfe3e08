"""Argument schemes: named by a curator, shown with their critical questions, carried in the
exports (argmap/2, AIF) and read back."""

import json

import pytest
from arguebuf.model.scheme import Support

from argmap.debates.mapdoc import MapDocumentError, export_map, load_document
from argmap.debates.mapdoc.formats import aif, dump_json
from argmap.debates.models import Node
from argmap.debates.schemes import SCHEMES

from ..curation_support import form_data, node_change_url


def plain(document):
    return json.loads(dump_json(document))


def test_the_seed_map_names_the_schemes_its_texts_make(seeded_map):
    named = dict(seeded_map.nodes.exclude(scheme="").values_list("key", "scheme"))
    assert len(named) >= 50
    # the kinds of inference issue 23 names, where the documents make them
    assert named["generic-drug-analogy"] == named["compiler-student-analogy"] == "analogy"
    assert named["us-agi-endgame-infrastructure"] == "expert-opinion"  # Wedbush
    assert named["stocks-fell"] == "sign"
    assert named["constraints-forced-ingenuity"] == "cause-to-effect"
    assert named["learn-dont-restrict"] == "practical-reasoning"
    assert named["reporter-track-record"] == "ad-hominem"
    assert "ip-theft-hypocrisy" not in named  # a premise of Big Tech's taking, no tu quoque
    assert named["sputnik-led-to-moon"] == "precedent"
    assert set(named.values()) <= set(SCHEMES)
    assert not seeded_map.nodes.filter(parent=None).exclude(scheme="").exists()


def test_a_claim_page_shows_the_scheme_beside_the_relation_with_its_questions(client, seeded_map):
    node = Node.objects.get(key="generic-drug-analogy")
    html = client.get(node.get_absolute_url()).content.decode()
    meta = html[html.index('class="node-meta"') : html.index('class="node-title"')]
    assert "Supports" in meta and "Argument from analogy" in meta
    assert "<summary>Critical questions for this argument from analogy</summary>" in html
    for question in SCHEMES["analogy"].questions:
        assert question in html
    plain_node = Node.objects.get(key="generic-drug-analogy").parent
    assert "Critical questions" not in client.get(plain_node.get_absolute_url()).content.decode()


def test_a_curator_names_a_scheme_in_the_admin_and_only_from_the_list(curator_client, seeded_map):
    node = Node.objects.get(key="r1-on-par-with-o1")
    assert node.scheme == ""
    data = form_data(curator_client.get(node_change_url(node)))
    data["scheme"] = "made-up"
    response = curator_client.post(node_change_url(node), data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    data["scheme"] = "evidence-to-hypothesis"
    assert curator_client.post(node_change_url(node), data).status_code == 302
    node.refresh_from_db()
    assert node.scheme == "evidence-to-hypothesis"
    exported = {n["id"]: n for n in plain(export_map(seeded_map))["nodes"]}
    assert exported["r1-on-par-with-o1"]["scheme"] == "evidence-to-hypothesis"


def test_argmap2_carries_schemes_and_implicit_premises_both_ways(seeded_map):
    document = plain(export_map(seeded_map))
    copy = load_document(document, slug="copy")
    again = plain(export_map(copy))
    assert again["nodes"] == document["nodes"]
    assert again["map"]["definition"] == document["map"]["definition"]
    # older files, without the optional keys, still load
    implicit = {n["id"] for n in document["nodes"] if n["implicit"]}
    assert implicit >= {"only-export-allowed-chips", "us-can-keep-chips-from-china"}
    document["nodes"] = [n for n in document["nodes"] if not n["implicit"]]
    document["links"] = [link for link in document["links"] if not implicit & set(link["between"])]
    del document["map"]["cruxes"]
    for node in document["nodes"]:
        del node["scheme"], node["implicit"]
    del document["map"]["definition"]
    older = load_document(document, slug="older")
    assert not older.nodes.exclude(scheme="").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda n: n.update(scheme="argument from vibes"), "unknown scheme"),
        (lambda n: n.update(scheme=7), "scheme has the wrong type"),
        (lambda n: n.update(implicit="yes"), "implicit has the wrong type"),
        (lambda n: n.update(implicit=True), "is an implicit premise: a claim, not a heading"),
    ],
)
def test_a_bad_scheme_or_implicit_flag_is_listed_and_nothing_loads(seeded_map, change, problem):
    document = plain(export_map(seeded_map))
    node = next(n for n in document["nodes"] if n["id"] == "stocks-fell")  # evidence, anchored
    change(node)
    with pytest.raises(MapDocumentError) as raised:
        load_document(document, slug="bad")
    assert any(problem in str(p) for p in raised.value.problems)
    assert not type(seeded_map).objects.filter(slug="bad").exists()


def test_aif_carries_the_scheme_on_the_ra_or_ca_node_and_arguebuf_reads_it(seeded_map):
    document = plain(export_map(seeded_map))
    data = plain(aif.to_aif(document))
    by_id = {node["nodeID"]: node for node in data["nodes"]}
    assert by_id["ra:stargate-first-principles"]["scheme"] == "Expert Opinion"
    assert by_id["ca:buran-moment"]["scheme"] == "Analogy"  # an attack's own inference
    assert by_id["ra:r1-on-par-with-o1"]["scheme"] == "Default Inference"  # none named
    graph = aif.load_graph(data)
    assert graph.scheme_nodes["ra:stocks-fell"].scheme == Support.SIGN
    assert graph.scheme_nodes["ra:generic-drug-analogy"].scheme == Support.ANALOGY
    info = {key: document["map"][key] for key in ("slug", "title", "question")}
    sources = {s["slug"]: {**s, "text": ""} for s in document["sources"]}
    read = aif.from_aif({**data, "locutions": [], "participants": []}, info, sources)
    schemes = {n["id"]: n["scheme"] for n in read["nodes"]}
    assert schemes == {n["id"]: n["scheme"] for n in document["nodes"]}
