"""The htmx middleware: redirects become HX-Redirect, messages ride along out of band."""

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from argmap.lib.htmx import HtmxResponseMiddleware

from ..conftest import HX


def test_htmx_redirects_become_hx_redirect():
    request = RequestFactory().post("/anything", headers=HX)
    request.htmx = True
    middleware = HtmxResponseMiddleware(lambda request: HttpResponseRedirect("/accounts/login/"))
    response = middleware(request)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/"
    assert not response.has_header("Location")


def test_plain_redirects_are_left_alone():
    request = RequestFactory().get("/anything")
    request.htmx = False
    middleware = HtmxResponseMiddleware(lambda request: HttpResponseRedirect("/elsewhere/"))
    response = middleware(request)
    assert response.status_code == 302


@pytest.mark.django_db
def test_messages_ride_along_with_htmx_fragments_out_of_band(rf):
    from django.contrib.messages import add_message, constants
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/x", headers=HX)
    request.htmx = True
    request.session = SessionStore()
    request._messages = FallbackStorage(request)

    def view(request):
        add_message(request, constants.SUCCESS, "Saved your annotation.")
        return HttpResponse("<p>fragment</p>", content_type="text/html; charset=utf-8")

    response = HtmxResponseMiddleware(view)(request)
    html = response.content.decode()
    assert html.startswith("<p>fragment</p>")
    assert 'hx-swap-oob="true"' in html
    assert "Saved your annotation." in html
