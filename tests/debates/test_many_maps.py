"""Maps never leak: a second map quoting the same documents (the seed map imported again,
as issue 24 found it) is read, counted and searched apart from the first."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from argmap.debates.mapdoc import import_text
from argmap.debates.models import Anchor, ArgumentMap, Node

from ..factories import (
    SAMPLE_TEXT,
    AnchorFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
    UserFactory,
)

SEED = "deepseek-r1-sputnik"
SECOND = "second-map"
BLOG = "not-sputnik-blog"


@pytest.fixture
def two_maps(seeded_map):
    out = StringIO()
    call_command("export_map", SEED, "--format", "argmap", stdout=out)
    second, _ = import_text(out.getvalue(), slug=SECOND, fmt="argmap")
    second.question = "A second debate over the same documents?"
    second.save()
    return seeded_map, second


def quotes_in(argmap, slug=BLOG):
    return Anchor.objects.filter(node__map=argmap, source__slug=slug)


def test_the_reader_shows_one_map_at_a_time_and_names_the_others(client, two_maps):
    seed, second = two_maps
    quoted = quotes_in(seed).count()
    assert quoted == quotes_in(second).count() > 1
    html = client.get(f"/sources/{BLOG}/").content.decode()
    assert f"in {quoted} quotes" in html
    assert f"in {2 * quoted} quotes" not in html
    drawn = re.findall(
        r'<a href="(/maps/[^/]+)/nodes/[^"]+/">', html.split('id="drawn-heading"')[1]
    )
    assert drawn and set(drawn) == {f"/maps/{SEED}"}
    # every highlight is one of the shown map's quotes
    highlighted = {int(pk) for pk in re.findall(r'id="anchor-(\d+)"', html)}
    assert highlighted == set(quotes_in(seed).values_list("pk", flat=True))
    # the other map is one link away, and reads its own
    assert f'href="?map={SECOND}"' in html
    other = client.get(f"/sources/{BLOG}/?map={SECOND}").content.decode()
    assert f"in {quoted} quotes" in other
    highlighted = {int(pk) for pk in re.findall(r'id="anchor-(\d+)"', other)}
    assert highlighted == set(quotes_in(second).values_list("pk", flat=True))
    assert f"/maps/{SEED}/nodes/" not in other.split('id="drawn-heading"')[1]


def test_a_quote_opens_the_reader_on_its_own_map(client, two_maps):
    _, second = two_maps
    anchor = quotes_in(second).first()
    html = client.get(anchor.get_reader_url()).content.decode()
    assert f'id="anchor-{anchor.pk}"' in html
    assert not any(f'id="anchor-{a.pk}"' in html for a in quotes_in(two_maps[0]))


def test_an_unknown_map_in_the_reader_is_404(client, two_maps):
    assert client.get(f"/sources/{BLOG}/?map=no-such-map").status_code == 404


def test_the_home_page_lists_every_map_under_one_heading_with_its_own_counts(client, two_maps):
    seed, second = two_maps
    Node.objects.filter(map=second, parent__isnull=False, children__isnull=True).first().delete()
    html = client.get("/").content.decode()
    assert html.count("<h1") == 1
    for argmap in (seed, second):
        section = html.split(f'id="map-{argmap.slug}"')[1].split("</section>")[0]
        nodes = argmap.nodes.count()
        assert re.search(rf"<dt>Nodes</dt>\s*<dd>\s*{nodes}\s*</dd>", section)
        assert f"/sources/{BLOG}/" in section
    assert seed.nodes.count() == second.nodes.count() + 1


def test_the_home_page_counts_only_the_sources_a_map_quotes(client, two_maps):
    seed, second = two_maps
    Anchor.objects.filter(node__map=second).exclude(source__slug=BLOG).delete()
    html = client.get("/").content.decode()
    section = html.split(f'id="map-{SECOND}"')[1].split("</section>")[0]
    assert re.search(r"<dt>Sources</dt>\s*<dd>\s*1\s*</dd>", section)
    assert "/sources/china-showed-it-essay/" not in section


def test_search_results_say_which_map(client, two_maps):
    seed, second = two_maps
    html = client.get("/search/?q=Sputnik").content.decode()
    nodes = html.split('id="results-nodes"')[1].split("</section>")[0]
    quotes = html.split('id="results-quotes"')[1].split("</section>")[0]
    for part in (nodes, quotes):
        assert f'in <a href="/maps/{SEED}/">{seed.title}</a>' in part.replace("&#x27;", "'")
        assert f'in <a href="/maps/{SECOND}/">' in part


def test_a_documents_argument_counts_each_map_apart(client, two_maps, monkeypatch):
    seed, _ = two_maps
    monkeypatch.setattr("argmap.debates.views.ARGUMENT_NODES", 1000)  # each map on one page
    anchored = quotes_in(seed).values("node").distinct().count()
    for slug in (SEED, SECOND):
        html = client.get(f"/sources/{BLOG}/argument/?map={slug}").content.decode()
        sections = html.split('class="source-argument"')[1:]
        assert len(sections) == 1
        assert f'id="question-{slug}"' in sections[0]
        assert f"{anchored} claims and evidence drawn from this source" in sections[0]


def test_every_map_is_counted_apart(two_maps):
    seed, second = two_maps
    counted = {m.slug: m.node_count for m in ArgumentMap.objects.counted()}
    assert counted == {SEED: seed.nodes.count(), SECOND: second.nodes.count()}


# Two maps sharing nothing but one document: every page reached from the document shows
# one map's nodes at a time.
FIRST_SENTENCE = SAMPLE_TEXT.split(". ")[0]
SECOND_SENTENCE = SAMPLE_TEXT.split(". ")[1]


@pytest.fixture
def apart(db):
    source = SourceFactory(slug="shared-document")
    first, second = MapFactory(slug="first-map"), MapFactory(slug="second-map")
    trees = {}
    for argmap, quote, words in (
        (first, FIRST_SENTENCE, "Only the first map says the chips were export-controlled."),
        (second, SECOND_SENTENCE, "Only the second map says the cost figure is partial."),
    ):
        thesis = ThesisFactory(map=argmap, text=f"The thesis of {argmap.slug}.")
        claim = NodeFactory(map=argmap, parent=thesis, text=words)
        AnchorFactory(node=claim, source=source, quote=quote)
        trees[argmap.slug] = (thesis, claim)
    return source, trees


def test_a_documents_argument_shows_one_map_at_a_time(client, apart):
    source, trees = apart
    url = f"/sources/{source.slug}/argument/"
    first = client.get(url).content.decode()
    assert trees["first-map"][1].text in first
    assert trees["second-map"][1].text not in first
    assert trees["second-map"][0].text not in first
    assert 'href="?map=second-map"' in first  # the other map is one link away
    second = client.get(f"{url}?map=second-map").content.decode()
    assert trees["second-map"][1].text in second
    assert trees["first-map"][1].text not in second
    assert trees["first-map"][0].text not in second
    assert client.get(f"{url}?map=no-such-map").status_code == 404


def test_a_documents_argument_pages_within_its_map(client, apart, monkeypatch):
    source, trees = apart
    monkeypatch.setattr("argmap.debates.views.ARGUMENT_NODES", 2)
    # The second map's one quote (and its thesis) fills its page: nothing more of it
    # follows, whatever the first map quotes after it.
    html = client.get(f"/sources/{source.slug}/argument/?map=second-map").content.decode()
    assert "More of this source" not in html
    extra = NodeFactory(map=trees["second-map"][0].map, parent=trees["second-map"][0])
    AnchorFactory(node=extra, source=source, quote=SAMPLE_TEXT.split(". ")[2])
    html = client.get(f"/sources/{source.slug}/argument/?map=second-map").content.decode()
    last = trees["second-map"][1].anchors.get()
    assert f'href="?after={last.start}-{last.pk}&amp;map=second-map"' in html
    html = client.get(
        f"/sources/{source.slug}/argument/?after={last.start}-{last.pk}&map=second-map"
    ).content.decode()
    assert extra.text in html and trees["first-map"][1].text not in html


def test_the_reader_links_to_the_argument_of_its_map(client, apart):
    source, _ = apart
    html = client.get(f"/sources/{source.slug}/?map=second-map").content.decode()
    assert f'href="/sources/{source.slug}/argument/?map=second-map"' in html


def test_the_readers_proposal_targets_are_the_shown_maps(client, apart):
    source, trees = apart
    client.force_login(UserFactory())
    # Words both maps' quotes lie in or near, and like both maps' claims.
    words = {"words": "cost figure leaves out research", "look_for": "Only the map says"}
    response = client.post(
        f"/sources/{source.slug}/annotations/", {**words, "find": "1", "map": "second-map"}
    )
    form = response.content.decode().split('id="passage-targets"')[1].split("</select>")[0]
    assert trees["second-map"][1].text[:30] in form
    assert trees["first-map"][1].text[:30] not in form
    assert trees["first-map"][0].text not in form


def home_queries(client):
    """Queries of the home page for a visitor with a session (not cached whole), with the
    maps' counts cold, then kept."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store = client.session
    store["seen"] = True
    store.save()
    caches["fragments"].clear()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    return counts


def test_the_home_pages_queries_do_not_grow_with_the_number_of_maps(
    client, seeded_map, queries_pinned
):
    one = home_queries(client)
    source = SourceFactory()
    for _ in range(3):
        AnchorFactory(node=ThesisFactory(map=MapFactory()), source=source)
    assert ArgumentMap.objects.count() == 4
    assert home_queries(client) == one
