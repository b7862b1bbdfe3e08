"""A map's strengths under a perspective: the votes (or a source's anchors) read into
DF-QuAD's base scores and link weights (dfquad.py), computed for the whole map at once and
kept in the "strengths" cache (Redis for a fleet, without the fragments cache's near copies,
as an entry here is re-checked rather than keyed by content alone).

How fresh, and off the request: a map's strengths under a perspective are kept by map and
perspective (not by structure token) with the token, the time and the votes they were
computed from. They are recomputed in a thread of the worker that learns they are stale, begun
once that request's response is built (lib.after_response)
(ARGMAP_STRENGTHS_IN_BACKGROUND, the default; the tests, which run in one transaction,
recompute on the request instead), while every page shows the last ones:
- a vote, once committed, marks its map dirty and recomputes everyone's strengths (and the
  curators', for a curator's vote) at once (votes_changed);
- a request that reads strengths under a token they were not computed under (a curator's
  edit), or that finds them older than MAX_AGE with a vote of the map changed since (one
  indexed query; a vote stored by another path than the vote view), recomputes them.
One recompute at a time per map and perspective in the fleet (a lock in the cache); one that
finds the map dirtied again meanwhile runs again, at most once every MAX_AGE seconds, so a
busy map costs at most one recompute a perspective every MAX_AGE seconds whatever the vote
rate. Without Redis each process has a cache of its own, so the fleet's one recompute at a
time is the lock of a database row (ComputedStrengths), which also keeps what it computed:
the other processes load those instead of computing the same numbers each (_computed).
A recompute that moves a shown number says so with fragments.state_changed(): the strengths
on pages are state regions (context.py), so cached pages are filled again with the new
numbers and nothing renders again. A page never computes them: when none of the map and
perspective are kept at all (the first view ever, or a cache that lost them), it shows
"Strength being computed" and starts the recompute off the request (strengths_of with
wait=False), which announces its numbers as any other does. The read API and the command,
whose answers carry the numbers themselves, compute them then, once however many ask at once
(fragments.one_render). One viewer's own perspective (mine) is computed for its request, as
nobody else may share it. A process also keeps the last copy it saw, so when Redis goes
away its threads serve that rather than all computing at once.

`strengths_of(argmap, perspective)` is the one way to read them (pages, the command, the
read API).
"""

import contextlib
import hashlib
import logging
import math
import pickle  # noqa: S403  (our own arrays, written by this module alone)
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.db.models import Count, Sum
from redis.exceptions import RedisError

from argmap.debates import fragments
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Source
from argmap.lib import after_response
from argmap.lib.columns import int_columns
from argmap.lib.database import LONG_STATEMENT_TIMEOUT, longer_bound

from . import dfquad
from .models import ComputedStrengths, Vote

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
    a source's (τ = 1 where it asserts or concedes a node, 0 elsewhere; ρ = 1)."""

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
            raise UnknownPerspective(f"No source has the slug “{value[len(SOURCE) :]}”.")
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
    weight: float  # ρ, from relevance votes (1 for a source's perspective)
    relevance: float | None  # ρ*: the link's weight after its undercuts; None for a root
    strength: float  # σ
    votes: int
    relevance_votes: int
    settled: bool = True  # False where the last round still moved it (a map that did not converge)

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

    COLUMNS = ("base", "weight", "relevance", "strength", "votes", "relevance_votes", "unsettled")

    def __init__(self, perspective, ids, columns, converged, rounds, stamp="", computed_at=0.0):
        self.perspective, self.converged, self.rounds = perspective, converged, rounds
        self.stamp, self.computed_at = stamp, computed_at
        self.order = ""  # a digest of each node's rank among its siblings by effect
        self.token = ""  # the map's structure token they were computed under
        self.label = perspective  # the perspective in words
        self.thesis: int | None = None  # the root's id
        self.pending = False  # none computed yet (strengths_of(wait=False)): all None
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
            settled=not bool(c["unsettled"][at]),
        )

    @property
    def nodes(self) -> dict[int, NodeStrength]:
        return {int(pk): shown for pk in self.ids if (shown := self.of(int(pk))) is not None}


def pseudo_mean(total: Any, count: Any) -> Any:
    """(1 + Σ v/4) / (2 + n): the votes' mean read 0–1, with two pseudo-votes at 0.5 (on
    numbers or arrays alike)."""
    return (1 + total / 4) / (2 + count)


def compute(
    argmap: ArgumentMap, perspective: Perspective, token: str | None = None
) -> MapStrengths:
    """The map's strengths from the votes as they stand (four queries at any size: nodes,
    links, votes or anchors; and the map's token first, unless the caller read it), as
    arrays end to end."""
    started = time.time()  # before the reads: a vote after this is checked for later
    if token is None:  # read before the content it keys (fragments.py, point 4)
        token = fragments.current(argmap)
    quote = connection.ops.quote_name
    codes = dfquad.RELATIONS
    cases = " ".join(f"WHEN %s THEN {int(code)}" for code in codes.values())
    nodes = int_columns(
        f"SELECT id, COALESCE(parent_id, 0), CASE relation {cases} ELSE 0 END"  # noqa: S608
        f" FROM {quote(Node._meta.db_table)} WHERE map_id = %s",
        [*codes, argmap.pk],
        3,
    )
    nodes = nodes[np.argsort(nodes[:, 0], kind="stable")]
    size = len(nodes)
    ids = np.ascontiguousarray(nodes[:, 0])
    parent = _positions(ids, nodes[:, 1])
    relation = nodes[:, 2].astype(np.int8)
    ends = int_columns(
        f"SELECT from_node_id, to_node_id FROM {quote(Link._meta.db_table)}"  # noqa: S608
        " WHERE map_id = %s AND kind = %s",
        [argmap.pk, Link.Kind.CONTRADICTS.value],
        2,
    )
    pairs = np.stack([_positions(ids, ends[:, 0]), _positions(ids, ends[:, 1])], axis=1)
    pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0) & (pairs[:, 0] != pairs[:, 1])]
    votes = np.zeros(size, dtype=np.int64)
    relevance_votes = np.zeros(size, dtype=np.int64)
    if perspective.source is not None:
        granted = np.array(
            list(
                Anchor.objects.filter(
                    node__map=argmap,
                    source=perspective.source,
                    voice__in=[Anchor.Voice.ASSERTS, Anchor.Voice.CONCEDES],
                ).values_list("node_id", flat=True)
            ),
            dtype=np.int64,
        )
        tau = np.zeros(size)
        at = _positions(ids, granted)
        tau[at[at >= 0]] = 1.0
        rho = np.ones(size)
    else:
        tally = _tallies(argmap, perspective)
        at = _positions(ids, tally[:, 0])
        tally = tally[at >= 0]
        at = at[at >= 0]
        sums, relevance_sums = np.zeros(size), np.zeros(size)
        votes[at], sums[at] = tally[:, 1], tally[:, 2]
        relevance_votes[at], relevance_sums[at] = tally[:, 3], tally[:, 4]
        tau = pseudo_mean(sums, votes)
        rho = pseudo_mean(relevance_sums, relevance_votes)
    rho = np.where(parent >= 0, rho, 1.0)
    found_rounds = dfquad.iterate(tau, rho, parent, relation, pairs)
    sigma, weight = found_rounds.sigma, found_rounds.weight
    relevance = np.where(parent >= 0, weight, math.nan)
    columns = {
        "base": tau,
        "weight": rho,
        "relevance": relevance,
        "strength": sigma,
        "votes": votes,
        "relevance_votes": relevance_votes,
        "unsettled": found_rounds.unsettled,
    }
    found = MapStrengths(
        perspective.name, ids, columns, found_rounds.converged, found_rounds.rounds
    )
    roots = np.flatnonzero(parent < 0)
    found.thesis = int(ids[roots[0]]) if len(roots) else None
    found.stamp = _stamp(found)
    found.order = _order(ids, parent, relation, sigma * np.where(parent >= 0, weight, 1.0))
    found.computed_at, found.token, found.label = started, token, perspective.label
    return found


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each of wanted sits in the sorted ids, -1 where it is not there."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.intp)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where(ids[at] == wanted, at, -1).astype(np.intp)


def _tallies(argmap: ArgumentMap, perspective: Perspective) -> np.ndarray:
    """Per node with votes under perspective: id, acceptability votes and their sum,
    relevance votes and their sum (one GROUP BY, read as columns)."""
    chosen = Vote.objects.filter(map=argmap)
    if perspective.name == CURATORS:
        chosen = chosen.by_curators()
    elif perspective.name == MINE:
        chosen = chosen.filter(user=perspective.user) if perspective.user else chosen.none()
    tallies = (
        chosen.order_by()
        .values_list("node_id")
        .annotate(
            Count("acceptability"),
            Sum("acceptability", default=0),
            Count("relevance"),
            Sum("relevance", default=0),
        )
    )
    sql, params = tallies.query.sql_with_params()
    return int_columns(sql, params, 5)


def _stamp(found: MapStrengths) -> str:
    """A digest of every number the pages show (to three places, as the explanation does;
    vote counts; which nodes did not settle): it changes only when something shown does."""
    digest = hashlib.blake2b(digest_size=12)
    for name in MapStrengths.COLUMNS:
        shown = found.columns[name]
        if shown.dtype.kind == "f":
            shown = np.rint(np.nan_to_num(shown, nan=-1.0) * 1000)
        digest.update(shown.astype(np.int64).tobytes())
    digest.update(found.ids.tobytes())
    digest.update(f"{found.converged}:{found.rounds if not found.converged else 0}".encode())
    return digest.hexdigest()


def _order(ids: np.ndarray, parent: np.ndarray, relation: np.ndarray, effect: np.ndarray) -> str:
    """A digest of each node's rank among its siblings on its side (same parent, same
    relation) by effect, equal effects sharing a rank: a page sorted by strength shows the
    same order as long as it holds."""
    if not len(ids):
        return ""
    by = np.lexsort((-effect, relation, parent))
    siblings, sides, effects = parent[by], relation[by], effect[by]
    first = np.r_[True, (siblings[1:] != siblings[:-1]) | (sides[1:] != sides[:-1])]
    step = first | np.r_[True, effects[1:] != effects[:-1]]
    dense = np.cumsum(step)
    rank = dense - np.maximum.accumulate(np.where(first, dense, 0))
    digest = hashlib.blake2b(digest_size=12)
    digest.update(ids[by].tobytes() + rank.astype(np.int64).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Pointer:
    """What a page needs without loading the whole map's strengths."""

    checked_at: float  # trusted from then for MAX_AGE: computed, loaded, or votes found unchanged
    computed_at: float
    stamp: str
    thesis: NodeStrength | None
    converged: bool
    token: str = ""  # the structure token they were computed under
    order: str = ""
    label: str = ""
    thesis_id: int | None = None


def _key(slug: str, name: str) -> str:
    hashed = hashlib.blake2b(name.encode(), digest_size=8).hexdigest()
    return f"strengths:{slug}:{hashed}"


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


# What this process saw last, by key: the pointer of each map and perspective, and a few
# maps' arrays by stamp. Served when the cache has lost them (Redis gone, a restart) while
# one thread computes them again, and spares unpickling the same arrays on every fill.
_seen_pointers: dict[str, Pointer] = {}
_seen_strengths: "OrderedDict[str, MapStrengths]" = OrderedDict()
_seen_lock = threading.Lock()
SEEN_MAPS = 8
# Keys whose strengths a page of this process showed as pending ("Strength being computed"):
# the recompute that follows must announce, even with the same numbers, or those regions stay.
_shown_pending: set[str] = set()


def _remember(key: str, pointer: Pointer, found: MapStrengths | None = None) -> None:
    with _seen_lock:
        _seen_pointers[key] = pointer
        if found is not None:
            _seen_strengths[f"{key}:{found.stamp}"] = found
            _seen_strengths.move_to_end(f"{key}:{found.stamp}")
            while len(_seen_strengths) > SEEN_MAPS:
                _seen_strengths.popitem(last=False)


def _pointer_at(key: str) -> Pointer | None:
    """The pointer kept in the cache, or this process's last copy when the cache lost it
    (then marked unchecked, so that pointer_of asks the votes again)."""
    pointer = _read(key)
    if pointer is not None:
        with _seen_lock:
            _seen_pointers[key] = pointer
        return pointer
    with _seen_lock:
        seen = _seen_pointers.get(key)
    return replace(seen, checked_at=0.0, token=f"lost:{seen.token}") if seen else None


def forget() -> None:
    """Drop this process's copies (the tests, with the caches they clear)."""
    with _seen_lock:
        _seen_pointers.clear()
        _seen_strengths.clear()
        _shown_pending.clear()


def _strengths_at(key: str, stamp: str) -> MapStrengths | None:
    with _seen_lock:
        found: MapStrengths | None = _seen_strengths.get(f"{key}:{stamp}")
    if found is None:
        found = _read(f"{key}:{stamp}")
        if found is None:
            return None
        with _seen_lock:
            _seen_strengths[f"{key}:{stamp}"] = found
            while len(_seen_strengths) > SEEN_MAPS:
                _seen_strengths.popitem(last=False)
    return found


def _strengths_kept(key: str, stamp: str) -> bool:
    """Whether pages can read the strengths at stamp: a presence check, never the arrays
    themselves (tens of MB to unpickle at a million nodes, only to be replaced)."""
    with _seen_lock:
        if f"{key}:{stamp}" in _seen_strengths:
            return True
    try:
        return bool(caches["strengths"].has_key(f"{key}:{stamp}"))
    except RedisError as error:
        logger.warning("Strengths cache unreachable: %s", error)
        return False


def _refresh(
    argmap: ArgumentMap,
    perspective: Perspective,
    announce: bool = True,
    token: str | None = None,
    *,
    off_request: bool = False,
) -> tuple[Pointer, MapStrengths]:
    """Compute and keep the map's strengths; when a shown number moved, say so to the pages
    (their regions are filled again: fragments.state_changed). announce=False: the first
    strengths of the map, computed for the page that asked, which shows them itself.
    off_request: a recompute in its thread, which may load another process's (_computed)."""
    key = _key(argmap.slug, perspective.name)
    before = _pointer_at(key)
    # Pages whose strengths could not be read show them as pending, filled at the current
    # state: only an announce refills them, even when the numbers come back the same.
    lost = before is not None and before.token.startswith("lost:")
    shown = before is not None and not lost and _strengths_kept(key, before.stamp)
    with _seen_lock:
        was_pending = key in _shown_pending
        _shown_pending.discard(key)
    found, trusted_at = _computed(argmap, perspective, token, before, off_request=off_request)
    thesis = found.of(found.thesis) if found.thesis is not None else None
    pointer = Pointer(
        trusted_at,
        found.computed_at,
        found.stamp,
        thesis,
        found.converged,
        found.token,
        found.order,
        found.label,
        found.thesis,
    )
    _write(f"{key}:{found.stamp}", found)
    _write(key, pointer)
    _remember(key, pointer, found)
    # A pointer the cache lost (Redis hung or restarted empty) is this process's last copy:
    # the same stamp means the same numbers, so nothing is announced unless a page here showed
    # them pending. Announcing anyway bumped the map's state token on every recompute while
    # Redis hung, refilling every page. A pointer the cache still has whose arrays it lost
    # (they expire, it is rewritten) leaves every process's pages pending: announced.
    if (
        (before is None and announce)
        or (before is not None and before.stamp != found.stamp)
        or was_pending
        or (before is not None and not lost and not shown)
    ):
        fragments.state_changed([argmap.pk], "strengths")  # every node's may have moved
    return pointer, found


def _computed(
    argmap: ArgumentMap,
    perspective: Perspective,
    token: str | None,
    before: Pointer | None,
    *,
    off_request: bool = False,
) -> tuple[MapStrengths, float]:
    """The map's strengths computed now, and when they are trusted from. Off the request,
    where the fleet's processes share no cache (no REDIS_URL), one process at a time
    computes them, under the lock of their ComputedStrengths row, and writes them there; the
    others wait for it and load them when they are fresh (of the current structure token,
    newer than this process's (before), and at most MAX_AGE old or with no vote since), so a
    busy map costs the fleet one recompute every MAX_AGE instead of one per worker (0.8 s of
    CPU each at 100,000 nodes). On the request (the read API's first, the command, the
    tests), they are computed: the command's answer is the votes as they stand. SQLite has
    no row locks (and a transaction held while computing would stop every vote): there two
    processes may both compute, harmlessly."""
    if not off_request or not isinstance(caches["strengths"], LocMemCache):  # Redis: shared
        found = compute(argmap, perspective, token)
        return found, found.computed_at
    asked = time.time()
    token = fragments.current(argmap) if token is None else token
    have = before.computed_at if before is not None else -math.inf
    locks = connection.features.has_select_for_update  # SQLite's would lock the database
    with transaction.atomic() if locks else contextlib.nullcontext():
        if connection.vendor == "postgresql":  # wait out another's recompute, as long as ours
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)", [f"{LONG_STATEMENT_TIMEOUT}s"]
                )
        row = ComputedStrengths.objects.held(argmap, perspective.name)
        if (
            row.token == token
            and row.computed_at > have
            and (
                asked - row.computed_at <= MAX_AGE
                or not (perspective.counts_votes and _votes_since(argmap.slug, row.computed_at))
            )
        ):
            return pickle.loads(row.strengths), asked  # noqa: S301  (written below, by us)
        found = compute(argmap, perspective, token)
        row.token, row.computed_at = found.token, found.computed_at
        row.strengths = pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)
        row.save(update_fields=["token", "computed_at", "strengths"])
    return found, found.computed_at


def _votes_since(slug: str, computed_at: float) -> bool:
    """Whether a vote of the map may have been stored since strengths computed_at were
    (one indexed query; SLACK for a vote committed after its timestamp)."""
    since = datetime.fromtimestamp(computed_at - SLACK, tz=UTC)
    return Vote.objects.filter(map__slug=slug, modified__gte=since).exists()


def _compute_once(argmap: ArgumentMap, perspective: Perspective, token: str) -> Pointer:
    """The strengths computed now, once however many requests find none kept at once: the
    others wait for that one (fragments.one_render: a lock in the cache)."""
    key = _key(argmap.slug, perspective.name)

    def first() -> Pointer:
        return _refresh(argmap, perspective, announce=False, token=token)[0]

    pointer, _ = fragments.one_render(caches["strengths"], key, first)
    return pointer if pointer is not None else first()


def pointer_of(
    slug: str,
    perspective: Perspective,
    token: str,
    argmap: ArgumentMap | None = None,
    *,
    compute_missing: bool = True,
) -> Pointer | None:
    """The stamp, order and thesis strength of the map at slug under perspective: one small
    cache read; stale ones (another token, or votes changed since, checked with one indexed
    query past MAX_AGE) are served while they are recomputed off the request. None for a
    perspective that is not shared, for no such map, or (compute_missing=False) while the
    first strengths of the map are being computed."""
    if not perspective.shared:
        return None
    key = _key(slug, perspective.name)
    pointer, now = _pointer_at(key), time.time()
    if pointer is None:
        argmap = argmap or ArgumentMap.objects.filter(slug=slug).first()
        if argmap is None:
            return None
        if not compute_missing:  # computed at once only without background recomputes,
            # for this page, which shows them itself (a thread's announces them)
            return recompute_soon(argmap, perspective, announce=False, token=token)
        return _compute_once(argmap, perspective, token)
    stale = pointer.token != token
    if not stale and perspective.counts_votes and now - pointer.checked_at > MAX_AGE:
        stale = _votes_since(slug, pointer.computed_at)
        # Trusted for another MAX_AGE: unchanged, or being recomputed off this request.
        pointer = replace(pointer, checked_at=now)
        _write(key, pointer)
        _remember(key, pointer)
    if stale:
        argmap = argmap or ArgumentMap.objects.filter(slug=slug).first()
        if argmap is not None:
            fresh = recompute_soon(argmap, perspective, token=token)
            return fresh or pointer
    return pointer


def shown_strengths(slug: str, name: str) -> MapStrengths | None:
    """The strengths a page's regions show for the map at slug under the perspective named:
    the last computed, from the cache alone (no query); None, with a recompute started off
    the request, when there are none yet."""
    key = _key(slug, name)
    pointer = _pointer_at(key)
    found = _strengths_at(key, pointer.stamp) if pointer is not None else None
    if found is None or pointer is None or pointer.token.startswith("lost:"):
        argmap = ArgumentMap.objects.filter(slug=slug).first()
        perspective = _parsed_or_none(name)
        if argmap is not None and perspective is not None and perspective.shared:
            # Recomputed at once when not in the background: shown on this page then.
            recompute_soon(argmap, perspective, announce=False)
            pointer = _pointer_at(key)
            found = (_strengths_at(key, pointer.stamp) if pointer is not None else None) or found
    if found is None:
        with _seen_lock:
            _shown_pending.add(key)
    return found


def shown_pointer(slug: str, name: str) -> Pointer | None:
    """The last pointer of the map at slug under the perspective named, from the cache."""
    return _pointer_at(_key(slug, name))


def _parsed_or_none(name: str) -> Perspective | None:
    try:
        return Perspective.parse(name)
    except UnknownPerspective:
        return None


# Recomputes off the request: one thread per map and perspective in a process, one claim
# per map and perspective in the fleet (the cache's add()). A committed vote writes a new
# dirty mark for its map (a random value, in the cache) before asking; a recompute reads the
# mark before it reads the votes and, when it ends, runs again if the mark has changed
# meanwhile: a vote is never left out, none is counted twice over, no two runs overlap, and
# no clock is compared across the fleet.
_running: set[str] = set()
_running_lock = threading.Lock()
# One recompute at a time in a process: at a million nodes one holds ~300 MB of arrays while
# it runs (480 MB of RSS measured alone), and a first visit starts one a perspective: a
# worker in the bench's 1M growth run, with several at once, peaked 1.3 GB above its start.
# The others wait their turn, keeping their place in _running.
_computing = threading.Lock()
THREAD_PREFIX = "strengths-"  # a recompute's thread is named after its map


def _dirty_key(slug: str) -> str:
    return f"strengths-dirty:{slug}"


def votes_changed(argmap: ArgumentMap, by_curator: bool) -> None:
    """After a vote commits: everyone's strengths (and the curators', for a curator's vote)
    are recomputed off the request. Call inside the vote's transaction."""
    chosen = [Perspective(EVERYONE)] + ([Perspective(CURATORS)] if by_curator else [])

    def committed() -> None:
        _write(_dirty_key(argmap.slug), secrets.token_hex(8))
        for perspective in chosen:
            recompute_soon(argmap, perspective)

    transaction.on_commit(committed)


def recompute_soon(
    argmap: ArgumentMap, perspective: Perspective, announce: bool = True, token: str | None = None
) -> Pointer | None:
    """Recompute the map's strengths under perspective off the request (in a thread), or at
    once without ARGMAP_STRENGTHS_IN_BACKGROUND (then the new pointer is returned; announce
    and token as _refresh's)."""
    if not settings.ARGMAP_STRENGTHS_IN_BACKGROUND:
        return _refresh(argmap, perspective, announce, token)[0]
    key = _key(argmap.slug, perspective.name)
    with _running_lock:
        if key in _running:
            return None  # the running one sees the new dirty mark and runs again
        _running.add(key)
    thread = threading.Thread(
        target=_recompute_while_dirty,
        args=(argmap, perspective, key),
        name=f"{THREAD_PREFIX}{argmap.slug}",
        daemon=True,
    )
    # Begun once the request that asked for it has built its response (lib.after_response):
    # the request that found the strengths stale does not share the interpreter with it.
    after_response.soon(thread.start)
    return None


def _recompute_while_dirty(argmap: ArgumentMap, perspective: Perspective, key: str) -> None:
    busy, dirty = f"{key}:busy", _dirty_key(argmap.slug)
    done = False  # whether this thread has given up its place in _running
    try:
        while True:
            with _computing:  # the busy mark is claimed only once its turn has come
                try:
                    claimed = caches["strengths"].add(busy, 1, RECOMPUTE_TIMEOUT)
                except RedisError:
                    claimed = True
                if not claimed:
                    return  # another process runs it, and will see the dirty mark when it ends
                seen, started = _read(dirty), time.time()
                try:
                    # Off the request, a page's 5 s bound would cancel a million-node map's
                    # reads every time (and every request would start the same doomed run
                    # again).
                    with longer_bound(connection, LONG_STATEMENT_TIMEOUT):
                        _refresh(argmap, perspective, off_request=True)
                except Exception:  # a failed recompute leaves the last strengths; a later retries
                    logger.exception("Recomputing strengths of %s failed", argmap.slug)
                    return
                finally:
                    with contextlib.suppress(RedisError):
                        caches["strengths"].delete(busy)
            # Read and leave under the lock: a vote marked after this read finds us gone
            # and starts a thread of its own.
            with _running_lock:
                if _read(dirty) == seen:
                    _running.discard(key)
                    done = True
                    return
            # Marked meanwhile: once more, at most once every MAX_AGE seconds.
            _pause(max(0.0, started + MAX_AGE - time.time()))
    finally:
        if not done:
            with _running_lock:
                _running.discard(key)
        connection.close()  # this thread's own connection


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def strengths_of(
    argmap: ArgumentMap,
    perspective: Perspective | str = EVERYONE,
    token: str | None = None,
    *,
    wait: bool = True,
) -> MapStrengths:
    """The map's strengths under perspective, the last computed (see above): the one way
    pages, the command and the read API get them. token: the map's structure token, when the
    caller has read it already. wait=False (pages): when none are kept, none are computed on
    the request: a recompute starts off it and the strengths come back empty (`pending`),
    as the pages' regions say ("Strength being computed")."""
    if isinstance(perspective, str):
        perspective = Perspective.parse(perspective)
    if not perspective.shared:
        return compute(argmap, perspective)  # one viewer's own: never cached
    token = fragments.current(argmap) if token is None else token
    key = _key(argmap.slug, perspective.name)
    pointer = pointer_of(argmap.slug, perspective, token, argmap, compute_missing=wait)
    found = _strengths_at(key, pointer.stamp) if pointer else None
    if found is None and not wait:
        # None kept (pointer_of started the first), or the arrays were lost: again.
        fresh = recompute_soon(argmap, perspective, False, token) if pointer else None
        found = _strengths_at(key, fresh.stamp) if fresh else None
        if found is None:
            with _seen_lock:
                _shown_pending.add(key)
        return found or pending(perspective)
    if found is None:
        found = _refresh(argmap, perspective, announce=False, token=token)[1]
    return found


def pending(perspective: Perspective) -> MapStrengths:
    """No strengths yet: every node's is None while the first are computed."""
    empty = MapStrengths(perspective.name, [], {name: [] for name in MapStrengths.COLUMNS}, True, 0)
    empty.label, empty.pending = perspective.label, True
    return empty
