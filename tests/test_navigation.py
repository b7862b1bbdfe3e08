"""The main navigation marks the current page and links to the map being read, not a fixed one."""

from html.parser import HTMLParser

import pytest

from .factories import AnchorFactory, MapFactory, NodeFactory, ThesisFactory


class NavLinks(HTMLParser):
    """The links inside <nav aria-label="Main">, as (text, href, aria-current or None)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # >0 while inside the main navigation
        self.links = []
        self.link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "Main":
            self.depth = 1
        elif tag == "nav" and self.depth:
            self.depth += 1
        elif tag == "a" and self.depth:
            self.link = [attrs.get("href"), attrs.get("aria-current"), ""]

    def handle_data(self, data):
        if self.link is not None:
            self.link[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.link is not None:
            href, current, text = self.link
            self.links.append((" ".join(text.split()), href, current))
            self.link = None
        elif tag == "nav" and self.depth:
            self.depth -= 1


def nav_links(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parser = NavLinks()
    parser.feed(response.content.decode())
    return {text: (href, current) for text, href, current in parser.links}


@pytest.fixture
def two_maps(db):
    """Two maps, so that a link to "the" map has to pick the right one."""
    first, second = MapFactory(slug="first-map"), MapFactory(slug="second-map")
    for argmap in (first, second):
        thesis = ThesisFactory(map=argmap)
        AnchorFactory(node=NodeFactory(map=argmap, parent=thesis))
    return first, second


@pytest.mark.parametrize(
    ("page", "entry", "current"),
    [
        ("map", "Map", "page"),
        ("diagram", "Map", "true"),
        ("node", "Map", "true"),
        ("source", "Sources", "true"),
        ("search", "Search", "page"),
    ],
)
def test_the_entry_of_the_current_page_and_only_it_is_marked_current(
    client, two_maps, page, entry, current
):
    _, second = two_maps
    claim = second.nodes.exclude(parent=None).get()
    url = {
        "map": second.get_absolute_url(),
        "diagram": f"/maps/{second.slug}/diagram/",
        "node": claim.get_absolute_url(),
        "source": claim.anchors.get().source.get_absolute_url(),
        "search": "/search/?q=claim",
    }[page]
    links = nav_links(client, url)
    assert links[entry][1] == current
    assert [text for text, (_, mark) in links.items() if mark] == [entry]


def test_on_the_home_page_no_entry_is_current_and_maps_links_to_the_list(client, two_maps):
    links = nav_links(client, "/")
    assert links["Maps"] == ("/", None)
    assert all(mark is None for _, mark in links.values())


def test_the_map_entry_and_the_export_link_follow_the_map_being_read(client, two_maps):
    first, second = two_maps
    for argmap, other in ((first, second), (second, first)):
        for url in (
            argmap.get_absolute_url(),
            argmap.nodes.exclude(parent=None).get().get_absolute_url(),
        ):
            html = client.get(url).content.decode()
            assert nav_links(client, url)["Map"][0] == argmap.get_absolute_url()
            assert f'href="/maps/{argmap.slug}/export.json"' in html
            assert other.slug not in html


def test_pages_without_a_map_link_to_the_list_of_maps(client, two_maps):
    for url in ("/search/", "/accounts/login/"):
        links = nav_links(client, url)
        assert "Map" not in links
        assert links["Maps"][0] == "/"
        assert "export.json" not in client.get(url).content.decode()
