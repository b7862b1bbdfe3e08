"""The graph's rules (undercuts, links, voices), each refused everywhere a map is written.

Each rule is seen three ways: check_map on the database, seed on the fixtures, and
load_document on an argmap/2 document; every refusal names the problem and writes nothing.
"""

import copy
import json
import shutil
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from argmap.debates.mapdoc import (
    FIXTURE_DIR,
    MAP_FILES,
    MapDocumentError,
    export_map,
    load_document,
    load_json,
    problems_in_database,
)
from argmap.debates.mapdoc.formats import materialized
from argmap.debates.models import Anchor, ArgumentMap, Link, Node
from tests.factories import AnchorFactory, NodeFactory, ThesisFactory


def check_map_problems():
    with pytest.raises(CommandError) as raised:
        call_command("check_map", stdout=StringIO())
    return str(raised.value)


def small_tree():
    """thesis → claim → child, and a second claim under the thesis; all anchored."""
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis, key="claim")
    child = NodeFactory(map=thesis.map, parent=claim, key="child")
    other = NodeFactory(map=thesis.map, parent=thesis, key="other")
    source = None
    for node in (claim, child, other):
        source = AnchorFactory(node=node, **({"source": source} if source else {})).source
    return thesis, claim, child, other


# Undercuts -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_undercut_needs_a_grandparent_in_the_model_and_in_check_map():
    thesis, claim, child, other = small_tree()
    child.relation = Node.Relation.UNDERCUTS
    child.full_clean()  # claim has a parent: the undercut attacks claim → thesis
    child.save()
    assert problems_in_database() == []

    other.relation = Node.Relation.UNDERCUTS
    with pytest.raises(ValidationError, match="nothing under it can undercut"):
        other.full_clean()
    Node.objects.filter(pk=other.pk).update(relation=Node.Relation.UNDERCUTS)
    assert "node other: undercuts 'thesis', which has no parent" in check_map_problems()


# Links -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_link_is_stored_once_lower_id_first_and_found_from_either_end():
    thesis, claim, child, other = small_tree()
    link = Link.objects.create(from_node=other, to_node=claim, kind=Link.Kind.CONTRADICTS)
    link.refresh_from_db()
    assert (link.from_node, link.to_node, link.map) == (claim, other, thesis.map)
    assert Link.objects.get_by_natural_key(thesis.map.slug, "other", "claim", "contradicts") == (
        link
    )
    twin = Link(from_node=other, to_node=claim, kind=Link.Kind.CONTRADICTS, map=thesis.map)
    with pytest.raises(ValidationError, match="linked this way already"):
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # The database itself refuses a pair stored the wrong way round.
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.bulk_create(
            [Link(map=thesis.map, from_node=other, to_node=claim, kind=Link.Kind.SAME_POINT)]
        )
    assert Link.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ends, message",
    [
        (("claim", "claim"), "two different nodes"),
        (("claim", "child"), "never repeats a tree edge"),
        (("child", "claim"), "never repeats a tree edge"),
    ],
)
def test_the_model_refuses_a_link_to_itself_or_along_a_tree_edge(ends, message):
    nodes = dict(zip(("thesis", "claim", "child", "other"), small_tree(), strict=True))
    link = Link(from_node=nodes[ends[0]], to_node=nodes[ends[1]], kind=Link.Kind.SAME_POINT)
    link.map = nodes["claim"].map
    with pytest.raises(ValidationError, match=message):
        link.full_clean()


@pytest.mark.django_db
def test_the_model_refuses_a_link_between_two_maps():
    claim, foreign = small_tree()[1], NodeFactory()
    link = Link(from_node=claim, to_node=foreign, map=claim.map, kind=Link.Kind.CONTRADICTS)
    with pytest.raises(ValidationError, match="nodes of the link's map"):
        link.full_clean()


@pytest.mark.django_db
def test_check_map_reports_every_bad_link():
    thesis, claim, child, other = small_tree()
    foreign = NodeFactory()
    # Written around the model's checks, as a bad import or a hand edit would.
    Link.objects.bulk_create(
        [
            Link(map=thesis.map, from_node=claim, to_node=child, kind=Link.Kind.SAME_POINT),
            Link(map=thesis.map, from_node=claim, to_node=foreign, kind=Link.Kind.CONTRADICTS),
        ]
    )
    report = check_map_problems()
    assert "link same_point claim – child: repeats a tree edge" in report
    # A link from a node to itself cannot even be stored: the pair must be ordered.
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.bulk_create(
            [Link(map=thesis.map, from_node=other, to_node=other, kind=Link.Kind.CONTRADICTS)]
        )
    assert "names a node not in this map: None" in report


# Voices ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("speaker", ["the author", "a reader commenter", "  "])
def test_a_reported_anchor_must_name_who_is_reported(speaker):
    anchor = small_tree()[1].anchors.get()
    Anchor.objects.filter(pk=anchor.pk).update(voice=Anchor.Voice.REPORTS, speaker=speaker)
    report = check_map_problems()
    assert "node claim anchor 1" in report
    assert ("names no speaker" if not speaker.strip() else "name who is reported") in report
    Anchor.objects.filter(pk=anchor.pk).update(speaker="Marc Andreessen (as quoted)")
    assert problems_in_database() == []


@pytest.mark.django_db
def test_a_conceded_anchor_names_its_speaker():
    anchor = small_tree()[1].anchors.get()
    Anchor.objects.filter(pk=anchor.pk).update(voice=Anchor.Voice.CONCEDES, speaker="")
    assert "is concedes but names no speaker" in check_map_problems()
    Anchor.objects.filter(pk=anchor.pk).update(speaker="the author")
    assert problems_in_database() == []


# seed: the same rules on the fixtures, before anything is written ------------------------


def broken_fixtures(tmp_path, edit):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    seed = tmp_path / "deepseek-r1-sputnik"
    data = {name: json.loads((seed / name).read_text(encoding="utf-8")) for name in MAP_FILES}
    edit(data)
    for name, entries in data.items():
        (seed / name).write_text(json.dumps(entries, ensure_ascii=False, indent=2))
    return tmp_path


def test_seed_refuses_fixtures_that_break_the_graph_rules_and_loads_nothing(db, tmp_path):
    def edit(data):
        nodes = [entry["fields"] for entry in data["nodes.json"]]
        first_level = next(n for n in nodes if n["parent"] and n["parent"][1] == "thesis")
        first_level["relation"] = "undercuts"
        deeper = next(n for n in nodes if n["parent"] and n["parent"][1] == first_level["key"])
        anchor = next(
            entry["fields"] for entry in data["anchors.json"] if entry["fields"]["node"][1] != "x"
        )
        anchor["voice"], anchor["speaker"] = "reports", "the author"
        data["links.json"] = [
            {
                "model": "debates.link",
                "fields": {
                    "map": ["deepseek-r1-sputnik"],
                    "from_node": ["deepseek-r1-sputnik", first_level["key"]],
                    "to_node": ["deepseek-r1-sputnik", deeper["key"]],
                    "kind": kind,
                },
            }
            for kind in ("same_point", "same_point")
        ]

    directory = broken_fixtures(tmp_path, edit)
    with pytest.raises(CommandError) as raised:
        call_command("seed", directory=str(directory), verbosity=0)
    report = str(raised.value)
    assert "nothing was loaded" in report
    assert "which has no parent: an undercut" in report
    assert "name who is reported" in report
    assert "repeats a tree edge" in report
    assert "is stored twice" in report
    assert not ArgumentMap.objects.exists() and not Link.objects.exists()


# load_document: every problem listed, nothing written -------------------------------------


@pytest.fixture
def exported(seeded_map):
    return materialized(export_map(seeded_map))


def refused(document, slug="copy"):
    maps, nodes = ArgumentMap.objects.count(), Node.objects.count()
    with pytest.raises(MapDocumentError) as raised:
        load_document(document, slug=slug)
    assert (ArgumentMap.objects.count(), Node.objects.count()) == (maps, nodes)
    return [str(problem) for problem in raised.value.problems]


def test_an_exported_map_loads_back_as_the_same_document(exported):
    copied = load_document(copy.deepcopy(exported), slug="copy")
    again = export_map(copied)
    assert again["map"]["slug"] == "copy"
    again["map"]["slug"] = exported["map"]["slug"]
    assert again == exported


def test_load_document_lists_every_problem_and_writes_nothing(exported):
    document = copy.deepcopy(exported)
    nodes = document["nodes"]
    thesis_child = next(node for node in nodes if node["parent"] == "thesis")
    thesis_child["relation"] = "undercuts"
    anchored = next(node for node in nodes if node["anchors"])
    anchored["anchors"][0]["voice"] = "reports"
    anchored["anchors"][0]["speaker"] = "the author"
    anchored["anchors"][0]["comment"] = 99
    grandchild = next(node for node in nodes if node["parent"] == thesis_child["id"])
    document["links"] = [
        {"type": "contradicts", "between": [thesis_child["id"], grandchild["id"]]},
        {"type": "same_point", "between": [grandchild["id"], grandchild["id"]]},
        {"type": "same_point", "between": ["thesis", "no-such-node"]},
        {"type": "agrees", "between": ["thesis", grandchild["id"]]},
    ]
    problems = refused(document)
    expected = [
        f"node {thesis_child['id']}: undercuts 'thesis', which has no parent",
        "name who is reported",
        "comment is 99",
        "repeats a tree edge",
        "joins a node to itself",
        "names a node not in this map: no-such-node",
        "has an unknown type",
    ]
    for words in expected:
        assert any(words in problem for problem in problems), (words, problems)


def test_load_document_refuses_a_taken_slug_a_wrong_format_and_unknown_sources(exported):
    document = copy.deepcopy(exported)
    document["format"] = "argmap/1"
    # the shape is checked first, by the typed model; its values only once it holds
    assert refused(document) == ["format: is 'argmap/1'; expected 'argmap/2'"]
    document["format"] = "argmap/2"
    document["sources"][0]["sha256"] = "0" * 64
    document["sources"].append({**document["sources"][0], "slug": "nowhere", "file": "x.txt"})
    problems = refused(document, slug=exported["map"]["slug"])
    assert f"map.slug: a map {exported['map']['slug']!r} exists already" in problems
    assert any("sha256 differs from the stored text's" in problem for problem in problems)
    assert "source nowhere: is not a stored source; load its text first" in problems


def test_load_json_refuses_text_that_is_not_json(db):
    with pytest.raises(MapDocumentError) as raised:
        load_json("{not json")
    assert "not valid JSON" in str(raised.value.problems[0])
    assert not ArgumentMap.objects.exists()


@pytest.mark.django_db
def test_a_generated_map_has_the_whole_graph_and_checks_clean():
    call_command("generate_map", nodes=120, slug="graph", verbosity=0)
    argmap = ArgumentMap.objects.get(slug="graph")
    assert argmap.nodes.filter(relation=Node.Relation.UNDERCUTS).exists()
    assert set(argmap.links.values_list("kind", flat=True)) == set(Link.Kind.values)
    voices = set(Anchor.objects.filter(node__map=argmap).values_list("voice", flat=True))
    assert voices == set(Anchor.Voice.values)
    assert problems_in_database(argmap) == []


# Who holds the words: asserted and conceded words are the text's own ---------------------


def article_with_comments():
    from argmap.debates.models import Source
    from argmap.debates.quotes import sha256_of

    text = "The article says R1 is cheap. A commenter: no, R1 is not cheap at all."
    source = Source.objects.create(
        slug="article", file="a.txt", title="A", kind="news article", text=text,
        sha256=sha256_of(text),
    )  # fmt: skip
    cut = text.index(" A commenter")
    source.sections.create(position=0, kind="body", start=0, end=cut, speaker="the author")
    source.sections.create(
        position=1, kind="comment", start=cut, end=len(text), speaker="a reader commenter"
    )
    return source


@pytest.mark.django_db
def test_asserted_words_are_the_texts_own_voice_where_they_lie():
    source = article_with_comments()
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis, key="claim")
    anchor = AnchorFactory(node=claim, source=source, quote="R1 is not cheap at all")
    assert "where the text's own voice is 'a reader commenter'" in check_map_problems()
    with pytest.raises(ValidationError, match="own voice is 'a reader commenter'"):
        anchor.full_clean()
    Anchor.objects.filter(pk=anchor.pk).update(speaker="a reader commenter")
    assert problems_in_database() == []
    # A quote across the end of the article into a comment belongs to neither.
    start = source.text.index("cheap.")
    Anchor.objects.filter(pk=anchor.pk).update(
        start=start, end=start + 20, exact=source.text[start : start + 20]
    )
    assert "spans two sections" in check_map_problems()


@pytest.mark.django_db
def test_an_author_never_rebuts_its_own_assertion():
    source = article_with_comments()
    thesis = ThesisFactory()
    claim = NodeFactory(map=thesis.map, parent=thesis, key="claim")
    AnchorFactory(node=claim, source=source, quote="R1 is cheap")
    rebuttal = NodeFactory(
        map=thesis.map, parent=claim, key="rebuttal", relation=Node.Relation.OPPOSES
    )
    anchor = AnchorFactory(node=rebuttal, source=source, quote="The article says")
    assert f"node rebuttal: {source.slug} asserts both it and its parent 'claim'" in (
        check_map_problems()
    )
    Anchor.objects.filter(pk=anchor.pk).update(voice=Anchor.Voice.CONCEDES)
    assert problems_in_database() == []
    # A reader comment answering the article is no self-rebuttal.
    start = source.text.index("R1 is not cheap")
    Anchor.objects.filter(pk=anchor.pk).update(
        voice=Anchor.Voice.ASSERTS,
        speaker="a reader commenter",
        start=start,
        end=start + 15,
        exact=source.text[start : start + 15],
    )
    assert problems_in_database() == []


@pytest.mark.django_db
def test_a_heading_quotes_nothing_and_a_quote_has_no_stray_spaces():
    thesis = ThesisFactory()
    heading = NodeFactory(map=thesis.map, parent=thesis, key="heading", is_heading=True)
    anchor = AnchorFactory(node=heading)
    Anchor.objects.filter(pk=anchor.pk).update(
        end=anchor.end + 2, exact=anchor.source.text[anchor.start : anchor.end + 2]
    )
    assert anchor.source.text[anchor.end + 1] == " "
    report = check_map_problems()
    assert "node heading: is a curators' heading: a claim that quotes nothing" in report
    assert "starts or ends with white space" in report
