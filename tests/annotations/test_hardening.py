"""Limits on editing and flagging; edits never bring a deleted row back; private stays private."""

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError
from django.urls import reverse

from argmap.annotations import views
from argmap.annotations.models import Annotation, Flag, Proposal
from argmap.debates.models import Node
from argmap.lib.rows import RowGone

from ..conftest import HX
from ..factories import AnnotationFactory, NodeFactory, ProposalFactory, UserFactory
from .conftest import post_note

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


def edit(client, annotation, body, headers=None):
    data = {
        "kind": "comment",
        "body": body,
        "visibility": annotation.visibility,
    }
    return client.post(
        reverse("annotation-edit", args=[annotation.pk]), data, headers=headers or {}
    )


def test_editing_is_rate_limited(as_alice, alice, node, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "edit": (2, 60)}
    annotation = AnnotationFactory(author=alice, node=node)
    assert edit(as_alice, annotation, "first", HX).status_code == 200
    assert edit(as_alice, annotation, "second", HX).status_code == 200
    refused = edit(as_alice, annotation, "third", HX)
    assert refused.status_code == 429 and refused["HX-Retarget"] == "#messages"
    assert "Too many edits" in refused.content.decode()
    annotation.refresh_from_db()
    assert annotation.body == "second"


def test_flagging_is_rate_limited(as_bob, alice, node, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag": (2, 60)}
    annotations = AnnotationFactory.create_batch(3, author=alice, node=node)
    for annotation in annotations[:2]:
        url = reverse("annotation-flag", args=[annotation.pk])
        assert as_bob.post(url, {"reason": "spam"}, headers=HX).status_code == 200
    refused = as_bob.post(reverse("annotation-flag", args=[annotations[2].pk]), headers=HX)
    assert refused.status_code == 429
    assert Flag.objects.count() == 2


def test_creating_annotations_counts_apart_from_editing(as_alice, alice, node, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "annotate": (1, 60), "edit": (5, 60)}
    assert post_note(as_alice, node, HX).status_code == 200
    assert post_note(as_alice, node, HX).status_code == 429
    assert edit(as_alice, Annotation.objects.get(), "changed", HX).status_code == 200


# Update-only edits --------------------------------------------------------------------


def test_an_edit_racing_a_delete_answers_409_and_the_row_stays_deleted(
    as_alice, alice, node, monkeypatch
):
    annotation = AnnotationFactory(author=alice, node=node, body="original")
    found = views.editable_annotation

    def deleted_after_reading(request, pk):
        loaded = found(request, pk)
        Annotation.objects.filter(pk=pk).delete()  # the author's other tab deletes it
        return loaded

    monkeypatch.setattr(views, "editable_annotation", deleted_after_reading)
    for headers in (HX, None):
        Annotation.objects.filter(pk=annotation.pk).delete()
        AnnotationFactory(author=alice, node=node, pk=annotation.pk, body="original")
        response = edit(as_alice, annotation, "edited", headers)
        assert response.status_code == 409
        assert "deleted while you were changing it" in response.content.decode()
        assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_a_flag_racing_a_delete_answers_409_and_stores_nothing(as_bob, alice, node, monkeypatch):
    annotation = AnnotationFactory(author=alice, node=node)
    found = views.viewable_annotation

    def deleted_after_reading(request, pk):
        loaded = found(request, pk)
        Annotation.objects.filter(pk=pk).delete()
        return loaded

    monkeypatch.setattr(views, "viewable_annotation", deleted_after_reading)
    url = reverse("annotation-flag", args=[annotation.pk])
    response = as_bob.post(url, {"reason": "spam"}, headers=HX)
    assert response.status_code == 409
    assert not Flag.objects.exists() and not Annotation.objects.exists()


@pytest.mark.parametrize(
    "make",
    [
        lambda: AnnotationFactory(),
        lambda: NodeFactory(),
        lambda: ProposalFactory(),
        lambda: Flag.objects.create(annotation=AnnotationFactory(), flagged_by=UserFactory()),
        lambda: UserFactory(),
    ],
    ids=["annotation", "node", "proposal", "flag", "user"],
)
def test_saving_a_deleted_row_raises_and_inserts_nothing(db, make):
    row = make()
    model = type(row)
    model.objects.filter(pk=row.pk).delete()
    with pytest.raises(RowGone):
        row.save()
    with pytest.raises(RowGone):
        row.save(
            update_fields=[f.name for f in model._meta.concrete_fields if not f.primary_key][:1]
        )
    assert not model.objects.filter(pk=row.pk).exists()


def test_the_admin_saving_a_node_deleted_meanwhile_answers_409(curator_client, node, monkeypatch):
    from argmap.debates.admin import NodeAdmin

    fetch = NodeAdmin.get_object

    def deleted_after_reading(self, request, object_id, from_field=None):
        loaded = fetch(self, request, object_id, from_field)
        if request.method == "POST" and loaded is not None:
            Node.objects.filter(pk=loaded.pk).delete()
        return loaded

    page = curator_client.get(reverse("admin:debates_node_change", args=[node.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        # Send no extra (blank) inline rows: only the node itself changes.
        data[f"{management.prefix}-TOTAL_FORMS"] = management["INITIAL_FORMS"].value()
    data["text"] = "After"
    monkeypatch.setattr(NodeAdmin, "get_object", deleted_after_reading)
    response = curator_client.post(reverse("admin:debates_node_change", args=[node.pk]), data)
    assert response.status_code == 409
    # The admin's transaction rolls back whole; here that includes the stand-in delete,
    # which in life another request has committed. The edit itself is never written.
    assert not Node.objects.filter(text="After").exists()


def test_the_admin_change_view_of_a_deleted_node_creates_nothing(curator_client):
    node = NodeFactory()
    url = reverse("admin:debates_node_change", args=[node.pk])
    Node.objects.filter(pk=node.pk).delete()
    assert curator_client.get(url).status_code == 302  # "… doesn't exist. Perhaps it was deleted?"
    assert curator_client.post(url, {"text": "again"}).status_code == 302
    assert not Node.objects.filter(pk=node.pk).exists()


# Private annotations ---------------------------------------------------------------------


@pytest.fixture
def moderator(client, curators_group):
    user = UserFactory(username="moderator", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def private(alice, node):
    annotation = AnnotationFactory(
        author=alice, node=node, visibility="private", body="my secret plan"
    )
    Flag.objects.create(annotation=annotation, flagged_by=UserFactory(), reason="flagged first")
    return annotation


def test_the_admin_never_shows_a_private_annotation(moderator, private, node):
    shown = AnnotationFactory(node=node, body="an open remark")
    listing = moderator.get(reverse("admin:annotations_annotation_changelist"))
    assert f"/{shown.pk}/change/" in listing.content.decode()
    assert f"/{private.pk}/change/" not in listing.content.decode()
    search = moderator.get(reverse("admin:annotations_annotation_changelist") + "?q=secret")
    assert "0 annotations" in search.content.decode() or "0 results" in search.content.decode()
    assert "my secret plan" not in search.content.decode()
    for name in ("change", "history", "delete"):
        page = moderator.get(reverse(f"admin:annotations_annotation_{name}", args=[private.pk]))
        assert page.status_code == 302 and "my secret plan" not in page.content.decode()
    flags = moderator.get(reverse("admin:annotations_flag_changelist"))
    assert "flagged first" not in flags.content.decode()


def test_admin_actions_do_not_reach_a_private_annotation(moderator, private):
    response = moderator.post(
        reverse("admin:annotations_annotation_changelist"),
        {"action": "hide", "_selected_action": [private.pk]},
    )
    assert response.status_code in (200, 302)
    private.refresh_from_db()
    assert not private.is_hidden


def test_a_curator_without_superuser_powers_sees_no_private_annotation(client, curator, private):
    curator.user_permissions.add(*Permission.objects.filter(codename__endswith="annotation"))
    client.force_login(curator)
    page = client.get(reverse("admin:annotations_annotation_change", args=[private.pk]))
    assert page.status_code == 302


def test_a_proposal_needs_a_public_annotation(as_alice, source, node):
    from .conftest import post_passage, selector

    quote = source.text.split(". ")[0]
    data = selector(source, quote, visibility="private", target=node.pk, proposed_text="A point.")
    response = post_passage(as_alice, source, data)
    assert response.status_code == 400
    assert "make the annotation public" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_proposed_annotation_cannot_turn_private_while_pending(db):
    proposal = ProposalFactory()
    annotation = proposal.annotation
    from ..annotations.conftest import client_for

    response = edit(client_for(annotation.author), annotation, "still here")
    assert response.status_code == 302
    data = {"kind": "comment", "body": "hide it", "visibility": "private"}
    refused = client_for(annotation.author).post(
        reverse("annotation-edit", args=[annotation.pk]), data
    )
    assert refused.status_code == 400
    annotation.refresh_from_db()
    assert annotation.visibility == "public"


def test_a_write_the_database_refuses_answers_409_not_500(as_bob, alice, node, monkeypatch):
    # The safety net behind the locks of docs/architecture.md, "Writes that race".
    def refused(*args, **kwargs):
        raise IntegrityError("insert or update violates foreign key constraint")

    annotation = AnnotationFactory(author=alice, node=node)
    monkeypatch.setattr(Flag.objects, "get_or_create", refused)
    as_bob.raise_request_exception = False
    flag = reverse("annotation-flag", args=[annotation.pk])
    response = as_bob.post(flag, {"reason": "spam"}, headers=HX)
    assert response.status_code == 409 and "Changed meanwhile" in response.content.decode()
