"""Thirty concurrent wrong passwords against a limit of ten check exactly ten."""

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import needs_postgresql, race, run_at_once
from ..factories import PASSWORD, UserFactory

pytestmark = [
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accounts_sandbox", "roomy_pool"),
]


def test_thirty_concurrent_log_ins_check_exactly_ten_passwords(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-account": (10, 300)}
    UserFactory(username="alice", password=PASSWORD)

    def log_in(index):
        data = {"username": "alice", "password": f"guess {index}"}
        return Client().post(reverse("login"), data).status_code

    statuses = run_at_once(30, log_in)
    assert sorted(statuses) == [400] * 10 + [429] * 20  # 400: a password checked, and wrong
    assert (
        Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 429
    )


def opened_reset_link(user):
    """A browser that followed user's reset link: it now shows the set-password form."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    browser = Client()
    response = browser.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302  # to the form's address; the token waits in the session
    return browser, response["Location"]


def test_one_reset_link_submitted_twice_at_once_changes_the_password_once():
    from django.contrib.auth import get_user_model

    alice = UserFactory(username="alice", password=PASSWORD)
    first, first_form = opened_reset_link(alice)
    second, second_form = opened_reset_link(alice)

    def submit(browser, form, password):
        return browser.post(form, {"new_password1": password, "new_password2": password})

    answer, held = race(
        lambda: submit(first, first_form, "first new passphrase"),
        lambda: submit(second, second_form, "second new passphrase"),
    )
    assert held is None
    assert answer.status_code == 409 and "already used" in answer.content.decode()
    alice = get_user_model().objects.get(pk=alice.pk)
    assert alice.check_password("first new passphrase")
