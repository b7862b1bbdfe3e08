"""A fixed-window rate limit kept in the shared cache, so it holds across app servers."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def client_key(request):
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        # Only behind a proxy that overwrites the header; otherwise clients could forge it.
        address = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip() or address
    return f"addr:{address}"


def rate_limited(request, action):
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
    return count > limit
