import os
import sys

from django.core.management.base import BaseCommand, CommandError

from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap


class Command(BaseCommand):
    help = "Print a map as argmap/2 JSON, AIF, Argdown or W3C Web Annotation (docs/formats.md)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=list(mapdoc.FORMATS), default="argmap", dest="fmt")
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Where the site is served: Web Annotations name nodes and sources by URL.",
        )

    def handle(self, *args, slug, fmt, base_url, **options):
        argmap = ArgumentMap.objects.filter(slug=slug).first()
        if argmap is None:
            raise CommandError(f"no map with slug {slug!r}")
        base = base_url.rstrip("/")
        # Written as it is read (a million-node map is never held whole), as a download is.
        try:
            for chunk in mapdoc.chunks(argmap, fmt, lambda path: base + path):
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): end quietly, as other command-line tools do.
            # Python would report the pipe again when it flushes stdout at exit; point it at
            # /dev/null first.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
