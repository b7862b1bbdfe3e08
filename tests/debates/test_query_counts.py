"""Every page and fragment runs the same number of SQL queries at 10 nodes and at 10,000.

Each size is generated once per module (committed, then deleted), and every view is
asked for the same things at both sizes: the deepest node, a branch of leaves, the
synthetic source. The counts are pinned, so a query that scales with the map fails here.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from argmap.debates.models import ArgumentMap, Link, Node, Source

from ..conftest import HX

SIZES = [10, 10_000]


@pytest.fixture(autouse=True)
def _pinned(queries_pinned):
    pass


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size}-nodes")
def generated(request, django_db_setup, django_db_blocker):
    size = request.param
    slug = f"qc-{size}"
    with django_db_blocker.unblock():
        call_command("generate_map", nodes=size, slug=slug, verbosity=0)
        argmap = ArgumentMap.objects.get(slug=slug)
        deep = argmap.nodes.get(key=f"n{size}")  # grown breadth first: the last is deepest
        # A branch of leaves: the deepest node's parent, or a node with few descendants.
        branch = (
            argmap.nodes.annotate(kids=Count("children"))
            .filter(kids__gt=0, pk=deep.parent_id)
            .first()
        )
        info = {
            "slug": slug,
            "size": size,
            "deep": deep.key,
            "branch": branch.key if branch else "n1",
            "source": f"{slug}-source",
            "depth": len(Node.objects.ancestors_of(deep)),
            "link": Link.objects.filter(map=argmap)
            .values_list("from_node__key", "to_node__key")
            .last()
            or ("n1", "n1"),
        }
        yield info
        argmap.delete()
        Source.objects.filter(slug=info["source"]).delete()


def pages(map_info):
    slug, deep, branch = map_info["slug"], map_info["deep"], map_info["branch"]
    return {
        "home": ("/", {}),
        "map": (f"/maps/{slug}/", {}),
        "map-focus": (f"/maps/{slug}/?focus={deep}", {}),
        # An address with a whole open state: a path, a branch, a node closed inside it.
        "map-open": (f"/maps/{slug}/?open={deep},n2&branch={branch}&closed={deep}", {}),
        "tree-open": (f"/maps/{slug}/tree/n1/?state=open", HX),
        "tree-closed": (f"/maps/{slug}/tree/n1/?state=closed", HX),
        "tree-branch": (f"/maps/{slug}/tree/{branch}/?state=branch", HX),
        "tree-deep": (f"/maps/{slug}/tree/{deep}/?state=open", HX),
        "claim": (f"/maps/{slug}/nodes/{deep}/", {}),
        "claim-thesis": (f"/maps/{slug}/nodes/n1/", {}),
        "source": (f"/sources/{map_info['source']}/", {}),
        # Words every kind matches at both sizes: a kind with no match skips fetching rows.
        "search": ("/search/?q=market", {}),
        "search-htmx": ("/search/?q=evidence", HX),
        "search-empty": ("/search/?q=", {}),
        "diagram": (f"/maps/{slug}/diagram/", {}),
        "diagram-branch": (f"/maps/{slug}/diagram/?focus={branch}", {}),
        "diagram-deep": (f"/maps/{slug}/diagram/?focus={deep}", {}),
        "diagram-curators": (f"/maps/{slug}/diagram/?focus={branch}&perspective=curators", {}),
        "export": (f"/maps/{slug}/export.json", {}),
        "source-argument": (f"/sources/{map_info['source']}/argument/", {}),
        "cross-link": (
            f"/maps/{slug}/nodes/{map_info['link'][1]}/?from={map_info['link'][0]}&state=open",
            HX,
        ),
        # The read API (argmap.api): a page of nodes, a node with its ancestors and children,
        # a source's anchors, the map.
        "api-map": (f"/api/v1/maps/{slug}", {}),
        "api-nodes": (f"/api/v1/maps/{slug}/nodes?limit=100", {}),
        "api-nodes-children": (f"/api/v1/maps/{slug}/nodes?parent={branch}", {}),
        "api-node": (f"/api/v1/maps/{slug}/nodes/{deep}", {}),
        "api-node-thesis": (f"/api/v1/maps/{slug}/nodes/n1", {}),
        "api-anchors": (f"/api/v1/sources/{map_info['source']}/anchors?limit=100", {}),
    }


# The same number at both sizes: this table is the whole point of the module.
EXPECTED = {
    # Pages that span the maps first read every map's token, for their whole cached response
    # (fragments.tokens_everywhere). Home: then the maps, every map's structure token (one
    # read), the sources, which of them each map quotes, its counts (kept under the token; one
    # query each for any number of maps), theses, sources.
    "home": 8,
    # A tree also reads the links touching its nodes and the branch of each far end.
    # The map page and tree fragments first look for a whole cached response (one query for
    # the map's tokens, fragments.shared_response), then render, then fill the state regions
    # (one read a kind: the annotation counts; strengths: one read a perspective, none when
    # computed). Strengths (evaluation) on a cold cache: the perspective the page shows is
    # computed once, in three queries (nodes, contradicts links, votes or a document's
    # anchors). The map page shows the thesis under every perspective (everyone, curators,
    # the generated source) and lists the sources that anchor the map (which ones: found once
    # per structure token, two queries, then the sources themselves); a perspective never
    # computed yet is computed off the request in production, and here, on it (the map, the
    # document, the token, then its three queries). A claim page's explanation (a region)
    # reads the node, its children and its contradicts links.
    "map": 25,
    "map-focus": 27,
    "map-open": 28,
    "tree-open": 11,
    "tree-closed": 10,  # the thesis is never linked: no far ends, no branch lookup
    "tree-branch": 12,
    "tree-deep": 11,
    # The token twice (for the whole response, and for the cached parts); the open panel of
    # a visitor without an account is a state region (its node, its annotations); a claim
    # with children also fills their counts. Its link preview (cached under the structure token)
    # reads the parent and the first quote (the thesis has no parent).
    "claim": 19,
    "claim-thesis": 20,
    # Every map's token and the stamp of the source's passage annotations (the whole
    # response's key), then the source, the maps quoting it (the maps, their tokens, and on a
    # miss the sources and which each map quotes; the reader draws one), whether
    # it is read in parts (a count up to 501), the longest quote, the quotes over the part
    # shown, sections, passage annotations.
    "source": 12,
    # Every map's token (the whole response's key), every map's token again (the cached
    # results' key, for visitors with a session), then per kind: the ranked ids of a bounded
    # candidate set, then the rows shown with headlines.
    "search": 8,
    "search-htmx": 8,
    "search-empty": 1,  # the tokens; the hint is found before any other query
    # The map, its token, the focus with its nearest ancestors, a page of its children,
    # theirs (none under a leaf), the links touching the drawn nodes and the branch of each
    # far end; its strengths, here computed cold (nodes, contradicts links, votes).
    "diagram": 11,  # and the map's tokens first (a shared response)
    "diagram-branch": 11,
    "diagram-deep": 10,
    "diagram-curators": 11,  # another perspective: the same
    # The map, its token, the sources, which of them it quotes, their sections, then one
    # query each for nodes, links.
    "export": 7,
    # Every map's token (the whole response's key), the source, the maps quoting it (as for
    # the reader: 4 queries), the shown one's token, its nodes.
    "source-argument": 12,
    "cross-link": 6,  # a shared response (strengths are regions: none in its key)
    # Every API request is counted (the rate limit); one of a map reads its token and the
    # stamps of its strengths under everyone's and the curators' votes (the ETag), here
    # computed cold (each perspective: the map, its nodes, links, votes). Nodes: their ids,
    # then the rows, anchors and links of the page, and their strengths.
    "api-map": 22,  # and the counts, theses, sources, the thesis under each document's view
    "api-nodes": 16,
    "api-nodes-children": 17,  # and the parent
    "api-node": 17,  # the node, anchors, links, ancestors, then its children
    "api-node-thesis": 19,  # ... and the children's anchors and links
    "api-anchors": 3,  # the source, then a page of its anchors (tagged by content)
}


def test_generated_maps_are_deep_at_scale(generated, db):
    assert generated["depth"] >= (6 if generated["size"] >= 10_000 else 1)


@pytest.mark.parametrize("page", list(EXPECTED))
def test_query_count_does_not_grow_with_the_map(
    generated, page, db, client, django_assert_num_queries
):
    url, headers = pages(generated)[page]
    # On PostgreSQL an export widens its statement_timeout, and sets it back, as it streams.
    widening = 2 if page == "export" and connection.vendor == "postgresql" else 0
    with django_assert_num_queries(EXPECTED[page] + widening):
        response = client.get(url, headers=headers)
        if response.streaming:  # an export's queries run as its body is read
            b"".join(response.streaming_content)
    # An empty search gets a hint, before any query.
    assert response.status_code == 200, url


# A visitor without a session gets the whole cached response: one query, the map's tokens
# (every map's, for the pages that span the maps; and a source's passage stamp, the reader).
CACHED_RESPONSE = {
    **dict.fromkeys(["map", "map-focus", "map-open", "tree-open", "tree-branch"], 1),
    **dict.fromkeys(["claim", "claim-thesis", "cross-link"], 1),
    **dict.fromkeys(["diagram", "diagram-branch", "diagram-deep", "diagram-curators"], 1),
    **dict.fromkeys(["home", "search", "search-htmx", "source-argument"], 1),
    "source": 2,
}
# With a session (its lookup is the first query), the view runs and its tree comes from the
# fragment cache: the lookup that can 404, the map's token, and the state regions' read. A
# claim page reads the token, the node, and fills its panel (2) and its children's counts,
# its explanation (the node, its children, contradicts links) and the node's vote counts; a
# cross-link is not cached in parts. The map page lists the documents of its perspectives.
CACHED_FRAGMENT = {
    "map": 5,
    "map-focus": 6,
    "map-open": 5,
    "tree-open": 4,
    "tree-branch": 4,
    "claim": 9,
    "claim-thesis": 10,
    "cross-link": 6,
    # The diagram is not cached in parts: its queries, after the session (its strengths
    # computed already: none).
    "diagram": 8,
    "diagram-branch": 8,
    "diagram-deep": 7,
    "diagram-curators": 8,
    # Home: the maps, every map's token (their counts kept), theses, sources. Search: every
    # map's token, and the results from the cache. A document's argument: the source, the
    # maps quoting it (the maps, their tokens), the shown one's token. The reader is not
    # cached in parts: its queries, after the session.
    "home": 5,
    "search": 2,
    "search-htmx": 2,
    "source-argument": 5,
    "source": 9,
}


@pytest.mark.parametrize("session", [False, True], ids=["no-session", "session"])
@pytest.mark.parametrize("page", list(CACHED_RESPONSE))
def test_a_cached_rendering_skips_the_tree_queries(
    generated, page, session, db, client, django_assert_num_queries
):
    url, headers = pages(generated)[page]
    if session:  # an anonymous visitor's session, as a message leaves behind
        store = client.session
        store["seen"] = True
        store.save()
    first = client.get(url, headers=headers)
    expected = (CACHED_FRAGMENT if session else CACHED_RESPONSE)[page]
    with django_assert_num_queries(expected):
        second = client.get(url, headers=headers)
    assert second.status_code == 200
    # The page around the tree carries a fresh CSRF token each time; the main part does not.
    assert main_part(second) == main_part(first)


def main_part(response):
    html = response.content.decode()
    return html.split("<main", 1)[-1].split("</main>", 1)[0]
