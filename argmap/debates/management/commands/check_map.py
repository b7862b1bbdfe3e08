from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = "Check every map (or one) for anchor, hash, parent and cycle problems."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="Check only this map.")

    def handle(self, *args, slug=None, **options):
        argmap = None
        if slug:
            argmap = ArgumentMap.objects.filter(slug=slug).first()
            if argmap is None:
                raise CommandError(f"no map with slug {slug!r}")
        for each in [argmap] if argmap else ArgumentMap.objects.all():
            origin = "" if each.is_curated else f" ({each.get_origin_display()})"
            self.stdout.write(f"map {each.slug}{origin}: {mapdoc.rules_applied(each.is_curated)}")
        problems = mapdoc.problems_in_database(argmap)
        if problems:
            raise CommandError(
                f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
            )
        self.stdout.write("No problems found.")
