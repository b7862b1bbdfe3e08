"""Argdown: the map as text, read back.

Out: front matter (the map and its sources, as JSON, which is YAML), then the tree: each node
a statement `[id]: text {data}` under its parent, `<+` supports, `<-` opposes, `<_` undercuts
(written under the parent, whose link to its own parent it attacks). Below the tree, one
block per link: `><` for contradicts, and for same_point a support in each direction, which
Argdown's strict reading takes as mutual entailment, i.e. equivalence (Argdown has no `=`
relation; its only equivalence is two statements sharing one title, which would merge two
nodes into one). Quotes, sources, speaker and voice are statement data.

In: arguebuf reads Argdown only as the JSON that Argdown's own JavaScript tools export, not
Argdown text, and Python has no maintained Argdown parser; so `from_argdown` reads the part
of Argdown that `to_argdown` writes (statements, the relations above, data and front matter
as JSON, comments), and names anything else it meets as a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..problems import MapDocumentError, Problem
from . import (
    FORMAT,
    RELATIONS,
    VOICES,
    ArgmapDoc,
    anchor_from_text,
    build_doc,
    in_chunks,
    read_json,
    tree_problems,
    with_parents,
)

MEDIA_TYPE = "text/x-argdown; charset=utf-8"
EXTENSION = "argdown"
INDENT = "  "

OPERATOR = {"supports": "<+", "opposes": "<-", "undercuts": "<_"}
# How Argdown names each of our relations and links (RelationType in @argdown/core).
ARGDOWN_RELATION = {"supports": "support", "opposes": "attack", "undercuts": "undercut"}

# Characters that start Argdown syntax inside a statement's text: mentions and links ([ ] < >),
# tags (#), emphasis (* _), data ({ }), comments (/), front matter (=), mentions (@).
_SPECIAL = set("\\[]<>#*_{}/=@")
# ".x." and ":x:" are Argdown's special-character shortcodes, so a dot or colon directly
# followed by more text ("e.g.", "10:30") is escaped too.
_SHORTCODE = re.compile(r"[.:](?=\S)")


def escape_text(text: str) -> str:
    out = []
    for index, char in enumerate(text):
        if char in _SPECIAL or _SHORTCODE.match(text, index):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def unescape_text(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _json_for_argdown(data: Any, indent: int | None = None) -> str:
    separators = (", ", ": ") if indent is None else (",", ": ")
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=separators)
    """JSON that Argdown's lexer cannot misread: its data token ends at the first `}` followed
    by a space, front matter at `===`, comments start at `//`, `/*` or `<!--`, wherever they
    stand. Inside strings those characters are written as \\u escapes (still the same JSON)."""
    out, in_string, escaped = [], False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            elif char in "{}=/<":
                out.append(f"\\u{ord(char):04x}")
                continue
        elif char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


def _statement_data(node: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": node["kind"]}
    if node["heading"]:
        data["heading"] = True
    if node.get("implicit"):
        data["implicit"] = True  # an implicit premise the curators added
    if node.get("scheme"):
        data["scheme"] = node["scheme"]  # the argument scheme of its inference to its parent
    if node["label"]:
        data["label"] = node["label"]
    if _written_text(node["text"]) != node["text"]:
        data["text"] = node["text"]  # Argdown would trim it or end the statement at a newline
    if node["anchors"]:
        data["anchors"] = [
            {
                "source": anchor["source"],
                "start": anchor["start"],
                "end": anchor["end"],
                "exact": anchor["exact"],
                "speaker": anchor["speaker"],
                "voice": anchor["voice"],
            }
            for anchor in node["anchors"]
        ]
    return data


def _written_text(text: str) -> str:
    return " ".join(text.split()) or "(no text)"


def to_argdown(doc: ArgmapDoc) -> str:
    """The map as Argdown text; the same map always gives the same text."""
    return "".join(argdown_chunks(doc))


def argdown_chunks(doc: ArgmapDoc) -> Iterator[str]:
    """`to_argdown(doc)` in chunks, reading the nodes and links once each, in order."""
    return in_chunks(line + "\n" for line in _lines(doc))


def _lines(doc: ArgmapDoc) -> Iterator[str]:
    front = {
        "title": doc["map"]["title"],
        "subTitle": doc["map"]["question"],
        "argmap": {"format": FORMAT, "map": doc["map"], "sources": doc["sources"]},
    }
    yield from ["===", _json_for_argdown(front, indent=2), "===", ""]
    for node, parent, depth in with_parents(doc["nodes"]):
        head = "" if parent is None else INDENT * depth + OPERATOR[node["relation"]] + " "
        yield (
            f"{head}[{node['id']}]: {escape_text(_written_text(node['text']))} "
            f"{_json_for_argdown(_statement_data(node))}"
        )
    for link in doc["links"]:
        a, b = link["between"]
        yield ""
        if link["type"] == "contradicts":
            yield from [f"// {a} and {b} contradict each other", f"[{a}]", f"{INDENT}>< [{b}]"]
        else:
            yield from [
                f"// {a} and {b} make the same point: each entails the other",
                f"[{a}]",
                f"{INDENT}<+ [{b}]",
                f"{INDENT}+> [{b}]",
            ]


def expected_counts(doc: ArgmapDoc) -> dict[str, Any]:
    """What Argdown's own parser should read back from `to_argdown(doc)`."""
    relations: dict[str, int] = {}
    for node in doc["nodes"]:
        if node["relation"]:
            kind = ARGDOWN_RELATION[node["relation"]]
            relations[kind] = relations.get(kind, 0) + 1
    for link in doc["links"]:
        kind, count = ("contradictory", 1) if link["type"] == "contradicts" else ("support", 2)
        relations[kind] = relations.get(kind, 0) + count
    return {"statements": len(doc["nodes"]), "relations": dict(sorted(relations.items()))}


# --- reading -------------------------------------------------------------------------------

_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<op><\+|\+>|<-|->|<_|_>|><|\+|-|_)\s+)?"
    r"\[(?P<title>[^\]]+)\](?::\s*(?P<rest>.*))?$"
)
_INCOMING = {"+>": "supports", "->": "opposes", "_>": "undercuts"}
_OUTGOING = {"<+": "supports", "+": "supports", "<-": "opposes", "-": "opposes",
             "<_": "undercuts", "_": "undercuts"}  # fmt: skip


def _strip_comments(text: str) -> str:
    text = re.sub(
        r"(?<!\\)(?:/\*.*?\*/|<!--.*?-->)", lambda m: "\n" * m.group().count("\n"), text, flags=re.S
    )
    return "\n".join(re.sub(r"(?<!\\)//.*$", "", line) for line in text.split("\n"))


def _split_data(rest: str) -> tuple[str, str | None]:
    """A statement's text and its trailing data, split at the first unescaped `{`."""
    match = re.search(r"(?<!\\)\{", rest)
    if match is None:
        return rest.strip(), None
    return rest[: match.start()].strip(), rest[match.start() :].strip()


def from_argdown(
    text: str,
    map_info: Mapping[str, Any],
    known_sources: Mapping[str, Mapping[str, Any]],
) -> ArgmapDoc:
    """An argmap/2 dict from Argdown text; raises MapDocumentError listing every problem.

    `map_info` is used where the front matter gives no map; the sources' texts come from
    `known_sources` (slug → argmap/2 entry plus "text"), never from the file.
    """
    problems: list[Problem] = []
    front, body = _front_matter(text.replace("\r\n", "\n"), problems)
    statements, relations, contradictions = _statements_and_relations(body, problems)
    relations, contradictions = _between_defined(statements, relations, contradictions, problems)
    links, claimed = _links_and_parents(statements, relations, contradictions)
    sources_in_file: dict[str, Any] = {
        str(entry.get("slug")): entry
        for entry in (front.get("argmap") or {}).get("sources", [])
        if isinstance(entry, dict)
    }
    nodes = {
        key: _node(key, statement, claimed[key], known_sources, sources_in_file, problems)
        for key, statement in sorted(statements.items(), key=lambda item: item[1]["line"])
    }
    problems.extend(tree_problems(nodes))
    if problems:
        raise MapDocumentError(problems)
    front_map = (front.get("argmap") or {}).get("map") or {}
    info = {key: front_map.get(key) or map_info[key] for key in ("slug", "title", "question")}
    info["slug"] = map_info["slug"]
    return build_doc(info, list(nodes.values()), links, known_sources)


Relation = tuple[str, str, str, int]  # (from, relation, to, line)


def _front_matter(text: str, problems: list[Problem]) -> tuple[dict[str, Any], str]:
    """The front matter (JSON, which is also YAML) and the body, its comments blanked out
    and its lines where they were (so problems name the file's own line numbers)."""
    front: dict[str, Any] = {}
    body = text
    match = re.match(r"\s*===+\n(.*?)\n===+[ \t]*(?:\n|$)", text, flags=re.S)
    if match:
        try:
            front = read_json(match.group(1))
        except json.JSONDecodeError as error:
            problems.append(
                Problem(
                    "front matter",
                    f"is not JSON ({error.msg}); Argmap reads "
                    "front matter written as JSON, which is also YAML",
                )
            )
        body = "\n" * match.group().count("\n") + text[match.end() :]
    if not _front_matter_shaped(front):
        problems.append(
            Problem(
                "front matter",
                'is not shaped as Argmap writes it: {"argmap": {"map": {…}, "sources": […]}}',
            )
        )
        front = {}
    return front, _strip_comments(body)


def _front_matter_shaped(front: Any) -> bool:
    """True when the parts of the front matter that from_argdown reads have their types."""
    if not isinstance(front, dict):
        return False
    argmap = front.get("argmap") or {}
    return (
        isinstance(argmap, dict)
        and isinstance(argmap.get("map") or {}, dict)
        and isinstance(argmap.get("sources") or [], list)
    )


def _statements_and_relations(
    body: str, problems: list[Problem]
) -> tuple[dict[str, dict[str, Any]], list[Relation], list[tuple[str, str]]]:
    """Each statement defined (its text, data and line), each relation an indented line
    draws to the statement above it, and each contradiction (`><`)."""
    statements: dict[str, dict[str, Any]] = {}
    relations: list[Relation] = []
    contradictions: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []  # (indent, title) of the open statements
    for number, line in enumerate(body.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            if not line.strip():
                stack = []  # a blank line ends a tree
            continue
        parsed = _LINE.match(line.rstrip())
        if parsed is None:
            problems.append(
                Problem(f"line {number}", f"is not a statement Argmap reads: {line.strip()[:60]!r}")
            )
            continue
        indent = len(parsed["indent"].expandtabs(4))
        op, title = parsed["op"], parsed["title"].strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if _misplaced(op, stack, number, problems):
            continue
        if parsed["rest"] is not None:
            _define(statements, title, parsed["rest"], number, problems)
        if op == "><":
            contradictions.append((stack[-1][1], title))
        elif op:
            relations.append(_relation(op, stack[-1][1], title, number))
        stack.append((indent, title))
    return statements, relations, contradictions


def _misplaced(
    op: str | None, stack: list[tuple[int, str]], number: int, problems: list[Problem]
) -> bool:
    """Whether a line's relation has no statement above it, or its indent no relation."""
    if op and not stack:
        problems.append(Problem(f"line {number}", f"relation {op} stands under no statement"))
        return True
    if not op and stack:
        problems.append(
            Problem(f"line {number}", "is indented under a statement without a relation")
        )
        return True
    return False


def _relation(op: str, above: str, title: str, number: int) -> Relation:
    """The relation an operator draws between a line's statement and the one above it."""
    if op in _INCOMING:
        return (above, _INCOMING[op], title, number)
    return (title, _OUTGOING[op], above, number)


def _define(
    statements: dict[str, dict[str, Any]],
    title: str,
    rest: str,
    number: int,
    problems: list[Problem],
) -> None:
    """Record a statement's definition: its words and the JSON data after them."""
    words, raw_data = _split_data(rest)
    data: Any = {}
    if raw_data is not None:
        try:
            data = read_json(raw_data)
        except json.JSONDecodeError as error:
            problems.append(Problem(f"statement {title}", f"data is not JSON ({error.msg})"))
            data = {}
        if not isinstance(data, dict):
            problems.append(Problem(f"statement {title}", "data is not an object"))
            data = {}
    if title in statements:
        problems.append(Problem(f"statement {title}", f"is defined twice (line {number})"))
    statements[title] = {"text": unescape_text(words), "data": data, "line": number}


def _between_defined(
    statements: Mapping[str, Any],
    relations: list[Relation],
    contradictions: list[tuple[str, str]],
    problems: list[Problem],
) -> tuple[list[Relation], list[tuple[str, str]]]:
    """The relations and contradictions whose ends are both defined; each end that is not
    is a problem."""
    for source, _, target, number in relations:
        for key in (source, target):
            if key not in statements:
                problems.append(Problem(f"line {number}", f"names statement {key}, never defined"))
    for a, b in contradictions:
        for key in (a, b):
            if key not in statements:
                problems.append(Problem(f"statement {key}", "is never defined"))
    return (
        [r for r in relations if r[0] in statements and r[2] in statements],
        [c for c in contradictions if c[0] in statements and c[1] in statements],
    )


def _links_and_parents(
    statements: Mapping[str, Any],
    relations: list[Relation],
    contradictions: list[tuple[str, str]],
) -> tuple[list[tuple[str, str, str]], dict[str, list[tuple[str, str]]]]:
    """The map's links (two statements supporting each other make the same point) and,
    for each statement, the (target, relation) pairs that claim it as a child."""
    supports = {(s, t) for s, kind, t, _ in relations if kind == "supports"}
    same_points = {tuple(sorted(pair)) for pair in supports if (pair[1], pair[0]) in supports}
    links = [("same_point", a, b) for a, b in sorted(same_points)]
    links += [("contradicts", a, b) for a, b in contradictions]
    claimed: dict[str, list[tuple[str, str]]] = {key: [] for key in statements}
    for source, kind, target, _ in sorted(relations, key=lambda r: r[3]):
        if kind == "supports" and tuple(sorted((source, target))) in same_points:
            continue
        claimed[source].append((target, kind))
    return links, claimed


def _node(
    key: str,
    statement: Mapping[str, Any],
    claims: list[tuple[str, str]],
    known_sources: Mapping[str, Mapping[str, Any]],
    sources_in_file: Mapping[str, Any],
    problems: list[Problem],
) -> dict[str, Any]:
    """A statement as an argmap/2 node: one parent at most, a known kind and relation, its
    data's label, scheme and anchors."""
    where, data = f"statement {key}", statement["data"]
    if len(claims) > 1:
        problems.append(
            Problem(
                where,
                "argues for more than one statement ("
                + ", ".join(f"{r} {t}" for t, r in claims)
                + "); a map node has one parent",
            )
        )
    parent, relation = claims[0] if claims else (None, None)
    kind = data.get("kind", "thesis" if parent is None else "claim")
    if kind not in ("thesis", "claim", "evidence"):
        problems.append(Problem(where, f"has unknown kind {kind!r}"))
    anchors = _anchors(where, data.get("anchors", []), known_sources, sources_in_file, problems)
    if relation is not None and relation not in RELATIONS:
        problems.append(Problem(where, f"has unknown relation {relation!r}"))
    return {
        "id": key,
        "kind": kind,
        "heading": bool(data.get("heading", False)),
        "implicit": data.get("implicit") is True,
        "label": str(data.get("label", "")),
        "text": data["text"] if isinstance(data.get("text"), str) else statement["text"],
        "parent": parent,
        "relation": relation,
        "scheme": data["scheme"] if isinstance(data.get("scheme"), str) else None,
        "anchors": anchors,
    }


def _anchors(
    where: str,
    entries: Any,
    known_sources: Mapping[str, Mapping[str, Any]],
    sources_in_file: Mapping[str, Any],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    anchors: list[dict[str, Any]] = []
    if not isinstance(entries, list):
        problems.append(Problem(where, "anchors is not a list"))
        return anchors
    for number, entry in enumerate(entries, start=1):
        at = f"{where} anchor {number}"
        if not isinstance(entry, dict):
            problems.append(Problem(at, "is not an object"))
            continue
        slug = str(entry.get("source"))
        known = known_sources.get(slug)
        if known is None:
            problems.append(Problem(at, f"quotes source {slug!r}, which this site does not have"))
            continue
        start, end, text = entry.get("start"), entry.get("end"), known["text"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(Problem(at, f"offsets {start}–{end} fall outside {slug}"))
            continue
        if text[start:end] != entry.get("exact"):
            problems.append(Problem(at, f"exact does not match {slug}[{start}:{end}]"))
            continue
        if slug in sources_in_file and sources_in_file[slug].get("sha256") != known.get("sha256"):
            problems.append(Problem(at, f"source {slug} differs from this site's copy (SHA-256)"))
            continue
        voice = entry.get("voice", "asserts")
        if voice not in VOICES:
            problems.append(Problem(at, f"has unknown voice {voice!r}"))
            continue
        anchors.append(
            anchor_from_text(
                slug, known, start, end, str(entry.get("speaker", "the author")), voice
            )
        )
    return anchors
