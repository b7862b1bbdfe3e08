"""One renderer for every error answer: a whole page, an htmx fragment, or the read API's
JSON error shape. Here, not in argmap.core, because every app answers errors with it and no
app imports another app's views; it renders the project's own `error.html`, no app's."""

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .htmx import render_partial_response
from .problems import problem, wants_problem

# How long a client should wait before retrying while the database is unreachable.
OUTAGE_RETRY_AFTER = 30


def render_error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """The error page, or for htmx its fragment, or for the read API its JSON shape."""
    if wants_problem(request):
        return problem(status, message)
    context = {"status": status, "title": title, "message": message}
    return render_partial_response(request, "error.html", "error", context, status=status)


def render_error_without_database(
    request: HttpRequest, status: int, title: str, message: str
) -> HttpResponse:
    """The error page with nothing that could touch the database.

    Rendered without the request's context processors: `user` and `messages` read the
    session, which lives in the database. The page shows the logged-out header instead.
    """
    if wants_problem(request):
        return problem(status, message)
    is_htmx = request.headers.get("HX-Request") == "true"
    template = "error.html#error" if is_htmx else "error.html"
    context = {"status": status, "title": title, "message": message}
    return HttpResponse(render_to_string(template, context), status=status)


def database_is_down(exception: BaseException | None) -> bool:
    """True for the errors of an unreachable database (refused, not answering in time, pool
    exhausted) and of a query it cancelled at its statement_timeout or lock_timeout."""
    return isinstance(exception, OperationalError | InterfaceError)
