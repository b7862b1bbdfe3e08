import re
from html.parser import HTMLParser

import pytest
from django.utils.html import escape

from argmap.debates.models import Anchor, Node, Source
from argmap.debates.reader import coverage_percent, passages

from ..conftest import HX
from ..factories import AnchorFactory, NodeFactory, SourceFactory, ThesisFactory

MAP = "/maps/deepseek-r1-sputnik"


class TagBalance(HTMLParser):
    """Fails on markup whose elements do not nest (as overlapping highlights could)."""

    VOID = {"meta", "link", "br", "hr", "input", "img", "path", "rect"}

    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def assert_well_nested(html):
    parser = TagBalance()
    parser.feed(html)
    assert parser.stack == [], f"unclosed: {parser.stack}"


def test_home_shows_the_question_thesis_counts_and_sources(client, seeded_map):
    html = client.get("/").content.decode()
    assert seeded_map.question.replace("'", "&#x27;") in html
    assert "DeepSeek-R1 is a &#x27;Sputnik moment&#x27; for American AI" in html
    nodes = seeded_map.nodes.count()
    assert re.search(rf"<dt>Nodes</dt>\s*<dd>\s*{nodes}\s*</dd>", html)
    for source in Source.objects.all():
        assert source.get_absolute_url() in html


def test_map_page_shows_the_thesis_and_its_children_told_apart(client, seeded_map):
    html = client.get(f"{MAP}/").content.decode()
    thesis = seeded_map.thesis
    branches = list(thesis.children.all())
    for branch in branches:
        assert f'id="node-{branch.key}"' in html
    assert re.search(r"✚</span>\s+Supports", html) and re.search(r"✖</span>\s+Opposes", html)
    supports = sum(1 for b in branches if b.relation == "supports")
    opposes = len(branches) - supports
    assert f"{supports} for · {opposes} against" in html
    # Grandchildren stay closed until asked for.
    grandchild = Node.objects.filter(parent__parent=thesis).first()
    assert f'id="node-{grandchild.key}"' not in html


def test_expand_fragment_returns_only_that_node_with_its_children(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    response = client.get(f"{MAP}/tree/{branch.key}/?state=open", headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith(f'<li id="node-{branch.key}"')
    assert 'hx-target="this"' in html and 'hx-swap="outerHTML"' in html
    assert f'id="toggle-{branch.key}"' in html
    assert 'aria-expanded="true"' in html
    for child in branch.children.all():
        assert f'id="node-{child.key}"' in html
    assert_well_nested(html)


def test_collapse_fragment_closes_the_node(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    html = client.get(f"{MAP}/tree/{branch.key}/?state=closed", headers=HX).content.decode()
    assert 'aria-expanded="false"' in html
    assert "?state=open" in html
    for child in branch.children.all():
        assert f'id="node-{child.key}"' not in html


def test_expand_branch_opens_the_whole_subtree(client, seeded_map):
    branch = max(seeded_map.thesis.children.all(), key=lambda n: len(Node.objects.subtree_ids(n)))
    html = client.get(f"{MAP}/tree/{branch.key}/?state=branch", headers=HX).content.decode()
    for pk in Node.objects.subtree_ids(branch):
        assert f'id="node-{Node.objects.get(pk=pk).key}"' in html


def test_toggles_are_real_links_to_the_map_with_that_node_open(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    html = client.get(f"{MAP}/").content.decode()
    toggle = re.search(rf'<a id="toggle-{branch.key}"[^>]*>', html, re.S).group(0)
    assert f'href="{MAP}/?open={branch.key}#node-{branch.key}"' in toggle
    assert 'role="button"' in toggle and f'aria-controls="children-{branch.key}"' in toggle
    # The address is kept in step by site.js (history.replaceState), not pushed by htmx.
    assert "hx-push-url" not in toggle


def test_tree_url_without_htmx_redirects_to_the_focused_map(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    response = client.get(f"{MAP}/tree/{branch.key}/")
    assert response.status_code == 302
    assert response["Location"] == f"{MAP}/?focus={branch.key}#node-{branch.key}"


def test_a_deep_link_opens_the_map_down_to_the_focused_node(client, seeded_map):
    deep = Node.objects.filter(parent__parent__parent__isnull=False).first()
    html = client.get(f"{MAP}/?focus={deep.key}").content.decode()
    chain = [deep, *Node.objects.ancestors_of(deep)]
    for node in chain:
        assert f'id="node-{node.key}"' in html
    focused = rf'id="node-{deep.key}"\s+class="tree-node rel-{deep.relation} is-focus"'
    assert re.search(focused, html)
    assert_well_nested(html.split('<main id="main"', 1)[1].split("</main>", 1)[0])


def test_unknown_map_or_node_gets_404(client, seeded_map):
    assert client.get("/maps/nope/").status_code == 404
    assert client.get(f"{MAP}/nodes/no-such-node/").status_code == 404
    assert client.get(f"{MAP}/?focus=no-such-node").status_code == 404
    fragment = client.get(f"{MAP}/tree/no-such-node/?state=open", headers=HX)
    assert fragment.status_code == 404 and "<html" not in fragment.content.decode()


def test_claim_page_shows_breadcrumb_quotes_in_context_and_children(client, seeded_map):
    node = Node.objects.filter(parent__parent__isnull=False, children__isnull=False).first()
    html = client.get(node.get_absolute_url()).content.decode()
    for ancestor in Node.objects.ancestors_of(node):
        assert f'href="{ancestor.get_absolute_url()}"' in html
    for anchor in node.anchors.all():
        assert f'href="{anchor.get_reader_url()}"' in html
        before, after = anchor.context()
        assert before.strip() and after.strip(), "a few words either side"
    for child in node.children.all():
        assert f'id="node-{child.key}"' in html


def test_source_reader_highlights_every_anchor_and_links_it_to_its_node(client, seeded_map):
    source = Source.objects.get(kind=Source.Kind.NEWS_ARTICLE)
    html = client.get(source.get_absolute_url()).content.decode()
    for anchor in source.anchors.select_related("node__map"):
        assert f'id="anchor-{anchor.pk}"' in html
        assert f'href="{anchor.node.get_absolute_url()}"' in html
    assert 'class="comment-thread"' in html
    assert "Reader comment 1" in html
    assert re.search(
        r"Quoted by <a href=\"/maps/[\w-]+/\">[^<]+</a>\s*</dt>\s*<dd>\s*\d+(\.\d)?% of the text",
        html,
    )
    assert_well_nested(html.split('<main id="main"', 1)[1].split("</main>", 1)[0])


@pytest.mark.django_db
def test_overlapping_highlights_nest_and_cover_the_text_once(client):
    source = SourceFactory(text="alpha beta gamma delta epsilon")
    thesis = ThesisFactory()
    pro = NodeFactory(map=thesis.map, parent=thesis, relation="supports")
    con = NodeFactory(map=thesis.map, parent=thesis, relation="opposes")
    AnchorFactory(node=pro, source=source, quote="alpha beta gamma")
    AnchorFactory(node=con, source=source, quote="gamma delta")
    anchors = list(Anchor.objects.filter(source=source).select_related("node"))
    (passage,) = passages(source.text, anchors, [])
    pieces = [(p["text"], p["stance"]) for p in passage["pieces"]]
    assert pieces == [
        ("alpha beta ", "supports"),
        ("gamma", "mixed"),
        (" delta", "opposes"),
        (" epsilon", ""),
    ]
    assert coverage_percent(source.text, ((a.start, a.end) for a in anchors)) == round(
        100 * len("alpha beta gamma delta") / len(source.text), 1
    )
    html = client.get(source.get_absolute_url()).content.decode()
    assert_well_nested(html.split('<main id="main"', 1)[1].split("</main>", 1)[0])
    assert "alpha beta gamma delta epsilon" in re.sub(r"<[^>]+>", "", html)


def test_search_groups_results_and_highlights_matches(client, seeded_map):
    response = client.get("/search/", {"q": "export controls"})
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Nodes (", "Quotes (", "Source text ("):
        assert heading in html
    assert re.search(r"<mark>export</mark>", html, re.I)
    assert "No node matches." not in html


def test_search_fragment_for_htmx(client, seeded_map):
    html = client.get("/search/", {"q": "Nvidia"}, headers=HX).content.decode()
    assert html.strip().startswith('<div id="search-results"')
    assert "<mark>Nvidia</mark>" in html


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_search_gets_a_friendly_hint_not_an_error(client, seeded_map, query):
    response = client.get("/search/", {"q": query}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Type a word or phrase" in html and "form-error" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("export controls", "export control regime"),
        ("export control", "export controls cannot hold it"),
        ("regimes", "export control regime"),
        ("studies", "two studies agree"),
        ("study", "two studies agree"),
    ],
)
def test_search_on_any_backend_finds_other_forms_of_a_word(client, seeded_map, query, found):
    thesis = seeded_map.thesis
    NodeFactory(
        map=seeded_map,
        parent=thesis,
        relation="supports",
        key="regime",
        text="The export control regime holds.",
    )
    NodeFactory(
        map=seeded_map,
        parent=thesis,
        relation="supports",
        key="plural",
        text="The export controls cannot hold it.",
    )
    NodeFactory(
        map=seeded_map,
        parent=thesis,
        relation="supports",
        key="studies",
        text="At least two studies agree on it.",
    )
    html = client.get("/search/", {"q": query}).content.decode()
    assert found in re.sub(r"</?mark>", "", html)


def test_node_results_say_their_relation_and_parent(client, seeded_map):
    # A node of its own with a word no seed text has: whole words match on both databases
    # (a cut-off prefix of a seed claim does not, under PostgreSQL's full-text search).
    NodeFactory(
        map=seeded_map,
        parent=seeded_map.thesis,
        relation="opposes",
        key="zeppelins",
        text="Zeppelins prove nothing about chips.",
    )
    html = client.get("/search/", {"q": "zeppelins"}).content.decode()
    meta = rf'class="result-meta">\s*Opposes\s*<a href="{seeded_map.thesis.get_absolute_url()}"'
    assert re.search(meta, html)
    assert "relation-opposes" in html


def test_the_export_is_a_download(client, seeded_map):
    response = client.get(f"{MAP}/export.json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{seeded_map.slug}.argmap.json"'
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 201, "limited to 200 characters"),
        ("&&& !!! ***", "punctuation alone matches nothing"),
    ],
)
def test_bad_search_queries_get_a_clear_message(client, seeded_map, query, message):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_odd_characters_in_a_search_are_harmless(client, seeded_map):
    response = client.get("/search/", {"q": "<script>alert(1)</script> chips ' \" %"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    # A NUL byte, which no database column holds, is refused for every URL (core.middleware).
    refused = client.get("/search/", {"q": "chips \x00"})
    assert refused.status_code == 400 and "<script>alert(1)" not in refused.content.decode()


@pytest.mark.django_db
def test_postgresql_search_uses_the_full_text_indexes():
    from django.db import connection

    from argmap.debates import search as text_search

    if connection.vendor != "postgresql":
        pytest.skip("full-text indexes exist on PostgreSQL only; SQLite uses the fallback")
    queryset = text_search.matching(Node.objects.all(), "chips")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "debates_node_search_vector" in plan


def test_postgresql_search_ranks_from_the_stored_vectors(seeded_map):
    """No search query parses a text into a vector: matches and ranks read the stored ones
    (the rows shown are parsed for their headlines only)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from argmap.debates.views import search_results

    if connection.vendor != "postgresql":
        pytest.skip("stored vectors exist on PostgreSQL only; SQLite uses the fallback")
    with CaptureQueriesContext(connection) as captured:
        results = search_results("export controls")
    assert results["nodes"] and results["quotes"] and results["sources"]
    sql = [query["sql"] for query in captured.captured_queries]
    assert all("to_tsvector" not in query for query in sql)
    assert sum('"search_vector"' in query for query in sql) == 3  # one rank query a kind


def test_search_finds_words_however_a_node_was_written(client, seeded_map):
    """The stored vector is the database's, written with the row: a save, a bulk create and
    an update of the text alike are found by their new words, and no longer by the old."""
    thesis = seeded_map.thesis
    saved = NodeFactory(map=seeded_map, parent=thesis, relation="supports", key="saved")
    saved.text = "Quetzalcoatl was saved."
    saved.save()
    Node.objects.bulk_create(
        [
            Node(
                map=seeded_map,
                parent=thesis,
                relation="opposes",
                key="bulk",
                position=90,
                kind="claim",
                text="Xylophones came in bulk.",
            )
        ]
    )
    Node.objects.filter(pk=saved.pk).update(text="Marzipan replaced it.")

    def found(words):
        return words in re.sub(
            r"</?mark>", "", client.get("/search/", {"q": words}).content.decode()
        )

    assert found("Xylophones") and found("Marzipan")
    assert "No node matches." in client.get("/search/", {"q": "Quetzalcoatl"}).content.decode()


@pytest.mark.parametrize(
    "query",
    ["chips:* & !(nvidia", "export <-> controls | '", "!!chips", "the and of", "a:B & c:*D"],
)
def test_tsquery_syntax_in_a_search_is_read_as_words(client, seeded_map, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_the_cached_tree_shows_an_edit_at_once(client, seeded_map):
    branch = seeded_map.thesis.children.first()
    fragment_url = f"{MAP}/tree/{branch.key}/?state=closed"
    assert escape(branch.text) in client.get(f"{MAP}/").content.decode()
    assert escape(branch.text) in client.get(fragment_url, headers=HX).content.decode()
    branch.text = "A curator rewrote this branch heading."
    branch.save()
    assert "A curator rewrote this branch heading." in client.get(f"{MAP}/").content.decode()
    fragment = client.get(fragment_url, headers=HX).content.decode()
    assert "A curator rewrote this branch heading." in fragment


def test_staff_get_edit_in_admin_on_a_claim_page_and_others_do_not(client, seeded_map):
    from ..factories import UserFactory

    claim = seeded_map.thesis.children.first()
    link = f'href="/admin/debates/node/{claim.pk}/change/"'
    assert link not in client.get(claim.get_absolute_url()).content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert link in client.get(claim.get_absolute_url()).content.decode()
