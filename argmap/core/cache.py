"""The fleet's shared cache: Django's Redis backend, but an outage only costs a render.

Django's RedisCache raises on a connection error, so every page that reads a cached
fragment would answer 500 while Redis is down. Everything in the fragments cache can be
rendered again from the database, so reads miss and writes are dropped instead (and logged).
Rate-limit counters do not go through here (argmap.lib.ratelimit uses the client itself).
"""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class SharedCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            logger.warning("shared cache unreachable, rendering afresh: %s", error)
            return default

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            logger.warning("shared cache unreachable, not storing: %s", error)
