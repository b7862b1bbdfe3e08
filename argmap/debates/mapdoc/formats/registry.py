"""Which formats exist, how each is served and how an input's format is told from its
content. Pure functions over argmap/2 dicts (a node's branch is cut in the export's query)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from . import (
    FORMAT,
    ArgmapDoc,
    aif,
    argdown,
    json_chunks,
    read_json,
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
            data = read_json(stripped)
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
