"""The curated maps in git: `fixtures/` read into map documents (`seed` checks them before
loading anything) and written from the database (`export_seed`), deterministically, so an
unchanged map writes no byte.

One file set per curated map, and the documents once, since maps share them (a second
debate may quote the first one's documents)::

    fixtures/sources.json           the documents (and their sections) curated maps quote,
                                    and those no map quotes yet (uploaded for a new debate)
    fixtures/<slug>/map.json        one map: its question, definition, cruxes
    fixtures/<slug>/nodes.json      its nodes in reading order
    fixtures/<slug>/anchors.json    their anchors
    fixtures/<slug>/links.json      its links

Only curated maps are written (`ArgumentMap.origin`): a map imported from a file or made by
`generate_map` stays out, as do the documents only such maps quote, until a curator sets its
origin to "curated here" in the admin.
"""

import json
import os
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.db.models import Exists, Model, OuterRef

from ..models import (
    Anchor,
    ArgumentMap,
    ArgumentMapQuerySet,
    Link,
    Node,
    Section,
    Source,
    SourceQuerySet,
)
from .check import METADATA, SECTION_KEYS, find_problems, problems_by_map
from .export import depth_first, sorted_links
from .formats import dump_json
from .problems import Problem

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
SOURCES_FILE = "sources.json"
MAP_FILES = ["map.json", "nodes.json", "anchors.json", "links.json"]


def map_directories(directory: Path = FIXTURE_DIR) -> list[Path]:
    """Each map's file set: the folders of directory that hold a map.json, by name."""
    return sorted(path.parent for path in Path(directory).glob(f"*/{MAP_FILES[0]}"))


def fixture_paths(
    directory: Path = FIXTURE_DIR, slugs: Collection[str] | None = None
) -> list[Path]:
    """The files `seed` loads, in loading order: the documents, then each map's set (only
    the maps named in slugs, when given)."""
    paths = [Path(directory) / SOURCES_FILE]
    for folder in map_directories(directory):
        if slugs is None or folder.name in slugs:
            paths.extend(folder / name for name in MAP_FILES)
    return paths


def read_fixtures(
    directory: Path = FIXTURE_DIR,
) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """All fixture objects by model label, and problems reading them."""
    objects: dict[str, list[dict[str, Any]]] = {}
    problems: list[Problem] = []
    if not map_directories(directory):
        problems.append(Problem(str(directory), f"holds no map (no */{MAP_FILES[0]})"))
    for path in fixture_paths(directory):
        name = str(path.relative_to(directory))
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(Problem(name, "fixture file is missing"))
            continue
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            problems.append(Problem(name, f"not valid JSON ({error})"))
            continue
        for entry in entries:
            fields = entry.get("fields", {})
            slug = _map_named(entry.get("model"), fields)
            if path.name != SOURCES_FILE and slug != path.parent.name:
                problems.append(Problem(name, f"holds a row of map {slug!r}, not of its folder's"))
            objects.setdefault(entry.get("model"), []).append(fields)
    return objects, problems


def _map_named(model: Any, fields: dict[str, Any]) -> Any:
    """The slug of the map a map file's row belongs to (a map set holds one map's rows)."""
    if model == "debates.argumentmap":
        return fields.get("slug")
    reference = fields.get("node" if model == "debates.anchor" else "map") or [None]
    return reference[0] if isinstance(reference, list) else None


def documents_from_fixtures(
    directory: Path = FIXTURE_DIR,
) -> tuple[dict[Any, dict[str, Any]], list[Problem]]:
    """One map document per map in the fixtures, and problems found on the way."""
    objects, problems = read_fixtures(directory)
    sources: dict[Any, dict[str, Any]] = {}  # by slug (or what a broken file holds)
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
    for fields in objects.get("debates.argumentmap", []):
        if fields.get("origin", ArgumentMap.Origin.CURATED) != ArgumentMap.Origin.CURATED:
            problems.append(
                Problem(f"map {fields.get('slug')}", "is not curated: fixtures hold curated maps")
            )
    documents = {
        fields.get("slug"): {
            "sources": sources,
            "nodes": [],
            "links": [],
            "cruxes": fields.get("cruxes", []),
        }
        for fields in objects.get("debates.argumentmap", [])
    }
    nodes_by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
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
            "proposed_by": fields.get("proposed_by", ""),
            "anchors": [],
        }
        documents[map_slug]["nodes"].append(node)
        nodes_by_key[(map_slug, key)] = node
    for fields in objects.get("debates.anchor", []):
        node_ref = tuple((fields.get("node") or [None, None])[:2])
        source_slug = (fields.get("source") or [None])[0]
        quoting = nodes_by_key.get(node_ref)
        if quoting is None:
            problems.append(Problem(f"anchor of {node_ref[1]}", "names a missing node"))
            continue
        quoting["anchors"].append(
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


# Fields a fixture leaves out at their empty default (loading fills the default back): a
# node's credit is set on the few nodes readers proposed, and the curators' nodes keep the
# lines they had before nodes recorded it.
OMITTED_WHEN_EMPTY = {"debates.node": ("proposed_by",)}


def fixture_entries(objects: Iterable[Model]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = serializers.serialize(
        "python", objects, use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    for entry in entries:
        entry.pop("pk", None)
        for name in OMITTED_WHEN_EMPTY.get(entry["model"], ()):
            if entry["fields"].get(name) == "":
                del entry["fields"][name]
    return entries


def fixture_text(objects: Iterable[Model] = (), entries: list[dict[str, Any]] | None = None) -> str:
    """Deterministic fixture JSON: natural keys, two-space indent, trailing newline (the
    JSON writer every export uses)."""
    if entries is None:
        entries = fixture_entries(objects)
    return dump_json(entries)


def link_entries(links: Iterable[Link], order: dict[int, int]) -> list[dict[str, Any]]:
    """Links with their ends in reading order (ids differ between databases; reading
    order is what the fixtures keep), sorted as argmap/2 sorts them."""
    by_pk = {link.pk: link for link in links}
    wanted = {
        (link.kind, *sorted((link.from_node_id, link.to_node_id), key=order.__getitem__)): link
        for link in by_pk.values()
    }
    entries: list[dict[str, Any]] = []
    for pair in sorted_links(by_pk.values(), order):
        link = wanted[pair]
        link.from_node_id, link.to_node_id = pair[1], pair[2]  # only for writing
        entries.extend(fixture_entries([link]))
    return entries


def curated_sources() -> SourceQuerySet:
    """The documents curated maps quote, and those no map quotes yet (a curator uploaded
    them for a new debate); never those only imported or generated maps quote."""
    anchors = Anchor.objects.filter(source=OuterRef("pk"))
    curated = anchors.filter(node__map__origin=ArgumentMap.Origin.CURATED)
    return Source.objects.filter(Exists(curated) | ~Exists(anchors)).order_by("file")


def map_fixtures(argmap: ArgumentMap) -> dict[str, str]:
    """One map's file set, by file name."""
    nodes = depth_first(list(Node.objects.filter(map=argmap).select_related("map")))
    order = {node.pk: index for index, node in enumerate(nodes)}
    anchors = sorted(
        Anchor.objects.filter(node__map=argmap).select_related("node__map", "source"),
        key=lambda anchor: (order[anchor.node_id], anchor.position, anchor.pk),
    )
    links = list(Link.objects.filter(map=argmap).select_related("map", "from_node", "to_node"))
    return {
        "map.json": fixture_text([argmap]),
        "nodes.json": fixture_text(nodes),
        "anchors.json": fixture_text(anchors),
        "links.json": fixture_text(entries=link_entries(links, order)),
    }


def curated_maps() -> ArgumentMapQuerySet:
    # An imported or generated map is not curated content: it stays out of fixtures/.
    return ArgumentMap.objects.filter(origin=ArgumentMap.Origin.CURATED).order_by("slug")


def curated_fixtures() -> dict[str, str]:
    """Every file of fixtures/ by its path there: the documents, then each curated map's set
    (never imported or generated maps, users, annotations or proposals)."""
    sources = list(curated_sources())
    sections = list(
        Section.objects.filter(source__in=sources)
        .select_related("source")
        .order_by("source__file", "position")
    )
    files = {SOURCES_FILE: fixture_text([*sources, *sections])}
    for argmap in curated_maps():
        for name, text in map_fixtures(argmap).items():
            files[f"{argmap.slug}/{name}"] = text
    return files


def write_fixtures(directory: Path = FIXTURE_DIR) -> list[str]:
    """Write the curated maps to directory; the paths of the files that changed (none when
    the files already match the database byte for byte)."""
    directory = Path(directory)
    changed = []
    for name, text in curated_fixtures().items():
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a crash never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        changed.append(name)
    return changed


def stale_map_directories(directory: Path = FIXTURE_DIR) -> list[str]:
    """Map folders of directory that no curated map of the database writes (a map deleted,
    made not curated, or not seeded yet): export_seed names them and leaves them alone."""
    curated = set(curated_maps().values_list("slug", flat=True))
    return [folder.name for folder in map_directories(directory) if folder.name not in curated]


def checked_fixtures(
    directory: Path = FIXTURE_DIR,
) -> tuple[dict[Any, dict[str, Any]], list[Problem]]:
    """The fixtures' map documents and every problem with them (reading and meaning), as
    `seed` checks them before it writes anything."""
    documents, problems = documents_from_fixtures(directory)
    return documents, problems + problems_by_map(
        {slug: find_problems(document) for slug, document in documents.items()}
    )
