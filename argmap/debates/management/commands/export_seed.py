from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc


class Command(BaseCommand):
    help = "Write the curated map back to fixtures/ (refuses a map that fails check_map)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(mapdoc.FIXTURE_DIR))

    def handle(self, *args, directory, **options):
        problems = mapdoc.problems_in_database()
        if problems:
            raise CommandError(
                f"the map has {len(problems)} problem(s); fixtures/ was left untouched:\n"
                + "\n".join(f"  {p}" for p in problems)
            )
        changed = mapdoc.write_fixtures(Path(directory))
        if changed:
            self.stdout.write("Wrote " + ", ".join(changed) + f" in {directory}.")
        else:
            self.stdout.write("fixtures/ already matches the database; nothing written.")
