import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = "Load the shipped map from fixtures/ (idempotent; validated before anything is written)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(mapdoc.FIXTURE_DIR), help="Fixture folder.")
        parser.add_argument(
            "--reload", action="store_true", help="Load even when the database holds a map."
        )

    def handle(self, *args, directory, reload, **options):
        documents, problems = mapdoc.checked_fixtures(directory)
        if problems:
            raise CommandError(
                f"the fixtures have {len(problems)} problem(s); nothing was loaded:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )
        if ArgumentMap.objects.filter(slug__in=documents).exists() and not reload:
            self.stdout.write("The seed map is already loaded; nothing to do (--reload forces).")
            return
        # loaddata warns on an empty file (a map without links): pass only files with rows.
        paths = [
            f"{directory}/{name}"
            for name in mapdoc.FIXTURE_FILES
            if json.loads(Path(directory, name).read_text(encoding="utf-8"))
        ]
        with transaction.atomic():
            call_command("loaddata", *paths, verbosity=0)
            problems = mapdoc.problems_in_database()
            if problems:
                raise CommandError(
                    "the loaded map has problems; nothing was kept:\n"
                    + "\n".join(f"  {problem}" for problem in problems)
                )
        maps = ArgumentMap.objects.filter(slug__in=documents)
        for argmap in maps:
            self.stdout.write(f"Loaded map {argmap.slug}: {argmap.nodes.count()} nodes.")
