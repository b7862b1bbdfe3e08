"""manage.py strengths <slug> [--perspective P] [--json]: each node's strength, in reading order."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from argmap.debates.models import ArgumentMap, Node

from ...strengths import EVERYONE, MINE, Perspective, UnknownPerspective, compute


def reading_order(argmap: ArgumentMap) -> list[tuple[int, str]]:
    """(id, key) of every node, depth first, siblings by position: the order of the tree."""
    children: dict[int | None, list[tuple[int, int, str]]] = {}
    rows = (
        Node.objects.filter(map=argmap).order_by().values_list("id", "parent_id", "position", "key")
    )
    for pk, parent, position, key in rows:
        children.setdefault(parent, []).append((position, pk, key))
    order, stack = [], sorted(children.get(None, []), reverse=True)
    while stack:
        _, pk, key = stack.pop()
        order.append((pk, key))
        stack.extend(sorted(children.get(pk, []), reverse=True))
    return order


class Command(BaseCommand):
    help = (
        "Compute each node's DF-QuAD strength from the votes as they stand, in reading order. "
        "With --json, one object a node: id (its key), base, relevance, strength, votes, "
        "relevance_votes."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The map's slug.")
        parser.add_argument(
            "--perspective",
            default=EVERYONE,
            help="everyone (default), curators, mine (with --user), or source:<source-slug>.",
        )
        parser.add_argument("--user", help="Whose votes `mine` takes: a username.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, slug, perspective, user, **options):
        argmap = ArgumentMap.objects.filter(slug=slug).first()
        if argmap is None:
            raise CommandError(f"No map has the slug “{slug}”.")
        reader = None
        if perspective == MINE:  # one reader's own votes: name the reader
            if not user:
                raise CommandError("The mine perspective is one reader's: name them with --user.")
            reader = get_user_model().objects.filter(username=user).first()
            if reader is None:
                raise CommandError(f"No user has the username “{user}”.")
        try:
            chosen = Perspective.parse(perspective, reader)
        except UnknownPerspective as problem:
            raise CommandError(str(problem)) from None
        found = compute(argmap, chosen)
        rows = []
        for pk, key in reading_order(argmap):
            shown = found.nodes[pk]
            rows.append(
                {
                    "id": key,
                    "base": shown.base,
                    "relevance": shown.relevance,
                    "strength": shown.strength,
                    "votes": shown.votes,
                    "relevance_votes": shown.relevance_votes,
                }
            )
        if not found.converged:
            self.stderr.write(
                f"The strengths did not converge in {found.rounds} rounds; "
                "the numbers are the last round's."
            )
        if options["json"]:
            self.stdout.write("[\n" + ",\n".join(dumps(row) for row in rows) + "\n]")
            return
        self.stdout.write(f"{argmap.title}, {chosen.label}:")
        for row in rows:
            weight = "" if row["relevance"] is None else f"  ρ* {row['relevance']:.3f}"
            self.stdout.write(
                f"{row['strength']:.3f}  τ {row['base']:.3f}{weight}  "
                f"({row['votes']} votes)  {row['id']}"
            )


def dumps(row):
    return json.dumps(row, ensure_ascii=False)
