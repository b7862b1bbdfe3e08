from django.core.management.base import BaseCommand, CommandError

from argmap.debates.mapdata import export_json
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = "Print a map as argmap JSON (docs/argmap-json.md)."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        argmap = ArgumentMap.objects.filter(slug=slug).first()
        if argmap is None:
            raise CommandError(f"no map with slug {slug!r}")
        self.stdout.write(export_json(argmap), ending="")
