"""A circuit breaker: after a shared service fails to answer, stop asking it for a while.

A Redis that accepts connections but answers nothing (hung, swapping, SIGSTOPped) made every
cache call wait its whole socket timeout, and a page makes several: pages took seconds and
the server fell to a page or two a second. One Breaker per Redis server, shared by every
cache call in the process (argmap.core.cache), turns that into one timeout:

- closed: calls go through;
- after a call fails (timeout, refused connection), open for PAUSE seconds: calls are
  refused at once, so callers take their fallback (render afresh, store nothing);
- then one call at a time is let through to try; if it answers, closed again, else open for
  another PAUSE. So a Redis that answers again is used again within PAUSE seconds.

Written here, not taken from a library: pybreaker holds one lock across every call it
guards, which would make every Redis call of a gthread worker wait for the one before it,
and redis-py's own breakers (redis.multidb) fail over between databases, not to none.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

PAUSE = 5.0  # seconds without asking, after a failure


class Breaker:
    def __init__(self, name: str, pause: float = PAUSE) -> None:
        self.name, self.pause = name, pause
        self._lock = threading.Lock()
        self._open_until = 0.0  # 0: closed
        self._trying = False  # a call is trying whether the service answers again

    def allows(self) -> bool:
        """Whether to make a call now; if True, report its outcome with succeeded or failed."""
        with self._lock:
            if not self._open_until:
                return True
            if self._trying or time.monotonic() < self._open_until:
                return False
            self._trying = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            if not self._open_until:
                return
            if self._trying:  # the try answered: closed again
                self._open_until, self._trying = 0.0, False
                logger.warning("%s answers again; using it", self.name)

    def failed(self, error: Exception) -> None:
        with self._lock:
            opening = not self._open_until or self._trying
            self._open_until, self._trying = time.monotonic() + self.pause, False
        if opening:
            logger.warning(
                "%s did not answer (%s); not asking for %.0f s", self.name, error, self.pause
            )

    @property
    def is_open(self) -> bool:
        return bool(self._open_until)


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(server: str) -> Breaker:
    """The process's one breaker for the server (every cache on one Redis shares it)."""
    with _breakers_lock:
        return _breakers.setdefault(server, Breaker(_without_password(server)))


def _without_password(server: str) -> str:
    """The address to name in logs: a redis:// URL may hold a password."""
    scheme, _, rest = server.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}" if rest else server
