"""Work a request starts begins once its response is built (argmap/lib/after_response.py)."""

import threading

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.signals import template_rendered

from argmap.evaluation import strengths
from argmap.lib import after_response
from argmap.lib.after_response import AfterResponseMiddleware

from ..conftest import load_seed_map


def test_outside_a_request_it_starts_at_once():
    started = []
    after_response.soon(lambda: started.append("now"))
    assert started == ["now"]


@pytest.mark.parametrize("answer", ["page", "stream", "error"])
def test_inside_a_request_it_starts_when_the_response_is_built(answer):
    events = []

    def view(request):
        after_response.soon(lambda: events.append("started"))
        events.append("view returns")
        if answer == "error":
            raise ValueError("the view failed")
        if answer == "stream":
            # Started before the body is sent: a long stream would hold it back otherwise.
            return StreamingHttpResponse(events.append("streamed") for _ in range(1))
        return HttpResponse("page")

    middleware = AfterResponseMiddleware(view)
    if answer == "error":
        with pytest.raises(ValueError, match="the view failed"):
            middleware(RequestFactory().get("/"))
    else:
        response = middleware(RequestFactory().get("/"))
        b"".join(response)
    assert events[:2] == ["view returns", "started"]
    after_response.soon(lambda: events.append("after"))  # and outside it again: at once
    assert events[-1] == "after"


def test_a_request_made_within_a_request_keeps_the_outer_ones_work_for_the_outer_end():
    events = []

    def inner(request):
        after_response.soon(lambda: events.append("inner started"))
        return HttpResponse()

    def outer(request):
        after_response.soon(lambda: events.append("outer started"))
        AfterResponseMiddleware(inner)(request)
        events.append("outer returns")
        return HttpResponse()

    AfterResponseMiddleware(outer)(RequestFactory().get("/"))
    assert events == ["inner started", "outer returns", "outer started"]


@pytest.mark.django_db(transaction=True)
def test_a_page_that_finds_strengths_stale_begins_their_recompute_after_it_is_rendered(
    client, settings, monkeypatch
):
    argmap = load_seed_map()
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    order = []
    real_start = threading.Thread.start

    def start(thread):
        if thread.name.startswith(strengths.THREAD_PREFIX):
            order.append("recompute begun")
        return real_start(thread)

    def rendered(sender, template, **kwargs):
        order.append("rendered")

    monkeypatch.setattr(threading.Thread, "start", start)
    template_rendered.connect(rendered)
    try:
        assert client.get(argmap.get_absolute_url()).status_code == 200
    finally:
        template_rendered.disconnect(rendered)
        for thread in threading.enumerate():
            if thread.name.startswith(strengths.THREAD_PREFIX):
                thread.join(timeout=30)
    assert "recompute begun" in order  # none kept yet: the page asked for them
    assert "rendered" in order
    assert order.index("recompute begun") > len(order) - 1 - order[::-1].index("rendered")
