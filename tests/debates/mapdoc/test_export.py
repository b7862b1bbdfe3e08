"""Exports stream: every download is written from Streams a chunk at a time, cut to a branch
in the query, answered with 304 from the map's structure token, and kept whole only when small."""

import json

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from argmap.debates import views
from argmap.debates.mapdoc import export as streamed
from argmap.debates.mapdoc import formats
from argmap.debates.mapdoc.formats import argdown, materialized, registry
from argmap.debates.models import ArgumentMap, Link, Node
from tests.debates.mapdoc.formats.test_aif import arguebuf_graph, expected_graph

from .test_load import body, export

SLUG = "deepseek-r1-sputnik"
FORMATS = list(registry.FORMATS)


@pytest.fixture(autouse=True)
def empty_cache():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def generated(slug, nodes):
    call_command("generate_map", nodes=nodes, slug=slug, verbosity=0)
    return ArgumentMap.objects.get(slug=slug)


@pytest.fixture
def big(db):
    return generated("big", 300)


def branch_of(doc, key):
    """A node's branch cut from the whole map's document: the node, everything under it and
    its parent (with no parent, relation or scheme of its own), with the links and sources inside.
    The independent reading the export's query must agree with."""
    by_id = {node["id"]: node for node in doc["nodes"]}
    keep = {key}
    for node in doc["nodes"]:
        if node["parent"] in keep:
            keep.add(node["id"])
    top = by_id[key]["parent"]
    nodes = [{**by_id[top], "parent": None, "relation": None, "scheme": None}] if top else []
    nodes += [node for node in doc["nodes"] if node["id"] in keep]
    inside = keep | ({top} if top else set())
    named = {anchor["source"] for node in nodes for anchor in node["anchors"]}
    return {
        **doc,
        "sources": [source for source in doc["sources"] if source["slug"] in named],
        "nodes": nodes,
        "links": [link for link in doc["links"] if set(link["between"]) <= inside],
    }


def download(client, slug, fmt, key=None, headers=None):
    if key is None:
        return client.get(reverse("map-download", args=[slug, fmt]), headers=headers)
    return client.get(reverse("branch-download", args=[slug, key, fmt]), headers=headers)


# What each download streams ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_streams_what_export_map_prints(client, seeded_map, big, fmt):
    for slug in (SLUG, "big"):
        response = download(client, slug, fmt)
        assert isinstance(response, StreamingHttpResponse)
        pieces = list(response.streaming_content)
        assert b"".join(pieces).decode() == export(slug, fmt).replace(
            "http://localhost:8000", "http://testserver"
        )


def test_the_argmap_stream_is_what_json_dumps_writes_of_the_whole_document(seeded_map, big):
    for argmap in (seeded_map, big):
        doc = materialized(streamed.export_map(argmap))
        assert export(argmap.slug, "argmap") == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# (Web Annotation sends the collection's first page only: at most page_size annotations.)
@pytest.mark.parametrize("fmt", ["argmap", "aif", "argdown"])
def test_a_big_export_comes_in_many_bounded_pieces(client, big, fmt, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK_CHARS", 4096)
    monkeypatch.setattr(views, "CACHED_EXPORT_CHARS", 0)
    pieces = [piece.decode() for piece in download(client, "big", fmt).streaming_content]
    assert len(pieces) > 10
    # A piece ends with the first item past CHUNK_CHARS (one node of the sample, at most).
    assert max(len(piece) for piece in pieces) < 4096 + 2000


@pytest.mark.parametrize("slug", [SLUG, "big"])
def test_a_branch_from_the_query_is_the_branch_of_the_whole_map(seeded_map, big, slug):
    argmap = ArgumentMap.objects.get(slug=slug)
    whole = materialized(streamed.export_map(argmap))
    nodes = list(argmap.nodes.order_by("pk"))
    for node in nodes[:: max(1, len(nodes) // 25)]:
        part = materialized(streamed.export_map(argmap, node))
        assert part == branch_of(whole, node.key), node.key


def test_a_branch_is_read_back_as_its_own_graph(client, seeded_map):
    node = Node.objects.get(map=seeded_map, key="analogy-fits")
    part = materialized(streamed.export_map(seeded_map, node))
    assert part["nodes"][0]["parent"] is None and part["nodes"][1]["parent"] == "thesis"
    aif_text = body(download(client, SLUG, "aif", "analogy-fits"))
    assert arguebuf_graph(json.loads(aif_text)) == expected_graph(part)
    assert argdown.expected_counts(part)["statements"] == len(part["nodes"])


# Bounded: the same queries at any size, and never more than FETCH_ROWS rows at a time -----

# The map (or node), its token, its sources and their sections, then one query for the
# nodes and one for the links, read once each: AIF reads the nodes seven times and Web
# Annotation twice (count, then the first page), from the spool of the first pass. Web
# Annotation reads no links; the whole map's has no token (see views.download) but reads
# the passage annotations. A branch's sources are those its tree quotes (one query); the
# whole map's are every source, then which of them it quotes (one row of EXISTS).
QUERIES = {"argmap": 6, "aif": 6, "argdown": 6, "webannotation": 5}
WHOLE_MAP = 1
# On PostgreSQL an export widens its statement_timeout, and sets it back, as it streams
# (argmap.lib.database.streamed_with_longer_bound).
WIDENING = 2 if connection.vendor == "postgresql" else 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_costs_the_same_queries_at_10_and_300_nodes(
    client, db, fmt, django_assert_num_queries
):
    for slug, size in (("small", 10), ("large", 300)):
        generated(slug, size)
        key = Node.objects.filter(map__slug=slug, parent__parent__isnull=False).first().key
        with django_assert_num_queries(QUERIES[fmt] + WHOLE_MAP + WIDENING):
            body(download(client, slug, fmt))
        with django_assert_num_queries(QUERIES[fmt] + WIDENING):
            body(download(client, slug, fmt, key))


class FetchSpy:
    """Records how many rows each fetch hands over, and that nothing fetches all."""

    def __init__(self, cursor, batches):
        self.cursor, self.batches = cursor, batches

    def fetchmany(self, size):
        rows = self.cursor.fetchmany(size)
        self.batches.append(len(rows))
        return rows

    def fetchall(self):
        raise AssertionError("an export never fetches all its rows at once")

    def __getattr__(self, name):
        return getattr(self.cursor, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cursor.close()


def batches_of(rows, size):
    """The fetches that read `rows` rows `size` at a time: full ones, the rest, an empty one."""
    return [size] * (rows // size) + ([rows % size] if rows % size else []) + [0]


def test_rows_are_read_fetch_rows_at_a_time(client, big, monkeypatch):
    monkeypatch.setattr(streamed, "FETCH_ROWS", 40)
    batches: list[int] = []
    chunked = connection.chunked_cursor
    monkeypatch.setattr(connection, "chunked_cursor", lambda: FetchSpy(chunked(), batches))
    body(download(client, "big", "argmap"))
    # a row per node and anchor (a node without anchors is one row), then two per link
    anchors = big.nodes.annotate(count=Count("anchors")).values_list("count", flat=True)
    node_rows = sum(max(1, count) for count in anchors)
    assert node_rows >= big.nodes.count() == 300
    assert batches == batches_of(node_rows, 40) + batches_of(2 * big.links.count(), 40)


# Cached by structure token: ETag, 304, HEAD ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["argmap", "aif", "argdown"])
def test_an_unchanged_map_answers_304_from_its_token_alone(
    client, seeded_map, fmt, django_assert_num_queries
):
    response = download(client, SLUG, fmt)
    etag = response["ETag"]
    assert response["Cache-Control"] == "no-cache"
    body(response)
    with django_assert_num_queries(2):  # the map and its token
        again = download(client, SLUG, fmt, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    assert not again.content


def test_the_etag_depends_on_token_format_and_branch(client, seeded_map):
    tags = {
        (fmt, key): download(client, SLUG, fmt, key)["ETag"]
        for fmt in ("argmap", "aif", "argdown")
        for key in (None, "analogy-fits", "thesis")
    }
    assert len(set(tags.values())) == len(tags)
    node = Node.objects.get(map=seeded_map, key="analogy-fits")
    node.text += " (edited)"
    node.save()
    for (fmt, key), old in tags.items():
        response = download(client, SLUG, fmt, key, headers={"If-None-Match": old})
        assert response.status_code == 200 and response["ETag"] != old
        if fmt == "argmap":
            assert "(edited)" in body(response)


def test_a_small_export_is_kept_whole_and_served_from_the_cache(
    client, seeded_map, django_assert_num_queries
):
    first = body(download(client, SLUG, "aif"))
    with django_assert_num_queries(2):
        response = download(client, SLUG, "aif")
    assert not response.streaming and response.content.decode() == first
    assert response["ETag"] and response["Content-Disposition"]
    # another host gets its own copy (Web Annotation names nodes by absolute URL)
    other = client.get(reverse("map-download", args=[SLUG, "aif"]), HTTP_HOST="127.0.0.1")
    assert other.streaming


def test_a_big_export_streams_every_time(client, seeded_map, monkeypatch):
    monkeypatch.setattr(views, "CACHED_EXPORT_CHARS", 10_000)
    first = body(download(client, SLUG, "argmap"))
    response = download(client, SLUG, "argmap")
    assert response.streaming and body(response) == first


def test_head_answers_the_headers_without_the_export(client, seeded_map, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.head(reverse("map-download", args=[SLUG, "argmap"]))
        assert body(response) == ""
    assert response.status_code == 200 and response["ETag"]
    assert response["Content-Type"] == "application/json"


def test_the_whole_maps_web_annotations_are_built_every_time(client, seeded_map):
    # They carry the sources' passage annotations, which do not change the map's structure token.
    response = download(client, SLUG, "webannotation")
    assert not response.has_header("ETag")
    assert download(client, SLUG, "webannotation").streaming
    branch = download(client, SLUG, "webannotation", "analogy-fits")
    assert branch.has_header("ETag")


def test_export_json_is_the_argmap_download(client, seeded_map):
    response = client.get(f"/maps/{SLUG}/export.json")
    assert response["ETag"] == download(client, SLUG, "argmap")["ETag"]
    again = client.get(f"/maps/{SLUG}/export.json", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a snapshot needs PostgreSQL")
def test_a_streamed_export_is_one_snapshot_of_the_map(transactional_db):
    """A write landing while a download streams is not in it: no link to a missing node."""
    import threading

    from argmap.debates.mapdoc import chunks

    call_command("seed", verbosity=0)
    argmap = ArgumentMap.objects.get(slug=SLUG)
    before = "".join(chunks(argmap, "argmap", lambda path: path))
    pieces = chunks(argmap, "argmap", lambda path: path)
    first = next(pieces)  # the snapshot is taken: the sources have been read

    def curator():  # a new node, and a link from an old one to it
        thesis = Node.objects.get(map=argmap, parent=None)
        new = thesis.children.create(
            map=argmap,
            key="written-meanwhile",
            text="Written while the export streamed.",
            relation=Node.Relation.SUPPORTS,
            position=thesis.children.next_position(),
        )
        old = argmap.nodes.exclude(pk__in=[thesis.pk, new.pk]).order_by("pk").first()
        Link.objects.create(map=argmap, from_node=old, to_node=new, kind=Link.Kind.SAME_POINT)
        connection.close()

    writer = threading.Thread(target=curator)
    writer.start()
    writer.join()
    assert first + "".join(pieces) == before
    assert "written-meanwhile" in "".join(chunks(argmap, "argmap", lambda path: path))


def test_the_first_piece_of_a_download_goes_out_before_the_nodes_are_read(client, big):
    """The map and its sources are sent before the database sorts the map's nodes (at a
    million nodes the sort took 16 s, and a proxy waiting for the first byte cut it)."""
    pieces = iter(download(client, "big", "argmap").streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(pieces).decode()
    assert first.endswith('"nodes": ')
    assert '"sources": [' in first and '"slug": "big-source"' in first
    assert not any("RECURSIVE" in query["sql"] for query in queries.captured_queries)
    rest = b"".join(pieces).decode()
    assert json.loads(first + rest)["nodes"][0]["id"] == "n1"
