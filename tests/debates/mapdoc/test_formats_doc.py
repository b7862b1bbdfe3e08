"""docs/formats.md shows the seed map's own figures and excerpts; each is checked here against
the exports, so the page cannot drift from the map. When the map changes, the failing assert
prints the words the page must now say."""

import json
import re
from collections import Counter
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tests.debates.mapdoc.formats.test_argdown import parse

SLUG = "deepseek-r1-sputnik"
PAGE = Path(__file__).resolve().parents[3] / "docs" / "formats.md"
BASE_URL = "https://argmap.example.org"


def export(fmt, *extra):
    out = StringIO()
    call_command("export_map", SLUG, "--format", fmt, *extra, stdout=out)
    return out.getvalue()


def excerpt(language, opening=""):
    """The page's one code block in `language` whose text starts with `opening`."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(), re.S | re.M)
    (block,) = [block for block in blocks if block.startswith(opening)]
    return block


def read_back(doc):
    """The page's figures, worked out from the map alone (test_load checks that arguebuf,
    @argdown/core and the W3C schemas read exactly these counts from the exports)."""
    nodes = doc["nodes"]
    relation = Counter(node["relation"] for node in nodes)
    link = Counter(entry["type"] for entry in doc["links"])
    voice = Counter(anchor["voice"] for node in nodes for anchor in node["anchors"])
    schemes = sum(1 for node in nodes if node["scheme"])
    implicit = sum(1 for node in nodes if node["implicit"])
    supports, opposes, undercuts = relation["supports"], relation["opposes"], relation["undercuts"]
    same, contra, anchors = link["same_point"], link["contradicts"], sum(voice.values())
    return [
        f"The seeded map ({len(nodes)} nodes, {implicit} of them implicit premises the "
        f"curators added; {supports} supports, {opposes} opposes, {undercuts} undercuts; "
        f"{same} same-point and {contra} contradicts links; {anchors} anchors: "
        f"{voice['asserts']} asserted, {voice['concedes']} conceded, {voice['reports']} "
        f"reported; {schemes} named argument schemes)",
        f"| arguebuf (AIF) | {len(nodes)} I-nodes; {supports} support scheme nodes (RA); "
        f"{opposes + undercuts + 2 * contra} attack scheme nodes (CA: {opposes} rebuttals + "
        f"{undercuts} undercuts + 2 × {contra} contradictions); {same} rephrase nodes (MA); "
        f"every one between the nodes the map says; the {schemes} named argument schemes on "
        "their RA/CA nodes |",
        f"| @argdown/core (Argdown) | 0 lexer, 0 parser errors; {len(nodes)} statements, each "
        f"with the node's title, text and data; relations: {supports + 2 * same} support "
        f"({supports} + 2 × {same} same point), {opposes} attack, {undercuts} undercut, "
        f"{contra} contradictory |",
        f"| W3C MUST schemas, pyld | {anchors} annotations, each passing all 54 MUST "
        "assertions; the collection expands against the official context |",
    ]


def test_the_pages_figures_are_the_seed_maps(seeded_map):
    doc = json.loads(export("argmap"))
    page = " ".join(PAGE.read_text().split())
    for line in read_back(doc):
        assert line in page, f"docs/formats.md must say:\n{line}"
    # the AIF export names as many schemes as the map does
    aif = json.loads(export("aif"))
    named = [n for n in aif["nodes"] if n["type"] in ("RA", "CA") and "Default" not in n["text"]]
    assert len(named) == sum(1 for node in doc["nodes"] if node["scheme"])


def test_the_pages_aif_excerpt_is_cut_from_the_export(seeded_map):
    shown, aif = json.loads(excerpt("json", '{\n  "nodes"')), json.loads(export("aif"))
    assert set(shown) == set(aif)
    for table, rows in shown.items():
        assert rows, table
        missing = [row for row in rows if row not in aif[table]]
        assert missing == [], f"not in the seed map's AIF {table}"


def test_the_pages_argdown_excerpt_is_cut_from_the_export(seeded_map):
    shown, text = excerpt("argdown"), export("argdown")
    front, body = shown.split("===\n\n", 1)
    lines = set(text.splitlines())
    for line in front.splitlines():
        if line.lstrip().startswith(('"title"', '"subTitle"')):
            assert line in lines
    missing = [line for line in body.splitlines() if line and line not in lines]
    assert missing == [], "not lines of the seed map's Argdown export"
    # and what the page says Argdown's own parser reads from the excerpt
    parsed = parse(shown)
    counts = parsed["relations"]
    said = (
        f"@argdown/core reads that excerpt with 0 lexer and 0 parser errors, "
        f"{len(parsed['statements'])} statements, {counts['support']} support, "
        f"{counts['attack']} attack and {counts['contradictory']} contradictory relations"
    )
    assert (parsed["lexerErrors"], parsed["parserErrors"], parsed["exceptions"]) == ([], [], [])
    assert said in " ".join(PAGE.read_text().split()), f"docs/formats.md must say:\n{said}"


def test_the_pages_web_annotation_is_one_of_the_export(seeded_map):
    shown = json.loads(excerpt("json", '{\n  "@context"'))
    collection = json.loads(export("webannotation", "--base-url", BASE_URL))
    (item,) = [a for a in collection["first"]["items"] if a["id"] == shown["id"]]
    assert shown == item
