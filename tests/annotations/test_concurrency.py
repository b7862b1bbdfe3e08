"""Concurrent requests on PostgreSQL: limits hold exactly; a deleted annotation stays deleted."""

import pytest
from django.test import Client
from django.urls import reverse

from argmap.annotations.models import Annotation

from ..conftest import HX, needs_postgresql, run_at_once
from ..factories import AnnotationFactory, MapFactory, NodeFactory, ThesisFactory, UserFactory

pytestmark = [
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accounts_sandbox", "roomy_pool"),
]


def logged_in_clients(user, count):
    first = Client()
    first.force_login(user)
    clients = []
    for _ in range(count):
        client = Client()
        client.cookies = first.cookies
        clients.append(client)
    return clients


def test_forty_concurrent_posts_store_exactly_the_limit_of_twenty(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "annotate": (20, 60)}
    node = NodeFactory(map=(thesis := ThesisFactory(map=MapFactory())).map, parent=thesis)
    clients = logged_in_clients(UserFactory(username="alice"), 40)

    def post(index):
        data = {"node": node.pk, "kind": "comment", "body": f"Post {index}", "visibility": "public"}
        return clients[index].post(reverse("annotation-create"), data, headers=HX).status_code

    statuses = run_at_once(40, post)
    assert sorted(statuses) == [200] * 20 + [429] * 20
    assert Annotation.objects.count() == 20


def test_eight_edits_racing_a_delete_never_bring_the_annotation_back(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "edit": (100, 60)}
    alice = UserFactory(username="alice")
    node = NodeFactory(map=(thesis := ThesisFactory(map=MapFactory())).map, parent=thesis)
    clients = logged_in_clients(alice, 9)
    for _ in range(5):
        annotation = AnnotationFactory(author=alice, node=node, body="original")

        def act(index, pk=annotation.pk):
            if index == 8:
                return clients[index].post(reverse("annotation-delete", args=[pk]), headers=HX)
            data = {"kind": "comment", "body": f"edit {index}", "visibility": "public"}
            url = reverse("annotation-edit", args=[pk])
            return clients[index].post(url, data, headers=HX)

        responses = run_at_once(9, act)
        assert responses[8].status_code in (200, 404)
        assert {response.status_code for response in responses[:8]} <= {200, 404, 409}
        assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_fifty_concurrent_proposals_by_one_reader_cannot_pass_the_quota(settings):
    from argmap.annotations.models import Proposal

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "propose": (100, 60)}
    settings.PROPOSAL_LIMIT = 10
    node = NodeFactory(map=(thesis := ThesisFactory(map=MapFactory())).map, parent=thesis)
    clients = logged_in_clients(UserFactory(username="alice"), 50)
    url = reverse("propose", args=[node.map.slug, node.key])

    def post(index):
        data = {"relation": "opposes", "text": f"Counter-argument {index}."}
        return clients[index].post(url, data).status_code

    statuses = run_at_once(50, post)
    assert sorted(statuses) == [302] * 10 + [400] * 40
    assert Proposal.objects.pending().count() == 10
