"""Votes: each user's acceptability and relevance of a node, one row per user and node."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils import timezone

from argmap.debates.models import ArgumentMap, Node, adding_to

SCALE = range(5)  # 0–4, as Kialo's impact votes
CURATORS = "Curators"  # the group of argmap/debates/migrations/0003_curators_group.py


def is_curator(user: AbstractUser | AnonymousUser) -> bool:
    """Whether user's votes count in the curators' perspective (no query unless staff)."""
    return bool(user.is_staff) and user.groups.filter(name=CURATORS).exists()


class VoteQuerySet(models.QuerySet["Vote"]):
    def cast(self, user: AbstractUser, node: Node, values: dict[str, int | None]) -> None:
        """Store user's vote on node: values holds the fields given (acceptability,
        relevance), each 0–4 or None to withdraw it; fields left out stay as they were.

        One INSERT … ON CONFLICT DO UPDATE of only the given fields: atomic on PostgreSQL
        and SQLite, so concurrent votes by many users all land, and one user's concurrent
        votes end as exactly one row holding one of them. It holds the node's lock, as every
        row added to a node does (docs/architecture.md, "Writes that race"): a delete of the
        node or its map waits and takes the vote along, or has won and this raises RowGone.
        """
        if not values:
            return
        row = self.model(
            user_id=user.pk, node=node, map_id=node.map_id, modified=timezone.now(), **values
        )
        with adding_to(node.pk):
            self.bulk_create(
                [row],
                update_conflicts=True,
                unique_fields=["user", "node"],
                update_fields=[*values, "modified"],
            )

    def by_curators(self) -> "VoteQuerySet":
        return self.filter(user__groups__name=CURATORS, user__is_staff=True)

    def tallies(self) -> dict[int, dict[str, int]]:
        """Per node id: how many acceptability and relevance votes, and their sums."""
        rows = (
            self.order_by()
            .values("node_id")
            .annotate(
                votes=Count("acceptability"),
                acceptability_sum=Sum("acceptability", default=0),
                relevance_votes=Count("relevance"),
                relevance_sum=Sum("relevance", default=0),
            )
        )
        return {
            row["node_id"]: {
                "votes": row["votes"],
                "acceptability_sum": row["acceptability_sum"],
                "relevance_votes": row["relevance_votes"],
                "relevance_sum": row["relevance_sum"],
            }
            for row in rows
        }

    def distributions(self) -> dict[str, list[int]]:
        """How many votes gave each value 0–4, for acceptability and for relevance, from one
        GROUP BY over the (at most 36) pairs of values."""
        counts = {"acceptability": [0] * len(SCALE), "relevance": [0] * len(SCALE)}
        pairs = self.order_by().values_list("acceptability", "relevance").annotate(n=Count("*"))
        for acceptability, relevance, number in pairs:
            if acceptability is not None:
                counts["acceptability"][acceptability] += number
            if relevance is not None:
                counts["relevance"][relevance] += number
        return counts


class Vote(models.Model):
    """One user's view of one node: how acceptable (likely true) it is and, for a node with
    a parent, how relevant it is to its parent if true; each 0–4, or None when not given.

    Votes are not content: they never change a map's structure token (fragments.py). The map
    is stored with the vote (it is the node's) so a map's votes are read from one index."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="+")
    acceptability = models.PositiveSmallIntegerField(null=True, blank=True)
    relevance = models.PositiveSmallIntegerField(null=True, blank=True)
    modified = models.DateTimeField(default=timezone.now)

    objects = VoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "node"], name="vote_one_per_user_and_node"),
            models.CheckConstraint(
                condition=Q(acceptability__isnull=True) | Q(acceptability__lte=4),
                name="vote_acceptability_0_4",
            ),
            models.CheckConstraint(
                condition=Q(relevance__isnull=True) | Q(relevance__lte=4),
                name="vote_relevance_0_4",
            ),
        ]
        indexes = [
            # A map's recent votes (is a cached strength stale?) and its tallies.
            models.Index(fields=["map", "modified"], name="vote_map_modified"),
            models.Index(fields=["map", "node"], name="vote_map_node"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.node_id}: {self.acceptability}/{self.relevance}"


class ComputedStrengthsQuerySet(models.QuerySet["ComputedStrengths"]):
    def held(self, argmap: ArgumentMap, perspective: str) -> "ComputedStrengths":
        """The row of argmap under perspective, made if missing, locked (FOR UPDATE) until
        the caller's transaction ends: the fleet's one recompute at a time."""
        row, _ = self.select_for_update().get_or_create(map=argmap, perspective=perspective)
        return row


class ComputedStrengths(models.Model):
    """A map's strengths under one shared perspective as a process of the fleet last computed
    them (evaluation/strengths.py), for fleets whose processes share no cache (no REDIS_URL):
    the process that holds the row's lock computes and writes them here, and the others,
    finding them fresh, load them instead of computing the same numbers each in turn.

    The arrays are pickled as the strengths cache keeps them (a few MB at 100,000 nodes),
    with the structure token and the time (time.time(), when their reads began) they were
    computed under."""

    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="+")
    perspective = models.CharField(max_length=80)  # "source:" and a source's slug at most
    token = models.CharField(max_length=64, blank=True)
    computed_at = models.FloatField(default=0.0)
    strengths = models.BinaryField(default=b"")

    objects = ComputedStrengthsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "computed strengths"
        constraints = [
            models.UniqueConstraint(
                fields=["map", "perspective"], name="computed_strengths_one_per_perspective"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.map_id} under {self.perspective} at {self.computed_at:.3f}"
