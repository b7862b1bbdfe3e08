import hashlib
import json
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from argmap.debates.mapdoc import FIXTURE_DIR, export_map
from argmap.debates.mapdoc.formats import materialized
from argmap.debates.models import Anchor, ArgumentMap, Node, Section, Source
from argmap.debates.quotes import sha256_of
from argmap.debates.schemes import SCHEMES


def run(command, *args, **options):
    out = StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def test_seed_loads_the_whole_map_and_it_checks_clean(seeded_map):
    nodes = seeded_map.nodes.all()
    assert nodes.count() == 209
    assert nodes.filter(kind=Node.Kind.THESIS).get().text == (
        "DeepSeek-R1 is a 'Sputnik moment' for American AI"
    )
    # The re-mapped and audited debate (docs/map-coverage.md, docs/map-audit.md).
    relations = Counter(nodes.values_list("relation", flat=True))
    assert relations == {"": 1, "supports": 157, "opposes": 37, "undercuts": 14}
    assert Counter(nodes.values_list("kind", flat=True)) == {
        "thesis": 1,
        "claim": 173,
        "evidence": 35,
    }
    assert nodes.filter(is_heading=True).count() == 11
    assert Counter(seeded_map.links.values_list("kind", flat=True)) == {
        "contradicts": 41,
        "same_point": 21,
    }
    voices = Counter(Anchor.objects.filter(node__map=seeded_map).values_list("voice", flat=True))
    assert voices == {"asserts": 199, "reports": 23, "concedes": 24}
    assert Source.objects.count() == 5
    for source in Source.objects.all():
        assert source.anchors.count() >= 5, f"{source.file} must contribute to the map"
    assert "No problems found" in run("check_map")


def test_branches_run_four_or_more_levels_deep(seeded_map):
    parents = dict(seeded_map.nodes.values_list("pk", "parent_id"))

    def depth(pk):
        return 0 if parents[pk] is None else 1 + depth(parents[pk])

    assert max(depth(pk) for pk in parents) >= 4


def test_the_guide_and_the_coverage_list_name_only_nodes_of_the_map(seeded_map):
    """The mapping guide's examples and the coverage list's current rows name nodes by key; a
    re-mapping that renames or removes one must update them (the history below the list may
    name nodes that are gone)."""
    docs = Path(__file__).resolve().parents[3] / "docs"
    coverage = (docs / "map-coverage.md").read_text().split("## What changed from the first map")[0]
    pages = {
        "mapping-guide.md": (docs / "mapping-guide.md").read_text(),
        "map-coverage.md": coverage,
    }
    keys = set(seeded_map.nodes.values_list("key", flat=True))
    for name, text in pages.items():
        named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", text))
        assert named - keys == set(), f"docs/{name} names nodes the map does not have"


def test_shared_points_carry_anchors_from_several_sources(seeded_map):
    multi_source = [
        node for node in seeded_map.nodes.prefetch_related("anchors")
        if len({anchor.source_id for anchor in node.anchors.all()}) > 1
    ]  # fmt: skip
    # 4 since the notes' "R1 (and V3) is impressive" became their own concession.
    assert len(multi_source) >= 4


def test_reader_comments_are_told_apart_from_the_article(seeded_map):
    article = Source.objects.get(kind=Source.Kind.NEWS_ARTICLE)
    sections = list(article.sections.all())
    assert sections[0].kind == Section.Kind.BODY
    comments = [section for section in sections if section.kind == Section.Kind.COMMENT]
    assert len(comments) >= 20
    assert {section.speaker for section in comments} == {"a reader commenter"}
    # Sections tile the text: no character is lost or counted twice.
    assert sections[0].start == 0 and sections[-1].end == len(article.text)
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end == after.start
    comment_anchors = Anchor.objects.filter(source=article, start__gte=comments[0].start)
    speakers = set(comment_anchors.values_list("speaker", flat=True))
    # Commenters are anonymous; someone a commenter quotes is named as quoted.
    assert "a reader commenter" in speakers
    assert all(s == "a reader commenter" or "(as quoted" in s for s in speakers)


# The seed files as received: SHA-256 and size in bytes, read off ../shared/seeds once, so the
# test holds the project to the originals without reading outside the project.
SEED_FILES = {
    "000_485e265d5c38da98.txt": (
        "a70651ca9460597521f86614a2ab87d7e128ee25ef2f9cbd2e89d37bd0034e91",
        2566,
    ),
    "001_9a03e7795e85b1d0.txt": (
        "8036a7fc92f00ae51d299f023a08e2529f2644d93da3c82bb5112ff4135d5108",
        4578,
    ),
    "002_9687cd3004fecd32.txt": (
        "a8d534020137f2c2a43a1c9083cdb48b5d24ce8490357c7fe8a3c9c1402c8269",
        14928,
    ),
    "003_b57ef4c1978b4188.txt": (
        "85457d2c89ddca2072cdc21125315c3ecd98f5f7e01776dcb3ae8fa2ef6112d4",
        3997,
    ),
    "004_dc3689f516cbb016.txt": (
        "d087d955b70617d0e0cf5410f6a487de510b22a11508a52517af60aec9ed079e",
        3796,
    ),
}


def test_stored_texts_are_the_seed_files_byte_for_byte(seeded_map):
    stored = {
        source.file: (
            hashlib.sha256(source.text.encode("utf-8")).hexdigest(),
            len(source.text.encode("utf-8")),
        )
        for source in Source.objects.all()
    }
    assert stored == SEED_FILES


def test_seed_is_idempotent(seeded_map):
    before = materialized(export_map(seeded_map))
    assert "already loaded" in run("seed")
    run("seed", reload=True)
    assert Node.objects.count() == len(before["nodes"])
    assert export_map(ArgumentMap.objects.get(slug=seeded_map.slug)) == before


def test_check_map_reports_a_wrong_offset(seeded_map):
    anchor = Anchor.objects.select_related("node").first()
    Anchor.objects.filter(pk=anchor.pk).update(start=anchor.start + 1)
    with pytest.raises(CommandError) as failure:
        run("check_map")
    assert f"node {anchor.node.key} anchor" in str(failure.value)
    assert "exact does not match" in str(failure.value)


def test_check_map_reports_a_changed_text(seeded_map):
    source = Source.objects.first()
    Source.objects.filter(pk=source.pk).update(text=source.text.replace("e", "E", 1))
    with pytest.raises(CommandError) as failure:
        run("check_map")
    assert f"source {source.slug}: SHA-256 does not match its text" in str(failure.value)


def test_check_map_reports_a_cycle(seeded_map):
    child = seeded_map.nodes.filter(parent__parent__isnull=False).first()
    parent = child.parent
    Node.objects.filter(pk=parent.pk).update(parent=child)
    with pytest.raises(CommandError) as failure:
        run("check_map")
    assert "parent links form a cycle" in str(failure.value)


def test_check_map_lists_every_problem_at_once(seeded_map):
    first, second = Anchor.objects.all()[:2]
    Anchor.objects.filter(pk=first.pk).update(exact="not the quote")
    Anchor.objects.filter(pk=second.pk).update(end=10**6)
    claim = (
        seeded_map.nodes.filter(kind=Node.Kind.EVIDENCE)
        .exclude(pk__in=[first.node_id, second.node_id])
        .first()
    )
    claim.anchors.all().delete()
    with pytest.raises(CommandError) as failure:
        run("check_map")
    message = str(failure.value)
    assert message.startswith("3 problem(s)")
    assert "exact does not match" in message
    assert "fall outside" in message
    assert f"node {claim.key}: is evidence but has no anchor" in message


SEED = "deepseek-r1-sputnik"


def broken_fixture_copy(tmp_path, edit):
    shutil.copytree(FIXTURE_DIR, tmp_path, dirs_exist_ok=True)
    path, nodes_path = tmp_path / SEED / "anchors.json", tmp_path / SEED / "nodes.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    nodes = json.loads(nodes_path.read_text(encoding="utf-8"))
    edit(entries, nodes)
    path.write_text(json.dumps(entries), encoding="utf-8")
    nodes_path.write_text(json.dumps(nodes), encoding="utf-8")
    return tmp_path


@pytest.mark.django_db
def test_a_broken_fixture_fails_the_whole_load_and_lists_every_problem(tmp_path):
    def break_things(anchors, nodes):
        anchors[0]["fields"]["start"] += 3
        anchors[1]["fields"]["source"] = ["no-such-source"]
        nodes[5]["fields"]["parent"] = ["deepseek-r1-sputnik", "no-such-parent"]

    directory = broken_fixture_copy(tmp_path, break_things)
    with pytest.raises(CommandError) as failure:
        run("seed", directory=str(directory))
    message = str(failure.value)
    assert "3 problem(s); nothing was loaded" in message
    assert "exact does not match" in message
    assert "names a missing source 'no-such-source'" in message
    assert "names a missing parent 'no-such-parent'" in message
    assert Node.objects.count() == 0 and Source.objects.count() == 0


def test_export_map_prints_the_documented_format(seeded_map):
    document = json.loads(run("export_map", seeded_map.slug))
    assert_valid_argmap_json(document)
    assert document == export_map(seeded_map)


def test_export_is_deterministic(seeded_map):
    assert run("export_map", seeded_map.slug) == run("export_map", seeded_map.slug)


def test_export_url_serves_the_same_document(client, seeded_map):
    response = client.get(f"/maps/{seeded_map.slug}/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    assert text == run("export_map", seeded_map.slug)


@pytest.mark.django_db
def test_export_of_an_unknown_map_fails_cleanly(client):
    with pytest.raises(CommandError, match="no map with slug 'nope'"):
        run("export_map", "nope")
    assert client.get("/maps/nope/export.json").status_code == 404


def assert_valid_argmap_json(document):
    """The format of docs/argmap-json.md, checked field by field."""
    assert list(document) == ["format", "map", "sources", "nodes", "links"]
    assert document["format"] == "argmap/2"
    assert list(document["map"]) == ["slug", "title", "question", "definition", "cruxes"]
    sources = {}
    for source in document["sources"]:
        assert list(source) == [
            "slug",
            "file",
            "title",
            "title_by",
            "kind",
            "author",
            "publisher",
            "date",
            "tags",
            "disclosure",
            "sha256",
        ]
        assert source["kind"] in Source.Kind.values
        assert source["title_by"] in {"text", "curators"}
        for name in ("author", "publisher", "date", "disclosure"):
            assert source[name] is None or (source[name] and source[name] != "unknown")
        assert isinstance(source["tags"], list)
        assert len(source["sha256"]) == 64
        sources[source["slug"]] = Source.objects.get(slug=source["slug"])
    seen = set()
    for node in document["nodes"]:
        assert list(node) == [
            "id",
            "kind",
            "heading",
            "implicit",
            "label",
            "text",
            "parent",
            "relation",
            "scheme",
            "anchors",
        ]
        assert isinstance(node["heading"], bool) and isinstance(node["implicit"], bool)
        assert node["scheme"] is None or node["scheme"] in SCHEMES
        assert node["kind"] in {"thesis", "claim", "evidence"}
        if node["kind"] == "thesis":
            assert node["parent"] is None and node["relation"] is None
        else:
            assert node["parent"] in seen, "parents come before their children"
            assert node["relation"] in {"supports", "opposes", "undercuts"}
        if node["kind"] == "evidence":
            assert node["anchors"]
        for anchor in node["anchors"]:
            assert list(anchor) == [
                "source",
                "start",
                "end",
                "exact",
                "prefix",
                "suffix",
                "speaker",
                "voice",
                "comment",
            ]
            assert anchor["voice"] in {"asserts", "reports", "concedes"}
            assert anchor["comment"] is None or anchor["comment"] >= 1
            text = sources[anchor["source"]].text
            assert text[anchor["start"] : anchor["end"]] == anchor["exact"]
            assert text[: anchor["start"]].endswith(anchor["prefix"])
            assert text[anchor["end"] :].startswith(anchor["suffix"])
            assert sha256_of(text) == next(
                s["sha256"] for s in document["sources"] if s["slug"] == anchor["source"]
            )
        seen.add(node["id"])
    assert sum(1 for node in document["nodes"] if node["kind"] == "thesis") == 1
    order = {node["id"]: index for index, node in enumerate(document["nodes"])}
    keys = []
    for link in document["links"]:
        assert list(link) == ["type", "between"]
        assert link["type"] in {"same_point", "contradicts"}
        first, second = link["between"]
        assert order[first] < order[second], "within a pair, reading order"
        keys.append((link["type"], order[first], order[second]))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
