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
seconds per perspective. With ARGMAP_STRENGTHS_IN_BACKGROUND (the default) that recompute
runs in a thread, off the request, which shows the last strengths meanwhile; without it (the
tests), on the request. Cached fragments that show strengths carry the strengths' `stamp`
(a digest of the numbers) in their keys: a vote that moves no shown number cools nothing.

`strengths_of(argmap, perspective)` is the one way to read them (pages, the command, the
read API).
"""

import contextlib
import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from redis.exceptions import RedisError

from argmap.debates import fragments
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Source

from . import dfquad
from .models import Vote

logger = logging.getLogger(__name__)

MAX_AGE = 3.0  # seconds a computed map is trusted before asking whether votes changed
SLACK = 5.0  # seconds: a vote committed this long after its timestamp still counts
KEPT_FOR = 86400
RECOMPUTE_TIMEOUT = 60  # seconds a recompute holds its claim in the fleet (it takes ~2 s)

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

    @property
    def effect(self) -> float:
        """σ × ρ*: how much the node moves its parent (its strength for a root)."""
        return self.strength * (1.0 if self.relevance is None else self.relevance)


class MapStrengths:
    """Every node's strength under one perspective, as arrays by node id (a 100,000-node map
    pickles to a few MB and loads in milliseconds, where a dict of objects would not)."""

    COLUMNS = ("base", "weight", "relevance", "strength", "votes", "relevance_votes")

    def __init__(self, perspective, ids, columns, converged, rounds, stamp="", computed_at=0.0):
        self.perspective, self.converged, self.rounds = perspective, converged, rounds
        self.stamp, self.computed_at = stamp, computed_at
        self.thesis: int | None = None  # the root's id
        order = np.argsort(ids, kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.columns = {name: np.asarray(columns[name])[order] for name in self.COLUMNS}

    def __len__(self) -> int:
        return len(self.ids)

    def of(self, node_id: int) -> NodeStrength | None:
        at = int(np.searchsorted(self.ids, node_id))
        if at >= len(self.ids) or self.ids[at] != node_id:
            return None
        c = self.columns
        relevance = float(c["relevance"][at])
        return NodeStrength(
            base=float(c["base"][at]),
            weight=float(c["weight"][at]),
            relevance=None if math.isnan(relevance) else relevance,
            strength=float(c["strength"][at]),
            votes=int(c["votes"][at]),
            relevance_votes=int(c["relevance_votes"][at]),
        )

    @property
    def nodes(self) -> dict[int, NodeStrength]:
        return {int(pk): shown for pk in self.ids if (shown := self.of(int(pk))) is not None}


def pseudo_mean(total: Any, count: Any) -> Any:
    """(1 + Σ v/4) / (2 + n): the votes' mean read 0–1, with two pseudo-votes at 0.5 (on
    numbers or arrays alike)."""
    return (1 + total / 4) / (2 + count)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    # Read with the cursor: the ORM's converters cost 0.4 s on 100,000 rows.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compute(argmap: ArgumentMap, perspective: Perspective) -> MapStrengths:
    """The map's strengths from the votes as they stand (four queries at any size), as
    arrays end to end: 100,000 nodes in about a second and a half."""
    started = time.time()  # before the reads: a vote after this is checked for later
    quote = connection.ops.quote_name
    nodes = _rows(
        f"SELECT id, parent_id, relation FROM {quote(Node._meta.db_table)}"  # noqa: S608
        " WHERE map_id = %s",
        [argmap.pk],
    )
    size = len(nodes)
    ids = np.fromiter((row[0] for row in nodes), dtype=np.int64, count=size)
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    nodes = [nodes[i] for i in order]
    at = {pk: i for i, pk in enumerate(ids.tolist())}
    parent = np.fromiter((at.get(row[1], -1) for row in nodes), dtype=np.intp, count=size)
    codes = dfquad.RELATIONS
    relation = np.fromiter((codes.get(row[2], 0) for row in nodes), dtype=np.int8, count=size)
    links = Link.objects.filter(map=argmap, kind=Link.Kind.CONTRADICTS).order_by()
    pairs = np.array(
        [
            (at[a], at[b])
            for a, b in links.values_list("from_node_id", "to_node_id")
            if a in at and b in at and a != b
        ],
        dtype=np.intp,
    ).reshape(-1, 2)
    votes = np.zeros(size, dtype=np.int64)
    relevance_votes = np.zeros(size, dtype=np.int64)
    if perspective.source is not None:
        granted = Anchor.objects.filter(
            node__map=argmap,
            source=perspective.source,
            voice__in=[Anchor.Voice.ASSERTS, Anchor.Voice.CONCEDES],
        ).values_list("node_id", flat=True)
        tau = np.zeros(size)
        tau[[at[pk] for pk in set(granted) if pk in at]] = 1.0
        rho = np.ones(size)
    else:
        chosen = Vote.objects.filter(map=argmap)
        if perspective.name == CURATORS:
            chosen = chosen.by_curators()
        elif perspective.name == MINE:
            chosen = chosen.filter(user=perspective.user) if perspective.user else chosen.none()
        sums, relevance_sums = np.zeros(size), np.zeros(size)
        for pk, tally in chosen.tallies().items():
            if pk in at:
                i = at[pk]
                votes[i], sums[i] = tally["votes"], tally["acceptability_sum"]
                relevance_votes[i] = tally["relevance_votes"]
                relevance_sums[i] = tally["relevance_sum"]
        tau = pseudo_mean(sums, votes)
        rho = pseudo_mean(relevance_sums, relevance_votes)
    rho = np.where(parent >= 0, rho, 1.0)
    sigma, weight, rounds, converged = dfquad.iterate(tau, rho, parent, relation, pairs)
    columns = {
        "base": tau,
        "weight": rho,
        "relevance": np.where(parent >= 0, weight, math.nan),
        "strength": sigma,
        "votes": votes,
        "relevance_votes": relevance_votes,
    }
    found = MapStrengths(perspective.name, ids, columns, converged, rounds)
    roots = np.flatnonzero(parent < 0)
    found.thesis = int(ids[roots[0]]) if len(roots) else None
    # The stamp changes only when something shown changes: a percent or a vote count.
    digest = hashlib.blake2b(digest_size=12)
    for name in ("strength", "votes", "relevance_votes"):
        shown = found.columns[name]
        digest.update(
            (np.rint(shown * 100) if name == "strength" else shown).astype(np.int64).tobytes()
        )
    digest.update(found.ids.tobytes() + str(converged).encode())
    found.stamp, found.computed_at = digest.hexdigest(), started
    return found


@dataclass(frozen=True)
class Pointer:
    """What a page needs without loading the whole map's strengths."""

    checked_at: float
    computed_at: float
    stamp: str
    thesis: NodeStrength | None
    converged: bool


def _key(slug: str, perspective: Perspective, token: str) -> str:
    name = hashlib.blake2b(perspective.name.encode(), digest_size=8).hexdigest()
    return f"strengths:{slug}:{name}:{token}"


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


def _refresh(argmap: ArgumentMap, perspective: Perspective, key: str) -> tuple[Pointer, Any]:
    found = compute(argmap, perspective)
    thesis = found.of(found.thesis) if found.thesis is not None else None
    pointer = Pointer(found.computed_at, found.computed_at, found.stamp, thesis, found.converged)
    _write(f"{key}:{found.stamp}", found)
    _write(key, pointer)
    return pointer, found


def pointer_of(
    slug: str, perspective: Perspective, token: str, argmap: ArgumentMap | None = None
) -> Pointer | None:
    """The stamp and thesis strength of the map at slug under perspective, at most MAX_AGE
    seconds old: one small cache read; past MAX_AGE, one indexed query; recomputed only when
    votes changed. None for a perspective that is not shared, or no such map."""
    if not perspective.shared:
        return None
    key = _key(slug, perspective, token)
    pointer, now = _read(key), time.time()
    if pointer is not None:
        if not perspective.counts_votes or now - pointer.checked_at <= MAX_AGE:
            return pointer
        since = datetime.fromtimestamp(pointer.computed_at - SLACK, tz=UTC)
        changed = Vote.objects.filter(map__slug=slug, modified__gte=since).exists()
        if not changed or settings.ARGMAP_STRENGTHS_IN_BACKGROUND:
            # Trusted for another MAX_AGE: unchanged, or being recomputed off this request.
            _write(key, replace(pointer, checked_at=now))
            if changed:
                argmap = argmap or ArgumentMap.objects.filter(slug=slug).first()
                if argmap is not None:
                    _recompute_soon(argmap, perspective, key)
            return pointer
    argmap = argmap or ArgumentMap.objects.filter(slug=slug).first()
    return None if argmap is None else _refresh(argmap, perspective, key)[0]


_running: set[str] = set()
_running_lock = threading.Lock()


def _recompute_soon(argmap: ArgumentMap, perspective: Perspective, key: str) -> None:
    """Recompute in a thread of this process, off the request that found the map stale; one
    at a time per map and perspective in a process, and (through the cache) in the fleet."""
    with _running_lock:
        if key in _running:
            return
        _running.add(key)
    try:
        claimed = caches["strengths"].add(f"{key}:busy", 1, RECOMPUTE_TIMEOUT)
    except RedisError:
        claimed = True
    if not claimed:
        with _running_lock:
            _running.discard(key)
        return

    def run() -> None:
        try:
            _refresh(argmap, perspective, key)
        except Exception:  # a failed recompute leaves the last strengths; the next check retries
            logger.exception("Recomputing strengths of %s failed", argmap.slug)
        finally:
            connection.close()  # this thread's own connection
            with _running_lock:
                _running.discard(key)
            with contextlib.suppress(RedisError):
                caches["strengths"].delete(f"{key}:busy")

    threading.Thread(target=run, name=f"strengths-{argmap.slug}", daemon=True).start()


def strengths_of(
    argmap: ArgumentMap, perspective: Perspective | str = EVERYONE, token: str | None = None
) -> MapStrengths:
    """The map's strengths under perspective, at most MAX_AGE seconds old (see above): the
    one way pages, the command and the read API get them. token: the map's revision token,
    when the caller has read it already."""
    if isinstance(perspective, str):
        perspective = Perspective.parse(perspective)
    if not perspective.shared:
        return compute(argmap, perspective)  # one viewer's own: never cached
    token = fragments.current(argmap) if token is None else token
    key = _key(argmap.slug, perspective, token)
    pointer = pointer_of(argmap.slug, perspective, token, argmap)
    found = _read(f"{key}:{pointer.stamp}") if pointer else None
    return found if found is not None else _refresh(argmap, perspective, key)[1]
