"""A map's strengths under a perspective: the votes (or a document's anchors) read into
DF-QuAD's base scores and link weights (dfquad.py), computed for the whole map at once and
kept in the "strengths" cache (Redis for a fleet, without the fragments cache's near copies,
as an entry here is re-checked rather than keyed by content alone).

How fresh: strengths hang on votes, which change far more often than content, so they are
not keyed by the map's revision token alone (a vote would make every cached page cold).
A computed map is kept under the token and the perspective; it is trusted for MAX_AGE
seconds, then a request checks with one indexed query whether any vote of the map changed
since it was computed (less SLACK, for a vote whose transaction was still open), and
recomputes only then. So pages show strengths at most MAX_AGE seconds old, a map with no
new votes is never recomputed, and a busy map is recomputed at most once every MAX_AGE
seconds per perspective. Cached fragments that show strengths carry the strengths' `stamp`
(a digest of the numbers) in their keys: a vote that moves no shown number cools nothing.

`strengths_of(argmap, perspective)` is the one way to read them (pages, the command, the
read API).
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import caches
from redis.exceptions import RedisError

from argmap.debates import fragments
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Source

from . import dfquad
from .models import Vote

logger = logging.getLogger(__name__)

MAX_AGE = 3.0  # seconds a computed map is trusted before asking whether votes changed
SLACK = 5.0  # seconds: a vote committed this long after its timestamp still counts
KEPT_FOR = 86400

EVERYONE, CURATORS, MINE, SOURCE = "everyone", "curators", "mine", "source:"


class UnknownPerspective(ValueError):
    pass


@dataclass(frozen=True)
class Perspective:
    """Whose view the strengths take: everyone's votes, the curators', the viewer's own, or
    a document's (τ = 1 where it asserts or concedes a node, 0 elsewhere; ρ = 1)."""

    name: str
    source: Source | None = None
    user: Any = None

    @classmethod
    def parse(cls, value: str | None, user: Any = None) -> "Perspective":
        value = (value or EVERYONE).strip()
        if value in (EVERYONE, CURATORS):
            return cls(value)
        if value == MINE:
            return cls(MINE, user=user if user is not None and user.is_authenticated else None)
        if value.startswith(SOURCE):
            source = Source.objects.defer("text").filter(slug=value[len(SOURCE) :]).first()
            if source is not None:
                return cls(value, source=source)
            raise UnknownPerspective(f"No document has the slug “{value[len(SOURCE) :]}”.")
        raise UnknownPerspective(
            f"Unknown perspective “{value[:60]}”: everyone, curators, mine or source:<slug>."
        )

    @property
    def label(self) -> str:
        if self.source is not None:
            return f"as “{self.source.title}” argues"
        return {EVERYONE: "everyone’s votes", CURATORS: "the curators’ votes"}.get(
            self.name, "your votes"
        )

    @property
    def counts_votes(self) -> bool:
        return self.source is None

    @property
    def shared(self) -> bool:
        """The same for every viewer, so it may be cached and shown in cached fragments."""
        return self.name != MINE


@dataclass(frozen=True)
class NodeStrength:
    base: float  # τ
    weight: float  # ρ, from relevance votes (1 for a document's perspective)
    relevance: float | None  # ρ*: the link's weight after its undercuts; None for a root
    strength: float  # σ
    votes: int
    relevance_votes: int

    @property
    def percent(self) -> int:
        return round(self.strength * 100)


@dataclass
class MapStrengths:
    perspective: str
    nodes: dict[int, NodeStrength]
    converged: bool
    rounds: int
    stamp: str = ""
    computed_at: float = 0.0

    def of(self, node_id: int) -> NodeStrength | None:
        return self.nodes.get(node_id)


def pseudo_mean(total: int, count: int) -> float:
    """(1 + Σ v/4) / (2 + n): the votes' mean read 0–1, with two pseudo-votes at 0.5."""
    return (1 + total / 4) / (2 + count)


def compute(argmap: ArgumentMap, perspective: Perspective) -> MapStrengths:
    """The map's strengths from the votes as they stand (four queries at any size)."""
    started = time.time()  # before the reads: a vote after this is checked for later
    rows = list(
        Node.objects.filter(map=argmap).order_by().values_list("id", "parent_id", "relation")
    )
    contradicts = list(
        Link.objects.filter(map=argmap, kind=Link.Kind.CONTRADICTS)
        .order_by()
        .values_list("from_node_id", "to_node_id")
    )
    edges = {pk: dfquad.Edge(parent, relation) for pk, parent, relation in rows if parent}
    if perspective.source is not None:
        granted = set(
            Anchor.objects.filter(
                node__map=argmap,
                source=perspective.source,
                voice__in=[Anchor.Voice.ASSERTS, Anchor.Voice.CONCEDES],
            ).values_list("node_id", flat=True)
        )
        tallies: dict[int, dict[str, int]] = {}
        base = {pk: 1.0 if pk in granted else 0.0 for pk, _, _ in rows}
        weight = {pk: 1.0 for pk in edges}
    else:
        votes = Vote.objects.filter(map=argmap)
        if perspective.name == CURATORS:
            votes = votes.by_curators()
        elif perspective.name == MINE:
            votes = votes.filter(user=perspective.user) if perspective.user else votes.none()
        tallies = votes.tallies()
        none = {"votes": 0, "acceptability_sum": 0, "relevance_votes": 0, "relevance_sum": 0}
        base, weight = {}, {}
        for pk, _, _ in rows:
            tally = tallies.get(pk, none)
            base[pk] = pseudo_mean(tally["acceptability_sum"], tally["votes"])
            if pk in edges:
                weight[pk] = pseudo_mean(tally["relevance_sum"], tally["relevance_votes"])
    result = dfquad.compute(base, weight, edges, contradicts)
    nodes = {}
    for pk, _, _ in rows:
        tally = tallies.get(pk, {})
        nodes[pk] = NodeStrength(
            base=base[pk],
            weight=weight.get(pk, 1.0),
            relevance=result.weight.get(pk),
            strength=result.strength[pk],
            votes=tally.get("votes", 0),
            relevance_votes=tally.get("relevance_votes", 0),
        )
    digest = hashlib.blake2b(digest_size=12)
    for pk in sorted(nodes):
        shown = nodes[pk]
        digest.update(f"{pk}:{shown.percent}:{shown.votes}:{shown.relevance_votes};".encode())
    digest.update(str(result.converged).encode())
    return MapStrengths(
        perspective.name, nodes, result.converged, result.rounds, digest.hexdigest(), started
    )


def _key(argmap: ArgumentMap, perspective: Perspective, token: str) -> str:
    name = hashlib.blake2b(perspective.name.encode(), digest_size=8).hexdigest()
    return f"strengths:{argmap.pk}:{name}:{token}"


def _read(key: str) -> Any:
    try:
        return caches["strengths"].get(key)
    except RedisError as error:  # an outage costs a computation, never a 500
        logger.warning("Strengths cache unreachable: %s", error)
        return None


def _write(key: str, value: Any) -> None:
    try:
        caches["strengths"].set(key, value, KEPT_FOR)
    except RedisError as error:
        logger.warning("Strengths cache unreachable: %s", error)


def _refresh(argmap: ArgumentMap, perspective: Perspective, key: str) -> MapStrengths:
    found = compute(argmap, perspective)
    _write(f"{key}:{found.stamp}", found)
    _write(key, (found.computed_at, found.computed_at, found.stamp))
    return found


def stamp_of(argmap: ArgumentMap, perspective: Perspective) -> str:
    """A digest of the map's shown strengths under perspective, at most MAX_AGE seconds old:
    cached fragments that show strengths are keyed by it. Reads one small cache entry; past
    MAX_AGE, one indexed query; recomputes only when votes changed."""
    return _fresh(argmap, perspective)[1]


def _fresh(argmap: ArgumentMap, perspective: Perspective) -> tuple[str, str]:
    """The key of the map's strengths and their current stamp (recomputed if stale)."""
    key = _key(argmap, perspective, fragments.current(argmap))
    pointer, now = _read(key), time.time()
    if pointer is not None:
        checked_at, computed_at, stamp = pointer
        if not perspective.counts_votes or now - checked_at <= MAX_AGE:
            return key, stamp
        since = datetime.fromtimestamp(computed_at - SLACK, tz=UTC)
        if not Vote.objects.filter(map=argmap, modified__gte=since).exists():
            _write(key, (now, computed_at, stamp))
            return key, stamp
    return key, _refresh(argmap, perspective, key).stamp


def strengths_of(argmap: ArgumentMap, perspective: Perspective | str = EVERYONE) -> MapStrengths:
    """The map's strengths under perspective, at most MAX_AGE seconds old (see above)."""
    if isinstance(perspective, str):
        perspective = Perspective.parse(perspective)
    if not perspective.shared:
        return compute(argmap, perspective)  # one viewer's own: never cached
    key, stamp = _fresh(argmap, perspective)
    found = _read(f"{key}:{stamp}")
    return found if found is not None else _refresh(argmap, perspective, key)
