"""Work that a request starts but must not slow: begun once the request's response is built.

A strengths recompute at a million nodes is about 10 s of work in the worker's interpreter.
Begun in a thread in the middle of the request that found the strengths stale, it shared the
interpreter with that request's own rendering: the map page focused on its deepest node,
after a curator's edit, took 58 ms alone and up to 153 ms beside it. So inside a request (with
AfterResponseMiddleware in the chain) `soon(start)` keeps `start` until the view's response
is built, then calls it; anywhere else (a command, a thread of its own) it calls it at once.

Django has no signal between a view's return and its body's sending: request_finished comes
after a streamed body ends (an 801 MB export streams for over a minute), hence a middleware.
"""

import threading
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

_local = threading.local()


def soon(start: Callable[[], None]) -> None:
    """Call start once the current request's response is built, or now outside a request."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        start()
    else:
        pending.append(start)


class AfterResponseMiddleware:
    """The outermost middleware: what soon() kept during the request starts when the whole
    chain has returned its response (whatever it is: an error page too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        outer = getattr(_local, "pending", None)  # a request made within a request (tests)
        _local.pending = []
        try:
            return self.get_response(request)
        finally:
            pending, _local.pending = _local.pending, outer
            for start in pending:
                start()
