import os
import tempfile
from pathlib import Path

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError

from argmap.debates.formats import dump_json
from argmap.debates.mapdata import FIXTURE_DIR, depth_first, problems_in_database, sorted_links
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Section, Source


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


class Command(BaseCommand):
    help = "Write the curated map back to fixtures/ (refuses a map that fails check_map)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(FIXTURE_DIR))

    def handle(self, *args, directory, **options):
        problems = problems_in_database()
        if problems:
            raise CommandError(
                f"the map has {len(problems)} problem(s); fixtures/ was left untouched:\n"
                + "\n".join(f"  {p}" for p in problems)
            )
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
        if changed:
            self.stdout.write("Wrote " + ", ".join(changed) + f" in {directory}.")
        else:
            self.stdout.write("fixtures/ already matches the database; nothing written.")
