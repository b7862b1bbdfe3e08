"""Requests the app refuses before any view runs, and rows gone under an edit."""

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse

from argmap.lib.rows import RowGone

from .views import render_error


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
    """Answers RowGone with a 409 page: the edit was not saved, the row stays deleted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RowGone):
            return None
        return render_error(
            request,
            409,
            "Deleted meanwhile",
            f"This {exception.instance._meta.verbose_name} was deleted while you were "
            "changing it. Nothing was saved.",
        )
