"""Every wait on PostgreSQL has a bound, also when the server hangs.

Three bounds, set from the environment in settings.py:

- `connect_timeout` (libpq): a connection that is not made in time fails;
- `statement_timeout` and `lock_timeout` (the server, per connection through libpq's
  `options`): a slow query or a long lock wait is cancelled by PostgreSQL itself, which
  answers `QueryCanceled` / `LockNotAvailable` and keeps the connection;
- a client-side deadline (`BoundedConnection`): a server that accepts connections but never
  answers (stopped, wedged, swapping) enforces no timeout of its own, libpq has no client-side
  query timeout, and a cancel request goes to the same stopped server, so a query would wait
  for ever. psycopg's `Connection.wait()`, through which every query, fetch, commit and
  rollback passes, is given a timeout a little longer than the server's own; when it runs
  out the connection is closed (its state is unknown) and an `OperationalError` says so.

After one client-side timeout the process stops asking that server for a while (the
process's breaker for it, `argmap.lib.breaker`): every wait fails at once, so each request
gets the 503 page in milliseconds rather than after its own timeout, and one try at a time
finds out whether the server answers again; when it does, every call uses it again.

Long work that a request does on purpose (a big export) widens its own bound with
`longer_bound(seconds)`. Management commands run without these bounds (manage.py): they are
not requests, and whoever runs a migration on a million rows watches it.

Written here: neither psycopg nor its pool has a client-side deadline for a query (only for
connecting, and for a pool checkout), and Django's own `OPTIONS` reach only the server's.
"""

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg

from argmap.lib.breaker import breaker_for

# The client-side deadline's lead over statement_timeout: the server's own cancel, which keeps
# the connection, comes first whenever the server is alive.
MARGIN = 1.0


class DatabaseTimeout(psycopg.OperationalError):
    """PostgreSQL did not answer within the client-side deadline (or is not asked just now)."""


# A long piece of work a request does on purpose (an export of a million nodes): its bound.
LONG_STATEMENT_TIMEOUT = 120.0

_T = TypeVar("_T")
_local = threading.local()


def deadline() -> float | None:
    """The client-side deadline of this thread's waits, in seconds (None: none)."""
    return getattr(_local, "deadline", None)


class BoundedConnection(psycopg.Connection):
    """psycopg's connection, with a client-side deadline on every wait for the server.

    `bound` is the deadline in seconds (None: no deadline); settings.py makes a subclass with
    its value (`bounded_connection_class`) and passes it to the pool as `connection_class`.
    """

    bound: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None:  # psycopg's own timed waits (notifies) keep their timeout
            return super().wait(gen, interval, timeout)
        bound = getattr(_local, "deadline", self.bound)
        if bound is None:
            return super().wait(gen, interval)
        breaker = breaker_for(f"postgresql://{self.info.host}:{self.info.port}")
        if not breaker.allows():
            self.pgconn.finish()  # half through a protocol exchange it must not be reused
            raise DatabaseTimeout(f"{breaker.name} did not answer lately; not asked just now")
        started = time.monotonic()
        try:
            answer = super().wait(gen, interval, bound)
        except psycopg.OperationalError as error:
            if time.monotonic() - started < bound:
                breaker.succeeded()  # an answer: an error from a live server, a refusal
                raise
            self.pgconn.finish()
            breaker.failed(error)
            raise DatabaseTimeout(f"{breaker.name} did not answer within {bound:g} s") from None
        except BaseException:
            breaker.succeeded()  # never leave a try unsettled: that would refuse for ever
            raise
        if breaker.is_open:
            breaker.succeeded()
        return answer


def bounded_connection_class(bound: float | None) -> type[BoundedConnection]:
    return type("BoundedConnection", (BoundedConnection,), {"bound": bound})


def server_options(statement_timeout: float, lock_timeout: float, options: str = "") -> str:
    """libpq's `options` with the server's own timeouts (seconds; 0 for none) added."""
    wanted = [
        f"-c statement_timeout={int(statement_timeout * 1000)}",
        f"-c lock_timeout={int(lock_timeout * 1000)}",
    ]
    return " ".join([options, *wanted]).strip()


@contextmanager
def longer_bound(connection: Any, seconds: float) -> Iterator[None]:
    """Let this thread's queries on Django's `connection` take up to `seconds` each.

    For work a request does on purpose that may take longer than a page (an export of a
    million nodes): the server's statement_timeout for the session and the client-side
    deadline both widen, and both come back on leaving (two queries, on PostgreSQL only).
    """
    if connection.vendor != "postgresql":
        yield
        return
    before = getattr(_local, "deadline", None), hasattr(_local, "deadline")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])
    _local.deadline = seconds + MARGIN
    try:
        yield
    finally:
        if before[1]:
            _local.deadline = before[0]
        else:
            del _local.deadline
        if connection.is_usable():
            with connection.cursor() as cursor:
                # Back to the connection's own setting, from settings.py's OPTIONS.
                cursor.execute("RESET statement_timeout")


def streamed_with_longer_bound(
    pieces: Iterable[_T], seconds: float = LONG_STATEMENT_TIMEOUT
) -> Iterator[_T]:
    """pieces, read under longer_bound: for a streamed response, whose queries run after the
    view has returned, while the server sends it."""
    from django.db import connection

    with longer_bound(connection, seconds):
        yield from pieces
