"""What every answer of the read API shares: the one error shape, the rate limit per client
address, `Access-Control-Allow-Origin: *`, ETags, and cursors.

ETags: a resource of one map is tagged by the map's structure token (fragments.py) and its
full URL, so `If-None-Match` is answered 304 after one query (the token), before any work;
its body is kept in the fragments cache under that tag, so a client without the tag gets it
for the same price.
Resources that span the maps or hold what the token does not follow (a source nothing
quotes, passage annotations) are tagged by a hash of their body: a 304 then saves the
transfer, not the work.
"""

import hashlib
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode

from argmap.debates import fragments
from argmap.evaluation.strengths import CURATORS, EVERYONE, Perspective, pointer_of
from argmap.lib.problems import problem
from argmap.ratelimit import limits as ratelimit

View = Callable[..., HttpResponse]


class ApiError(Exception):
    """An error the API answers in its one shape (schemas.Error)."""

    def __init__(
        self, status: int, detail: str, parameter: str = "", location: str = "query"
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.errors = (
            [{"parameter": parameter, "location": location, "message": detail}] if parameter else []
        )


def not_found(detail: str, parameter: str = "", location: str = "path") -> ApiError:
    return ApiError(404, detail, parameter, location)


def shared(run: View) -> View:
    """Every operation: counted against ARGMAP_API_LIMIT per client address (a 429 in the
    one error shape, with Retry-After), and readable from any origin (the data is public)."""

    @wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        who = f"addr:{ratelimit.client_address(request)}"
        response: HttpResponse
        try:
            ratelimit.count(request, "api", "API requests", who=who)
        except ratelimit.RateLimited as limited:
            wait = max(1, math.ceil(limited.retry_after))
            response = problem(429, f"Too many requests from this address; retry after {wait} s.")
            response["Retry-After"] = str(wait)
        else:
            response = run(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        return response

    return wrapped


def _digest(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"'


# A body of a map's resource up to this size is kept under its ETag (a page of 100 nodes is
# about 125 KB); a bigger one is built each time rather than held in memory or in Redis.
CACHED_BODY_BYTES = 256 * 1024


def by_map_token(run: View) -> View:
    """A resource of the map at `slug`: tagged by the map's structure token, the stamps of its
    strengths under the perspectives votes move (argmap.evaluation: votes change no token)
    and the full URL (which holds the host, as the body's links do). A 304 costs the token,
    and the stamps (cache reads, and at most every few seconds a query each)."""

    @wraps(run)
    def wrapped(request: HttpRequest, *args: Any, slug: str, **kwargs: Any) -> HttpResponse:
        token = fragments.current_by_slug(slug)
        if token is None:
            return run(request, *args, slug=slug, **kwargs)  # its 404
        pointers = [pointer_of(slug, Perspective(name), token) for name in (EVERYONE, CURATORS)]
        stamps = [pointer.stamp if pointer else "" for pointer in pointers]
        etag = _digest(f"{token}:{':'.join(stamps)}:{request.build_absolute_uri()}")
        unchanged = fragments.not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        # The tag holds all the body depends on (the 304 above relies on it as well).
        key = f"api-body:{etag}"
        kept = caches["fragments"].get(key)
        if kept is not None:
            content_type, body = kept
            return fragments.revalidated(HttpResponse(body, content_type=content_type), etag)
        response = run(request, *args, slug=slug, **kwargs)
        if response.status_code == 200:
            if not response.streaming and len(response.content) <= CACHED_BODY_BYTES:
                caches["fragments"].set(key, (response["Content-Type"], response.content))
            fragments.revalidated(response, etag)
        return response

    return wrapped


def by_content(run: View) -> View:
    """A resource the map's tokens do not follow: tagged by a hash of its body."""

    @wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        etag = _digest(response.content)
        unchanged = get_conditional_response(request, etag=etag)
        if unchanged is not None:
            unchanged["ETag"] = etag
            return unchanged
        return fragments.revalidated(response, etag)

    return wrapped


def encode_cursor(*values: int) -> str:
    """A cursor: the sort key of the last row given, where the next page starts after."""
    return ".".join(map(str, values))


def decode_cursor(cursor: str | None) -> tuple[int, ...] | None:
    """The sort key a cursor holds (its form is checked by the parameter's pattern), or None
    for the first page."""
    return None if cursor is None else tuple(int(part) for part in cursor.split("."))


def next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """This request's URL for the next page, or None on the last page."""
    if cursor is None:
        return None
    query: dict[str, str] = {key: request.GET[key] for key in request.GET if key != "cursor"}
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
