"""Annotations on nodes and on passages: permissions, validation, safety, nothing lost."""

import re
import threading
import time
from html.parser import HTMLParser

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from argmap.annotations.models import BODY_LIMIT, Annotation, Flag, Suggestion, render_markdown

from .factories import (
    AnchorFactory,
    AnnotationFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("accounts_sandbox")

HTMX = {"HX-Request": "true"}


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


# Creating on a node ---------------------------------------------------------------------


def test_logged_in_user_annotates_a_node_inline(as_alice, node):
    response = post_note(as_alice, node, HTMX, body="Chips **matter**.", kind="agree")
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
    htmx = post_note(client, node, {**HTMX, "HX-Current-URL": page})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(reverse("login"))
    assert not Annotation.objects.exists()


@pytest.mark.parametrize("bad", ["999999", "not-a-number", ""])
def test_posting_to_a_missing_node_is_a_400_that_writes_nothing(as_alice, node, bad):
    response = as_alice.post(
        reverse("annotation-create"), {"node": bad, "body": "x", "kind": "comment"}, headers=HTMX
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
    ],
)
def test_invalid_annotations_show_inline_errors_and_write_nothing(as_alice, node, fields, error):
    response = post_note(as_alice, node, HTMX, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f'id="annotation-panel-{node.pk}"' in html  # the panel, with the form and its errors
    assert not Annotation.objects.exists()


def test_a_body_of_exactly_the_limit_is_accepted(as_alice, node):
    assert post_note(as_alice, node, HTMX, body="y" * BODY_LIMIT).status_code == 200
    assert len(Annotation.objects.get().body) == BODY_LIMIT


def test_fallacy_keeps_its_name_and_other_kinds_drop_it(as_alice, node):
    post_note(as_alice, node, HTMX, kind="fallacy", fallacy="straw man")
    post_note(as_alice, node, HTMX, kind="question", fallacy="ignored")
    assert set(Annotation.objects.values_list("kind", "fallacy")) == {
        ("fallacy", "straw man"),
        ("question", ""),
    }


# Safety ---------------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<svg onload="alert(1)"></svg>',
    '<div style="x" onmouseover="alert(1)">hover</div>',
    "![x](javascript:alert(1))",
    '[x](http://example.org "title" onclick="alert(1)")',
    "<scr<script>ipt>alert(1)</script>",
    "```\n<script>alert(1)</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<iframe src=//evil.example></iframe>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_script_in_a_body_stays_inert_text(as_alice, client, node, payload):
    assert post_note(as_alice, node, HTMX, body=payload).status_code == 200
    annotation = Annotation.objects.get()
    assert active_content(annotation.body_html) == []
    for page in (as_alice, client):  # the author and the public see the same inert text
        html = page.get(node.get_absolute_url()).content.decode()
        assert f'id="annotation-{annotation.pk}"' in html
        assert active_content(html) == []
        assert "<script>alert" not in html


def test_links_are_marked_nofollow_noopener_ugc():
    html = render_markdown("[ok](https://example.org/) and <https://example.org/b>")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert 'href="https://example.org/"' in html


@pytest.mark.parametrize(
    "body",
    [
        "1. " * 3000,  # nested lists deep enough to exhaust Python-Markdown's recursion
        ">" * BODY_LIMIT,
        "[" * BODY_LIMIT,
        "[a " * 3333,
        "[a](" * 2500,
        "![" * 5000,
        "*" * BODY_LIMIT,
        "`" * BODY_LIMIT,
        "<" * BODY_LIMIT,
        "    " * 2500,
    ],
    ids=lambda body: repr(body[:4]),
)
def test_malformed_or_hostile_markdown_renders_quickly_and_inertly(body):
    started = time.monotonic()
    html = render_markdown(body)
    assert time.monotonic() - started < 1.5
    assert active_content(html) == []


def test_a_post_without_the_csrf_token_is_refused(alice, node):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = post_note(client, node, HTMX)
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_htmx_posts_pass_csrf_with_the_header_from_body_hx_headers(alice, node):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(node.get_absolute_url()).content.decode()
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = post_note(client, node, {**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert Annotation.objects.count() == 1


def test_pages_carry_a_strict_content_security_policy(client, node):
    policy = client.get(node.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_posting_is_rate_limited_with_a_429(as_alice, node, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "annotate": (2, 60)}
    assert post_note(as_alice, node, HTMX).status_code == 200
    assert post_note(as_alice, node, HTMX).status_code == 200
    fragment = post_note(as_alice, node, HTMX)
    assert fragment.status_code == 429
    assert fragment["Retry-After"] == "60"
    assert fragment["HX-Retarget"] == "#messages"
    assert "Too many annotations" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    page = post_note(as_alice, node)
    assert page.status_code == 429 and "<html" in page.content.decode()
    assert Annotation.objects.count() == 2


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
    form = as_alice.get(url, headers=HTMX)
    assert form.status_code == 200
    assert f'<form id="annotation-{annotation.pk}"' in form.content.decode()
    saved = as_alice.post(
        url, {"kind": "question", "body": "After *edit*", "visibility": "private"}, headers=HTMX
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
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "at most 10,000 characters" in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.body == "Before"


def test_delete_asks_for_confirmation_first(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    url = reverse("annotation-delete", args=[annotation.pk])
    confirm = as_alice.get(url, headers=HTMX)
    assert "Delete this annotation?" in confirm.content.decode()
    assert Annotation.objects.filter(pk=annotation.pk).exists()
    gone = as_alice.post(url, headers=HTMX)
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
    for headers in ({}, HTMX):
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
    form = as_bob.get(url, headers=HTMX)
    assert 'name="reason"' in form.content.decode()
    flagged = as_bob.post(url, {"reason": "rude"}, headers=HTMX)
    assert flagged.status_code == 200
    assert "You flagged this for the moderators." in flagged.content.decode()
    as_bob.post(url, {"reason": "again"}, headers=HTMX)
    assert list(Flag.objects.values_list("flagged_by__username", "reason")) == [("bob", "rude")]
    page = as_bob.get(node.get_absolute_url()).content.decode()
    assert "You flagged this for the moderators." in page


def test_authors_cannot_flag_their_own(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    response = as_alice.post(reverse("annotation-flag", args=[annotation.pk]), headers=HTMX)
    assert response.status_code == 400
    assert not Flag.objects.exists()


# The map tree ---------------------------------------------------------------------------


def test_the_tree_shows_public_annotation_counts(client, node, alice):
    AnnotationFactory.create_batch(2, node=node, author=alice)
    AnnotationFactory(node=node, author=alice, visibility="private")
    AnnotationFactory(node=node, author=alice, is_hidden=True)
    html = client.get(reverse("map", args=[node.map.slug])).content.decode()
    assert "2 annotations" in html
    assert f'hx-get="{reverse("node-annotations", args=[node.pk])}"' in html
    assert 'aria-expanded="false"' in html


def test_the_map_page_query_count_does_not_grow_with_annotations(
    client, node, alice, django_assert_num_queries
):
    url = reverse("map", args=[node.map.slug])
    AnnotationFactory(node=node, author=alice)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    AnnotationFactory.create_batch(20, node=node, author=alice)
    with django_assert_num_queries(len(few)):
        assert "21 annotations" in client.get(url).content.decode()


def test_the_panel_opens_and_closes_inline(as_alice, client, node, alice):
    AnnotationFactory(node=node, author=alice, body="Hello there")
    url = reverse("node-annotations", args=[node.pk])
    opened = as_alice.get(url, headers=HTMX).content.decode()
    assert f'<div id="annotation-panel-{node.pk}"' in opened and 'aria-expanded="true"' in opened
    assert "Hello there" in opened and 'name="body"' in opened
    anonymous = client.get(url, headers=HTMX).content.decode()
    assert "Hello there" in anonymous and 'name="body"' not in anonymous
    closed = as_alice.get(url + "?open=0", headers=HTMX).content.decode()
    assert 'aria-expanded="false"' in closed and "1 annotation" in closed
    assert as_alice.get(url).status_code == 302  # without htmx: the node's page


def test_the_node_panel_lists_in_a_fixed_number_of_queries(
    as_bob, node, alice, django_assert_num_queries
):
    url = reverse("node-annotations", args=[node.pk])
    AnnotationFactory(node=node, author=alice)
    with CaptureQueriesContext(connection) as few:
        as_bob.get(url, headers=HTMX)
    AnnotationFactory.create_batch(10, node=node, author=alice)
    with django_assert_num_queries(len(few)):
        as_bob.get(url, headers=HTMX)


# Passages -------------------------------------------------------------------------------


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


def post_passage(client, source, data, headers=HTMX):
    return client.post(
        reverse("passage-annotation-create", args=[source.slug]), data, headers=headers
    )


def test_annotating_a_passage_stores_the_quote_selector(as_alice, source):
    quote = "Critics said the cost figure"
    response = post_passage(as_alice, source, selector(source, quote))
    assert response.status_code == 200
    annotation = Annotation.objects.get()
    assert annotation.source == source and annotation.node is None
    assert source.text[annotation.start : annotation.end] == annotation.exact == quote
    assert source.text[: annotation.start].endswith(annotation.prefix)
    assert source.text[annotation.end :].startswith(annotation.suffix)
    html = response.content.decode()
    assert '<div class="reader" id="reader"' in html  # the reader, re-rendered
    assert f'href="#annotation-{annotation.pk}"' in html and f'id="passage-{annotation.pk}"' in html


def test_passage_annotation_offsets_count_code_points(as_alice, db):
    source = SourceFactory(text="Emoji 🚀 first, then “curly” quotes — and the passage we want.")
    quote = "the passage we want"
    assert post_passage(as_alice, source, selector(source, quote)).status_code == 200
    assert Annotation.objects.get().exact == quote


@pytest.mark.parametrize(
    "change",
    [
        {"end": 10_000},  # past the end of the text
        {"start": -1},
        {"start": 20, "end": 20},
        {"start": 30, "end": 20},
        {"exact": "Critics said the cost figurX"},  # does not match the text
        {"start": 0},  # offsets do not match the quote
        {"prefix": "something else entirely"},
        {"suffix": "not what follows"},
        {"start": "", "end": ""},
        {"exact": ""},
        {"start": "ten"},
    ],
    ids=str,
)
def test_bad_selectors_are_a_400_that_writes_nothing(as_alice, source, change):
    data = selector(source, "Critics said the cost figure", **change)
    for headers in (HTMX, {}):
        response = post_passage(as_alice, source, data, headers)
        assert response.status_code == 400
    assert not Annotation.objects.exists()


def test_selector_errors_are_explained(as_alice, source):
    data = selector(source, "Critics said the cost figure", exact="Critics said the cost figurX")
    html = post_passage(as_alice, source, data).content.decode()
    assert "do not match the source’s text" in html


def test_annotating_a_missing_source_is_a_404(as_alice, source):
    url = reverse("passage-annotation-create", args=["no-such-source"])
    assert as_alice.post(url, selector(source, "Critics"), headers=HTMX).status_code == 404


def test_a_passage_can_carry_a_suggestion(as_alice, source, node):
    data = selector(
        source,
        "the result still shows real efficiency",
        target=node.pk,
        relation="opposes",
        proposed_text="The efficiency is real.",
    )
    response = post_passage(as_alice, source, data)
    assert response.status_code == 200
    suggestion = Suggestion.objects.get()
    assert (suggestion.target, suggestion.relation, suggestion.status) == (
        node,
        "opposes",
        "pending",
    )
    assert suggestion.annotation.exact == "the result still shows real efficiency"
    assert suggestion.suggested_by.username == "alice"
    assert "waiting for the curators" in response.content.decode()


@pytest.mark.parametrize(
    "change", [{"proposed_text": ""}, {"target": 999_999}, {"relation": "sideways"}], ids=str
)
def test_bad_suggestions_write_nothing(as_alice, source, node, change):
    data = selector(source, "Critics said", target=node.pk, proposed_text="A point.")
    data.update(change)
    assert post_passage(as_alice, source, data).status_code == 400
    assert not Annotation.objects.exists() and not Suggestion.objects.exists()


def test_passage_highlights_follow_visibility(as_alice, as_bob, client, source, alice):
    private = AnnotationFactory(node=None, author=alice, visibility="private", body="secret note")
    private.set_passage(source, 0, 7)
    private.save()
    public = AnnotationFactory(node=None, author=alice, body="open note")
    public.set_passage(source, 10, 20)
    public.save()
    mine = as_alice.get(source.get_absolute_url()).content.decode()
    assert f'id="passage-{private.pk}"' in mine and "secret note" in mine
    assert f'id="passage-{public.pk}"' in mine
    for other in (as_bob, client):
        html = other.get(source.get_absolute_url()).content.decode()
        assert f'id="passage-{private.pk}"' not in html and "secret note" not in html
        assert f'id="passage-{public.pk}"' in html and "open note" in html


def test_the_reader_offers_the_form_only_to_logged_in_users(as_alice, client, source):
    assert 'id="passage-form"' in as_alice.get(source.get_absolute_url()).content.decode()
    anonymous = client.get(source.get_absolute_url()).content.decode()
    assert 'id="passage-form"' not in anonymous and "to annotate passages" in anonymous


# Nothing lost ---------------------------------------------------------------------------


def test_an_annotation_survives_edits_to_its_node(client, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Still here")
    node.text = "A reworded claim."
    node.save()
    annotation.refresh_from_db()
    assert annotation.node == node and annotation.node_text == "Cheap chips made the model."
    assert "Still here" in client.get(node.get_absolute_url()).content.decode()


def test_deleting_a_node_keeps_its_annotations_detached_for_their_author(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice, body="Keep me")
    node.delete()
    annotation.refresh_from_db()
    assert annotation.node is None and annotation.is_detached
    profile = as_alice.get(reverse("profile", args=["alice"])).content.decode()
    assert "Keep me" in profile and "since removed from the map" in profile
    assert "Cheap chips made the model." in profile
    assert as_alice.get(reverse("annotation", args=[annotation.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_all_persist(node):
    users = [UserFactory(username=f"writer{n}") for n in range(6)]
    clients = [client_for(user) for user in users]
    barrier, statuses = threading.Barrier(len(users), timeout=30), []

    def write(client, user):
        try:
            barrier.wait()
            statuses.append(post_note(client, node, HTMX, body=f"By {user.username}").status_code)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=write, args=pair) for pair in zip(clients, users, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(users)
    assert Annotation.objects.filter(node=node).count() == len(users)


def test_without_htmx_an_invalid_annotation_gets_a_page_with_the_form(as_alice, node):
    response = post_note(as_alice, node, body="")
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<h1>Annotate this {node.display_kind}</h1>" in html
    assert "Write something before saving." in html
    assert not Annotation.objects.exists()


def test_an_edit_on_the_profile_page_keeps_naming_its_target(as_alice, node, alice):
    annotation = AnnotationFactory(node=node, author=alice)
    profile = f"http://testserver{reverse('profile', args=['alice'])}"
    response = as_alice.get(
        reverse("annotation", args=[annotation.pk]), headers={**HTMX, "HX-Current-URL": profile}
    )
    assert "Cheap chips made the model." in response.content.decode()


def test_deleting_a_node_keeps_pending_suggestions_for_review(thesis):
    from django.core.exceptions import ValidationError

    from .factories import SuggestionFactory

    target = NodeFactory(map=thesis.map, parent=thesis)
    suggestion = SuggestionFactory(target=target)
    target.delete()
    suggestion.refresh_from_db()
    assert suggestion.target is None and suggestion.status == "pending"
    with pytest.raises(ValidationError, match="has been removed"):
        suggestion.check_acceptable()
