"""export_map --format, import_map, downloads, and check_map on imported maps."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from argmap.debates.mapdoc.formats import registry
from argmap.debates.models import Anchor, ArgumentMap, Link, Node
from tests.debates.mapdoc.formats import w3c
from tests.debates.mapdoc.formats.test_aif import arguebuf_graph, expected_graph
from tests.debates.mapdoc.formats.test_argdown import expected_relations, parse
from tests.factories import PassageAnnotationFactory

SLUG = "deepseek-r1-sputnik"


def export(slug, fmt):
    out = StringIO()
    call_command("export_map", slug, "--format", fmt, stdout=out)
    return out.getvalue()


def body(response):
    """A download's text: streamed when built, whole when it comes from the cache."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def import_file(tmp_path, text, slug, *extra, name="map.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_map", str(path), "--slug", slug, *extra, stdout=out)
    return out.getvalue()


def counts():
    return (ArgumentMap.objects.count(), Node.objects.count(), Anchor.objects.count())


def test_export_map_writes_each_format(seeded_map):
    for fmt in registry.FORMATS:
        text = export(SLUG, fmt)
        assert text == export(SLUG, fmt)  # deterministic
        if fmt == "webannotation":
            collection = json.loads(text)
            assert collection["type"] == "AnnotationCollection"
            assert collection["total"] == Anchor.objects.filter(node__map=seeded_map).count()
        else:
            assert registry.detect(text) == fmt


def test_the_seed_maps_exports_read_back_by_each_tool(seeded_map):
    doc = json.loads(export(SLUG, "argmap"))
    nodes = Node.objects.filter(map=seeded_map)
    relations = Counter(nodes.values_list("relation", flat=True))
    links = Counter(Link.objects.filter(map=seeded_map).values_list("kind", flat=True))
    assert len(doc["nodes"]) == nodes.count() > 100
    assert relations["undercuts"] and links["same_point"] and links["contradicts"]
    # arguebuf: an I-node per node, an RA per support, a CA per rebuttal and undercut and
    # two per contradiction, an MA per same point, each between the right nodes
    read = arguebuf_graph(json.loads(export(SLUG, "aif")))
    assert read == expected_graph(doc)
    assert len(read["atoms"]) == nodes.count()
    assert len(read["support"]) == relations["supports"]
    assert len(read["attack"]) == (
        relations["opposes"] + relations["undercuts"] + 2 * links["contradicts"]
    )
    assert len(read["rephrase"]) == links["same_point"]
    # Argdown's own parser
    parsed = parse(export(SLUG, "argdown"))
    assert (parsed["lexerErrors"], parsed["parserErrors"], parsed["exceptions"]) == ([], [], [])
    assert [s["title"] for s in parsed["statements"]] == [n["id"] for n in doc["nodes"]]
    assert [s["text"] for s in parsed["statements"]] == [n["text"] for n in doc["nodes"]]
    assert Counter(map(tuple, parsed["relationList"])) == Counter(expected_relations(doc))
    assert parsed["relations"] == {
        "attack": relations["opposes"],
        "contradictory": links["contradicts"],
        "support": relations["supports"] + 2 * links["same_point"],
        "undercut": relations["undercuts"],
    }
    # the W3C Working Group's MUST schemas, every anchor
    collection = json.loads(export(SLUG, "webannotation"))
    assert collection["total"] == Anchor.objects.filter(node__map=seeded_map).count()
    for annotation in collection["first"]["items"]:
        assert w3c.must_failures(annotation) == []
    w3c.expand(collection)


def test_argmap_round_trip_is_byte_identical(seeded_map, tmp_path):
    exported = export(SLUG, "argmap")
    nodes = Node.objects.filter(map=seeded_map).count()
    anchors = Anchor.objects.filter(node__map=seeded_map).count()
    seeded_map.delete()
    assert f"as map deepseek-r1-sputnik: {nodes} nodes, {anchors} anchors" in import_file(
        tmp_path, exported, SLUG
    )
    assert export(SLUG, "argmap") == exported
    assert ArgumentMap.objects.get(slug=SLUG).origin == ArgumentMap.Origin.ARGMAP


def test_aif_round_trip_gives_the_same_graph(seeded_map, tmp_path):
    exported = export(SLUG, "aif")
    import_file(tmp_path, exported, "from-aif")
    assert export("from-aif", "aif") == exported
    imported = ArgumentMap.objects.get(slug="from-aif")
    assert imported.origin == ArgumentMap.Origin.AIF
    # AIF has no title: the thesis stands for it
    assert imported.title == seeded_map.thesis.text


def test_argdown_round_trip_gives_the_same_statements_and_relations(seeded_map, tmp_path):
    exported = export(SLUG, "argdown")
    import_file(tmp_path, exported, "from-argdown", "--format", "argdown")
    again = export("from-argdown", "argdown")
    assert again.split("\n===\n", 1)[1] == exported.split("\n===\n", 1)[1]
    first, second = parse(exported), parse(again)
    assert first["statements"] == second["statements"]
    assert first["relationList"] == second["relationList"]


def test_bad_input_lists_every_problem_and_writes_nothing(seeded_map, tmp_path):
    doc = json.loads(export(SLUG, "argmap"))
    anchored = [node for node in doc["nodes"] if node["anchors"]]
    a, c, d, e = anchored[:4]
    b = next(node for node in anchored if node["parent"] == "thesis")
    a["anchors"][0]["exact"] = "words the source does not have"
    b["relation"] = "undercuts"
    c["id"] = "not a key!"
    d["parent"] = "nowhere"
    e["anchors"][0]["voice"] = "whispers"
    doc["links"].append({"type": "contradicts", "between": [b["id"], "thesis"]})
    before = counts()
    with pytest.raises(CommandError) as raised:
        import_file(tmp_path, json.dumps(doc), SLUG, name="broken.json")
    message = str(raised.value)
    lines = message.splitlines()
    assert lines[0].startswith("broken.json: ") and "nothing was imported" in lines[0]
    assert all(line.startswith("  broken.json: ") for line in lines[1:])
    for expected in [
        "map.slug: a map 'deepseek-r1-sputnik' exists already",
        "node not a key!: id must be a slug",
        f"node {a['id']} anchor 1: exact does not match",
        f"node {d['id']}: names a missing parent 'nowhere'",
        f"node {e['id']} anchor 1: has unknown voice 'whispers'",
        f"node {b['id']}: undercuts 'thesis', which has no parent",
        f"link contradicts {b['id']} – thesis: repeats a tree edge",
    ]:
        assert f"  broken.json: {expected}" in message
    assert counts() == before


@pytest.mark.parametrize(
    "text", ["just some words", '{"format": "argmap/9"}', "<xml/>", ""], ids=repr
)
def test_an_unknown_format_is_one_line(db, tmp_path, text):
    with pytest.raises(CommandError) as raised:
        import_file(tmp_path, text, "x", name="mystery.txt")
    assert str(raised.value) == (
        "mystery.txt: unknown format: expected AIF JSON, Argdown or argmap/2 JSON"
    )
    assert counts() == (0, 0, 0)


def test_a_file_that_is_not_utf8_is_one_line(db, tmp_path):
    path = tmp_path / "latin1.aif"
    path.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(CommandError, match=r"^latin1.aif: cannot be read as UTF-8 text"):
        call_command("import_map", str(path), "--slug", "x")


def test_check_map_says_which_rules_it_applied(seeded_map, tmp_path):
    import_file(
        tmp_path,
        "[root]: A thesis.\n  <+ [reason]: A reason nobody quoted.\n",
        "imported",
    )
    out = StringIO()
    call_command("check_map", stdout=out)
    report = out.getvalue()
    assert (
        "map deepseek-r1-sputnik: curated: every node but the thesis and the curators' "
        "headings is anchored" in report
    )
    assert "map imported (imported from Argdown): imported: anchors are optional" in report
    assert "No problems found." in report
    # the same unanchored claim in a curated map is a problem
    ArgumentMap.objects.filter(slug="imported").update(origin=ArgumentMap.Origin.CURATED)
    with pytest.raises(CommandError, match="node reason: has no anchor"):
        call_command("check_map", "imported", stdout=StringIO())


def test_export_seed_leaves_imported_maps_out(seeded_map, tmp_path):
    import_file(tmp_path, "[root]: A thesis.\n", "imported")
    call_command("export_seed", "--directory", str(tmp_path / "fixtures"), stdout=StringIO())
    written = tmp_path / "fixtures"
    assert sorted(path.name for path in written.iterdir()) == [
        "deepseek-r1-sputnik",
        "sources.json",
    ]
    assert "imported" not in (written / "deepseek-r1-sputnik" / "map.json").read_text()


def test_map_downloads(client, seeded_map):
    # what each download costs in queries, at any size and on each database, is pinned by
    # tests/debates/mapdoc/test_export.py; here: its headers, and the same text as the command
    for fmt in registry.FORMATS:
        response = client.get(reverse("map-download", args=[SLUG, fmt]))
        text = body(response)
        assert response.status_code == 200
        assert response["Content-Type"] == registry.FORMATS[fmt].media_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="{registry.file_name(SLUG, fmt)}"'
        )
        assert text == export(SLUG, fmt).replace("http://localhost:8000", "http://testserver")
        assert client.head(reverse("map-download", args=[SLUG, fmt])).status_code == 200


def test_branch_download(client, seeded_map):
    response = client.get(reverse("branch-download", args=[SLUG, "analogy-fits", "argdown"]))
    assert response["Content-Disposition"] == (
        f'attachment; filename="{SLUG}--analogy-fits.argdown"'
    )
    titles = [s["title"] for s in parse(body(response))["statements"]]
    branch = Node.objects.get(map=seeded_map, key="analogy-fits")
    assert titles[:2] == ["thesis", "analogy-fits"]
    assert len(titles) == 1 + len(Node.objects.subtree_ids(branch))


def test_download_of_an_unknown_format_node_or_map_is_404(client, seeded_map):
    assert client.get(reverse("map-download", args=[SLUG, "pdf"])).status_code == 404
    assert client.get(reverse("map-download", args=["nope", "aif"])).status_code == 404
    assert client.get(reverse("branch-download", args=[SLUG, "nope", "aif"])).status_code == 404


def test_web_annotation_download_has_public_passages_only(client, seeded_map):
    source = Anchor.objects.filter(node__map=seeded_map).first().source
    public = PassageAnnotationFactory(source=source, body="A public question.", kind="question")
    PassageAnnotationFactory(source=source, body="Only mine.", visibility="private")
    PassageAnnotationFactory(source=source, body="Moderated away.", is_hidden=True)
    text = body(client.get(reverse("map-download", args=[SLUG, "webannotation"])))
    collection = json.loads(text)
    items = collection["first"]["items"]
    (passage,) = [item for item in items if item["id"].endswith(f"/annotations/{public.pk}/")]
    assert passage["motivation"] == "questioning"
    assert w3c.must_failures(passage) == []
    assert "Only mine." not in text and "Moderated away." not in text


def test_map_and_node_pages_offer_the_downloads(client, seeded_map):
    page = client.get(reverse("map", args=[SLUG])).content.decode()
    for fmt in registry.FORMATS:
        assert reverse("map-download", args=[SLUG, fmt]) in page
    page = client.get(reverse("node", args=[SLUG, "analogy-fits"])).content.decode()
    assert "Download this branch" in page
    assert reverse("branch-download", args=[SLUG, "analogy-fits", "aif"]) in page
