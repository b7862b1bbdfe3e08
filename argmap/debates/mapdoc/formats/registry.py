"""Which formats exist, how each is served and how an input's format is told from its
content. Pure functions over argmap/2 dicts (a node's branch is cut in the export's query)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..problems import MapDocumentError, Problem
from . import (
    FORMAT,
    ArgmapDoc,
    aif,
    argdown,
    json_chunks,
    spooled,
    webannotation,
)


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    label: str
    importable: bool


FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format("argmap", "application/json", "argmap.json", "argmap/2 JSON", True),
        Format("aif", aif.MEDIA_TYPE, aif.EXTENSION, "AIF", True),
        Format("argdown", argdown.MEDIA_TYPE, argdown.EXTENSION, "Argdown", True),
        Format(
            "webannotation",
            webannotation.MEDIA_TYPE,
            webannotation.EXTENSION,
            "W3C Web Annotation",
            False,
        ),
    )
}
IMPORTABLE = tuple(name for name, fmt in FORMATS.items() if fmt.importable)


def file_name(slug: str, fmt: str, node: str | None = None) -> str:
    """`deepseek-r1-sputnik.aif.json`, or `…--analogy-fits.argdown` for a node's branch."""
    return f"{slug}{'--' + node if node else ''}.{FORMATS[fmt].extension}"


def detect(text: str) -> str | None:
    """The importable format a file's content is in, or None when it is none of them."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None  # not JSON; "[title]: text" starts an Argdown statement
        else:
            if isinstance(data, dict) and data.get("format") == FORMAT:
                return "argmap"
            return "aif" if aif.looks_like_aif(data) else None
    for line in stripped.split("\n"):
        line = line.strip()
        if not line or line.startswith(("//", "#")):
            continue
        return "argdown" if re.match(r"^(===|\[[^\]]+\])", line) else None
    return None


def render(doc: ArgmapDoc, fmt: str, **options: Any) -> str:
    """The map in one format, as one text (`chunks` joined)."""
    return "".join(chunks(doc, fmt, **options))


def chunks(
    doc: ArgmapDoc,
    fmt: str,
    *,
    links: webannotation.Links | None = None,
    passages: Iterable[Mapping[str, Any]] = (),
    collection_iri: str = "",
    page_size: int = 1000,
) -> Iterator[str]:
    """The map in one format, in pieces of text, as a download or `export_map` writes it.

    The doc's nodes and links may be Streams: each format reads them in order, as many
    times as it needs, and holds one node (and the path above it) at a time."""
    if fmt == "argmap":
        yield from json_chunks(doc)
    elif fmt == "aif":  # seven passes over the nodes, two over the links
        yield from json_chunks(aif.to_aif(spooled(doc)))
    elif fmt == "argdown":
        yield from argdown.argdown_chunks(doc)
    elif fmt == "webannotation":
        if links is None:
            raise ValueError("Web Annotation needs the IRIs of nodes, sources and annotations")
        doc = spooled(doc)  # counted first, then the first page is written
        shown = webannotation.public_annotations(passages, links)
        annotations = chain(webannotation.anchor_annotations(doc, links), shown)
        total = webannotation.anchor_count(doc) + len(shown)
        label = f"Annotations of the map {doc['map']['title']!r}"
        yield from json_chunks(
            webannotation.annotation_collection(
                annotations, collection_iri, label, page_size, total
            )
        )
    else:
        raise ValueError(f"unknown format {fmt!r}")


def read_argmap(data: Any, where: str = "file") -> ArgmapDoc:
    """An argmap/2 dict checked for shape (keys and types), every problem listed; whether its
    anchors match the sources and its nodes form a tree is the map validator's business."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MapDocumentError([Problem(where, f"is not {FORMAT} JSON")])
    for key, kind in (("map", dict), ("sources", list), ("nodes", list), ("links", list)):
        if not isinstance(data.get(key), kind):
            problems.append(Problem(where, f"{key} is missing or not a {kind.__name__}"))
    if problems:
        raise MapDocumentError(problems)
    node_keys = {
        "id": str, "kind": str, "heading": bool, "label": str, "text": str,
        "parent": (str, type(None)), "relation": (str, type(None)), "anchors": list,
    }  # fmt: skip
    anchor_keys = {
        "source": str, "start": int, "end": int, "exact": str, "prefix": str, "suffix": str,
        "speaker": str, "voice": str, "comment": (int, type(None)),
    }  # fmt: skip
    for key in ("slug", "title", "question"):
        if not isinstance(data["map"].get(key), str):
            problems.append(Problem("map", f"{key} is missing or not text"))
    for number, node in enumerate(data["nodes"], start=1):
        at = f"node {node.get('id', f'#{number}') if isinstance(node, dict) else f'#{number}'}"
        if not isinstance(node, dict):
            problems.append(Problem(at, "is not an object"))
            continue
        problems += _typed(at, node, node_keys)
        for index, anchor in enumerate(node.get("anchors") or [], start=1):
            if not isinstance(anchor, dict):
                problems.append(Problem(f"{at} anchor {index}", "is not an object"))
            else:
                problems += _typed(f"{at} anchor {index}", anchor, anchor_keys)
    for number, link in enumerate(data["links"], start=1):
        between = link.get("between") if isinstance(link, dict) else None
        if (
            not isinstance(link, dict)
            or not isinstance(link.get("type"), str)
            or not (isinstance(between, list) and len(between) == 2)
        ):
            problems.append(Problem(f"link #{number}", "needs a type and two nodes in between"))
    if problems:
        raise MapDocumentError(problems)
    return data


def _typed(where: str, item: Mapping[str, Any], keys: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for key, kind in keys.items():
        if key not in item:
            problems.append(Problem(where, f"has no {key}"))
        elif isinstance(item[key], bool) and kind is int:
            problems.append(Problem(where, f"{key} is not a whole number"))
        elif not isinstance(item[key], kind):
            problems.append(Problem(where, f"{key} has the wrong type"))
    return problems
