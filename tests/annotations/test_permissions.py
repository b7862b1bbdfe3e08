"""Reading, editing, deleting and flagging annotations: who may do what."""

import re

import pytest
from django.urls import reverse

from argmap.annotations.models import BODY_LIMIT, Annotation, Flag

from ..conftest import HX
from ..factories import AnnotationFactory

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


# Reading, editing, deleting -------------------------------------------------------------


def test_public_annotations_show_author_and_time_to_everyone(client, node, alice):
    public = AnnotationFactory(node=node, author=alice, body="Seen by all")
    AnnotationFactory(node=node, author=alice, body="Only mine", visibility="private")
    AnnotationFactory(node=node, author=alice, body="Moderated away", is_hidden=True)
    html = client.get(node.get_absolute_url()).content.decode()
    assert "Seen by all" in html and "Only mine" not in html and "Moderated away" not in html
    assert f'datetime="{public.created.isoformat()}"' in html
    assert 'href="/accounts/people/alice/"' in html
    assert re.search(r"Log in</a>\s+or", html)  # anonymous visitors are invited, not given a form


def test_the_author_sees_private_and_hidden_ones_marked(as_alice, node, alice):
    AnnotationFactory(node=node, author=alice, body="Only mine", visibility="private")
    AnnotationFactory(node=node, author=alice, body="Moderated away", is_hidden=True)
    html = as_alice.get(node.get_absolute_url()).content.decode()
    assert "Only mine" in html and "Private: only you" in html
    assert "Moderated away" in html and "Hidden by moderators" in html


def test_edit_in_place(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Before")
    url = reverse("annotation-edit", args=[annotation.pk])
    form = as_alice.get(url, headers=HX)
    assert form.status_code == 200
    assert f'<form id="annotation-{annotation.pk}"' in form.content.decode()
    saved = as_alice.post(
        url, {"kind": "question", "body": "After *edit*", "visibility": "private"}, headers=HX
    )
    assert saved.status_code == 200
    html = saved.content.decode()
    assert f'<article id="annotation-{annotation.pk}"' in html and "<em>edit</em>" in html
    annotation.refresh_from_db()
    assert (annotation.body, annotation.kind, annotation.visibility) == (
        "After *edit*",
        "question",
        "private",
    )


def test_an_invalid_edit_changes_nothing(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Before")
    url = reverse("annotation-edit", args=[annotation.pk])
    response = as_alice.post(
        url,
        {"kind": "comment", "body": "z" * (BODY_LIMIT + 5), "visibility": "public"},
        headers=HX,
    )
    assert response.status_code == 400
    assert "at most 10,000 characters" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.body == "Before"


def test_delete_asks_for_confirmation_first(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    url = reverse("annotation-delete", args=[annotation.pk])
    confirm = as_alice.get(url, headers=HX)
    assert "Delete this annotation?" in confirm.content.decode()
    assert Annotation.objects.filter(pk=annotation.pk).exists()
    gone = as_alice.post(url, headers=HX)
    assert gone.status_code == 200 and "Annotation deleted." in gone.content.decode()
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_delete_without_htmx_returns_to_the_node(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    response = as_alice.post(reverse("annotation-delete", args=[annotation.pk]))
    assert response.status_code == 302 and response["Location"] == node.get_absolute_url()


@pytest.mark.parametrize("visibility", ["private", "public"])
@pytest.mark.parametrize("action", ["annotation-edit", "annotation-delete"])
def test_others_cannot_touch_an_annotation(as_bob, node, alice, visibility, action):
    annotation = AnnotationFactory(node=node, author=alice, body="Mine", visibility=visibility)
    expected = 404 if visibility == "private" else 403
    url = reverse(action, args=[annotation.pk])
    data = {"kind": "comment", "body": "Hijacked", "visibility": "public"}
    for headers in ({}, HX):
        assert as_bob.get(url, headers=headers).status_code == expected
        assert as_bob.post(url, data, headers=headers).status_code == expected
    annotation.refresh_from_db()
    assert (annotation.body, annotation.visibility) == ("Mine", visibility)


def test_another_users_private_annotation_is_not_found(as_bob, client, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, visibility="private")
    url = reverse("annotation", args=[annotation.pk])
    assert as_bob.get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert as_bob.get(reverse("annotation-flag", args=[annotation.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_before_editing(client, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    response = client.get(reverse("annotation-edit", args=[annotation.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_public_annotations_can_be_flagged_once(as_bob, node, alice, bob):
    annotation = AnnotationFactory(node=node, author=alice)
    url = reverse("annotation-flag", args=[annotation.pk])
    form = as_bob.get(url, headers=HX)
    assert 'name="reason"' in form.content.decode()
    flagged = as_bob.post(url, {"reason": "rude"}, headers=HX)
    assert flagged.status_code == 200
    assert "You flagged this for the moderators." in flagged.content.decode()
    as_bob.post(url, {"reason": "again"}, headers=HX)
    assert list(Flag.objects.values_list("flagged_by__username", "reason")) == [("bob", "rude")]
    page = as_bob.get(node.get_absolute_url()).content.decode()
    assert "You flagged this for the moderators." in page


def test_authors_cannot_flag_their_own(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    response = as_alice.post(reverse("annotation-flag", args=[annotation.pk]), headers=HX)
    assert response.status_code == 400
    assert not Flag.objects.exists()
