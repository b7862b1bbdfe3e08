"""The proposer hears back: a count in the header, a list marked read when seen, and an
email where the site sends mail and the reader asked for it."""

import pytest
from django.core import mail
from django.urls import reverse

from argmap.accounts.models import Notification

from ..factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def decided(alice):
    proposal = ProposalFactory(annotation__author=alice)
    proposal.reject(UserFactory(username="curator"), "It repeats the parent.")
    return proposal


def test_the_header_counts_unread_and_the_list_marks_them_read(client):
    alice = UserFactory(username="alice")
    decided(alice)
    client.force_login(alice)
    header = client.get("/").content.decode()
    assert '<span class="unread-count">1</span>' in header
    page = client.get(reverse("notifications")).content.decode()
    assert "It repeats the parent." in page and "New:" in page
    assert not Notification.objects.unread().exists()
    assert 'class="unread-count"' not in client.get("/").content.decode()
    assert "New:" not in client.get(reverse("notifications")).content.decode()


def test_notifications_are_their_users_own(client):
    decided(UserFactory(username="alice"))
    client.force_login(UserFactory(username="bob"))
    assert "It repeats the parent." not in client.get(reverse("notifications")).content.decode()
    assert Notification.objects.unread().count() == 1


def test_a_visitor_is_sent_to_log_in(client):
    assert client.get(reverse("notifications")).status_code == 302


def test_email_only_where_mail_is_configured_and_the_reader_opted_in(
    settings, django_capture_on_commit_callbacks
):
    alice = UserFactory(username="alice", email="alice@example.org")
    settings.EMAIL_HOST = ""
    alice.notify_by_email = True
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        decided(alice)
    assert mail.outbox == []
    settings.EMAIL_HOST = "mail.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        decided(alice)
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    alice.notify_by_email = False
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        decided(alice)
    assert len(mail.outbox) == 1


def test_the_reader_sets_mail_and_credit_on_their_profile(client):
    alice = UserFactory(username="alice")
    client.force_login(alice)
    profile = client.get(reverse("profile", args=["alice"])).content.decode()
    assert 'name="notify_by_email"' in profile and 'name="credit_proposals"' in profile
    response = client.post(reverse("account-settings"), {"credit_proposals": "on"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.credit_proposals, alice.notify_by_email) == (True, False)
