import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = (
        "Load every curated map in fixtures/ (its documents, then one file set per map); a map "
        "already loaded is skipped; everything is validated before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(mapdoc.FIXTURE_DIR), help="Fixture folder.")
        parser.add_argument(
            "--reload", action="store_true", help="Load the maps the database holds too."
        )

    def handle(self, *args, directory, reload, **options):
        documents, problems = mapdoc.checked_fixtures(directory)
        if problems:
            raise CommandError(
                f"the fixtures have {len(problems)} problem(s); nothing was loaded:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )
        present = set(ArgumentMap.objects.filter(slug__in=documents).values_list("slug", flat=True))
        wanted = sorted(documents) if reload else sorted(set(documents) - present)
        for slug in sorted(present - set(wanted)):
            self.stdout.write(f"Map {slug} is already loaded; skipped (--reload loads it again).")
        if not wanted:
            return
        # loaddata warns on an empty file (a map without links): pass only files with rows.
        paths = [
            str(path)
            for path in mapdoc.fixture_paths(directory, wanted)
            if json.loads(path.read_text(encoding="utf-8"))
        ]
        with transaction.atomic():
            call_command("loaddata", *paths, verbosity=0)
            maps = ArgumentMap.objects.filter(slug__in=wanted)
            problems = mapdoc.problems_in_database(maps=maps)
            if problems:
                raise CommandError(
                    "the loaded maps have problems; nothing was kept:\n"
                    + "\n".join(f"  {problem}" for problem in problems)
                )
        for argmap in maps:
            self.stdout.write(f"Loaded map {argmap.slug}: {argmap.nodes.count()} nodes.")
