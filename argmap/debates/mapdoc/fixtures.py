"""The curated maps in git: `fixtures/` read into map documents (`seed` checks them before
loading anything) and written from the database (`export_seed`), deterministically, so an
unchanged map writes no byte."""

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core import serializers

from ..models import Anchor, ArgumentMap, Link, Node, Section, Source
from .check import METADATA, SECTION_KEYS, find_problems
from .export import depth_first, sorted_links
from .formats import dump_json
from .problems import Problem

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = ["sources.json", "map.json", "nodes.json", "anchors.json", "links.json"]


def read_fixtures(directory=FIXTURE_DIR):
    """All fixture objects by model label, and problems reading them."""
    objects, problems = {}, []
    for name in FIXTURE_FILES:
        path = Path(directory) / name
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(name, "fixture file is missing"))
            continue
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            problems.append(Problem(name, f"not valid JSON ({error})"))
            continue
        for entry in entries:
            objects.setdefault(entry.get("model"), []).append(entry.get("fields", {}))
    return objects, problems


def documents_from_fixtures(directory=FIXTURE_DIR):
    """One map document per map in the fixtures, and problems found on the way."""
    objects, problems = read_fixtures(directory)
    sources = {}
    for fields in objects.get("debates.source", []):
        sources[fields.get("slug")] = {
            "text": fields.get("text", ""),
            "sha256": fields.get("sha256"),
            **{name: fields.get(name, "") for name in METADATA},
            "sections": [],
        }
    for fields in objects.get("debates.section", []):
        source = sources.get((fields.get("source") or [None])[0])
        if source is not None:
            source["sections"].append({key: fields.get(key) for key in SECTION_KEYS})
    documents = {
        fields.get("slug"): {
            "sources": sources,
            "nodes": [],
            "links": [],
            "cruxes": fields.get("cruxes", []),
        }
        for fields in objects.get("debates.argumentmap", [])
    }
    nodes_by_key = {}
    for fields in objects.get("debates.node", []):
        map_slug = (fields.get("map") or [None])[0]
        key = fields.get("key")
        if map_slug not in documents:
            problems.append(Problem(f"node {key}", f"names a missing map {map_slug!r}"))
            continue
        parent = fields.get("parent")
        node = {
            "id": key,
            "kind": fields.get("kind"),
            "parent": parent[1] if parent else None,
            "relation": fields.get("relation", ""),
            "is_heading": fields.get("is_heading", False),
            "is_implicit": fields.get("is_implicit", False),
            "scheme": fields.get("scheme", ""),
            "anchors": [],
        }
        documents[map_slug]["nodes"].append(node)
        nodes_by_key[(map_slug, key)] = node
    for fields in objects.get("debates.anchor", []):
        node_ref = tuple((fields.get("node") or [None, None])[:2])
        source_slug = (fields.get("source") or [None])[0]
        node = nodes_by_key.get(node_ref)
        if node is None:
            problems.append(Problem(f"anchor of {node_ref[1]}", "names a missing node"))
            continue
        node["anchors"].append(
            {
                "source": source_slug,
                "start": fields.get("start"),
                "end": fields.get("end"),
                "exact": fields.get("exact"),
                "speaker": fields.get("speaker", ""),
                "voice": fields.get("voice", Anchor.Voice.ASSERTS),
            }
        )
    for fields in objects.get("debates.link", []):
        map_slug = (fields.get("map") or [None])[0]
        ends = [fields.get("from_node") or [None, None], fields.get("to_node") or [None, None]]
        if map_slug not in documents:
            problems.append(Problem("link", f"names a missing map {map_slug!r}"))
            continue
        if any(end[0] != map_slug for end in ends):
            problems.append(
                Problem(f"link {ends[0][1]} – {ends[1][1]}", "joins nodes of another map")
            )
        documents[map_slug]["links"].append(
            {"type": fields.get("kind"), "between": [end[1] for end in ends]}
        )
    return documents, problems


def fixture_entries(objects):
    entries = serializers.serialize(
        "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for entry in entries:
        entry.pop("pk", None)
    return entries


def fixture_text(objects=(), entries=None):
    """Deterministic fixture JSON: natural keys, two-space indent, trailing newline (the
    JSON writer every export uses)."""
    if entries is None:
        entries = fixture_entries(objects)
    return dump_json(entries)


def link_entries(links, order):
    """Links with their ends in reading order (ids differ between databases; reading
    order is what the fixtures keep), sorted as argmap/2 sorts them."""
    by_pk = {link.pk: link for link in links}
    wanted = {
        (link.kind, *sorted((link.from_node_id, link.to_node_id), key=order.__getitem__)): link
        for link in by_pk.values()
    }
    entries = []
    for pair in sorted_links(by_pk.values(), order):
        link = wanted[pair]
        link.from_node_id, link.to_node_id = pair[1], pair[2]  # only for writing
        entries.extend(fixture_entries([link]))
    return entries


def curated_fixtures():
    """The curated maps only (never imported maps, users, annotations or suggestions)."""
    # An imported map is not curated content: it stays out of fixtures/.
    maps = list(ArgumentMap.objects.filter(origin=ArgumentMap.Origin.CURATED).order_by("slug"))
    nodes = []
    for argmap in maps:
        nodes.extend(depth_first(list(Node.objects.filter(map=argmap).select_related("map"))))
    order = {node.pk: index for index, node in enumerate(nodes)}
    anchors = sorted(
        Anchor.objects.filter(node__map__in=maps).select_related("node__map", "source"),
        key=lambda anchor: (order[anchor.node_id], anchor.position, anchor.pk),
    )
    links = list(Link.objects.filter(map__in=maps).select_related("map", "from_node", "to_node"))
    sources = list(Source.objects.order_by("file"))
    sections = list(Section.objects.select_related("source").order_by("source__file", "position"))
    return {
        "sources.json": fixture_text(sources + sections),
        "map.json": fixture_text(maps),
        "nodes.json": fixture_text(nodes),
        "anchors.json": fixture_text(anchors),
        "links.json": fixture_text(entries=link_entries(links, order)),
    }


def write_fixtures(directory: Path = FIXTURE_DIR) -> list[str]:
    """Write the curated maps to directory; the names of the files that changed (none when
    the files already match the database byte for byte)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in curated_fixtures().items():
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        # Write beside the target and rename, so a crash never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        changed.append(name)
    return changed


def checked_fixtures(directory: Path = FIXTURE_DIR) -> tuple[dict, list[Problem]]:
    """The fixtures' map documents and every problem with them (reading and meaning), as
    `seed` checks them before it writes anything."""
    documents, problems = documents_from_fixtures(directory)
    for document in documents.values():
        problems.extend(find_problems(document))
    return documents, problems
