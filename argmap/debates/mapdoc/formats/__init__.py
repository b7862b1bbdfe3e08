"""Argument-interchange formats: pure functions between argmap/2 dicts and AIF, Argdown and
W3C Web Annotation. Nothing here touches the database: the rest of `mapdoc` turns models
into argmap/2 and back, and these modules do the rest."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from json.encoder import encode_basestring
from typing import Any, Generic, TypeVar

from ..problems import Problem, cycle_problems

ArgmapDoc = dict[str, Any]
T = TypeVar("T")
FORMAT = "argmap/2"
CONTEXT_CHARS = 32
RELATIONS = ("supports", "opposes", "undercuts")
LINK_TYPES = ("contradicts", "same_point")
VOICES = ("asserts", "reports", "concedes")


# A NUL, which PostgreSQL stores in no text, and half a surrogate pair, which no UTF-8
# encodes: JSON's "\\u0000" and "\\ud800" escapes make them.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def read_json(text: str) -> Any:
    """json.loads for a file a person gives, raising json.JSONDecodeError (which every reader
    reports as the file's problem) also where json.loads raises something else or lets
    through what no database stores: nesting deeper than Python's stack (RecursionError), a
    number of over 4,300 digits (ValueError), and a string holding a NUL or half a
    surrogate pair (escaped as \\u0000 or \\ud800)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as error:  # int() refusing a number's digits
        raise json.JSONDecodeError(f"a number is too long: {str(error)[:40]}", text, 0) from None
    values = [data]
    while values:  # every string, key or value, without recursion
        value = values.pop()
        if isinstance(value, dict):
            values.extend(value.keys())
            values.extend(value.values())
        elif isinstance(value, list):
            values.extend(value)
        elif isinstance(value, str) and UNSTORABLE.search(value):
            raise json.JSONDecodeError(
                "a string holds a NUL or half a surrogate pair (\\u0000, \\ud800)", text, 0
            )
    return data


class Stream(Generic[T]):
    """A sequence read lazily, again on every pass: a map's nodes or links as the database
    gives them, a chunk at a time, or a format's output section built from them. Writers
    iterate it and never hold it whole; `list(stream)` is for tests and small maps."""

    def __init__(self, rows: Callable[[], Iterable[T]]):
        self._rows = rows

    def __iter__(self) -> Iterator[T]:
        return iter(self._rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Stream | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Stream({self._rows!r})"


class Spooled(Stream[Any]):
    """A Stream of JSON values read from its source once: the first complete pass also
    writes each value, a line of JSON, to a temporary file, and later passes read that file
    back, so a format that reads a map's nodes several times sorts them in the database only
    once. The file is on disk (never in memory) and goes when the Stream does."""

    def __init__(self, source: Iterable[Any]):
        super().__init__(self._rows)
        self._source = source
        self._spool: Any = None  # the file, once a pass has written it to the end
        self._busy = False

    def _rows(self) -> Iterator[Any]:
        if self._busy:  # a pass inside another: read the source again
            return iter(self._source)
        if self._spool is not None:
            return self._read_back()
        return self._write_through()

    def _read_back(self) -> Iterator[Any]:
        self._busy = True
        try:
            self._spool.seek(0)
            for line in self._spool:
                yield json.loads(line)
        finally:
            self._busy = False

    def _write_through(self) -> Iterator[Any]:
        self._busy = True
        # Kept open past this pass (for the next ones); closed, and so deleted, with the Stream.
        spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        try:
            for value in self._source:
                spool.write(json.dumps(value, ensure_ascii=False) + "\n")
                yield value
        except BaseException:
            spool.close()
            raise
        finally:
            self._busy = False
        self._spool = spool


def spooled(doc: Mapping[str, Any]) -> ArgmapDoc:
    """The doc with its nodes and links Spooled, for a format that reads them many times."""
    return {**doc, "nodes": Spooled(doc["nodes"]), "links": Spooled(doc["links"])}


# Text is handed on in pieces of about this many characters: few enough writes for speed,
# small enough that a worker holds next to nothing of a big export.
CHUNK_CHARS = 64 * 1024


class _Flush(str):
    """The type of FLUSH, an empty piece told apart from every other by its identity."""


# A piece that adds nothing and ends the chunk so far: written before a Stream is read, so
# what precedes it (an export's map and sources) goes out before the database has sorted
# the map's nodes (a million take seconds), and a client or proxy waiting for the first
# byte is answered at once.
FLUSH = _Flush("")


def in_chunks(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces of a text joined into chunks of about CHUNK_CHARS characters (a chunk ends
    with the first piece past it, or at FLUSH), so a stream is written in a few large writes."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS or (piece is FLUSH and size):
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def json_chunks(data: Any) -> Iterator[str]:
    """`dump_json(data)` in chunks, byte for byte, with every Stream in it read lazily."""
    return in_chunks(chain(_json_pieces(data, "\n"), "\n"))


def _json_pieces(data: Any, newline: str) -> Iterator[str]:
    """json.dumps(data, ensure_ascii=False, indent=2), at the indent newline stands for, with
    each Stream in it written item by item (an item holds no Stream of its own)."""
    inner = newline + "  "
    if isinstance(data, Stream):
        yield FLUSH
        empty = True
        for index, item in enumerate(data):
            empty = False
            yield ("[" if index == 0 else ",") + inner + _plain(item, inner)
        yield "[]" if empty else newline + "]"
    elif isinstance(data, dict) and data:
        for index, (key, value) in enumerate(data.items()):
            yield ("{" if index == 0 else ",") + inner + _key(key) + ": "
            yield from _json_pieces(value, inner)
        yield newline + "}"
    elif isinstance(data, list | tuple) and data:
        for index, item in enumerate(data):
            yield ("[" if index == 0 else ",") + inner
            yield from _json_pieces(item, inner)
        yield newline + "]"
    else:
        yield _plain(data, newline)


def _plain(data: Any, newline: str) -> str:
    """What json.dumps(data, ensure_ascii=False, indent=2) writes, at that indent: the same
    layout, built as strings rather than through the standard library's pure-Python
    generators (json has no C encoder for indented output), about three times faster."""
    if isinstance(data, str):
        return encode_basestring(data)
    if isinstance(data, dict):
        if not data:
            return "{}"
        inner = newline + "  "
        items = (inner + _key(key) + ": " + _plain(value, inner) for key, value in data.items())
        return "{" + ",".join(items) + newline + "}"
    if isinstance(data, list | tuple):
        if not data:
            return "[]"
        inner = newline + "  "
        return "[" + ",".join(inner + _plain(item, inner) for item in data) + newline + "]"
    return json.dumps(data)  # numbers, true, false, null; anything else is refused here


def _key(key: Any) -> str:
    return encode_basestring(key if isinstance(key, str) else json.dumps(key).strip('"'))


def dump_json(data: Any) -> str:
    """JSON as every download writes it: keys in the order built, two-space indent, UTF-8."""
    return "".join(json_chunks(data))


def materialized(doc: Mapping[str, Any]) -> ArgmapDoc:
    """An argmap/2 dict with its nodes and links read into lists (to edit or copy it)."""
    return {**doc, "nodes": list(doc["nodes"]), "links": list(doc["links"])}


def with_parents(
    nodes: Iterable[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, int]]:
    """(node, its parent, its depth) for nodes in reading order, holding only the path from
    the thesis to the node: a parent always comes before its children, so it is on it."""
    path: list[dict[str, Any]] = []
    for node in nodes:
        parent = node["parent"]
        while path and path[-1]["id"] != parent:
            path.pop()
        yield node, (path[-1] if path else None), len(path)
        path.append(node)


def nodes_by_id(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in doc["nodes"]}


def tree_edges(doc: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(child, parent) for every node but the thesis, in reading order."""
    by_id = nodes_by_id(doc)
    for node in doc["nodes"]:
        if node["parent"] is not None:
            yield node, by_id[node["parent"]]


def anchor_from_text(
    source: str, known: Mapping[str, Any], start: int, end: int, speaker: str, voice: str
) -> dict[str, Any]:
    """An argmap/2 anchor whose exact words, prefix, suffix and reader comment are read from
    the source as this site holds it: `known` has its "text" and, for reader comments,
    "comments": [start, end, number] per comment (the comment number is derived, not stored).
    """
    text = known["text"]
    comment = next(
        (number for first, last, number in known.get("comments", ()) if first <= start < last),
        None,
    )
    return {
        "source": source,
        "start": start,
        "end": end,
        "exact": text[start:end],
        "prefix": text[max(0, start - CONTEXT_CHARS) : start],
        "suffix": text[end : end + CONTEXT_CHARS],
        "speaker": speaker,
        "voice": voice,
        "comment": comment,
    }


def build_doc(
    map_info: Mapping[str, Any],
    nodes: list[dict[str, Any]],
    links: Iterable[tuple[str, str, str]],
    known_sources: Mapping[str, Mapping[str, Any]],
) -> ArgmapDoc:
    """An argmap/2 dict from nodes in any order: reading order, links sorted, sources named.

    `nodes` carry "id", "parent" and "relation"; children keep the order they are given in.
    `links` are (type, a, b). Readers call this last, once they have checked the tree.
    """
    children: dict[str | None, list[dict[str, Any]]] = {}
    for node in nodes:
        children.setdefault(node["parent"], []).append(node)
    ordered: list[dict[str, Any]] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node["id"], [])))
    position = {node["id"]: index for index, node in enumerate(ordered)}
    pairs = []
    for kind, a, b in links:
        first, second = sorted((a, b), key=lambda key: position[key])
        pairs.append({"type": kind, "between": [first, second]})
    pairs.sort(key=lambda link: (link["type"], *(position[key] for key in link["between"])))
    named = {anchor["source"] for node in ordered for anchor in node["anchors"]}
    sources = sorted(
        (
            {
                key: value
                for key, value in known_sources[slug].items()
                if key not in ("text", "comments")
            }
            for slug in named
        ),
        key=lambda source: (source.get("file") or "", source["slug"]),
    )
    return {
        "format": FORMAT,
        "map": {
            "slug": map_info["slug"],
            "title": map_info["title"],
            "question": map_info["question"],
        },
        "sources": sources,
        "nodes": [
            {
                "id": node["id"],
                "kind": node["kind"],
                "heading": node["heading"],
                "implicit": node.get("implicit", False),
                "label": node["label"],
                "text": node["text"],
                "parent": node["parent"],
                "relation": node["relation"],
                "scheme": node.get("scheme"),
                "anchors": node["anchors"],
            }
            for node in ordered
        ],
        "links": pairs,
    }


def tree_problems(nodes: Mapping[str, dict[str, Any]], where: str = "map") -> list[Problem]:
    """The problems that stop a set of nodes from being one tree under one thesis."""
    problems = []
    roots = [key for key, node in nodes.items() if node["parent"] is None]
    if len(roots) != 1:
        problems.append(
            Problem(
                where,
                f"has {len(roots)} statements that argue for nothing"
                + (f" ({', '.join(roots)})" if roots else "")
                + "; a map needs exactly one thesis",
            )
        )
    problems.extend(cycle_problems(nodes))
    for key, node in nodes.items():
        if node["relation"] == "undercuts":
            parent = nodes.get(node["parent"] or "")
            if parent is None or parent["parent"] is None:
                problems.append(
                    Problem(
                        f"node {key}",
                        "undercuts a node that argues for nothing; an undercut attacks the "
                        "link between its parent and the parent's parent",
                    )
                )
    return problems
