"""Fixtures and helpers shared by the annotations tests."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import HX
from ..factories import (
    AnchorFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
    UserFactory,
)


@pytest.fixture
def thesis(db):
    return ThesisFactory(map=MapFactory())


@pytest.fixture
def node(thesis):
    return NodeFactory(map=thesis.map, parent=thesis, text="Cheap chips made the model.")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


def post_note(client, node, headers=None, **fields):
    data = {"node": node.pk, "kind": "comment", "body": "A fair point.", "visibility": "public"}
    data.update(fields)
    return client.post(reverse("annotation-create"), data, headers=headers or {})


class ActiveContent(HTMLParser):
    """Everything in a page that could run script: script tags, on* attributes, js: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> {attrs}")
        if tag in {"img", "iframe", "object", "embed", "svg", "math", "style"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
            url = (value or "").strip().lower().replace("\t", "")
            if name in {"href", "src", "action", "formaction"} and url.startswith(
                ("javascript:", "data:")
            ):
                self.found.append(f"{tag} {name}={value}")


def active_content(html):
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


@pytest.fixture
def source(node):
    source = SourceFactory()
    AnchorFactory(node=node, source=source)
    return source


def selector(source, quote, **changes):
    start = source.text.index(quote)
    end = start + len(quote)
    data = {
        "start": start,
        "end": end,
        "exact": quote,
        "prefix": source.text[max(0, start - 32) : start],
        "suffix": source.text[end : end + 32],
        "kind": "comment",
        "body": "About this passage.",
        "visibility": "public",
        "relation": "supports",
    }
    data.update(changes)
    return data


def post_passage(client, source, data, headers=HX):
    return client.post(
        reverse("passage-annotation-create", args=[source.slug]), data, headers=headers
    )
