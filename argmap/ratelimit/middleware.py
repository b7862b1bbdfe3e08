"""The 429 answer to `limits.RateLimited`, raised in any view or form: a whole page, or for
htmx a notice where messages appear, with `Retry-After` and the wait in words."""

import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .limits import RateLimited, human_wait


def rate_limited_response(request: HttpRequest, limited: RateLimited) -> HttpResponse:
    """429: a whole page, or for htmx a short notice shown where messages appear."""
    context = {"what": limited.what, "wait": human_wait(limited.retry_after)}
    if getattr(request, "htmx", False):
        response = render(request, "ratelimit/rate_limited.html#notice", context, status=429)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = render(request, "ratelimit/rate_limited.html", context, status=429)
    response["Retry-After"] = str(max(1, math.ceil(limited.retry_after)))
    return response


class RateLimitMiddleware:
    """Answers RateLimited, raised in any view or form, with the 429 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return rate_limited_response(request, exception)
        return None
