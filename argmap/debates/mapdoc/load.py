"""Reading a file in any importable format into argmap/2 (`read`), checking it, and
writing it as a new map in one transaction (`load_document`, `import_text`), or writing
nothing and listing every problem (`MapDocumentError`).
"""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from ..models import Anchor, ArgumentMap, Link, Node, Section, Source
from ..quotes import quote_context
from .check import crux_shape_problems, find_problems, is_text, source_entry
from .export import export_source
from .formats import FORMAT, ArgmapDoc, aif, argdown, registry
from .problems import MapDocumentError, Problem

NODE_KEYS = ("id", "kind", "heading", "label", "text", "parent", "relation", "anchors")
ANCHOR_KEYS = ("source", "start", "end", "exact", "prefix", "suffix", "speaker", "voice")
SOURCE_FIELDS = ("title", "title_by", "kind", "author", "publisher", "date", "tags", "disclosure")


def _field_limit(model, name):
    return model._meta.get_field(name).max_length


def document_problems(
    document: Any, slug: str | None = None, curated: bool = True
) -> list[Problem]:
    """Every problem that stops an argmap/2 document loading; reads, never writes.

    An imported map (curated=False) is checked by the imported rules: anchors optional."""
    if not isinstance(document, dict):
        return [Problem("document", "is not a JSON object")]
    problems = []
    if document.get("format") != FORMAT:
        problems.append(Problem("format", f"is {document.get('format')!r}; expected {FORMAT!r}"))
    problems.extend(_map_problems(document.get("map"), slug))
    sources, source_problems = _source_problems(document.get("sources"))
    problems.extend(source_problems)
    nodes = document.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        return [*problems, Problem("nodes", "must be a non-empty list")]
    plain_nodes = []
    for index, node in enumerate(nodes, start=1):
        plain, node_problems = _node_problems(index, node, sources)
        problems.extend(node_problems)
        if plain is not None:
            plain_nodes.append(plain)
    links = document.get("links", [])
    plain_links = []
    if not isinstance(links, list):
        problems.append(Problem("links", "must be a list"))
    else:
        for index, link in enumerate(links, start=1):
            between = link.get("between") if isinstance(link, dict) else None
            if not (
                isinstance(between, list)
                and len(between) == 2
                and all(isinstance(end, str) for end in between)
            ):
                problems.append(Problem(f"link {index}", "needs between: two node ids"))
                continue
            plain_links.append({"type": link.get("type"), "between": between})
    texts = {slug: source_entry(source) for slug, source in sources.items()}
    map_data = document.get("map")
    cruxes = map_data.get("cruxes", []) if isinstance(map_data, dict) else []
    problems.extend(
        find_problems(
            {
                "curated": curated,
                "sources": texts,
                "nodes": plain_nodes,
                "links": plain_links,
                # shape problems are listed with the map's
                "cruxes": cruxes if not crux_shape_problems(cruxes) else [],
            }
        )
    )
    return problems


def _map_problems(data, slug):
    if not isinstance(data, dict):
        return [Problem("map", "must be an object with slug, title and question")]
    problems = []
    wanted = slug or data.get("slug")
    try:
        validate_slug(wanted)
        if len(wanted) > _field_limit(ArgumentMap, "slug"):
            raise ValidationError("too long")
    except (ValidationError, TypeError):
        problems.append(Problem("map.slug", f"{wanted!r} is not a slug (letters, digits, -, _)"))
    else:
        if ArgumentMap.objects.filter(slug=wanted).exists():
            problems.append(Problem("map.slug", f"a map {wanted!r} exists already"))
    for name in ("title", "question"):
        if not is_text(data.get(name), _field_limit(ArgumentMap, name)):
            problems.append(Problem(f"map.{name}", "must be a non-empty string"))
    if data.get("definition") is not None and not is_text(data["definition"]):
        problems.append(Problem("map.definition", "must be a non-empty string or null"))
    problems.extend(crux_shape_problems(data.get("cruxes", [])))
    return problems


def _source_problems(entries):
    """Sources must already be stored (their text is the project's, byte for byte)."""
    if not isinstance(entries, list):
        return {}, [Problem("sources", "must be a list")]
    problems, found = [], {}
    stored = {source.slug: source for source in Source.objects.prefetch_related("sections")}
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(f"source {index}", "is not an object"))
            continue
        slug = entry.get("slug")
        where = f"source {slug}"
        source = stored.get(slug) if isinstance(slug, str) else None
        if source is None:
            problems.append(Problem(where, "is not a stored source; load its text first"))
            continue
        if entry.get("sha256") != source.sha256:
            problems.append(Problem(where, "sha256 differs from the stored text's"))
        if entry.get("file") != source.file:
            problems.append(Problem(where, f"file is {source.file!r} in the database"))
        if not is_text(entry.get("title"), _field_limit(Source, "title")):
            problems.append(Problem(where, "title must be a non-empty string"))
        if entry.get("title_by") not in Source.TitleBy.values:
            problems.append(Problem(where, "title_by must be 'text' or 'curators'"))
        if entry.get("kind") not in Source.Kind.values:
            problems.append(Problem(where, f"has unknown kind {entry.get('kind')!r}"))
        for name in ("author", "publisher", "date"):
            value = entry.get(name)
            if value is not None and not is_text(value, _field_limit(Source, name)):
                problems.append(Problem(where, f"{name} must be a string or null"))
        tags = entry.get("tags")
        if not (isinstance(tags, list) and all(is_text(tag) for tag in tags)):
            problems.append(Problem(where, "tags must be a list of strings"))
        if entry.get("disclosure") is not None and not is_text(entry.get("disclosure")):
            problems.append(Problem(where, "disclosure must be a string or null"))
        found[slug] = source
    return found, problems


def _node_problems(index, node, sources):
    if not isinstance(node, dict):
        return None, [Problem(f"node {index}", "is not an object")]
    where = f"node {node.get('id', index)}"
    missing = [key for key in NODE_KEYS if key not in node]
    if missing:
        return None, [Problem(where, "lacks " + ", ".join(missing))]
    problems = []
    try:
        validate_slug(node["id"])
        if len(node["id"]) > _field_limit(Node, "key"):
            raise ValidationError("too long")
    except (ValidationError, TypeError):
        problems.append(Problem(where, "id must be a slug of at most 60 characters"))
    if not is_text(node["text"]):
        problems.append(Problem(where, "text must be a non-empty string"))
    if not isinstance(node["heading"], bool):
        problems.append(Problem(where, "heading must be true or false"))
    if not isinstance(node.get("implicit", False), bool):
        problems.append(Problem(where, "implicit must be true or false"))
    if node.get("scheme") is not None and not isinstance(node["scheme"], str):
        problems.append(Problem(where, "scheme must be a scheme name or null"))
    if not is_text(node["label"], _field_limit(Node, "label"), blank=True):
        problems.append(Problem(where, "label must be a string of at most 60 characters"))
    if node["parent"] is not None and not isinstance(node["parent"], str):
        problems.append(Problem(where, "parent must be a node id or null"))
    if (node["relation"] is None) != (node["parent"] is None):
        problems.append(Problem(where, "relation is null exactly when parent is null"))
    anchors = node["anchors"] if isinstance(node["anchors"], list) else []
    if not isinstance(node["anchors"], list):
        problems.append(Problem(where, "anchors must be a list"))
    plain_anchors = []
    for number, anchor in enumerate(anchors, start=1):
        at = f"{where} anchor {number}"
        if not isinstance(anchor, dict) or any(key not in anchor for key in ANCHOR_KEYS):
            problems.append(Problem(at, "needs " + ", ".join(ANCHOR_KEYS)))
            continue
        problems.extend(_anchor_detail_problems(at, anchor, sources.get(anchor["source"])))
        plain_anchors.append({key: anchor[key] for key in ANCHOR_KEYS})
    plain = {
        "id": node["id"],
        "kind": node["kind"],
        "parent": node["parent"],
        "relation": node["relation"] or "",
        "is_heading": node["heading"] is True,
        "is_implicit": node.get("implicit") is True,
        "scheme": node.get("scheme") if isinstance(node.get("scheme"), str) else "",
        "anchors": plain_anchors,
    }
    return plain, problems


def _anchor_detail_problems(where, anchor, source):
    """What the shared validator does not check: context, speaker length, comment number."""
    if source is None or not isinstance(anchor["start"], int) or not isinstance(anchor["end"], int):
        return []  # the shared validator reports the missing source or the bad offsets
    problems = []
    start, end = anchor["start"], anchor["end"]
    if 0 <= start < end <= len(source.text):
        if (anchor["prefix"], anchor["suffix"]) != quote_context(source.text, start, end):
            problems.append(Problem(where, "prefix or suffix differs from the text around it"))
        expected = source.comment_number_at(start)
        if anchor.get("comment") != expected:
            problems.append(
                Problem(where, f"comment is {anchor.get('comment')!r}; the text gives {expected!r}")
            )
    if isinstance(anchor["speaker"], str) and len(anchor["speaker"]) > _field_limit(
        Anchor, "speaker"
    ):
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


def _write_document(document, slug, origin):
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
    nodes, positions = {}, {}
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
    links = []
    for link in document.get("links", []):
        made = Link(map=argmap, kind=link["type"])
        made.from_node, made.to_node = (nodes[end] for end in link["between"])
        made.order_ends()
        links.append(made)
    Link.objects.bulk_create(links)
    return argmap


def _parents_first(entries):
    """Entries with each parent before its children, siblings in their document order."""
    by_parent: dict[Any, list] = {}
    for entry in entries:
        by_parent.setdefault(entry["parent"], []).append(entry)
    ordered, stack = [], list(reversed(by_parent.get(None, [])))
    while stack:
        entry = stack.pop()
        ordered.append(entry)
        stack.extend(reversed(by_parent.get(entry["id"], [])))
    return ordered


def load_json(text: str, slug: str | None = None) -> ArgumentMap:
    """load_document for JSON text; a text that is not JSON is one problem."""
    try:
        document = json.loads(text)
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
        raise MapDocumentError([Problem("file", f"is not valid JSON ({error})")]) from error


def import_text(text: str, *, slug: str, fmt: str | None = None) -> tuple[ArgumentMap, str]:
    """Create a map from a file's text; raises UnknownFormat, or MapDocumentError with every
    problem found. Nothing is written unless everything is right (load_document)."""
    fmt, doc = read(text, fmt, slug)
    return load_document(doc, slug, origin=ORIGIN_OF_FORMAT[fmt]), fmt
