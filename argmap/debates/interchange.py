"""A map in and out of the database as argmap/2, which the converters in formats/ speak.

Export: `chunks` turns mapdata.export_map's argmap/2 dict (or a node's branch) into any
format, streamed. Import: `import_text` reads a file in any importable format into an argmap/2 dict;
mapdata.load_document then checks it by the rules for an imported map and writes it in one
transaction, or writes nothing and lists every problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import reverse

from argmap.lib.rows import snapshot

from . import pages
from .formats import ArgmapDoc, FormatError, Problem, aif, argdown, registry, webannotation
from .mapdata import MapDocumentError, export_map, export_source, load_document
from .models import ArgumentMap, Node, Section, Source

ORIGIN_OF_FORMAT = {
    "aif": ArgumentMap.Origin.AIF,
    "argdown": ArgumentMap.Origin.ARGDOWN,
    "argmap": ArgumentMap.Origin.ARGMAP,
}


class UnknownFormat(ValueError):
    """The file is in none of the formats Argmap reads."""


def known_sources() -> dict[str, dict[str, Any]]:
    """Every source this site holds, as the readers take it: entry, text, reader comments."""
    return {
        source.slug: {
            **export_source(source),
            "text": source.text,
            "comments": [
                [section.start, section.end, section.comment_number]
                for section in source.sections.all()
                if section.kind == Section.Kind.COMMENT
            ],
        }
        for source in Source.objects.prefetch_related("sections")
    }


def chunks(
    argmap: ArgumentMap,
    fmt: str,
    absolute: Callable[[str], str],
    branch: Node | None = None,
) -> Iterator[str]:
    """The map, or a node's branch, in one format, in pieces of text: what a download
    streams and `export_map` prints. `absolute` turns a path into an absolute IRI (for Web
    Annotation). Nothing is read until the first piece is asked for; from then on, every
    piece comes from the database as it was then (a snapshot, on PostgreSQL)."""
    with snapshot():
        yield from _chunks(argmap, fmt, absolute, branch)


def _chunks(
    argmap: ArgumentMap, fmt: str, absolute: Callable[[str], str], branch: Node | None
) -> Iterator[str]:
    doc = export_map(argmap, branch)
    links = web_links(absolute, argmap.slug)
    # Passage annotations belong to the sources, not to a branch: only the whole map has them.
    sources = [source["slug"] for source in doc["sources"]]
    wanted = fmt == "webannotation" and branch is None  # no other download carries them
    passages = pages.published_passages(sources) if wanted else []
    if branch is None:
        collection = reverse("map-download", args=[argmap.slug, "webannotation"])
    else:
        collection = reverse("branch-download", args=[argmap.slug, branch.key, "webannotation"])
    yield from registry.chunks(
        doc, fmt, links=links, passages=passages, collection_iri=absolute(collection)
    )


def web_links(absolute: Callable[[str], str], map_slug: str = "") -> webannotation.Links:
    """The IRIs Web Annotations name, from the site's URLs: the export's (nodes of map_slug)
    and the read API's (nodes of any map) alike."""
    return webannotation.Links(
        node=lambda key: absolute(reverse("node", args=[map_slug, key])),
        source=lambda slug: absolute(reverse("source", args=[slug])),
        annotation=lambda pk: absolute(reverse("annotation", args=[pk])),
        node_in=lambda slug, key: absolute(reverse("node", args=[slug, key])),
    )


def read(text: str, fmt: str | None, slug: str) -> tuple[str, ArgmapDoc]:
    """The format and the argmap/2 dict of a file; raises UnknownFormat or FormatError."""
    fmt = fmt or registry.detect(text)
    if fmt not in registry.IMPORTABLE:
        raise UnknownFormat(
            "unknown format: expected AIF JSON, Argdown or argmap/2 JSON"
            if fmt is None
            else f"format {fmt!r} cannot be imported (AIF, Argdown or argmap/2)"
        )
    known = known_sources()
    if fmt == "argmap":
        doc = registry.read_argmap(_json(text))
        doc = {**doc, "map": {**doc["map"], "slug": slug}}
    elif fmt == "aif":
        doc = aif.from_aif(_json(text), {"slug": slug, "title": "", "question": ""}, known)
    else:
        doc = argdown.from_argdown(text, {"slug": slug, "title": "", "question": ""}, known)
    # AIF carries no title or question (Argdown made elsewhere may not either): the map is
    # about whether its thesis holds, so the thesis stands for both.
    thesis = doc["nodes"][0]["text"] if doc["nodes"] else ""
    doc["map"]["title"] = doc["map"]["title"] or thesis[:300]
    doc["map"]["question"] = doc["map"]["question"] or thesis[:500]
    return fmt, doc


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError([Problem("file", f"is not valid JSON ({error})")]) from error


def import_text(text: str, *, slug: str, fmt: str | None = None) -> tuple[ArgumentMap, str]:
    """Create a map from a file's text; raises UnknownFormat, or FormatError with every
    problem found. Nothing is written unless everything is right (mapdata.load_document)."""
    fmt, doc = read(text, fmt, slug)
    try:
        return load_document(doc, slug, origin=ORIGIN_OF_FORMAT[fmt]), fmt
    except MapDocumentError as error:
        raise FormatError([Problem(p.where, p.message) for p in error.problems]) from error
