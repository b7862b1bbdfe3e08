"""One limiter for every way to log in; sign-up and password reset limited per address."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from ..factories import PASSWORD, UserFactory

User = get_user_model()

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", password=PASSWORD, email="alice@example.org")


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "login-account": (3, 300),
        "login-address": (5, 300),
        "signup": (2, 600),
        "password-reset": (2, 3600),
    }


def site_login(client, password, username="alice"):
    return client.post(reverse("login"), {"username": username, "password": password})


def admin_login(client, password, username="alice"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )


def password_change(client, password):
    return client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "x7!long new pass",
            "new_password2": "x7!long new pass",
        },
    )


def test_failures_on_site_and_admin_and_password_change_share_one_limit(alice, limits):
    client = Client()
    assert site_login(client, "wrong").status_code == 400
    assert admin_login(Client(), "wrong").status_code == 200  # the admin shows its own error
    logged_in = Client()
    logged_in.force_login(alice)
    assert password_change(logged_in, "wrong").status_code == 200
    # Three wrong passwords for alice, each a different way: every way is now refused,
    # the right password included, and no password is checked.
    for attempt in (site_login(client, PASSWORD), admin_login(Client(), PASSWORD)):
        assert attempt.status_code == 429
        assert "about 5 minutes" in attempt.content.decode()
        assert 295 <= int(attempt["Retry-After"]) <= 300
    assert password_change(logged_in, PASSWORD).status_code == 429
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)  # the change was refused
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_limited_for_a_superuser(db, limits):
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    for _ in range(3):
        assert admin_login(Client(), "guess", "root").status_code == 200
    response = admin_login(Client(), PASSWORD, "root")
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session


def test_successful_log_ins_do_not_count_as_failures(alice, limits):
    for _ in range(10):
        client = Client()
        assert site_login(client, PASSWORD).status_code == 302
    assert site_login(Client(), "wrong").status_code == 400
    assert site_login(Client(), PASSWORD).status_code == 302


def test_a_classroom_behind_one_address_logs_in(db, limits):
    # 12 pupils share one address; a few mistype once. The address allows 5 failures:
    # the right passwords use none of it.
    pupils = [UserFactory(username=f"pupil{n}", password=PASSWORD) for n in range(12)]
    for pupil in pupils[:4]:
        assert site_login(Client(), "typo", pupil.username).status_code == 400
    for pupil in pupils:
        assert site_login(Client(), PASSWORD, pupil.username).status_code == 302


def test_failures_from_one_address_are_limited_across_accounts(db, limits):
    for n in range(5):
        assert site_login(Client(), "guess", f"nobody{n}").status_code == 400
    assert site_login(Client(), "guess", "someone-else").status_code == 429


def test_sign_up_is_limited_per_address(db, limits):
    def sign_up(name):
        data = {"username": name, "password1": "correct horse battery"}
        return Client().post(reverse("signup"), {**data, "password2": data["password1"]})

    assert sign_up("first").status_code == 302
    assert sign_up("second").status_code == 302
    refused = sign_up("third")
    assert refused.status_code == 429
    assert "Too many new accounts" in refused.content.decode()
    assert not User.objects.filter(username="third").exists()


def test_password_reset_sends_a_working_link(client, alice):
    page = client.get(reverse("login"))
    assert reverse("password_reset") in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    link = next(line for line in message.body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fresh long passphrase", "new_password2": "a fresh long passphrase"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password("a fresh long passphrase")
    assert "expired" in client.get(path, follow=True).content.decode()  # used once only


def test_password_reset_is_rate_limited(client, alice, limits):
    for _ in range(2):
        assert (
            client.post(reverse("password_reset"), {"email": "alice@example.org"}).status_code
            == 302
        )
    refused = client.post(reverse("password_reset"), {"email": "alice@example.org"})
    assert refused.status_code == 429
    assert len(mail.outbox) == 2


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "look_alike",
    [
        "\u0430lice",  # Cyrillic а
        "ALICE",
        "Al\u0131ce",  # dotless ı
        "\uff41lice",  # full-width a
        "\u0391lice",  # Greek capital alpha
        "aIice",  # capital I for l
        "a1ice",
    ],
)
def test_sign_up_refuses_a_name_that_looks_like_an_existing_one(client, alice, look_alike):
    data = {"username": look_alike, "password1": "correct horse battery"}
    response = client.post(reverse("signup"), {**data, "password2": data["password1"]})
    assert response.status_code == 400
    assert "looks the same as an existing account" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_accepts_a_name_that_only_shares_letters(client, alice):
    data = {"username": "alicia", "password1": "correct horse battery"}
    response = client.post(reverse("signup"), {**data, "password2": data["password1"]})
    assert response.status_code == 302


def test_the_admin_password_change_shares_the_limit(db, limits):
    staff = UserFactory(username="staffer", password=PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    data = {"new_password1": "x7!long new pass", "new_password2": "x7!long new pass"}
    url = reverse("admin:password_change")
    for _ in range(3):
        assert client.post(url, {"old_password": "wrong", **data}).status_code == 200
    assert client.post(url, {"old_password": PASSWORD, **data}).status_code == 429
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
