"""Writes need a logged-in user: an anonymous visitor is sent to log in and comes back."""

from collections.abc import Callable
from functools import update_wrapper
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from .htmx import HtmxHttpRequest

P = ParamSpec("P")


def where_they_were(request: HtmxHttpRequest) -> str:
    """The page a visitor was on: the URL itself for a GET, the page that posted for a POST."""
    if request.method in ("GET", "HEAD") and not request.htmx:
        return request.get_full_path()
    candidate = (request.htmx and request.htmx.current_url) or request.headers.get("Referer", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def login_to_write(
    view: Callable[Concatenate[HtmxHttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HtmxHttpRequest, P], HttpResponse]:
    """Send an anonymous visitor to log in, and back to the page they were on afterwards."""

    def wrapper(request: HtmxHttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(where_they_were(request))
        return view(request, *args, **kwargs)

    update_wrapper(wrapper, view)  # in place: wraps() would retype wrapper as _Wrapped
    return wrapper
