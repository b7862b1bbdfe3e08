"""Accounts: sign up, log in (rate limited), log out, password change, profile."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..factories import PASSWORD, AnnotationFactory, ProposalFactory, UserFactory

User = get_user_model()

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", password=PASSWORD)


def test_sign_up_logs_in_and_returns_to_next(client, db):
    page = client.get(reverse("signup") + "?next=/sources/x/")
    html = page.content.decode()
    for field in ("username", "email", "password1", "password2"):
        assert f'for="id_{field}"' in html  # every field is labelled
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "",
            "password1": "correct horse battery",
            "password2": "correct horse battery",
            "next": "/sources/x/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/sources/x/"
    assert User.objects.get(username="newbie")
    assert client.get("/").wsgi_request.user.username == "newbie"


def test_sign_up_ignores_a_next_on_another_site(client, db):
    data = {"username": "newbie", "password1": "correct horse battery"}
    data.update(password2=data["password1"], next="https://evil.example/")
    response = client.post(reverse("signup"), data)
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.parametrize(
    ("password", "error"),
    [("short", "too short"), ("password123", "too common"), ("12345678901", "entirely numeric")],
)
def test_weak_passwords_are_refused_inline(client, db, password, error):
    data = {"username": "newbie", "password1": password, "password2": password}
    response = client.post(reverse("signup"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_log_in_returns_to_next_and_the_session_cookie_is_httponly(client, alice, settings):
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": "/search/"}
    )
    assert response.status_code == 302 and response["Location"] == "/search/"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert settings.SESSION_COOKIE_SECURE  # production settings: tests run with DEBUG off


def test_wrong_password_is_a_400_with_a_message(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "enter a correct username and password" in response.content.decode()


def test_log_out_is_a_post(client, alice):
    client.force_login(alice)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, alice):
    assert client.get(reverse("password_change")).status_code == 302  # log in first
    client.force_login(alice)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("another long passphrase")


def test_login_forms_require_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_the_profile_lists_annotations_by_visibility(client, alice):
    AnnotationFactory(author=alice, body="Public thought")
    AnnotationFactory(author=alice, body="Private thought", visibility="private")
    url = reverse("profile", args=["alice"])
    public_view = client.get(url).content.decode()
    assert "Public thought" in public_view and "Private thought" not in public_view
    client.force_login(alice)
    own_view = client.get(url).content.decode()
    assert "Public thought" in own_view and "Private thought" in own_view
    assert "Change your password" in own_view


def test_proposals_show_their_state_and_reason_only_to_their_author(client, alice):
    ProposalFactory(
        annotation__author=alice, state="rejected", reason="Already on the map as point 4."
    )
    for url in (reverse("profile", args=["alice"]), reverse("proposals")):
        assert "Already on the map" not in client.get(url).content.decode()
    client.force_login(alice)
    assert reverse("proposals") in client.get(reverse("profile", args=["alice"])).content.decode()
    html = client.get(reverse("proposals")).content.decode()
    assert "Rejected" in html and "Already on the map as point 4." in html


def test_the_profile_lists_in_a_fixed_number_of_queries(client, alice, django_assert_num_queries):
    client.force_login(alice)
    url = reverse("profile", args=["alice"])
    AnnotationFactory(author=alice)
    ProposalFactory(annotation__author=alice)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    AnnotationFactory.create_batch(5, author=alice)
    AnnotationFactory.create_batch(3, author=alice, node=None, visibility="private")
    ProposalFactory.create_batch(3, annotation__author=alice)
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_an_unknown_profile_is_a_404(client, db):
    assert client.get(reverse("profile", args=["nobody"])).status_code == 404
