"""Concurrent votes on PostgreSQL: nothing lost, nothing doubled, and a vote racing the
deletion of its node or map settles as every such pair does (docs/architecture.md, "Writes
that race"): the delete wins, the vote answers "No such node", never 500."""

import pytest
from django.test import Client
from django.urls import reverse

from argmap.debates.models import ArgumentMap, Node
from argmap.evaluation.models import Vote

from ..conftest import HX, needs_postgresql, race, run_at_once
from ..factories import MapFactory, NodeFactory, ThesisFactory, UserFactory

pytestmark = [
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("accounts_sandbox", "roomy_pool"),
]


@pytest.fixture
def node():
    thesis = ThesisFactory(map=MapFactory(slug="race"))
    return NodeFactory(map=thesis.map, parent=thesis, relation="supports", key="claim")


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_fifty_users_voting_at_once_store_fifty_votes(node):
    clients = [client_of(UserFactory()) for _ in range(50)]
    url = reverse("vote", args=["race", "claim"])

    def vote(index):
        data = {"acceptability": str(index % 5), "relevance": "2"}
        return clients[index].post(url, data, headers=HX).status_code

    assert run_at_once(50, vote) == [200] * 50
    assert Vote.objects.filter(node=node).count() == 50
    assert sum(Vote.objects.values_list("acceptability", flat=True)) == sum(
        i % 5 for i in range(50)
    )


def test_one_user_sending_twenty_votes_at_once_ends_with_exactly_one(node):
    user = UserFactory()
    first = client_of(user)
    clients = []
    for _ in range(20):
        client = Client()
        client.cookies = first.cookies
        clients.append(client)
    url = reverse("vote", args=["race", "claim"])
    sent = [(index % 5, (index // 5) % 5) for index in range(20)]

    def vote(index):
        acceptability, relevance = sent[index]
        data = {"acceptability": str(acceptability), "relevance": str(relevance)}
        return clients[index].post(url, data, headers=HX).status_code

    assert run_at_once(20, vote) == [200] * 20
    (stored,) = Vote.objects.filter(node=node, user=user)
    assert (stored.acceptability, stored.relevance) in sent


# The delete of the node itself, or of its whole map (which locks the map's nodes first);
# a model instance's delete() and a QuerySet's delete() are each taken by one side.
DELETES = {
    "node": lambda node: Node.objects.get(pk=node.pk).delete(),
    "map": lambda node: ArgumentMap.objects.get(pk=node.map_id).delete(),
}
QUERYSET_DELETES = {
    "node": lambda node: Node.objects.filter(pk=node.pk).delete(),
    "map": lambda node: ArgumentMap.objects.filter(pk=node.map_id).delete(),
}


@pytest.mark.parametrize("deleted", DELETES)
def test_a_vote_on_a_node_being_deleted_answers_no_such_node(node, deleted):
    url = reverse("vote", args=["race", "claim"])
    response, held = race(
        lambda: DELETES[deleted](node),
        lambda: client_of(UserFactory()).post(url, {"acceptability": "3"}, headers=HX),
    )
    assert held is None and response.status_code == 404
    assert "No such node" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("deleted", QUERYSET_DELETES)
def test_deleting_a_node_being_voted_on_waits_and_takes_the_vote_along(node, deleted):
    user = UserFactory()
    result, held = race(
        lambda: Vote.objects.cast(user, node, {"acceptability": 3}),
        lambda: QUERYSET_DELETES[deleted](node),
    )
    assert held is None and not isinstance(result, Exception)
    assert not Node.objects.filter(pk=node.pk).exists() and not Vote.objects.exists()
