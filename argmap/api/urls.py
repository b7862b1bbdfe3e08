from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, include, path, re_path

from . import views
from .api import api


def head_as_get(view: Any) -> Any:
    """HEAD wherever GET is, as every page of the site: the GET's headers, no body (ninja
    routes GET alone)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"
        if response.streaming:
            response.streaming_content = []
        else:
            response.content = b""
        return response

    return wrapped


patterns = api.urls[0]
for pattern in patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = head_as_get(pattern.callback)

urlpatterns = [
    path("api/v1/", include((patterns, "api"))),
    # Any other address under the API answers in the API's error shape, not an HTML page.
    re_path(r"^api/", views.unknown_address),
]
