from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = "Check every map (or one) for anchor, hash, parent and cycle problems, map by map."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="Check only this map.")

    def handle(self, *args, slug=None, **options):
        maps = ArgumentMap.objects.all()
        if slug:
            maps = maps.filter(slug=slug)
            if not maps.exists():
                raise CommandError(f"no map with slug {slug!r}")
        problems: list[mapdoc.Problem] = []
        for each in maps:
            origin = "" if each.is_curated else f" ({each.get_origin_display()})"
            found = mapdoc.problems_in_database(maps=[each])
            verdict = f"{len(found)} problem(s)" if found else "no problems"
            self.stdout.write(
                f"map {each.slug}{origin}: {mapdoc.rules_applied(each.is_curated)}: {verdict}"
            )
            problems.extend(problem for problem in found if problem not in problems)
        if problems:
            raise CommandError(
                f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
            )
        self.stdout.write("No problems found.")
