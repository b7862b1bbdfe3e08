"""Fixed-window rate limits, counted in the database so they hold across app servers.

`hit()` is the one place a count changes. It is a single
`INSERT … ON CONFLICT DO UPDATE … RETURNING` on RateCounter's table
(argmap.ratelimit.models): the row is locked while it changes, so concurrent
requests on PostgreSQL or SQLite each see their own count and a limit of N lets exactly N
through. (The database cache it replaces read, then wrote, and lost counts.)

The counters stay in the table with REDIS_URL too. In Redis (no persistence, as the README
runs it) a restart gave every address a fresh allowance, and a hung or unreachable Redis
sent counting to the table meanwhile, so a limit could let through twice its number. Only
writes and log-ins are counted, and they go to PostgreSQL anyway: one upsert more each.

Actions and their limits are `settings.RATE_LIMITS`: action -> (limit, window seconds).
Going over raises `RateLimited`; `middleware.RateLimitMiddleware` answers it with a 429 page
that says how long to wait.
"""

import contextlib
import hashlib
import ipaddress
import math
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from .models import RateCounter

TABLE = RateCounter._meta.db_table

UPSERT = f"""
    INSERT INTO {TABLE} (name, count, expires) VALUES (%s, 1, %s)
    ON CONFLICT (name) DO UPDATE SET
        count = CASE WHEN {TABLE}.expires <= %s THEN 1 ELSE {TABLE}.count + 1 END,
        expires = CASE WHEN {TABLE}.expires <= %s THEN excluded.expires ELSE {TABLE}.expires END
    RETURNING count, expires
"""  # noqa: S608 - TABLE is a constant; every value is a parameter


NAME_LENGTH = 255  # RateCounter.name's max_length


def stored_name(name: str) -> str:
    """The counter's name as stored: one too long for the column, or holding a NUL (which
    PostgreSQL cannot store), is kept as its action and a hash of the whole name."""
    if len(name) <= NAME_LENGTH and "\x00" not in name:
        return name
    return f"{_action(name)}:sha256:{hashlib.sha256(name.encode('utf-8', 'replace')).hexdigest()}"


def _action(name: str) -> str:
    """What a counter counts ("login-account"), without whom."""
    return name.split(":", 1)[0].replace("\x00", "")[:100]


# How often a new window sweeps expired ones (tests that pin query counts set it to 0).
SWEEP_CHANCE = 0.02


def hit(name: str, window: int) -> tuple[int, float]:
    """Count one for name in its current window: the new count and when the window ends."""
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, [stored_name(name), now + window, now, now])
        count, expires = cursor.fetchone()
        if count == 1 and random.random() < SWEEP_CHANCE:  # now and then: sweep old windows
            cursor.execute(f"DELETE FROM {TABLE} WHERE expires < %s", [now])  # noqa: S608
    return int(count), float(expires)


def refund(name: str) -> None:
    """Give back one count taken by hit() in the window still running."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET count = count - 1 WHERE name = %s AND expires > %s",  # noqa: S608
            [stored_name(name), time.time()],
        )


def human_wait(seconds: float) -> str:
    """ "about 5 minutes": how long a person should wait, in words."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about 1 hour" if hours == 1 else f"about {hours} hours"


@dataclass
class RateLimited(Exception):
    """Raised when an action is over its limit; the middleware turns it into a 429."""

    action: str
    what: str
    retry_after: float

    def __str__(self) -> str:
        return f"too many {self.what}; retry after {self.retry_after:.0f} s"


def client_address(request: HttpRequest) -> str:
    address: str = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        # Only behind a proxy that overwrites the header; otherwise clients could forge it.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        # And only an address: a proxy that appends passes on whatever the client wrote.
        with contextlib.suppress(ValueError):
            address = str(ipaddress.ip_address(forwarded))
    return address


def client_key(request: HttpRequest) -> str:
    """Who is counted: the logged-in user, else the client's address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"addr:{client_address(request)}"


def count(request: HttpRequest, action: str, what: str, who: str | None = None) -> None:
    """Count this request against action's limit, for who (default: the user or address).

    Raises RateLimited past the limit; the request must then change nothing.
    """
    limit, window = settings.RATE_LIMITS[action]
    name = f"{action}:{who or client_key(request)}"
    taken, expires = hit(name, window)
    if taken > limit:
        raise RateLimited(action, what, expires - time.time())


@dataclass
class LoginAttempt:
    """Counts taken before a password is checked, given back when it was right.

    Taking the count first means concurrent guesses cannot all pass the check before any
    is counted: a limit of N checks exactly N passwords. Giving it back on success means a
    successful log-in never counts as a failure, so a classroom behind one address can
    log in however many pupils it has; only wrong passwords use up the limits.
    """

    names: list[str] = field(default_factory=list)

    def succeeded(self) -> None:
        for name in self.names:
            refund(name)


def login_attempt(request: HttpRequest | None, username: str) -> LoginAttempt:
    """Count a password check for the account and for the address it comes from.

    Every way to log in calls this through argmap.accounts.backends (the site's log-in,
    the admin's, and the old password of a password change).
    """
    counters = [("login-account", f"account:{username.casefold()}")]
    if request is not None:
        counters.append(("login-address", f"addr:{client_address(request)}"))
    attempt = LoginAttempt()
    for action, who in counters:
        limit, window = settings.RATE_LIMITS[action]
        name = f"{action}:{who}"
        taken, expires = hit(name, window)
        attempt.names.append(name)
        if taken > limit:
            attempt.succeeded()  # a refused attempt checks no password: give every count back
            raise RateLimited(action, "failed log-in attempts", expires - time.time())
    return attempt
