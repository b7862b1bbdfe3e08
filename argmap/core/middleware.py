"""Requests the app refuses before any view runs, and writes that lost a race."""

import logging
from collections.abc import Callable
from urllib.parse import unquote

from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse

from argmap.lib.errors import render_error
from argmap.lib.rows import RowGone

logger = logging.getLogger(__name__)


def carries_nul(request: HttpRequest) -> bool:
    """True when the path, query or a cookie holds a NUL, which no database column takes."""
    if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())


class RefuseNulMiddleware:
    """400 for a NUL byte in the URL or cookies: PostgreSQL cannot store or compare one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            return render_error(
                request, 400, "Bad request", "The address contains a character it may not hold."
            )
        return self.get_response(request)


class RowGoneMiddleware:
    """Answers a write that lost a race with a 409 page; nothing was saved.

    RowGone: the row an edit was saving was deleted meanwhile. A refused delete (PROTECT,
    RESTRICT): something was added to the row meanwhile. An IntegrityError: the database
    refused what two writes did at once. The writes that race take their locks first
    (docs/architecture.md, "Writes that race"), so the last is a safety net; it is logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RowGone):
            what = exception.instance._meta.verbose_name
            return render_error(
                request,
                409,
                "Deleted meanwhile",
                f"This {what} was deleted while you were changing it. Nothing was saved.",
            )
        if isinstance(exception, ProtectedError | RestrictedError):
            return render_error(
                request,
                409,
                "Still in use",
                f"It cannot be deleted: {exception.args[0]} Nothing was deleted.",
            )
        if isinstance(exception, IntegrityError):
            logger.warning("a write lost a race at %s: %s", request.path, exception)
            return render_error(
                request,
                409,
                "Changed meanwhile",
                "Someone else changed this at the same moment, so nothing was saved. "
                "Reload the page and try again.",
            )
        return None
