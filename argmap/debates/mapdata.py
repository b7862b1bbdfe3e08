"""The map as plain data: argmap JSON export, fixture reading, and the one validator.

The validator works on a "map document" (plain dicts), so the same checks serve
`check_map` on the database, `seed` on the fixtures before anything is written,
and `export_seed` before it writes.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .models import ArgumentMap, Node, Source
from .quotes import sha256_of

FORMAT = "argmap/1"
FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = ["sources.json", "map.json", "nodes.json", "anchors.json"]


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


def depth_first(nodes):
    """Nodes in reading order: each parent before its children, siblings by position."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (node.position, node.pk))
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def export_map(argmap):
    """The map as argmap JSON (a dict whose key order is the documented one)."""
    nodes = list(argmap.nodes.prefetch_related("anchors__source"))
    key_of = {node.pk: node.key for node in nodes}
    sources = sorted(
        {anchor.source for node in nodes for anchor in node.anchors.all()},
        key=lambda source: source.file,
    )
    return {
        "format": FORMAT,
        "map": {"slug": argmap.slug, "title": argmap.title, "question": argmap.question},
        "sources": [
            {
                "slug": source.slug,
                "file": source.file,
                "title": source.title,
                "kind": source.kind,
                "sha256": source.sha256,
            }
            for source in sources
        ],
        "nodes": [
            {
                "id": node.key,
                "kind": node.kind,
                "text": node.text,
                "parent": key_of.get(node.parent_id),
                "relation": node.relation or None,
                "anchors": [
                    {
                        "source": anchor.source.slug,
                        "start": anchor.start,
                        "end": anchor.end,
                        "exact": anchor.exact,
                        "prefix": anchor.prefix,
                        "suffix": anchor.suffix,
                        "speaker": anchor.speaker,
                    }
                    for anchor in node.anchors.all()
                ],
            }
            for node in depth_first(nodes)
        ],
    }


def export_json(argmap):
    return json.dumps(export_map(argmap), ensure_ascii=False, indent=2) + "\n"


# A map document: {"curated": bool, "sources": {slug: {"text", "sha256"}}, "nodes": [{"id",
# "kind", "parent", "relation", "is_heading", "anchors": [{"source", "start", "end", "exact"}]}]}

CURATED_RULES = "curated: every node but the thesis and the curators' headings is anchored"
IMPORTED_RULES = "imported: anchors are optional, as the file brought them"


def rules_applied(curated):
    """Which rules a map is checked by, in words (check_map prints it)."""
    return CURATED_RULES if curated else IMPORTED_RULES


def document_from_database(argmap):
    nodes = list(argmap.nodes.prefetch_related("anchors"))
    key_of = {node.pk: node.key for node in nodes}
    sources = Source.objects.all()
    slug_of = {source.pk: source.slug for source in sources}
    return {
        "curated": argmap.is_curated,
        "sources": {s.slug: {"text": s.text, "sha256": s.sha256} for s in sources},
        "nodes": [
            {
                "id": node.key,
                "kind": node.kind,
                "parent": key_of.get(node.parent_id),
                "relation": node.relation,
                "is_heading": node.is_heading,
                "anchors": [
                    {
                        "source": slug_of[anchor.source_id],
                        "start": anchor.start,
                        "end": anchor.end,
                        "exact": anchor.exact,
                    }
                    for anchor in node.anchors.all()
                ],
            }
            for node in nodes
        ],
    }


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
        }
    documents = {
        fields.get("slug"): {"sources": sources, "nodes": []}
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
            }
        )
    return documents, problems


def find_problems(document):
    """Every problem with a map document, in a stable order."""
    problems = []
    sources = document["sources"]
    for slug, source in sorted(sources.items()):
        if sha256_of(source["text"]) != source["sha256"]:
            problems.append(Problem(f"source {slug}", "SHA-256 does not match its text"))

    nodes = {}
    for node in document["nodes"]:
        if node["id"] in nodes:
            problems.append(Problem(f"node {node['id']}", "appears twice"))
        nodes[node["id"]] = node

    for node in document["nodes"]:
        where = f"node {node['id']}"
        if node["kind"] not in Node.Kind.values:
            problems.append(Problem(where, f"has unknown kind {node['kind']!r}"))
        if node["kind"] == Node.Kind.THESIS:
            if node["parent"] is not None:
                problems.append(Problem(where, "is a thesis but has a parent"))
        else:
            if node["parent"] is None:
                problems.append(Problem(where, "has no parent"))
            elif node["parent"] not in nodes:
                problems.append(Problem(where, f"names a missing parent {node['parent']!r}"))
            if not node["relation"]:
                problems.append(Problem(where, "has no relation (supports or opposes)"))
            elif node["relation"] not in Node.Relation.values:
                problems.append(
                    Problem(
                        where,
                        f"has relation {node['relation']!r}, which this site cannot store "
                        f"(it stores {', '.join(Node.Relation.values)})",
                    )
                )
        # An imported map brings what its file had: AIF and Argdown maps made elsewhere
        # have no anchors in our sources. The anchors it does bring are checked below.
        if not node["anchors"] and document.get("curated", True):
            if node["kind"] == Node.Kind.EVIDENCE:
                problems.append(Problem(where, "is evidence but has no anchor"))
            elif node["kind"] == Node.Kind.CLAIM and not node["is_heading"]:
                problems.append(Problem(where, "has no anchor and is not a curators' heading"))
        for number, anchor in enumerate(node["anchors"], start=1):
            problems.extend(anchor_problems(f"{where} anchor {number}", anchor, sources))

    problems.extend(cycle_problems(nodes))
    thesis_count = sum(1 for node in nodes.values() if node["kind"] == Node.Kind.THESIS)
    if thesis_count != 1:
        problems.append(Problem("map", f"has {thesis_count} theses; it needs exactly one"))
    return problems


def anchor_problems(where, anchor, sources):
    source = sources.get(anchor["source"])
    if source is None:
        return [Problem(where, f"names a missing source {anchor['source']!r}")]
    start, end, text = anchor["start"], anchor["end"], source["text"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return [Problem(where, f"offsets {start}–{end} fall outside {anchor['source']}")]
    if text[start:end] != anchor["exact"]:
        return [
            Problem(
                where,
                f"exact does not match {anchor['source']}[{start}:{end}] "
                f"(found {text[start:end][:40]!r})",
            )
        ]
    return []


def cycle_problems(nodes):
    problems, reported = [], set()
    for start in nodes:
        seen, key = [], start
        while key is not None and key in nodes and key not in seen:
            seen.append(key)
            key = nodes[key]["parent"]
        if key in seen:
            cycle = tuple(sorted(seen[seen.index(key) :]))
            if cycle not in reported:
                reported.add(cycle)
                problems.append(
                    Problem(f"node {key}", "parent links form a cycle: " + " → ".join(cycle))
                )
    return problems


def problems_in_database(argmap=None):
    maps = [argmap] if argmap else ArgumentMap.objects.all()
    problems = []
    for each in maps:
        problems.extend(find_problems(document_from_database(each)))
    return problems
