"""Thirty concurrent wrong passwords against a limit of ten check exactly ten."""

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import needs_postgresql, run_at_once
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
