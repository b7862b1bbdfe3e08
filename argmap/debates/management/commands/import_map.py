from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc


class Command(BaseCommand):
    help = (
        "Create a map from AIF JSON, Argdown or argmap/2 JSON (docs/formats.md), told apart by "
        "content unless --format says. Every problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--slug", required=True, help="The new map's slug.")
        parser.add_argument("--format", choices=mapdoc.IMPORTABLE, dest="fmt")

    def handle(self, *args, file, slug, fmt=None, **options):
        name = Path(file).name
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{name}: cannot be read as UTF-8 text ({error})") from error
        try:
            argmap, fmt = mapdoc.import_text(text, slug=slug, fmt=fmt)
        except mapdoc.UnknownFormat as error:
            raise CommandError(f"{name}: {error}") from error
        except mapdoc.MapDocumentError as error:
            raise CommandError(
                f"{name}: {len(error.problems)} problem(s); nothing was imported:\n"
                + "\n".join(f"  {name}: {problem}" for problem in error.problems)
            ) from error
        nodes = argmap.nodes.count()
        anchors = sum(node.anchors.count() for node in argmap.nodes.all())
        self.stdout.write(
            f"Imported {name} ({mapdoc.FORMATS[fmt].label}) as map {argmap.slug}: "
            f"{nodes} nodes, {anchors} anchors."
        )
