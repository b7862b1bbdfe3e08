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
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request, exception=None):
    return render_error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "You may not do that."
    return render_error(request, 403, "Forbidden", message)


def page_not_found(request, exception=None):
    return render_error(
        request, 404, "Not found", "There is nothing at this address. It may have moved."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the database is unreachable; never reads it."""
    if database_is_down(sys.exc_info()[1]):
        response = render_error_without_database(
            request,
            503,
            "Temporarily unavailable",
            "The site cannot reach its database just now. Nothing you sent was saved. "
            "Please try again in a minute.",
        )
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
    return render_error_without_database(
        request, 500, "Server error", "Something went wrong on our side. Please try again."
    )
