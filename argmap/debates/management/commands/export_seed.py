from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = (
        "Write every curated map back to fixtures/, one file set per map, and the documents "
        "they quote (imported and generated maps stay out; a map failing check_map is refused)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(mapdoc.FIXTURE_DIR))

    def handle(self, *args, directory, **options):
        curated = ArgumentMap.objects.filter(origin=ArgumentMap.Origin.CURATED)
        problems = mapdoc.problems_in_database(maps=curated)
        if problems:
            raise CommandError(
                f"the curated maps have {len(problems)} problem(s); {directory} was left "
                "untouched:\n" + "\n".join(f"  {p}" for p in problems)
            )
        changed = mapdoc.write_fixtures(Path(directory))
        if changed:
            self.stdout.write("Wrote " + ", ".join(changed) + f" in {directory}.")
        else:
            self.stdout.write(f"{directory} already matches the database; nothing written.")
        for slug in mapdoc.stale_map_directories(Path(directory)):
            self.stdout.write(
                f"{directory}/{slug}/ holds map {slug}, which is not a curated map of this "
                "database (not seeded, deleted or made not curated): left as it is."
            )
