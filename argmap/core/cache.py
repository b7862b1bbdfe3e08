"""The fleet's shared cache: Django's Redis backend, with a near copy in each process, and an
outage that only costs a render.

Near copies. Everything in the fragments cache is stored under a key that names the map's
token (argmap.debates.fragments), so the value behind a key never changes: a new token makes
new keys. A copy kept in the process is therefore as good as Redis's, and a hit on it costs no
round trip. (A whole cached response is filled again under its key when its map's state
changes; it carries the state token it was filled at, checked at every hit, so a near copy
of an older fill is filled again, never served as current.) Each process keeps up to NEAR_BYTES of pickled values, none over NEAR_VALUE, and
drops the least recently used first. The few entries that rely on a timeout instead (search
results, whose key names every map's token but not the texts of sources no map quotes) are
kept near for at most NEAR_SECONDS, so they may outlive Redis's copy by that much.

Outages. Django's RedisCache raises on a connection error, so every page that reads a cached
fragment would answer 500 while Redis is down. Everything in the fragments cache can be
rendered again from the database, so reads miss and writes are dropped instead (and logged).
Rate-limit counters do not go through here (argmap.lib.ratelimit uses the client itself).
"""

import logging
import pickle
import threading
import time
from collections import OrderedDict
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

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


class SharedCache(RedisCache):
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
        try:
            fetched = super().get_many(far, version)
        except RedisError as error:
            logger.warning("shared cache unreachable, rendering afresh: %s", error)
            return found
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
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            logger.warning("shared cache unreachable, not storing: %s", error)
            return list(data)

    def delete(self, key: Any, version: int | None = None) -> bool:
        self.near.discard(self.make_and_validate_key(key, version=version))
        try:
            return super().delete(key, version)
        except RedisError as error:
            logger.warning("shared cache unreachable, not deleting: %s", error)
            return False

    def clear(self) -> None:
        self.near.clear()
        try:
            super().clear()
        except RedisError as error:
            logger.warning("shared cache unreachable, not clearing: %s", error)
