"""Annotations are safe: inert markup, CSRF, CSP, rate limits."""

import pytest
from django.test import Client

from argmap.annotations.models import Annotation
from argmap.lib.markdown import render_markdown

from ..conftest import HX
from .conftest import active_content, post_note

pytestmark = pytest.mark.usefixtures("accounts_sandbox")


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
    "[x](java&#115;cript:alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "<javascript:alert(1)>",
    "[x]\n\n[x]: javascript:alert(1)",
    "<pre>\n\n<script>alert(1)</script>",
    "<!--\n\n<script>alert(1)</script>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_script_in_a_body_stays_inert_text(as_alice, client, node, payload):
    assert post_note(as_alice, node, HX, body=payload).status_code == 200
    annotation = Annotation.objects.get()
    assert active_content(annotation.body_html) == []
    for page in (as_alice, client):  # the author and the public see the same inert text
        html = page.get(node.get_absolute_url()).content.decode()
        assert f'id="annotation-{annotation.pk}"' in html
        assert active_content(html) == []
        assert "<script>alert" not in html


def test_bodies_are_rendered_once_on_write_never_on_a_page(as_alice, client, node, monkeypatch):
    post_note(as_alice, node, HX, body="*stored* [here](https://example.org/)")
    annotation = Annotation.objects.get()
    assert annotation.body_html.startswith("<p><em>stored</em> <a href=")

    def no_rendering(body):
        raise AssertionError("a page rendered Markdown")

    monkeypatch.setattr("argmap.annotations.models.render_markdown", no_rendering)
    for page in (as_alice, client):
        assert "<em>stored</em>" in page.get(node.get_absolute_url()).content.decode()
    Annotation.objects.filter(pk=annotation.pk).update(is_hidden=False)  # no body change


@pytest.mark.parametrize(
    ("migration", "body", "html"),
    [
        ("0003_render_body_html_with_commonmark", "\\[" * 3 + " *x*", "<p>[[[ <em>x</em></p>\n"),
        (
            "0007_render_body_html_with_markdown_it",
            "<div>\n*x*\n</div> [s](javascript:x)",
            "<p>&lt;div&gt;\n<em>x</em>\n&lt;/div&gt; [s](javascript:x)</p>\n",
        ),
    ],
)
def test_the_migrations_render_stored_bodies_again(alice, node, migration, body, html):
    from importlib import import_module

    from django.apps import apps

    annotation = Annotation.objects.create(author=alice, node=node, body=body)
    Annotation.objects.filter(pk=annotation.pk).update(body_html="<p>stale</p>")
    import_module(f"argmap.annotations.migrations.{migration}").render_bodies(apps, None)
    annotation.refresh_from_db()
    assert annotation.body_html == html


def test_links_are_marked_nofollow_noopener_ugc():
    html = render_markdown("[ok](https://example.org/) and <https://example.org/b>")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert 'href="https://example.org/"' in html


def test_a_post_without_the_csrf_token_is_refused(alice, node):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = post_note(client, node, HX)
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_htmx_posts_pass_csrf_with_the_header_from_body_hx_headers(alice, node):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(node.get_absolute_url()).content.decode()
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = post_note(client, node, {**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert Annotation.objects.count() == 1


def test_pages_carry_a_strict_content_security_policy(client, node):
    policy = client.get(node.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_posting_is_rate_limited_with_a_429(as_alice, node, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "annotate": (2, 60)}
    assert post_note(as_alice, node, HX).status_code == 200
    assert post_note(as_alice, node, HX).status_code == 200
    fragment = post_note(as_alice, node, HX)
    assert fragment.status_code == 429
    assert fragment["Retry-After"] == "60"
    assert fragment["HX-Retarget"] == "#messages"
    assert "Too many annotations" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    page = post_note(as_alice, node)
    assert page.status_code == 429 and "<html" in page.content.decode()
    assert Annotation.objects.count() == 2
