"""Writes need a logged-in user: an anonymous visitor is sent to log in and comes back."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.utils.http import url_has_allowed_host_and_scheme


def where_they_were(request):
    """The page a visitor was on: the URL itself for a GET, the page that posted for a POST."""
    if request.method in ("GET", "HEAD") and not request.htmx:
        return request.get_full_path()
    candidate = (request.htmx and request.htmx.current_url) or request.headers.get("Referer", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def login_to_write(view):
    """Send an anonymous visitor to log in, and back to the page they were on afterwards."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(where_they_were(request))
        return view(request, *args, **kwargs)

    return wrapper
