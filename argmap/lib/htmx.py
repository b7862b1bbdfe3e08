"""htmx: what every response needs (middleware), decided in one place."""

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as views see it: django-htmx's middleware has set .htmx."""

    htmx: HtmxDetails


def render_partial_response(
    request: HttpRequest,
    template: str,
    partial: str,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, or for htmx only its `{% partialdef partial %}` (template-partials' "#name";
    django-htmx has no helper for this choice)."""
    chosen = f"{template}#{partial}" if getattr(request, "htmx", False) else template
    return render(request, chosen, context, status=status)


class HtmxResponseMiddleware:
    """Everything htmx needs from a response, decided in one place.

    - Every response varies on HX-Request, so caches keep fragments and pages apart.
    - A redirect answering an htmx request becomes HX-Redirect: htmx would otherwise
      follow it silently and swap a whole page into a fragment's place.
    - Messages queued during an htmx request ride along as an out-of-band swap.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        if not getattr(request, "htmx", False):
            return response
        if 300 <= response.status_code < 400 and response.has_header("Location"):
            location = response["Location"]
            response.status_code = 204
            del response["Location"]
            response["HX-Redirect"] = location
            return response
        content_type = response.get("Content-Type", "")
        # Not on a server error: messages live in the session, and the database holding it
        # may be what failed (the 503 page must render with no database at all).
        if (
            content_type.startswith("text/html")
            and not response.streaming
            and response.status_code < 500
        ):
            messages = list(get_messages(request))
            if messages:
                response.content += render_to_string(
                    "base.html#messages",
                    {"messages": messages, "oob": True},
                    request=request,
                ).encode()
        return response
