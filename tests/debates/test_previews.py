"""Links that travel: every page kind has a canonical link, a description of its own, Open
Graph and Twitter card tags; the embeddable claim card may be framed by anyone, no other page
may; oEmbed turns a claim's address into the card's HTML."""

import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

SLUG = "deepseek-r1-sputnik"
TAGS = ("og:title", "og:description", "og:url", "og:type", "twitter:card", "twitter:title")


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links = {}, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        if tag == "link" and attrs.get("rel") in {"canonical", "alternate"}:
            self.links[attrs.get("type") or attrs["rel"]] = attrs["href"]


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    head = Head()
    head.feed(response.content.decode())
    return head


def page_kinds(argmap):
    source = argmap.nodes.get(key="not-sputnik-gpu-gap").anchors.first().source
    return {
        "home": "/",
        "map": f"/maps/{SLUG}/",
        "claim": f"/maps/{SLUG}/nodes/not-sputnik-gpu-gap/",
        "thesis": f"/maps/{SLUG}/nodes/thesis/",
        "diagram": f"/maps/{SLUG}/diagram/",
        "source": f"/sources/{source.slug}/",
        "argument": f"/sources/{source.slug}/argument/",
        "search": "/search/?q=GPUs",
        "log-in": "/accounts/login/",
    }


def test_every_page_kind_has_its_preview_tags(client, seeded_map):
    descriptions = {}
    for kind, url in page_kinds(seeded_map).items():
        head = head_of(client, url)
        path = url.split("?")[0]
        assert head.links["canonical"] == f"http://testserver{path}", kind
        assert head.meta["og:url"] == head.links["canonical"], kind
        for tag in TAGS:
            assert head.meta.get(tag), (kind, tag)
        assert head.meta["description"] == head.meta["og:description"], kind
        descriptions[kind] = head.meta["description"]
    # A description of its own on every page kind that has something of its own to say.
    own = {k: v for k, v in descriptions.items() if k != "log-in"}
    assert len(set(own.values())) == len(own)


def test_a_claim_preview_says_the_claim_its_relation_and_first_quote(client, seeded_map):
    node = seeded_map.nodes.get(key="not-sputnik-gpu-gap")
    head = head_of(client, f"/maps/{SLUG}/nodes/{node.key}/?perspective=curators")
    assert head.meta["og:title"] == node.text
    description = head.meta["og:description"]
    first = node.anchors.order_by("position", "pk").first()
    assert description.startswith(f"Opposes “{node.parent.text}”.")
    assert f"“{first.exact}”" in description and first.source.title in description
    # No strength: a cached page's attribute cannot hold a state region (test_regions.py).
    assert "Strength" not in description and "%" not in description
    map_head = head_of(client, f"/maps/{SLUG}/")
    assert map_head.meta["og:description"] == seeded_map.question
    # The canonical address drops the query: the same claim under any perspective.
    assert head.links["canonical"] == f"http://testserver/maps/{SLUG}/nodes/{node.key}/"


def test_the_card_may_be_framed_by_anyone_and_no_other_page_may(client, seeded_map):
    card = client.get(f"/maps/{SLUG}/nodes/not-sputnik-gpu-gap/embed/")
    assert card.status_code == 200
    assert "frame-ancestors *" in card["Content-Security-Policy"]
    assert "X-Frame-Options" not in card
    assert b"<script" not in card.content
    for url in page_kinds(seeded_map).values():
        response = client.get(url)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
        assert response["X-Frame-Options"] == "DENY", url


def test_the_card_shows_supporters_and_attackers_with_their_quotes(client, seeded_map):
    node = seeded_map.nodes.get(key="analogy-fits")
    body = client.get(f"/maps/{SLUG}/nodes/{node.key}/embed/?theme=dark").content.decode()
    assert 'class="theme-dark"' in body
    children = list(node.children.all())
    shown = [child for child in children if child.text.replace("'", "&#x27;") in body]
    assert shown and len(shown) <= 10
    assert "Supported by" in body
    assert f'href="/maps/{SLUG}/nodes/{node.key}/"' in body  # the link back


def test_oembed_from_a_claims_address(client, seeded_map):
    head = head_of(client, f"/maps/{SLUG}/nodes/not-sputnik-gpu-gap/")
    discovered = head.links["application/json+oembed"]
    assert discovered.startswith("http://testserver/oembed?url=")
    answer = json.loads(client.get(discovered.removeprefix("http://testserver")).content)
    assert answer["version"] == "1.0" and answer["type"] == "rich"
    assert answer["title"] == seeded_map.nodes.get(key="not-sputnik-gpu-gap").text
    assert (
        'src="http://testserver/maps/deepseek-r1-sputnik/nodes/not-sputnik-gpu-gap/embed/"'
        in (answer["html"])
    )
    small = json.loads(client.get(f"{discovered}&maxwidth=300&maxheight=200").content)
    assert (small["width"], small["height"]) == (300, 200)


@pytest.mark.parametrize(
    "url, status",
    [
        ("http://testserver/maps/deepseek-r1-sputnik/nodes/nope/", 404),
        ("http://testserver/sources/not-sputnik-blog/", 404),
        ("http://elsewhere.example/maps/deepseek-r1-sputnik/nodes/thesis/", 404),
        ("", 404),
    ],
)
def test_oembed_refuses_what_is_not_a_claim_here(client, seeded_map, url, status):
    response = client.get(f"/oembed?url={quote(url)}&format=json")
    assert response.status_code == status
    assert json.loads(response.content)["status"] == status
    xml = client.get(f"/oembed?url={quote(url)}&format=xml")
    assert xml.status_code == 501
