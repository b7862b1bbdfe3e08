"""Maps never leak: a second map quoting the same documents (the seed map imported again,
as issue 24 found it) is read, counted and searched apart from the first."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from argmap.debates.mapdoc import import_text
from argmap.debates.models import Anchor, ArgumentMap, Node

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
    monkeypatch.setattr("argmap.debates.views.ARGUMENT_QUOTES", 100)  # both maps on one page
    html = client.get(f"/sources/{BLOG}/argument/").content.decode()
    sections = html.split('class="document-argument"')[1:]
    assert len(sections) == 2
    anchored = quotes_in(seed).values("node").distinct().count()
    for section in sections:
        assert f"{anchored} claims and evidence drawn from this document" in section


def test_every_map_is_counted_apart(two_maps):
    seed, second = two_maps
    counted = {m.slug: m.node_count for m in ArgumentMap.objects.counted()}
    assert counted == {SEED: seed.nodes.count(), SECOND: second.nodes.count()}
