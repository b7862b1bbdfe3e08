from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def render_error(request, status, title, message):
    """One renderer for every error page: a whole page, or a fragment for htmx."""
    template = "error.html#error" if getattr(request, "htmx", False) else "error.html"
    return render(
        request,
        template,
        {"status": status, "title": title, "message": message},
        status=status,
    )


def bad_request(request, exception=None):
    return render_error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "You may not do that."
    return render_error(request, 403, "Forbidden", message)


def page_not_found(request, exception=None):
    return render_error(
        request, 404, "Not found", "There is nothing at this address. It may have moved."
    )


def server_error(request):
    return render_error(
        request, 500, "Server error", "Something went wrong on our side. Please try again."
    )
