"""Reading a file in any importable format into argmap/2 (`read`), checking it, and
writing it as a new map in one transaction (`load_document`, `import_text`), or writing
nothing and listing every problem (`MapDocumentError`).
"""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Field, Model

from ..models import Anchor, ArgumentMap, Link, Node, Section, Source
from ..quotes import quote_context
from .check import find_problems, source_entry
from .document import AnchorEntry, MapInfo, NodeEntry, SourceEntry, parse
from .export import export_source
from .formats import ArgmapDoc, aif, argdown, read_json, registry
from .problems import MapDocumentError, Problem

SOURCE_FIELDS = ("title", "title_by", "kind", "author", "publisher", "date", "tags", "disclosure")


def is_text(value: Any, limit: int | None = None, blank: bool = False) -> bool:
    """Whether value is a string (non-blank unless blank) of at most limit characters."""
    return (
        isinstance(value, str)
        and (blank or bool(value.strip()))
        and (limit is None or len(value) <= limit)
    )


def _field_limit(model: type[Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.max_length is not None, f"{name} is text"
    return field.max_length


def document_problems(
    document: Any, slug: str | None = None, curated: bool = True
) -> list[Problem]:
    """Every problem that stops an argmap/2 document loading; reads, never writes.

    Its shape is checked by the typed model (`document.parse`); then what its values mean
    here: a free slug, stored sources, the lengths the database holds, and every rule of
    `check.find_problems`. An imported map (curated=False) is checked by the imported rules:
    anchors optional."""
    parsed, problems = parse(document)
    if parsed is None:
        return problems
    problems.extend(_map_problems(parsed.map, slug))
    sources, source_problems = _source_problems(parsed.sources)
    problems.extend(source_problems)
    for node in parsed.nodes:
        problems.extend(_node_problems(node, sources))
    problems.extend(
        find_problems(
            {
                "curated": curated,
                "sources": {slug: source_entry(source) for slug, source in sources.items()},
                "nodes": [_plain_node(node) for node in parsed.nodes],
                "links": [{"type": link.type, "between": link.between} for link in parsed.links],
                "cruxes": [crux.model_dump() for crux in parsed.map.cruxes],
            }
        )
    )
    return problems


def _map_problems(data: MapInfo, slug: str | None) -> list[Problem]:
    problems = []
    wanted = slug or data.slug
    try:
        validate_slug(wanted)
        if len(wanted) > _field_limit(ArgumentMap, "slug"):
            raise ValidationError("too long")
    except ValidationError:
        problems.append(Problem("map.slug", f"{wanted!r} is not a slug (letters, digits, -, _)"))
    else:
        if ArgumentMap.objects.filter(slug=wanted).exists():
            problems.append(Problem("map.slug", f"a map {wanted!r} exists already"))
    for name in ("title", "question"):
        if not is_text(getattr(data, name), _field_limit(ArgumentMap, name)):
            problems.append(Problem(f"map.{name}", "must be a non-empty string"))
    return problems


def _source_problems(entries: list[SourceEntry]) -> tuple[dict[str, Source], list[Problem]]:
    """Sources must already be stored (their text is the project's, byte for byte)."""
    problems, found = [], {}
    stored = {source.slug: source for source in Source.objects.prefetch_related("sections")}
    for entry in entries:
        where = f"source {entry.slug}"
        source = stored.get(entry.slug)
        if source is None:
            problems.append(Problem(where, "is not a stored source; load its text first"))
            continue
        if entry.sha256 != source.sha256:
            problems.append(Problem(where, "sha256 differs from the stored text's"))
        if entry.file != source.file:
            problems.append(Problem(where, f"file is {source.file!r} in the database"))
        if not is_text(entry.title, _field_limit(Source, "title")):
            problems.append(Problem(where, "title must be a non-empty string"))
        if entry.title_by not in Source.TitleBy.values:
            problems.append(Problem(where, "title_by must be 'text' or 'curators'"))
        if entry.kind not in Source.Kind.values:
            problems.append(Problem(where, f"has unknown kind {entry.kind!r}"))
        for name in ("author", "publisher", "date"):
            value = getattr(entry, name)
            if value is not None and not is_text(value, _field_limit(Source, name)):
                problems.append(Problem(where, f"{name} must be a non-empty string or null"))
        found[entry.slug] = source
    return found, problems


def _node_problems(node: NodeEntry, sources: dict[str, Source]) -> list[Problem]:
    """What the model cannot say of a node: a slug for an id, text, the label's length, and
    a relation exactly when there is a parent; then each anchor's details."""
    where = f"node {node.id}"
    problems = []
    try:
        validate_slug(node.id)
        if len(node.id) > _field_limit(Node, "key"):
            raise ValidationError("too long")
    except ValidationError:
        problems.append(Problem(where, "id must be a slug of at most 60 characters"))
    if not is_text(node.text):
        problems.append(Problem(where, "text must be a non-empty string"))
    if len(node.label) > _field_limit(Node, "label"):
        problems.append(Problem(where, "label must be a string of at most 60 characters"))
    if (node.relation is None) != (node.parent is None):
        problems.append(Problem(where, "relation is null exactly when parent is null"))
    for number, anchor in enumerate(node.anchors, start=1):
        problems.extend(
            _anchor_detail_problems(f"{where} anchor {number}", anchor, sources.get(anchor.source))
        )
    return problems


def _plain_node(node: NodeEntry) -> dict[str, Any]:
    """A node as the meaning checks read it (the shape the database and fixtures give)."""
    return {
        "id": node.id,
        "kind": node.kind,
        "parent": node.parent,
        "relation": node.relation or "",
        "is_heading": node.heading,
        "is_implicit": node.implicit,
        "scheme": node.scheme or "",
        "anchors": [
            anchor.model_dump(exclude={"prefix", "suffix", "comment"}) for anchor in node.anchors
        ],
    }


def _anchor_detail_problems(
    where: str, anchor: AnchorEntry, source: Source | None
) -> list[Problem]:
    """What the shared validator does not check: context, speaker length, comment number."""
    if source is None:
        return []  # the shared validator reports the missing source
    problems = []
    start, end = anchor.start, anchor.end
    if 0 <= start < end <= len(source.text):
        if (anchor.prefix, anchor.suffix) != quote_context(source.text, start, end):
            problems.append(Problem(where, "prefix or suffix differs from the text around it"))
        expected = source.comment_number_at(start)
        if anchor.comment != expected:
            problems.append(
                Problem(where, f"comment is {anchor.comment!r}; the text gives {expected!r}")
            )
    if len(anchor.speaker) > _field_limit(Anchor, "speaker"):
        problems.append(Problem(where, "speaker is longer than 200 characters"))
    return problems


def load_document(
    document: Any, slug: str | None = None, origin: str = ArgumentMap.Origin.CURATED
) -> ArgumentMap:
    """Load an argmap/2 document as a new map (named slug, else the document's own slug).

    Sources must already be stored. Every problem is listed in MapDocumentError and nothing
    is written; otherwise the map, its nodes, anchors and links and the sources' metadata
    are written in one transaction. Returns the new map.
    """
    problems = document_problems(document, slug, curated=origin == ArgumentMap.Origin.CURATED)
    if problems:
        raise MapDocumentError(problems)
    with transaction.atomic():
        return _write_document(document, slug or document["map"]["slug"], origin)


def _write_document(document: dict[str, Any], slug: str, origin: str) -> ArgumentMap:
    data = document["map"]
    argmap = ArgumentMap.objects.create(
        slug=slug,
        title=data["title"],
        question=data["question"],
        definition=data.get("definition") or "",
        cruxes=data.get("cruxes") or [],
        origin=origin,
    )
    sources = {
        source.slug: source
        for source in Source.objects.filter(
            slug__in=[entry["slug"] for entry in document["sources"]]
        )
    }
    for entry in document["sources"]:
        source = sources[entry["slug"]]
        for name in SOURCE_FIELDS:
            value = entry[name]
            setattr(source, name, "" if value is None else value)
        source.save()
    nodes: dict[str, Node] = {}
    positions: dict[str | None, int] = {}
    # Reading order puts each parent first; every node is saved before its children.
    for entry in _parents_first(document["nodes"]):
        parent = nodes.get(entry["parent"])
        position = positions.get(entry["parent"], 0)
        positions[entry["parent"]] = position + 1
        nodes[entry["id"]] = Node.objects.create(
            map=argmap,
            key=entry["id"],
            kind=entry["kind"],
            text=entry["text"].strip(),
            parent=parent,
            relation=entry["relation"] or "",
            position=position,
            label=entry["label"],
            is_heading=entry["heading"],
            is_implicit=entry.get("implicit", False),
            scheme=entry.get("scheme") or "",
            proposed_by=entry.get("proposed_by") or "",
        )
    Anchor.objects.bulk_create(
        Anchor(
            node=nodes[entry["id"]],
            position=position,
            source=sources[anchor["source"]],
            start=anchor["start"],
            end=anchor["end"],
            exact=anchor["exact"],
            prefix=anchor["prefix"],
            suffix=anchor["suffix"],
            speaker=anchor["speaker"],
            voice=anchor["voice"],
        )
        for entry in document["nodes"]
        for position, anchor in enumerate(entry["anchors"])
    )
    links: list[Link] = []
    for link in document.get("links", []):
        made = Link(map=argmap, kind=link["type"])
        made.from_node, made.to_node = (nodes[end] for end in link["between"])
        made.order_ends()
        links.append(made)
    Link.objects.bulk_create(links)
    return argmap


def _parents_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with each parent before its children, siblings in their document order."""
    by_parent: dict[Any, list[dict[str, Any]]] = {}
    for entry in entries:
        by_parent.setdefault(entry["parent"], []).append(entry)
    ordered: list[dict[str, Any]] = []
    stack = list(reversed(by_parent.get(None, [])))
    while stack:
        entry = stack.pop()
        ordered.append(entry)
        stack.extend(reversed(by_parent.get(entry["id"], [])))
    return ordered


def load_json(text: str, slug: str | None = None) -> ArgumentMap:
    """load_document for JSON text; a text that is not JSON is one problem."""
    try:
        document = read_json(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MapDocumentError([Problem("document", f"not valid JSON ({error})")]) from error
    return load_document(document, slug)


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


def read(text: str, fmt: str | None, slug: str) -> tuple[str, ArgmapDoc]:
    """The format and the argmap/2 dict of a file; raises UnknownFormat or MapDocumentError."""
    fmt = fmt or registry.detect(text)
    if fmt not in registry.IMPORTABLE:
        raise UnknownFormat(
            "unknown format: expected AIF JSON, Argdown or argmap/2 JSON"
            if fmt is None
            else f"format {fmt!r} cannot be imported (AIF, Argdown or argmap/2)"
        )
    known = known_sources()
    if fmt == "argmap":
        parsed, problems = parse(_json(text))
        if parsed is None:
            raise MapDocumentError(problems)
        doc = parsed.model_dump()
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
        return read_json(text)
    except json.JSONDecodeError as error:
        raise MapDocumentError([Problem("file", f"is not valid JSON ({error})")]) from error


def import_text(text: str, *, slug: str, fmt: str | None = None) -> tuple[ArgumentMap, str]:
    """Create a map from a file's text; raises UnknownFormat, or MapDocumentError with every
    problem found. Nothing is written unless everything is right (load_document)."""
    fmt, doc = read(text, fmt, slug)
    return load_document(doc, slug, origin=ORIGIN_OF_FORMAT[fmt]), fmt
