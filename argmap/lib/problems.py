"""The read API's one error shape, as JSON: every error under /api/ answers in it, whether the
API itself or a middleware in front of it (a NUL in the address, say) refuses the request.

Loosely RFC 9457's problem details: status, title, detail, and `errors` naming each bad
parameter. Here, not in argmap.api, because argmap.core's error pages use it too.
"""

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    body = {
        "status": status,
        "title": HTTPStatus(status).phrase,
        "detail": detail,
        "errors": errors or [],
    }
    response = JsonResponse(body, status=status)
    response["Access-Control-Allow-Origin"] = "*"  # the API's data is public (argmap.api)
    return response


def wants_problem(request: HttpRequest) -> bool:
    """True for a request to the read API, which answers errors in JSON, never in HTML."""
    return request.path.startswith(settings.API_PATH)
