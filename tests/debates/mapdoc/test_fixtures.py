"""export_seed writes the curated map back to fixtures/, byte-stable, and refuses a bad map."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from argmap.debates.mapdoc import FIXTURE_DIR, FIXTURE_FILES
from argmap.debates.models import Anchor, ArgumentMap, Node, Section, Source
from tests.factories import ProposalFactory

CURATED_MODELS = {
    "debates.source",
    "debates.section",
    "debates.argumentmap",
    "debates.node",
    "debates.anchor",
    "debates.link",
}


def read_bytes(directory):
    return {name: (directory / name).read_bytes() for name in FIXTURE_FILES}


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


def test_loading_the_shipped_fixtures_and_exporting_changes_no_byte(seeded_map, tmp_path):
    call_command("export_seed", directory=tmp_path, verbosity=0)
    assert read_bytes(tmp_path) == read_bytes(FIXTURE_DIR)


def test_the_output_has_fixed_indentation_natural_keys_and_a_trailing_newline(seeded_map, tmp_path):
    call_command("export_seed", directory=tmp_path, verbosity=0)
    text = (tmp_path / "nodes.json").read_text(encoding="utf-8")
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
        for name in FIXTURE_FILES
        for entry in json.loads((tmp_path / name).read_text(encoding="utf-8"))
    }
    assert models == CURATED_MODELS
    assert read_bytes(tmp_path) == read_bytes(FIXTURE_DIR)


def test_an_invalid_map_is_refused_and_the_fixtures_are_left_untouched(seeded_map, tmp_path):
    for name in FIXTURE_FILES:
        shutil.copy(FIXTURE_DIR / name, tmp_path / name)
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
    assert read_bytes(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FIXTURE_FILES)


def test_export_is_stable_after_a_move_and_a_reorder(seeded_map, tmp_path):
    moved = Node.objects.get(key="andreessen-sputnik-moment")
    new_parent = Node.objects.get(key="thesis").children.exclude(pk=moved.parent_id).first()
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
        entries_by_key(FIXTURE_DIR, "nodes.json"),
        entries_by_key(exported, "nodes.json"),
    )
    changed = {key for key in shipped if shipped[key] != written[key]}
    assert changed <= {moved.key, first.key, second.key}
    assert written[moved.key]["parent"] == ["deepseek-r1-sputnik", new_parent.key]
    assert entries_by_key(FIXTURE_DIR, "anchors.json") == entries_by_key(exported, "anchors.json")

    # Loading the export into an empty database and exporting again changes no byte.
    empty_the_map()
    call_command("seed", directory=str(exported), verbosity=0)
    call_command("export_seed", directory=again, verbosity=0)
    assert read_bytes(again) == read_bytes(exported)


def test_a_hand_broken_fixture_fails_seed_and_check_map_with_every_problem(db, tmp_path):
    for name in FIXTURE_FILES:
        shutil.copy(FIXTURE_DIR / name, tmp_path / name)
    anchors = json.loads((tmp_path / "anchors.json").read_text(encoding="utf-8"))
    anchors[0]["fields"]["start"] += 1
    (tmp_path / "anchors.json").write_text(json.dumps(anchors, ensure_ascii=False, indent=2))
    nodes = json.loads((tmp_path / "nodes.json").read_text(encoding="utf-8"))
    branch = next(entry for entry in nodes if entry["fields"]["key"] == "analogy-fits")
    child = next(
        entry
        for entry in nodes
        if entry["fields"]["parent"] == ["deepseek-r1-sputnik", "analogy-fits"]
    )
    branch["fields"]["parent"] = ["deepseek-r1-sputnik", child["fields"]["key"]]
    (tmp_path / "nodes.json").write_text(json.dumps(nodes, ensure_ascii=False, indent=2))

    with pytest.raises(CommandError) as raised:
        call_command("seed", directory=str(tmp_path), verbosity=0)
    assert "nothing was loaded" in str(raised.value)
    assert "exact does not match" in str(raised.value)
    assert "parent links form a cycle" in str(raised.value)
    assert not Node.objects.exists()

    # Loaded by hand around seed's checks, the same fixture fails check_map.
    call_command("loaddata", *[str(tmp_path / name) for name in FIXTURE_FILES], verbosity=0)
    with pytest.raises(CommandError) as raised:
        call_command("check_map")
    assert "2 problem(s)" in str(raised.value)
    assert "exact does not match" in str(raised.value)
    assert "parent links form a cycle" in str(raised.value)
