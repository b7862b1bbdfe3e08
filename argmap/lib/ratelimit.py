"""A fixed-window rate limit kept in the shared cache, so it holds across app servers."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_key(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        # Only behind a proxy that overwrites the header; otherwise clients could forge it.
        address = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip() or address
    return f"addr:{address}"


def rate_limited(request: HttpRequest, action: str) -> bool:
    """Count this request; True when it is over the limit for this action."""
    limit, window = settings.RATE_LIMITS[action]
    bucket = int(timezone.now().timestamp()) // window
    key = f"ratelimit:{action}:{client_key(request)}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return bool(count > limit)


def rate_limited_response(request: HttpRequest, action: str, what: str) -> HttpResponse:
    """429: a whole page, or for htmx a short notice shown where messages appear."""
    limit, window = settings.RATE_LIMITS[action]
    context = {"what": what, "limit": limit, "window": window, "window_words": wait_words(window)}
    if getattr(request, "htmx", False):
        response = render(request, "accounts/rate_limited.html#notice", context, status=429)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(window)
    return response


def wait_words(seconds: int) -> str:
    """A wait as a person says it: "about 5 minutes", "about a minute", "30 seconds"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return "about a minute" if minutes == 1 else f"about {minutes} minutes"
