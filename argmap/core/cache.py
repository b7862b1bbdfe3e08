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
they may outlive Redis's copy by that much.

Outages. Django's RedisCache raises on a connection error, so every page that reads a cached
fragment would answer 500 while Redis is down; and a Redis that hangs made each call wait its
whole timeout. Everything cached in Redis can be computed again from the database, so
GuardedRedisCache, under every cache in Redis, makes reads miss and writes drop instead
(logged), and asks the process's one breaker for the server first (argmap.lib.breaker): after
one call times out, no call waits on Redis until it answers again.
Rate-limit counters never live in Redis (argmap.lib.ratelimit).
"""

import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from argmap.lib.breaker import breaker_for

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

NEAR_BYTES = 32 * 1024 * 1024
NEAR_VALUE = 512 * 1024
NEAR_SECONDS = 30.0


class NearCache:
    """A process's copies of shared entries: least recently used out first, bounded in bytes."""

    def __init__(self, max_bytes: int, max_value: int, seconds: float) -> None:
        self.max_bytes, self.max_value, self.seconds = max_bytes, max_value, seconds
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread workers serve several requests at once

    def get(self, key: str) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if entry[0] <= time.monotonic():
                self._drop(key)
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
            self._entries[key] = (time.monotonic() + self.seconds, pickled)
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


def near_cache(name: str) -> NearCache:
    with _near_caches_lock:
        return _near_caches.setdefault(name, NearCache(NEAR_BYTES, NEAR_VALUE, NEAR_SECONDS))


class GuardedRedisCache(RedisCache):
    """Django's Redis cache that never fails a request and never waits on a hung Redis:
    every call asks the server's breaker first, and an error or a refusal is a miss (reads)
    or nothing stored (writes)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.breaker = breaker_for(server)

    def _guarded(self, call: Callable[[], _T], fallback: _T) -> _T:
        if not self.breaker.allows():
            return fallback
        try:
            value = call()
        except RedisError as error:
            self.breaker.failed(error)
            logger.warning("shared cache unreachable (%s): %s", self.key_prefix, error)
            return fallback
        self.breaker.succeeded()
        return value

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._guarded(partial(super().add, key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(partial(super().get, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._guarded(partial(super().set, key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._guarded(partial(super().touch, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().delete, key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guarded(partial(super().get_many, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(partial(super().has_key, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # No fallback makes sense for a count: as Django does for a missing key.
        value = self._guarded(partial(super().incr, key, delta, version), None)
        if value is None:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return value

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guarded(partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guarded(partial(super().delete_many, keys, version), None)

    def clear(self) -> None:
        self._guarded(super().clear, None)


class SharedCache(GuardedRedisCache):
    """The fragments cache: GuardedRedisCache with near copies in the process."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.near = near_cache(f"{server}|{self.key_prefix}")

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self.get_many([key], version).get(key, default)

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
