"""HEAD for monitors, NUL bytes refused, and error pages that never need the database."""

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path

from argmap.core import views as core_views
from argmap.urls import urlpatterns as site_urls

from ..annotations.conftest import client_for
from ..factories import UserFactory

MAP = "/maps/deepseek-r1-sputnik/"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/healthz",
        MAP,
        f"{MAP}diagram/",
        "/search/?q=chips",
        "/accounts/login/",
        "/accounts/signup/",
    ],
)
def test_head_answers_like_get_without_a_body(client, seeded_map, url):
    response = client.head(url)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/people/a%00b/",
        f"{MAP}?focus=a%00b",
        f"{MAP}nodes/a%00b/",
        "/sources/a%00b/",
        "/search/?q=a%00b",
        "/annotations/1%00/",
        "/%00",
    ],
)
def test_a_nul_byte_in_the_url_is_a_400_not_a_500(client, seeded_map, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert "Bad request" in response.content.decode() or "Not found" in response.content.decode()


def test_a_nul_byte_in_a_cookie_is_a_400(client, seeded_map):
    response = client.get("/", HTTP_COOKIE='sessionid="\\000abcdefghijklmnop"')
    assert response.wsgi_request.COOKIES["sessionid"].startswith("\x00")
    assert response.status_code == 400


def fails_with_database_down(request):
    raise OperationalError("connection refused")


urlpatterns = [path("down/", fails_with_database_down), *site_urls]
handler500 = "argmap.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_database_outage_gets_a_503_page_that_reads_no_session(db, django_assert_num_queries):
    user = UserFactory()
    for client in (Client(raise_request_exception=False), client_for(user)):
        client.raise_request_exception = False
        with django_assert_num_queries(0):  # the page touches neither session nor user
            response = client.get("/down/")
        assert response.status_code == 503
        assert response["Retry-After"] == str(core_views.OUTAGE_RETRY_AFTER)
        html = response.content.decode()
        assert "cannot reach its database" in html and "<html" in html
        fragment = client.get("/down/", headers={"HX-Request": "true"})
        assert fragment.status_code == 503 and "<html" not in fragment.content.decode()
