"""HEAD for monitors, NUL bytes and overlong values refused, error pages with no database."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, path

from argmap.annotations.models import Annotation
from argmap.debates.models import Source
from argmap.lib.errors import OUTAGE_RETRY_AFTER
from argmap.ratelimit.limits import stored_name
from argmap.urls import urlpatterns as site_urls

from ..annotations.conftest import client_for
from ..conftest import HX, counter_names
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
        assert response["Retry-After"] == str(OUTAGE_RETRY_AFTER)
        html = response.content.decode()
        assert "cannot reach its database" in html and "<html" in html
        fragment = client.get("/down/", headers={"HX-Request": "true"})
        assert fragment.status_code == 503 and "<html" not in fragment.content.decode()


# Values that outgrow a column --------------------------------------------------------


@pytest.mark.usefixtures("accounts_sandbox")
def test_a_name_whose_look_alike_key_outgrows_the_column_signs_up(client, db):
    # Casefolding turns "ß" into "ss": 150 of them made a 300-character key, which
    # PostgreSQL refused with a 500.
    password = "a long enough pass-phrase 42"
    data = {"username": "ß" * 150, "password1": password, "password2": password}
    assert client.post("/accounts/signup/", data).status_code == 302
    user = get_user_model().objects.get(username="ß" * 150)
    assert len(user.name_key) <= get_user_model()._meta.get_field("name_key").max_length
    # The key still tells look-alikes apart, and still refuses them.
    other = Client().post("/accounts/signup/", {**data, "username": "ẞ" * 150})
    assert other.status_code == 400 and "looks the same" in other.content.decode()
    assert (
        Client().post("/accounts/signup/", {**data, "username": "ß" * 149 + "a"}).status_code == 302
    )


@pytest.mark.usefixtures("accounts_sandbox")
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_log_in_with_an_overlong_name_is_refused_not_a_500(client, db, url):
    # The form does not limit a log-in name's length; the failure counter's name held it.
    response = client.post(url, {"username": "x" * 10_000, "password": "wrong"})
    assert response.status_code in (200, 400)
    names = counter_names()
    assert names and all(len(name) <= 255 for name in names)
    assert len([name for name in names if name.startswith("login-account:")]) == 1


@pytest.mark.usefixtures("accounts_sandbox")
@pytest.mark.parametrize("forwarded", ["a\x00b", "9" * 10_000, "not an address, 10.0.0.1"])
def test_a_forged_forwarded_address_is_not_counted_as_given(client, db, settings, forwarded):
    settings.TRUST_X_FORWARDED_FOR = True
    response = client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 400
    assert "login-address:addr:192.0.2.7" in counter_names()
    forwarded_ok = client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="2001:db8::1, 10.0.0.1",
    )
    assert forwarded_ok.status_code == 400
    assert "login-address:addr:2001:db8::1" in counter_names()


def test_counter_names_fit_the_column_and_hold_no_nul():
    assert stored_name("edit:user:1") == "edit:user:1"
    for name in ("login-account:account:" + "x" * 300, "login-address:addr:a\x00b"):
        stored = stored_name(name)
        assert len(stored) <= 255 and "\x00" not in stored
        assert stored.startswith(name.split(":")[0] + ":sha256:")
    assert stored_name("a:" + "x" * 300) != stored_name("a:" + "x" * 301)


@pytest.mark.parametrize("action", ["edit", "delete", "flag"])
def test_head_on_an_annotations_form_page_answers_like_get(seeded_map, action):
    author, reader = UserFactory(), UserFactory()
    node = seeded_map.nodes.exclude(parent=None).first()
    annotation = Annotation.objects.create(author=author, node=node, body="*b*")
    client = client_for(reader if action == "flag" else author)
    url = f"/annotations/{annotation.pk}/{action}/"
    response = client.head(url)
    assert response.status_code == 200 and response.content == b""
    assert client.get(url).status_code == 200
    annotation.refresh_from_db()  # neither deleted nor flagged
    assert not annotation.flags.exists()


@pytest.mark.usefixtures("accounts_sandbox")
@pytest.mark.parametrize("target", ["a", "9" * 30, "ﬃ" * 50, "home"])
def test_a_next_that_is_not_a_path_goes_home(client, db, target):
    password = "a long enough pass-phrase 42"
    data = {"username": "newbie", "password1": password, "password2": password, "next": target}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(f"/accounts/signup/?next={target}")["Location"] == "/"  # logged in now
    assert client.get("/accounts/signup/?next=/search/")["Location"] == "/search/"


def site_routes(patterns=None, prefix=""):
    """Every route of the site but the admin's, as (route, converter names)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                yield from site_routes(pattern.url_patterns, route)
        elif not route.startswith("admin/"):
            yield route


def test_every_route_answers_odd_values_with_a_4xx_not_a_500(seeded_map):
    # Each route's every part, and the query parameters the views read, filled with a huge
    # number, an overlong word, bytes that are not UTF-8 and a NUL; and HEAD wherever GET
    # is allowed. PostgreSQL is where these failed.
    reader = client_for(UserFactory())
    reader.raise_request_exception = False
    anonymous = Client(raise_request_exception=False)
    for value in ("9" * 30, "x" * 3000, "%FF%FE", "a%00b"):
        query = f"?focus={value}&q={value}&from={value}&next={value}&state={value}"
        for route in site_routes():
            url = "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)
            for client in (anonymous, reader):
                assert client.get(url + query).status_code < 500, (url[:80], value[:10])
                response = client.get(url)
                assert response.status_code < 500, (url[:80], value[:10])
                if response.status_code != 405:  # where GET is allowed, HEAD is too
                    assert client.head(url).status_code not in (405, 500), url[:80]


def route_values(seeded_map, reader):
    """A real value for each part of a route, so that a POST reaches the view's form."""
    node = seeded_map.nodes.exclude(parent=None).first()
    annotation = Annotation.objects.create(author=reader, node=node, body="fine")
    source = Source.objects.first()
    return (
        node,
        source,
        {
            "slug": seeded_map.slug,
            "key": node.key,
            "fmt": "json",
            "pk": annotation.pk,
            "username": reader.username,
            "uidb64": "MQ",
            "token": "set-password",
        },
    )


# Digits int() refuses: "²" is a digit to str.isdigit, and Python reads at most 4,300.
ODD_NUMBERS = ("²", "9" * 5000)


def test_every_form_answers_odd_numbers_with_a_4xx_not_a_500(seeded_map, settings):
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, (10**6, 60))
    reader = UserFactory()
    node, source, values = route_values(seeded_map, reader)
    client = client_for(reader)
    client.raise_request_exception = False
    fields = {
        **dict.fromkeys(("target", "start", "acceptability", "relevance", "passage"), "1"),
        "node": str(node.pk),
        "end": "12",
        "exact": source.text[:12],
        "text": "Cheap chips made the model.",
        "body": "A fair point.",
    }
    for route in site_routes():
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda part: str(values[part[1]]), route)
        for field in ("node", "target", "start", "end", "acceptability", "relevance", "passage"):
            for odd in ODD_NUMBERS:
                response = client.post(url, {**fields, field: odd})
                assert response.status_code < 500, (url, field, odd[:8])


# Text urlsplit refuses (ValueError): an unclosed IPv6 host, a port that is no number, one
# out of range; and a route whose object id is no number.
NO_URLS = (
    "http://[::1",
    "http://testserver:x/",
    "http://testserver:99999/",
    "/admin/debates/node/x/change/",
)


def test_an_address_a_client_sends_that_is_no_url_is_no_route_not_a_500(seeded_map, curator):
    reader = UserFactory()
    node, _, values = route_values(seeded_map, reader)
    annotation = f"/annotations/{values['pk']}/"
    autocomplete = {"app_label": "debates", "model_name": "node", "field_name": "parent"}
    for address in NO_URLS:
        embed = Client().get("/oembed", {"url": address})
        assert embed.status_code == 404, address
        shown = client_for(reader).get(annotation, headers={**HX, "HX-Current-URL": address})
        assert shown.status_code == 200, address
        found = client_for(curator).get(
            "/admin/autocomplete/", {"term": "a", **autocomplete}, headers={"Referer": address}
        )
        assert found.status_code == 200 and found.json()["results"], address
