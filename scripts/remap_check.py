#!/usr/bin/env python3
"""Validate an argmap/2 map against the stored source texts (standalone, standard library only).

    python3 scripts/remap_check.py [MAP.json] [--sources fixtures/sources.json] [--stats]

Reads the source texts and their Sections (article body, reader comments) from the Django
fixture fixtures/sources.json and checks the map (by default fixtures/draft-map.argmap2.json)
against PLAN.md's argmap/2 shape and docs/mapping-guide.md's mechanical rules. Every problem is
listed; the exit status is 1 if there is any, 0 if the map is clean. --stats prints the counts
docs/map-coverage.md reports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = 32
KINDS = {"thesis", "claim", "evidence"}
RELATIONS = {"supports", "opposes", "undercuts"}
VOICES = {"asserts", "reports", "concedes"}
LINK_TYPES = {"same_point", "contradicts"}
TITLE_BY = {"text", "curators"}
NODE_KEYS = ["id", "kind", "heading", "label", "text", "parent", "relation", "anchors"]
ANCHOR_KEYS = ["source", "start", "end", "exact", "prefix", "suffix", "speaker", "voice", "comment"]
SOURCE_KEYS = [
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
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_fixture(path: Path):
    rows = json.loads(path.read_text(encoding="utf-8"))
    texts, sections = {}, {}
    for r in rows:
        f = r["fields"]
        if r["model"] == "debates.source":
            texts[f["slug"]] = f
        elif r["model"] == "debates.section":
            sections.setdefault(f["source"][0], []).append(f)
    return texts, sections


def check(doc: dict, texts: dict, sections: dict) -> list[str]:
    problems: list[str] = []
    err = problems.append

    if doc.get("format") != "argmap/2":
        err(f"format is {doc.get('format')!r}, not 'argmap/2'")
    if list(doc) != ["format", "map", "sources", "nodes", "links"]:
        err(f"top-level keys are {list(doc)}")
    if sorted(doc.get("map", {})) != ["question", "slug", "title"]:
        err("map must have exactly slug, title, question")

    # sources ----------------------------------------------------------------------------------
    files = []
    for s in doc.get("sources", []):
        where = f"source {s.get('slug')!r}"
        if list(s) != SOURCE_KEYS:
            err(f"{where}: keys {list(s)} are not {SOURCE_KEYS}")
        stored = texts.get(s.get("slug"))
        if stored is None:
            err(f"{where}: no such source in the fixture")
            continue
        files.append(s.get("file"))
        if s.get("file") != stored["file"]:
            err(f"{where}: file {s.get('file')!r} is not {stored['file']!r}")
        digest = hashlib.sha256(stored["text"].encode("utf-8")).hexdigest()
        if s.get("sha256") != digest:
            err(f"{where}: sha256 does not match the stored text")
        if s.get("title_by") not in TITLE_BY:
            err(f"{where}: title_by {s.get('title_by')!r} not in {sorted(TITLE_BY)}")
        if not s.get("title"):
            err(f"{where}: empty title")
        if not isinstance(s.get("tags"), list):
            err(f"{where}: tags must be a list")
        if s.get("date") is not None and not DATE_RE.match(str(s["date"])):
            err(f"{where}: date {s['date']!r} is not YYYY-MM-DD")
        for k in ("author", "publisher", "date", "disclosure"):
            v = s.get(k)
            if v is not None and (
                not isinstance(v, str) or not v.strip() or "unknown" in v.lower()
            ):
                err(f"{where}: {k} {v!r} must be null or a real value, never 'unknown' or blank")
        if s.get("disclosure") and s["disclosure"] not in stored["text"]:
            err(f"{where}: the disclosure is not words of the text")
    if files != sorted(files):
        err("sources are not ordered by file name")

    # nodes ------------------------------------------------------------------------------------
    nodes = doc.get("nodes", [])
    by_id: dict[str, dict] = {}
    for n in nodes:
        if list(n) != NODE_KEYS:
            err(f"node {n.get('id')!r}: keys {list(n)} are not {NODE_KEYS}")
        if n.get("id") in by_id:
            err(f"node {n.get('id')!r}: duplicate id")
        by_id[n.get("id")] = n
    theses = [n for n in nodes if n.get("kind") == "thesis"]
    if len(theses) != 1:
        err(f"{len(theses)} thesis nodes; a map has exactly one")
    children: dict[str, list[str]] = {}
    for n in nodes:
        nid, where = n.get("id"), f"node {n.get('id')!r}"
        if not isinstance(nid, str) or not ID_RE.match(nid):
            err(f"{where}: id is not a lower-case slug")
        if n.get("kind") not in KINDS:
            err(f"{where}: kind {n.get('kind')!r}")
        if not isinstance(n.get("heading"), bool):
            err(f"{where}: heading must be true or false")
        if not isinstance(n.get("text"), str) or not n["text"].strip():
            err(f"{where}: empty text")
        if n.get("kind") == "thesis":
            if n.get("parent") is not None or n.get("relation") is not None:
                err(f"{where}: the thesis has no parent and no relation")
            if n.get("heading"):
                err(f"{where}: the thesis is not a heading")
            continue
        parent = n.get("parent")
        if parent not in by_id:
            err(f"{where}: parent {parent!r} does not exist")
        else:
            children.setdefault(parent, []).append(nid)
        if n.get("relation") not in RELATIONS:
            err(f"{where}: relation {n.get('relation')!r} not in {sorted(RELATIONS)}")
        if (
            n.get("relation") == "undercuts"
            and parent in by_id
            and by_id[parent].get("parent") is None
        ):
            err(
                f"{where}: undercuts {parent!r}, which has no parent: an undercut attacks "
                "the link from its parent to the parent's own parent"
            )
        if n.get("heading"):
            if n.get("kind") != "claim":
                err(f"{where}: a heading is a claim, not {n.get('kind')!r}")
            if not n.get("label"):
                err(f"{where}: a heading needs a label")
            if n.get("anchors"):
                err(f"{where}: a curators' heading quotes nothing")
        elif not n.get("anchors"):
            err(f"{where}: not a heading, so it needs at least one anchor")
        elif n.get("label"):
            err(f"{where}: only headings carry a label")

    # reading order: depth first from the thesis, siblings in the order listed
    if len(theses) == 1:
        order: list[str] = []
        seen: set[str] = set()

        def walk(nid: str) -> None:
            if nid in seen:
                err(f"node {nid!r}: reached twice (cycle)")
                return
            seen.add(nid)
            order.append(nid)
            for c in children.get(nid, []):
                walk(c)

        walk(theses[0]["id"])
        unreachable = [n["id"] for n in nodes if n["id"] not in seen]
        if unreachable:
            err(f"not reachable from the thesis (cycle or orphan): {unreachable}")
        if order != [n["id"] for n in nodes if n["id"] in seen]:
            err("nodes are not in reading order (depth first, siblings in position order)")
    for h in (n for n in nodes if n.get("heading")):
        if not children.get(h["id"]):
            err(f"node {h['id']!r}: a heading with no children says more than its children")
    position = {nid: i for i, nid in enumerate(n["id"] for n in nodes)}

    # anchors ----------------------------------------------------------------------------------
    spans: dict[tuple, str] = {}
    for n in nodes:
        for i, a in enumerate(n.get("anchors", [])):
            where = f"node {n['id']!r} anchor {i}"
            if list(a) != ANCHOR_KEYS:
                err(f"{where}: keys {list(a)} are not {ANCHOR_KEYS}")
            stored = texts.get(a.get("source"))
            if stored is None:
                err(f"{where}: unknown source {a.get('source')!r}")
                continue
            text = stored["text"]
            start, end = a.get("start"), a.get("end")
            if not (
                isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
            ):
                err(f"{where}: offsets {start}..{end} are outside the text")
                continue
            if text[start:end] != a.get("exact"):
                err(f"{where}: exact is not text[{start}:{end}] ({text[start:end]!r})")
            if a.get("prefix") != text[max(0, start - CONTEXT) : start]:
                err(f"{where}: prefix is not the {CONTEXT} characters before the quote")
            if a.get("suffix") != text[end : end + CONTEXT]:
                err(f"{where}: suffix is not the {CONTEXT} characters after the quote")
            if not isinstance(a.get("exact"), str) or a["exact"] != a["exact"].strip():
                err(f"{where}: exact starts or ends with white space")
            voice, speaker = a.get("voice"), a.get("speaker")
            if voice not in VOICES:
                err(f"{where}: voice {voice!r} not in {sorted(VOICES)}")
            if not isinstance(speaker, str) or not speaker.strip():
                err(f"{where}: no speaker")
                speaker = ""
            if voice == "reports" and speaker in ("the author", "a reader commenter"):
                err(f"{where}: a reported quote must name who is reported, not {speaker!r}")
            if voice in ("reports", "concedes") and not speaker:
                err(f"{where}: a {voice} anchor must name its speaker")
            # the Section the quote lies in gives the comment number
            secs = sections.get(a["source"], [])
            holding = [s for s in secs if s["start"] <= start and end <= s["end"]]
            if secs and len(holding) != 1:
                err(f"{where}: the quote does not lie inside one Section of {a['source']}")
            expected = (
                holding[0]["position"] if holding and holding[0]["kind"] == "comment" else None
            )
            if a.get("comment") != expected:
                err(
                    f"{where}: comment is {a.get('comment')!r}, but the quote lies in "
                    + (
                        f"reader comment {expected}"
                        if expected is not None
                        else "no reader comment"
                    )
                )
            if voice in ("asserts", "concedes"):
                own = "a reader commenter" if expected is not None else "the author"
                if speaker != own:
                    err(f"{where}: an {voice} anchor's speaker is {own!r} here, not {speaker!r}")
            for (src, s0, e0), other in spans.items():
                if src == a["source"] and other != n["id"] and s0 < end and start < e0:
                    err(f"{where}: its words overlap an anchor of {other!r}: one passage, one node")
            spans[(a["source"], start, end)] = n["id"]

    # an author never rebuts itself: within one voice-holder (a document, or one reader comment),
    # an opposing node answers a reported view or a concession, never the holder's own assertion
    for n in nodes:
        if n.get("relation") != "opposes" or n.get("parent") not in by_id:
            continue
        mine = {
            (a["source"], a.get("comment")) for a in n["anchors"] if a.get("voice") == "asserts"
        }
        theirs = {
            (a["source"], a.get("comment"))
            for a in by_id[n["parent"]]["anchors"]
            if a.get("voice") == "asserts"
        }
        for src, comment in sorted(mine & theirs, key=str):
            holder = f"reader comment {comment}" if comment is not None else src
            err(
                f"node {n['id']!r}: {holder} asserts both it and its parent {n['parent']!r}, "
                "which it opposes: mark the concession (voice concedes) or relate it as an undercut"
            )

    # links ------------------------------------------------------------------------------------
    seen_pairs: set[tuple] = set()
    links = doc.get("links", [])
    for i, link in enumerate(links):
        where = f"link {i}"
        if sorted(link) != ["between", "type"]:
            err(f"{where}: keys {sorted(link)}")
            continue
        if link["type"] not in LINK_TYPES:
            err(f"{where}: type {link['type']!r} not in {sorted(LINK_TYPES)}")
        pair = link["between"]
        if not (isinstance(pair, list) and len(pair) == 2):
            err(f"{where}: between must list two nodes")
            continue
        a, b = pair
        if a not in by_id or b not in by_id:
            err(f"{where}: joins a node that does not exist ({a!r}, {b!r})")
            continue
        if a == b:
            err(f"{where}: joins {a!r} to itself")
            continue
        if by_id[a].get("parent") == b or by_id[b].get("parent") == a:
            err(f"{where}: {a!r}–{b!r} repeats a tree edge")
        key = (link["type"], frozenset(pair))
        if key in seen_pairs:
            err(
                f"{where}: {link['type']} {a!r}–{b!r} is stored twice "
                "(symmetric links are stored once)"
            )
        seen_pairs.add(key)
        if position[a] > position[b]:
            err(f"{where}: within a pair the node earlier in reading order comes first")
    keys = [
        (
            link["type"],
            position.get(min(link["between"], key=lambda x: position.get(x, 0)), 0),
            position.get(max(link["between"], key=lambda x: position.get(x, 0)), 0),
        )
        for link in links
        if isinstance(link.get("between"), list) and all(x in position for x in link["between"])
    ]
    if keys != sorted(keys):
        err("links are not sorted by type, then by the reading order of their nodes")
    return problems


def stats(doc: dict, texts: dict) -> str:
    nodes = doc["nodes"]
    out = []
    kinds = Counter(("heading" if n["heading"] else n["kind"]) for n in nodes)
    rels = Counter(n["relation"] for n in nodes if n["relation"])
    anchors = [a for n in nodes for a in n["anchors"]]
    voices = Counter(a["voice"] for a in anchors)
    out.append(f"nodes: {len(nodes)} " + str(dict(kinds)))
    out.append("relations: " + str(dict(rels)))
    out.append("links: " + str(dict(Counter(link["type"] for link in doc["links"]))))
    out.append(f"anchors: {len(anchors)} " + str(dict(voices)))
    for s in doc["sources"]:
        mine = [n for n in nodes if any(a["source"] == s["slug"] for a in n["anchors"])]
        n_anchors = sum(1 for a in anchors if a["source"] == s["slug"])
        comments = {
            a["comment"] for a in anchors if a["source"] == s["slug"] and a["comment"] is not None
        }
        line = f"{s['file'][:3]} {s['slug']}: {len(mine)} nodes, {n_anchors} anchors " + str(
            dict(Counter(a["voice"] for a in anchors if a["source"] == s["slug"]))
        )
        if comments:
            line += f", reader comments quoted: {sorted(comments)}"
        out.append(line)
    by_id = {n["id"]: n for n in nodes}
    shared = []
    for n in nodes:
        if n["relation"] == "opposes" and n["parent"]:
            mine = {(a["source"], a["comment"]) for a in n["anchors"]}
            theirs = {(a["source"], a["comment"]) for a in by_id[n["parent"]]["anchors"]}
            if mine & theirs:
                shared.append(
                    f"  {n['id']} -> {n['parent']}: voices "
                    f"{sorted({a['voice'] for a in n['anchors']})} against "
                    f"{sorted({a['voice'] for a in by_id[n['parent']]['anchors']})}"
                )
    out.append(f"opposes pairs within one voice-holder (document or reader comment): {len(shared)}")
    out.extend(shared)
    return "\n".join(out)


def counts_markdown(doc: dict) -> str:
    """The counts block of docs/map-coverage.md, as Markdown."""
    nodes = doc["nodes"]
    by_id = {n["id"]: n for n in nodes}
    rows = ["thesis", "heading", "claim", "evidence"]
    cols = ["supports", "opposes", "undercuts"]
    grid = Counter(("heading" if n["heading"] else n["kind"], n["relation"]) for n in nodes)
    kinds = Counter("heading" if n["heading"] else n["kind"] for n in nodes)
    anchors = [a for n in nodes for a in n["anchors"]]
    voices = Counter(a["voice"] for a in anchors)
    links = Counter(link["type"] for link in doc["links"])
    out = [
        f"**Nodes: {len(nodes)}** — {kinds['thesis']} thesis, "
        f"{kinds['heading']} curators' headings, {kinds['claim']} claims, "
        f"{kinds['evidence']} evidence.",
        "",
        "| kind | supports | opposes | undercuts | — |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = [str(grid[(r, c)] or "") for c in cols] + [str(grid[(r, None)] or "")]
        out.append(f"| {r} | " + " | ".join(cells) + " |")
    totals = [str(sum(grid[(r, c)] for r in rows)) for c in cols]
    totals.append(str(sum(grid[(r, None)] for r in rows)))
    out.append("| **all** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    out += [
        "",
        f"**Links: {sum(links.values())}** — {links['contradicts']} `contradicts`, "
        f"{links['same_point']} `same_point`.",
        "",
        f"**Anchors: {len(anchors)}** — {voices['asserts']} `asserts`, "
        f"{voices['reports']} `reports`, {voices['concedes']} `concedes`.",
        "",
        "| source | nodes anchored | anchors | in reader comments | asserts | reports | concedes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in doc["sources"]:
        mine = [a for a in anchors if a["source"] == s["slug"]]
        v = Counter(a["voice"] for a in mine)
        n_nodes = sum(1 for n in nodes if any(a["source"] == s["slug"] for a in n["anchors"]))
        in_comments = sum(1 for a in mine if a["comment"] is not None)
        out.append(
            f"| {s['file'][:3]} {s['title']} | {n_nodes} | {len(mine)} | {in_comments} | "
            f"{v['asserts']} | {v['reports']} | {v['concedes']} |"
        )
    multi = sum(1 for n in nodes if len({a["source"] for a in n["anchors"]}) > 1)
    conceding = [n for n in nodes if any(a["voice"] == "concedes" for a in n["anchors"])]
    shared = 0
    for n in nodes:
        if n["relation"] == "opposes" and n["parent"]:
            mine_h = {(a["source"], a["comment"]) for a in n["anchors"]}
            theirs = {(a["source"], a["comment"]) for a in by_id[n["parent"]]["anchors"]}
            shared += bool(mine_h & theirs)
    out += [
        "",
        f"{multi} nodes carry anchors from more than one document; {len(conceding)} nodes "
        f"carry a conceding anchor. {shared} `opposes` edges join two nodes quoted from the "
        "same voice-holder (one document or one reader comment); in every one the opposing "
        "node is a concession, or the parent is a view the author only reports or a "
        "concession being answered: no author rebuts its own assertion (the validator "
        "rejects that).",
    ]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("map", nargs="?", default=str(ROOT / "fixtures" / "draft-map.argmap2.json"))
    ap.add_argument("--sources", default=str(ROOT / "fixtures" / "sources.json"))
    ap.add_argument("--stats", action="store_true")
    ap.add_argument(
        "--counts-markdown", action="store_true", help="print the counts of docs/map-coverage.md"
    )
    args = ap.parse_args()
    texts, sections = load_fixture(Path(args.sources))
    doc = json.loads(Path(args.map).read_text(encoding="utf-8"))
    problems = check(doc, texts, sections)
    for p in problems:
        print(p)
    if args.stats and not problems:
        print(stats(doc, texts))
    if args.counts_markdown and not problems:
        print(counts_markdown(doc))
    print(f"{len(problems)} problem(s) in {args.map}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
