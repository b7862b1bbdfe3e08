"""A map in and out of the database as argmap/2, which the converters in formats/ speak.

Export: `map_document(argmap)` is the map as an argmap/2 dict. Import: `import_text` reads a
file in any importable format, checks everything (the file's own problems, then the map
validator's, then what this site's model can store), and writes the map in one transaction,
or nothing at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse

from . import pages
from .formats import ArgmapDoc, FormatError, Problem, aif, argdown, registry, webannotation
from .mapdata import depth_first, find_problems
from .models import Anchor, ArgumentMap, Node, Section, Source

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
KEY_LIMIT = Node._meta.get_field("key").max_length or 60
ORIGIN_OF_FORMAT = {
    "aif": ArgumentMap.Origin.AIF,
    "argdown": ArgumentMap.Origin.ARGDOWN,
    "argmap": ArgumentMap.Origin.ARGMAP,
}


class UnknownFormat(ValueError):
    """The file is in none of the formats Argmap reads."""


def _known(value: str) -> str | None:
    # The model stores "unknown" where the text gives nothing; argmap/2 says null.
    return None if value in ("", "unknown") else value


def source_entry(source: Source) -> dict[str, Any]:
    return {
        "slug": source.slug,
        "file": source.file,
        "title": source.title,
        "title_by": None,
        "kind": source.kind,
        "author": _known(source.author),
        "publisher": _known(source.publisher),
        "date": _known(source.date),
        "tags": None,
        "disclosure": None,
        "sha256": source.sha256,
    }


def _comment_ranges(sections: Iterable[Section]) -> list[list[int]]:
    return [
        [section.start, section.end, section.position]
        for section in sections
        if section.kind == Section.Kind.COMMENT
    ]


def known_sources() -> dict[str, dict[str, Any]]:
    """Every source this site holds, as the readers take it: entry, text, reader comments."""
    return {
        source.slug: {
            **source_entry(source),
            "text": source.text,
            "comments": _comment_ranges(source.sections.all()),
        }
        for source in Source.objects.prefetch_related("sections")
    }


def map_document(argmap: ArgumentMap) -> ArgmapDoc:
    """The map as an argmap/2 dict, in reading order; four queries whatever its size."""
    nodes = depth_first(list(argmap.nodes.prefetch_related("anchors")))
    key_of = {node.pk: node.key for node in nodes}
    used = {anchor.source_id for node in nodes for anchor in node.anchors.all()}
    sources = {
        source.pk: source
        for source in Source.objects.filter(pk__in=used).prefetch_related("sections")
    }
    comments = {pk: _comment_ranges(source.sections.all()) for pk, source in sources.items()}

    def comment_at(source_id: int, start: int) -> int | None:
        ranges = comments[source_id]
        return next((number for first, last, number in ranges if first <= start < last), None)

    return {
        "format": "argmap/2",
        "map": {"slug": argmap.slug, "title": argmap.title, "question": argmap.question},
        "sources": [
            source_entry(source)
            for source in sorted(sources.values(), key=lambda source: source.file)
        ],
        "nodes": [
            {
                "id": node.key,
                "kind": node.kind,
                "heading": node.is_heading,
                "label": node.label,
                "text": node.text,
                "parent": key_of.get(node.parent_id),
                "relation": node.relation or None,
                "anchors": [
                    {
                        "source": sources[anchor.source_id].slug,
                        "start": anchor.start,
                        "end": anchor.end,
                        "exact": anchor.exact,
                        "prefix": anchor.prefix,
                        "suffix": anchor.suffix,
                        "speaker": anchor.speaker,
                        # The model records no voice yet: every anchor is the speaker's own.
                        "voice": "asserts",
                        "comment": comment_at(anchor.source_id, anchor.start),
                    }
                    for anchor in node.anchors.all()
                ],
            }
            for node in nodes
        ],
        "links": [],
    }


def render(
    argmap: ArgumentMap,
    fmt: str,
    absolute: Callable[[str], str],
    node_key: str | None = None,
) -> str:
    """The map, or a node's branch, in one format: what a download serves and `export_map`
    prints. `absolute` turns a path into an absolute IRI (for Web Annotation)."""
    doc = map_document(argmap)
    if node_key is not None:
        doc = registry.branch(doc, node_key)
    links = webannotation.Links(
        node=lambda key: absolute(reverse("node", args=[argmap.slug, key])),
        source=lambda slug: absolute(reverse("source", args=[slug])),
        annotation=lambda pk: absolute(reverse("annotation", args=[pk])),
    )
    # Passage annotations belong to the sources, not to a branch: only the whole map has them.
    sources = [source["slug"] for source in doc["sources"]]
    passages = pages.published_passages(sources) if node_key is None else []
    if node_key is None:
        collection = reverse("map-download", args=[argmap.slug, "webannotation"])
    else:
        collection = reverse("branch-download", args=[argmap.slug, node_key, "webannotation"])
    return registry.render(
        doc, fmt, links=links, passages=passages, collection_iri=absolute(collection)
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
        # AIF carries no title or question: the thesis stands for the title.
        placeholder = {"slug": slug, "title": "", "question": ""}
        doc = aif.from_aif(_json(text), placeholder, known)
        doc["map"]["title"] = doc["nodes"][0]["text"][:300]
    else:
        doc = argdown.from_argdown(text, {"slug": slug, "title": "", "question": ""}, known)
        if not doc["map"]["title"]:
            doc["map"]["title"] = doc["nodes"][0]["text"][:300]
    return fmt, doc


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError([Problem("file", f"is not valid JSON ({error})")]) from error


def storable_problems(doc: ArgmapDoc, slug: str) -> list[Problem]:
    """What stops this site from holding the map as it stands: keys, the slug, the model."""
    problems = []
    if not SLUG.match(slug):
        problems.append(Problem("map", f"slug {slug!r} is not letters, digits, - and _"))
    elif ArgumentMap.objects.filter(slug=slug).exists():
        problems.append(Problem("map", f"a map with slug {slug!r} already exists"))
    for node in doc["nodes"]:
        where = f"node {node['id']}"
        if not SLUG.match(node["id"]) or len(node["id"]) > KEY_LIMIT:
            problems.append(
                Problem(where, f"id is not a key of at most {KEY_LIMIT} letters, digits, - and _")
            )
        for number, anchor in enumerate(node["anchors"], start=1):
            if anchor["voice"] != "asserts":
                problems.append(
                    Problem(
                        f"{where} anchor {number}",
                        f"voice {anchor['voice']!r} cannot be "
                        "stored here yet (every anchor is asserted)",
                    )
                )
    for link in doc["links"]:
        a, b = link["between"]
        problems.append(Problem(f"link {a}–{b}", f"{link['type']}: this site stores no links yet"))
    return problems


def validation_problems(doc: ArgmapDoc, known: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """The map validator's rules for an imported map, run on the dict before any write."""
    document = {
        "curated": False,
        "sources": {slug: {"text": s["text"], "sha256": s["sha256"]} for slug, s in known.items()},
        "nodes": [
            {
                "id": node["id"],
                "kind": node["kind"],
                "parent": node["parent"],
                "relation": node["relation"] or "",
                "is_heading": node["heading"],
                "anchors": node["anchors"],
            }
            for node in doc["nodes"]
        ],
    }
    return list(find_problems(document))


def import_text(text: str, *, slug: str, fmt: str | None = None) -> tuple[ArgumentMap, str]:
    """Create a map from a file's text; raises UnknownFormat, or FormatError with every
    problem found. Nothing is written unless everything is right."""
    fmt, doc = read(text, fmt, slug)
    problems = storable_problems(doc, slug) + validation_problems(doc, known_sources())
    if problems:
        raise FormatError(problems)
    return write_map(doc, ORIGIN_OF_FORMAT[fmt]), fmt


@transaction.atomic
def write_map(doc: ArgmapDoc, origin: str) -> ArgumentMap:
    argmap = ArgumentMap.objects.create(
        slug=doc["map"]["slug"],
        title=doc["map"]["title"],
        question=doc["map"]["question"],
        origin=origin,
    )
    sources = {source.slug: source for source in Source.objects.all()}
    created: dict[str, Node] = {}
    positions: dict[str | None, int] = {}
    anchors = []
    for entry in doc["nodes"]:  # reading order: every parent before its children
        position = positions.get(entry["parent"], 0)
        positions[entry["parent"]] = position + 1
        node = Node.objects.create(
            map=argmap,
            key=entry["id"],
            kind=entry["kind"],
            text=entry["text"],
            parent=created.get(entry["parent"]) if entry["parent"] else None,
            relation=entry["relation"] or "",
            position=position,
            label=entry["label"],
            is_heading=entry["heading"],
        )
        created[entry["id"]] = node
        anchors += [
            Anchor(
                node=node,
                position=number,
                source=sources[anchor["source"]],
                start=anchor["start"],
                end=anchor["end"],
                exact=anchor["exact"],
                prefix=anchor["prefix"],
                suffix=anchor["suffix"],
                speaker=anchor["speaker"],
            )
            for number, anchor in enumerate(entry["anchors"])
        ]
    Anchor.objects.bulk_create(anchors)
    return argmap
