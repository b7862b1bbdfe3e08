"""Annotating a node: create inline, validation, and the no-JS fallbacks."""

import pytest
from django.urls import reverse

from argmap.annotations.models import BODY_LIMIT, Annotation

from ..conftest import HX
from .conftest import post_note

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


# Creating on a node ---------------------------------------------------------------------


def test_logged_in_user_annotates_a_node_inline(as_alice, node):
    response = post_note(as_alice, node, HX, body="Chips **matter**.", kind="agree")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="annotation-panel-{node.pk}"' in html and 'hx-target="this"' in html
    assert "<strong>matter</strong>" in html and "Agree" in html and "alice" in html
    annotation = Annotation.objects.get()
    assert (annotation.node, annotation.author.username, annotation.kind) == (
        node,
        "alice",
        "agree",
    )
    assert annotation.node_text == node.text
    assert "Your annotation is saved." in html  # the message rides along out of band


def test_without_htmx_creating_redirects_to_the_annotation(as_alice, node):
    response = post_note(as_alice, node)
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{node.get_absolute_url()}#annotation-{annotation.pk}"


def test_anonymous_writer_is_sent_to_log_in_and_back(client, node):
    page = f"http://testserver{node.get_absolute_url()}"
    response = post_note(client, node, {"Referer": page})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert "nodes" in response["Location"]
    htmx = post_note(client, node, {**HX, "HX-Current-URL": page})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(reverse("login"))
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("bad", ["999999", "not-a-number", ""])
def test_posting_to_a_missing_node_is_a_400_that_writes_nothing(as_alice, node, bad):
    response = as_alice.post(
        reverse("annotation-create"), {"node": bad, "body": "x", "kind": "comment"}, headers=HX
    )
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"body": ""}, "Write something before saving."),
        ({"body": "   \n "}, "Write something before saving."),
        ({"kind": "fallacy", "fallacy": ""}, "Name the fallacy"),
        ({"kind": "not-a-kind"}, "Select a valid choice"),
        ({"visibility": "everyone"}, "Select a valid choice"),
        ({"body": "x" * (BODY_LIMIT + 1)}, "at most 10,000 characters; this one has 10,001"),
        # Past the limits that bound Markdown's cost (lib.markdown), which no real one meets.
        ({"body": "a\n" * 300 + "a"}, "at most 300 lines; this one has 301"),
        ({"body": "**a** " * 125 + "*"}, "at most 500 of the characters Markdown reads as markup"),
        ({"body": "[" * 30 + "a" * 1000}, "too many “[” without their “]”"),
    ],
)
def test_invalid_annotations_show_inline_errors_and_write_nothing(as_alice, node, fields, error):
    response = post_note(as_alice, node, HX, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f'id="annotation-panel-{node.pk}"' in html  # the panel, with the form and its errors
    assert not Annotation.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(as_alice, node):
    assert post_note(as_alice, node, HX, body="y" * BODY_LIMIT).status_code == 200
    assert len(Annotation.objects.get().body) == BODY_LIMIT


def test_fallacy_keeps_its_name_and_other_kinds_drop_it(as_alice, node):
    post_note(as_alice, node, HX, kind="fallacy", fallacy="straw man")
    post_note(as_alice, node, HX, kind="question", fallacy="ignored")
    assert set(Annotation.objects.values_list("kind", "fallacy")) == {
        ("fallacy", "straw man"),
        ("question", ""),
    }
