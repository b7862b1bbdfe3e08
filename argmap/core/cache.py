"""The fleet's shared cache: Django's Redis backend, with a near copy in each process, and an
outage that only costs a render.

Near copies. Everything in the fragments cache is stored under a key that names the map's
token (argmap.debates.fragments), so the value behind a key never changes: a new token makes
new keys. A copy kept in the process is therefore as good as Redis's, and a hit on it costs no
round trip. (A whole cached response is filled again under its key when its map's state
changes; it carries the state token it was filled at, checked at every hit, so a near copy
of an older fill is filled again, never served as current.) Each process keeps up to
NEAR_BYTES of pickled values, none over NEAR_VALUE, and drops the least recently used first.
The few entries that rely on a timeout instead (search results, whose key names every map's
token but not the texts of sources no map quotes) are kept near for at most NEAR_SECONDS, so
they may outlive Redis's copy by that much. An older copy is not thrown away: while Redis is
unreachable it is served (up to OUTAGE_SECONDS old) rather than rendered again, so a spread
of pages read before a hang stays warm through it; search results then may be that old too.

Outages. Django's RedisCache raises on a connection error, so every page that reads a cached
fragment would answer 500 while Redis is down; and a Redis that hangs made each call wait its
whole timeout. Everything cached in Redis can be computed again from the database, so
GuardedRedisCache, under every cache in Redis, asks the process's one breaker for the server
first (argmap.lib.breaker): after one call times out, no call waits on Redis until it answers
again. Meanwhile each process caches for itself, as it does without REDIS_URL (a bounded
store whose entries last OUTAGE_SECONDS), so nothing is computed again on every request.
Rate-limit counters never live in Redis (argmap.ratelimit).

Clearing. Django's RedisCache.clear() empties the whole Redis database (FLUSHDB): a clear of
the fragments dropped every map's strengths with them, and a second site or test process
sharing the database lost its caches. GuardedRedisCache.clear() deletes only the keys under
its own KEY_PREFIX (settings.CACHE_KEY_PREFIX names the site), through redis-py's public
SCAN and UNLINK on a client of its own: Django's cache API has no way to list keys.
"""

import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from argmap.lib.breaker import breaker_for

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

NEAR_BYTES = 32 * 1024 * 1024
NEAR_VALUE = 512 * 1024
NEAR_SECONDS = 30.0
# How long a process keeps what it cached for itself while Redis was unreachable. Longer than
# NEAR_SECONDS: each expiry makes every thread compute the value again at once (a map's
# strengths take a second or more at 10,000 nodes), and what is kept is either keyed by a map's
# token or checked again by its reader (the strengths' pointer, every few seconds).
OUTAGE_SECONDS = 300.0


class NearCache:
    """A process's copies of shared entries: least recently used out first, bounded in bytes."""

    def __init__(self, max_bytes: int, max_value: int, seconds: float) -> None:
        self.max_bytes, self.max_value, self.seconds = max_bytes, max_value, seconds
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread workers serve several requests at once

    def get(self, key: str, max_age: float | None = None) -> tuple[bool, Any]:
        """(True, a copy) of what was put under key at most max_age (default: seconds) ago.

        An older entry is a miss but stays until the byte bound pushes it out: while Redis is
        unreachable SharedCache serves it (up to OUTAGE_SECONDS old) rather than render again.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if time.monotonic() - entry[0] > (self.seconds if max_age is None else max_age):
                return False, None
            self._entries.move_to_end(key)
        # Unpickled afresh each time, so a caller changing what it got changes no copy.
        return True, pickle.loads(entry[1])  # noqa: S301 - our own pickles, made in put()

    def put(self, key: str, value: Any) -> None:
        pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        if len(pickled) > self.max_value:
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (time.monotonic(), pickled)  # when it was put
            self._bytes += len(pickled)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])


# One near cache per Redis cache, shared by the process's threads: Django makes a cache
# object per thread, and a copy per thread would multiply the memory and divide the hits.
_near_caches: dict[str, NearCache] = {}
_near_caches_lock = threading.Lock()


def near_cache(name: str, seconds: float = NEAR_SECONDS) -> NearCache:
    with _near_caches_lock:
        return _near_caches.setdefault(name, NearCache(NEAR_BYTES, NEAR_VALUE, seconds))


class GuardedRedisCache(RedisCache):
    """Django's Redis cache that never fails a request and never waits on a hung Redis.

    Every call asks the server's breaker first. While Redis is unreachable (an error, or the
    breaker refusing), the process caches for itself, as it does without REDIS_URL: reads and
    writes go to a bounded store of its own whose entries last OUTAGE_SECONDS at most, so a
    value computed during the outage (a map's strengths, a render lock) is not computed again
    on every request. When Redis answers again it is the cache again.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.server = server
        # For clear()'s own client: the same bounds as the cache's (settings.caches_for).
        options = params.get("OPTIONS", {})
        self.socket_options = {
            name: options[name]
            for name in ("socket_timeout", "socket_connect_timeout")
            if name in options
        }
        self.breaker = breaker_for(server)
        self.outage = near_cache(f"outage|{server}|{self.key_prefix}", OUTAGE_SECONDS)

    def _guarded(self, call: Callable[[], _T], outage: Callable[[], _T]) -> _T:
        if not self.breaker.allows():
            return outage()
        try:
            value = call()
        except RedisError as error:
            self.breaker.failed(error)
            logger.warning("shared cache unreachable (%s): %s", self.key_prefix, error)
            return outage()
        self.breaker.succeeded()
        return value

    def _full(self, key: Any, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    def _outage_get(self, key: Any, default: Any, version: int | None) -> Any:
        hit, value = self.outage.get(self._full(key, version))
        return value if hit else default

    def _outage_set(self, key: Any, value: Any, timeout: Any, version: int | None) -> bool:
        if timeout == 0:  # "expire at once"
            self.outage.discard(self._full(key, version))
        else:
            self.outage.put(self._full(key, version), value)
        return True

    def _outage_add(self, key: Any, value: Any, timeout: Any, version: int | None) -> bool:
        if self.outage.get(self._full(key, version))[0]:
            return False
        return self._outage_set(key, value, timeout, version)

    def _outage_delete(self, key: Any, version: int | None) -> bool:
        hit = self.outage.get(self._full(key, version))[0]
        self.outage.discard(self._full(key, version))
        return hit

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._guarded(
            partial(super().add, key, value, timeout, version),
            partial(self._outage_add, key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(
            partial(super().get, key, default, version),
            partial(self._outage_get, key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guarded(
            partial(super().set, key, value, timeout, version),
            partial(self._outage_set, key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guarded(
            partial(super().touch, key, timeout, version),
            lambda: bool(self.outage.get(self._full(key, version))[0]),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(
            partial(super().delete, key, version), partial(self._outage_delete, key, version)
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        missing = object()

        def outage() -> dict[Any, Any]:
            found = {key: self._outage_get(key, missing, version) for key in keys}
            return {key: value for key, value in found.items() if value is not missing}

        return self._guarded(partial(super().get_many, keys, version), outage)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(
            partial(super().has_key, key, version),
            lambda: bool(self.outage.get(self._full(key, version))[0]),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # No count is kept apart from Redis: as Django does for a missing key.
        value = self._guarded(partial(super().incr, key, delta, version), lambda: None)
        if value is None:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return value

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        def outage() -> list[Any]:
            for key, value in data.items():
                self._outage_set(key, value, timeout, version)
            return []

        return self._guarded(partial(super().set_many, data, timeout, version), outage)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        def outage() -> None:
            for key in keys:
                self._outage_delete(key, version)

        self._guarded(partial(super().delete_many, keys, version), outage)

    def clear(self) -> None:
        """Delete this cache's keys, and only them (not Django's FLUSHDB: see the module)."""
        self.outage.clear()
        self._guarded(self._delete_own_keys, lambda: None)

    def _delete_own_keys(self) -> None:
        own = glob_escape(self.key_prefix) + ":*"  # Django's keys: "<prefix>:<version>:<key>"
        with redis.Redis.from_url(self.server.split(",")[0], **self.socket_options) as client:
            batch: list[bytes] = []
            for key in client.scan_iter(match=own, count=1000):
                batch.append(key)
                if len(batch) == 500:
                    client.unlink(*batch)
                    batch.clear()
            if batch:
                client.unlink(*batch)


def glob_escape(text: str) -> str:
    """text matched literally by a Redis MATCH pattern."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


class SharedCache(GuardedRedisCache):
    """The fragments cache: GuardedRedisCache with near copies in the process."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.near = near_cache(f"{server}|{self.key_prefix}")

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self.get_many([key], version).get(key, default)

    def _outage_get(self, key: Any, default: Any, version: int | None) -> Any:
        # While Redis is unreachable, a near copy older than NEAR_SECONDS serves too (up to
        # OUTAGE_SECONDS, as the outage store's own entries): a key naming a map's token never
        # changes, so a warm page stays warm through a hang instead of rendering again.
        missing = object()
        found = super()._outage_get(key, missing, version)
        if found is not missing:
            return found
        hit, value = self.near.get(self._full(key, version), max_age=OUTAGE_SECONDS)
        return value if hit else default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        far = []
        for key in keys:
            hit, value = self.near.get(self.make_and_validate_key(key, version=version))
            if hit:
                found[key] = value
            else:
                far.append(key)
        if not far:
            return found
        fetched = super().get_many(far, version)
        for key, value in fetched.items():
            self.near.put(self.make_and_validate_key(key, version=version), value)
        return {**found, **fetched}

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self.set_many({key: value}, timeout, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        if timeout != 0:  # 0 means "expire at once"; a near copy would outlive that
            for key, value in data.items():
                self.near.put(self.make_and_validate_key(key, version=version), value)
        return super().set_many(data, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        self.near.discard(self.make_and_validate_key(key, version=version))
        return super().delete(key, version)

    def clear(self) -> None:
        self.near.clear()
        super().clear()
