"""Usernames a reader can tell apart: Unicode's confusables (UTS #39) decide what looks alike,
one script to a name, and nothing invisible. Existing accounts keep their names."""

import pytest
from django.test import Client
from django.urls import reverse

from argmap.accounts.models import User
from argmap.accounts.names import name_key

from ..factories import UserFactory

pytestmark = pytest.mark.usefixtures("accounts_sandbox")
PASSWORD = "correct horse battery"


def sign_up(username):
    data = {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    return Client().post(reverse("signup"), data)


@pytest.mark.parametrize(
    ("original", "look_alike"),
    [
        ("olga", "\u0585lga"),  # Armenian օ
        ("alice", "\u0251lice"),  # Latin alpha ɑ
        ("Robert", "\u0280obert"),  # small capital ʀ
        ("cap", "\u0441\u0430\u0440"),  # all Cyrillic: сар
        ("xeno", "\u0445\u0435no"),  # Cyrillic х, е
    ],
)
def test_a_look_alike_of_an_existing_name_is_refused(db, original, look_alike):
    UserFactory(username=original)
    response = sign_up(look_alike)
    assert response.status_code == 400
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "invisible",
    ["\u3164", "\uffa0", "\u115f\u1160", "a\u3164b", "\u3164\u3164\u3164"],
)
def test_a_name_with_an_invisible_character_is_refused(db, invisible):
    response = sign_up(invisible)
    assert response.status_code == 400
    assert "invisible" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("mixed", ["pay\u0440al", "\u03b1lpha_bet"])  # Cyrillic р; Greek α
def test_a_name_that_mixes_scripts_is_refused_even_alone(db, mixed):
    response = sign_up(mixed)
    assert response.status_code == 400
    assert "one alphabet" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["José", "Zoë_99", "Łukasz", "山田太郎", "やまだ", "山田タロウ", "Дмитрий", "Ελένη", "김민준"],
)
def test_names_in_one_script_are_welcome(db, name):
    assert sign_up(name).status_code == 302
    assert User.objects.get().username == name


def test_existing_accounts_keep_their_names_and_keys(db):
    # Made before these rules (a name they would refuse now): it still logs in and saves.
    old = UserFactory(username="\u0251lice", password=PASSWORD)
    key = old.name_key
    client = Client()
    assert (
        client.post(reverse("login"), {"username": "\u0251lice", "password": PASSWORD}).status_code
        == 302
    )
    old.refresh_from_db()
    old.email = "new@example.org"
    old.save()
    old.refresh_from_db()
    assert old.name_key == key and old.last_login is not None


def test_a_rename_is_checked_like_a_new_name(admin_client, db):
    UserFactory(username="alice")
    bob = UserFactory(username="bob")
    url = reverse("admin:accounts_user_change", args=[bob.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = {
        "username": "\u0251lice", "password": bob.password, "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00",
    }  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "looks the same" in response.content.decode()
    bob.refresh_from_db()
    assert bob.username == "bob" and bob.name_key == name_key("bob")
