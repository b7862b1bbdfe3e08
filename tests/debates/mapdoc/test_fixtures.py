"""export_seed writes every curated map back to fixtures/ (the documents once, one file set
per map), byte-stable; seed loads every set; a bad map is refused; imported and generated
maps stay out."""

import json
import shutil
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from argmap.debates.mapdoc import FIXTURE_DIR, fixture_paths
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Section, Source
from argmap.debates.quotes import quote_context
from tests.factories import ProposalFactory

SEED = "deepseek-r1-sputnik"
CURATED_MODELS = {
    "debates.source",
    "debates.section",
    "debates.argumentmap",
    "debates.node",
    "debates.anchor",
    "debates.link",
}


def read_bytes(directory):
    """Every file under directory by its path there."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def entries_by_key(directory, name):
    """A fixture file's entries keyed by natural key, to compare content regardless of order."""
    entries = json.loads((directory / name).read_text(encoding="utf-8"))
    if name == "nodes.json":
        return {entry["fields"]["key"]: entry["fields"] for entry in entries}
    if name == "anchors.json":
        return {
            (entry["fields"]["node"][1], entry["fields"]["position"]): entry["fields"]
            for entry in entries
        }
    return {json.dumps(entry, sort_keys=True): entry for entry in entries}


def empty_the_map():
    Anchor.objects.all().delete()
    Node.objects.update(parent=None)
    Node.objects.all().delete()
    ArgumentMap.objects.all().delete()
    Section.objects.all().delete()
    Source.objects.all().delete()


def export_seed(directory):
    out = StringIO()
    call_command("export_seed", directory=directory, stdout=out)
    return out.getvalue()


def test_the_shipped_fixtures_are_the_documents_and_one_set_per_map():
    assert sorted(read_bytes(FIXTURE_DIR)) == [
        f"{SEED}/anchors.json",
        f"{SEED}/links.json",
        f"{SEED}/map.json",
        f"{SEED}/nodes.json",
        "sources.json",
    ]


def test_loading_the_shipped_fixtures_and_exporting_changes_no_byte(seeded_map, tmp_path):
    call_command("export_seed", directory=tmp_path, verbosity=0)
    assert read_bytes(tmp_path) == read_bytes(FIXTURE_DIR)


def test_the_output_has_fixed_indentation_natural_keys_and_a_trailing_newline(seeded_map, tmp_path):
    call_command("export_seed", directory=tmp_path, verbosity=0)
    text = (tmp_path / SEED / "nodes.json").read_text(encoding="utf-8")
    assert text.startswith('[\n  {\n    "model": "debates.node",\n')
    assert text.endswith("]\n")
    entry = json.loads(text)[1]
    assert "pk" not in entry
    assert entry["fields"]["parent"] == ["deepseek-r1-sputnik", "thesis"]


def test_export_writes_curated_content_only(seeded_map, tmp_path):
    ProposalFactory(
        target=Node.objects.get(key="thesis"),
        annotation__source=Source.objects.get(slug="not-sputnik-blog"),
    )
    call_command("export_seed", directory=tmp_path, verbosity=0)
    models = {
        entry["model"]
        for path in fixture_paths(tmp_path)
        for entry in json.loads(path.read_text(encoding="utf-8"))
    }
    assert models == CURATED_MODELS
    assert read_bytes(tmp_path) == read_bytes(FIXTURE_DIR)


def test_an_invalid_map_is_refused_and_the_fixtures_are_left_untouched(seeded_map, tmp_path):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    before = read_bytes(tmp_path)
    Anchor.objects.filter(pk=Anchor.objects.first().pk).update(exact="words nobody wrote")
    node = Node.objects.get(key="analogy-fits")
    Node.objects.filter(pk=node.pk).update(parent=node.children.first())
    with pytest.raises(CommandError) as raised:
        call_command("export_seed", directory=tmp_path, verbosity=0)
    message = str(raised.value)
    assert "left untouched" in message
    assert "exact does not match" in message
    assert "parent links form a cycle" in message
    assert read_bytes(tmp_path) == before  # no temporary file left either


def test_export_is_stable_after_a_move_and_a_reorder(seeded_map, tmp_path):
    moved = Node.objects.get(key="andreessen-sputnik-moment")
    linked = Link.objects.touching([moved]).values_list("from_node", "to_node")
    new_parent = (
        Node.objects.get(key="thesis")
        .children.exclude(pk=moved.parent_id)
        .exclude(pk__in={pk for pair in linked for pk in pair})  # a link may not repeat a tree edge
        .first()
    )
    moved.parent, moved.position = new_parent, 0  # ties with a sibling: pk decides
    moved.save()
    first, second = new_parent.children.exclude(pk=moved.pk).order_by("position", "pk")[:2]
    first.position, second.position = second.position, first.position
    first.save()
    second.save()
    exported, again = tmp_path / "exported", tmp_path / "again"
    call_command("export_seed", directory=exported, verbosity=0)

    # Exactly the two edits show: the moved node's parent and position, and the swap.
    shipped, written = (
        entries_by_key(FIXTURE_DIR / SEED, "nodes.json"),
        entries_by_key(exported / SEED, "nodes.json"),
    )
    changed = {key for key in shipped if shipped[key] != written[key]}
    assert changed <= {moved.key, first.key, second.key}
    assert written[moved.key]["parent"] == ["deepseek-r1-sputnik", new_parent.key]
    assert entries_by_key(FIXTURE_DIR / SEED, "anchors.json") == entries_by_key(
        exported / SEED, "anchors.json"
    )

    # Loading the export into an empty database and exporting again changes no byte.
    empty_the_map()
    call_command("seed", directory=str(exported), verbosity=0)
    call_command("export_seed", directory=again, verbosity=0)
    assert read_bytes(again) == read_bytes(exported)


def test_a_hand_broken_fixture_fails_seed_and_check_map_with_every_problem(db, tmp_path):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    anchors = json.loads((tmp_path / SEED / "anchors.json").read_text(encoding="utf-8"))
    anchors[0]["fields"]["start"] += 1
    (tmp_path / SEED / "anchors.json").write_text(json.dumps(anchors, ensure_ascii=False))
    nodes = json.loads((tmp_path / SEED / "nodes.json").read_text(encoding="utf-8"))
    branch = next(entry for entry in nodes if entry["fields"]["key"] == "analogy-fits")
    child = next(
        entry
        for entry in nodes
        if entry["fields"]["parent"] == ["deepseek-r1-sputnik", "analogy-fits"]
    )
    branch["fields"]["parent"] = ["deepseek-r1-sputnik", child["fields"]["key"]]
    (tmp_path / SEED / "nodes.json").write_text(json.dumps(nodes, ensure_ascii=False, indent=2))

    with pytest.raises(CommandError) as raised:
        call_command("seed", directory=str(tmp_path), verbosity=0)
    assert "nothing was loaded" in str(raised.value)
    assert "exact does not match" in str(raised.value)
    assert "parent links form a cycle" in str(raised.value)
    assert not Node.objects.exists()

    # Loaded by hand around seed's checks, the same fixture fails check_map.
    call_command("loaddata", *map(str, fixture_paths(tmp_path)), verbosity=0)
    with pytest.raises(CommandError) as raised:
        call_command("check_map")
    assert "2 problem(s)" in str(raised.value)
    assert "exact does not match" in str(raised.value)
    assert "parent links form a cycle" in str(raised.value)


# Many maps: one set each, the documents once ------------------------------------------

ESSAY = "A second debate's own document.\n\nIts one claim is made here, in these words.\n"


def anchored_claim(argmap, key, source, words, relation="supports"):
    """A claim under the map's thesis quoting words of source, as the node admin makes it."""
    node = Node.objects.create(
        map=argmap, key=key, parent=argmap.thesis, relation=relation, text=f"{key}."
    )
    start = source.text.index(words)
    prefix, suffix = quote_context(source.text, start, start + len(words))
    Anchor.objects.create(
        node=node, source=source, start=start, end=start + len(words), exact=words,
        prefix=prefix, suffix=suffix, speaker="the author",
    )  # fmt: skip


def test_a_second_curated_map_lives_in_its_own_set_and_round_trips(
    seeded_map, curator_client, tmp_path
):
    # A curator starts a second debate in the admin: a new document, the map and its thesis,
    # then claims quoting the new document and one the first map quotes too.
    fields = {"title": "An essay", "title_by": "curators", "slug": "essay", "kind": "essay"}
    response = curator_client.post(
        "/admin/debates/source/add/", {**fields, "tags": "[]", "pasted": ESSAY}
    )
    assert response.status_code == 302
    response = curator_client.post(
        "/admin/debates/argumentmap/add/",
        {"slug": "second", "title": "Second", "question": "Is it?", "thesis": "It is."},
    )
    assert response.status_code == 302
    second = ArgumentMap.objects.get(slug="second")
    anchored_claim(second, "own", Source.objects.get(slug="essay"), "Its one claim is made here")
    shared = Anchor.objects.filter(node__map=seeded_map).select_related("source").first()
    anchored_claim(second, "shared", shared.source, shared.exact, "opposes")

    assert "second/nodes.json" in export_seed(tmp_path)
    written = read_bytes(tmp_path)
    shipped = read_bytes(FIXTURE_DIR)
    assert sorted(written) == sorted([*shipped, *(f"second/{n}" for n in SET)])
    assert {name: written[name] for name in shipped if name != "sources.json"} == {
        name: shipped[name] for name in shipped if name != "sources.json"
    }  # the first map's set is untouched, byte for byte
    documents = json.loads(written["sources.json"])
    assert [e["fields"]["slug"] for e in documents if e["model"] == "debates.source"].count(
        "essay"
    ) == 1  # a document both maps quote is written once
    nodes = json.loads(written["second/nodes.json"])
    assert [entry["fields"]["key"] for entry in nodes] == ["thesis", "own", "shared"]

    out = StringIO()
    call_command("check_map", stdout=out)
    assert "map deepseek-r1-sputnik: curated" in out.getvalue()
    assert "map second: curated" in out.getvalue()

    # seed loads a set added beside a loaded map, and leaves the loaded one alone.
    second.delete()
    out = StringIO()
    call_command("seed", directory=str(tmp_path), stdout=out)
    assert f"Map {SEED} is already loaded; skipped" in out.getvalue()
    assert "Loaded map second: 3 nodes." in out.getvalue()
    assert "nothing written" in export_seed(tmp_path)

    # From an empty database, seed loads every set, and export_seed writes no byte.
    empty_the_map()
    call_command("seed", directory=str(tmp_path), verbosity=0)
    assert set(ArgumentMap.objects.values_list("slug", flat=True)) == {SEED, "second"}
    assert "nothing written" in export_seed(tmp_path)
    assert read_bytes(tmp_path) == written


SET = ["anchors.json", "links.json", "map.json", "nodes.json"]


def test_generated_maps_and_their_documents_stay_out_unless_curated(seeded_map, tmp_path):
    call_command("generate_map", nodes=30, slug="synth", verbosity=0)
    synth = ArgumentMap.objects.get(slug="synth")
    assert synth.origin == ArgumentMap.Origin.GENERATED
    export_seed(tmp_path)
    assert read_bytes(tmp_path) == read_bytes(FIXTURE_DIR)  # no synthetic document either

    # A curator who makes it curated (the map's origin, in the admin) puts it in git.
    synth.origin = ArgumentMap.Origin.CURATED
    synth.save()
    assert export_seed(tmp_path).startswith("Wrote sources.json, synth/map.json")
    assert "synthetic/synth-source.txt" in (tmp_path / "sources.json").read_text()


def test_a_map_folder_the_database_lacks_is_named_and_left(seeded_map, tmp_path):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    shutil.copytree(FIXTURE_DIR / SEED, tmp_path / "gone")
    report = export_seed(tmp_path)
    assert "gone/ holds map gone, which is not a curated map of this database" in report
    assert (tmp_path / "gone" / "map.json").exists()


def test_a_row_of_another_map_in_a_set_is_refused(db, tmp_path):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    shutil.copytree(FIXTURE_DIR / SEED, tmp_path / "other")
    with pytest.raises(CommandError) as raised:
        call_command("seed", directory=str(tmp_path), verbosity=0)
    assert "other/map.json: holds a row of map 'deepseek-r1-sputnik', not of its folder's" in str(
        raised.value
    )
    assert not ArgumentMap.objects.exists()


def test_old_generated_maps_are_marked_by_the_migration(seeded_map):
    call_command("generate_map", nodes=20, slug="old", verbosity=0)
    ArgumentMap.objects.filter(slug="old").update(origin=ArgumentMap.Origin.CURATED)
    migration = import_module("argmap.debates.migrations.0014_map_origin_generated")
    migration.mark_generated(apps, None)
    origins = dict(ArgumentMap.objects.values_list("slug", "origin"))
    assert origins == {SEED: "curated", "old": "generated"}
