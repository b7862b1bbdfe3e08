import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from argmap.lib.errors import (
    OUTAGE_RETRY_AFTER,
    database_is_down,
    render_error,
    render_error_without_database,
)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You may not do that."
    return render_error(request, 403, "Forbidden", message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(
        request, 404, "Not found", "There is nothing at this address. It may have moved."
    )


# PostgreSQL's codes for a query it cancelled: statement_timeout, lock_timeout.
TOO_SLOW = {"57014", "55P03"}


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the database is unreachable or too slow; never
    reads it."""
    error = sys.exc_info()[1]
    if database_is_down(error):
        too_slow = getattr(error.__cause__, "sqlstate", None) in TOO_SLOW if error else False
        reason = (
            "The site's database is too busy to answer"
            if too_slow
            else "The site cannot reach its database"
        )
        response = render_error_without_database(
            request,
            503,
            "Temporarily unavailable",
            f"{reason} just now. Nothing you sent was saved. Please try again in a minute.",
        )
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
    return render_error_without_database(
        request, 500, "Server error", "Something went wrong on our side. Please try again."
    )
