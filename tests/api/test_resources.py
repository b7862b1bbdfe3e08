"""The read API as a program uses it: resources, paging, ETags, CORS, the rate limit, the one
error shape, exports byte for byte, and nothing private."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from argmap.annotations.models import Annotation
from argmap.debates.models import Node, Source
from argmap.evaluation import strengths
from argmap.evaluation.models import Vote

from .conftest import SLUG

pytestmark = pytest.mark.usefixtures("annotated_map")
API = "/api/v1"


def get(client, path, **headers):
    response = client.get(f"{API}{path}", headers=headers)
    json_body = "json" in response.get("Content-Type", "")
    return response, (json.loads(response.content) if json_body else None)


def walk(client, path):
    """Every item of a paged list, following `next` links."""
    items, url = [], f"{API}{path}"
    while url:
        body = json.loads(client.get(url).content)
        items += body["items"]
        url = body["next"]
    return items


def test_a_map_says_what_it_holds(client, annotated_map):
    response, body = get(client, f"/maps/{SLUG}")
    assert response.status_code == 200
    assert body["question"] == annotated_map["map"].question
    assert body["definition"] == annotated_map["map"].definition
    assert body["thesis"]["key"] == "thesis"
    assert body["counts"]["nodes"] == 209
    assert (
        body["counts"]["supports"] + body["counts"]["opposes"] + body["counts"]["undercuts"] == 208
    )
    assert {s["slug"] for s in body["sources"]} == set(
        Source.objects.filter(anchors__node__map=annotated_map["map"]).values_list(
            "slug", flat=True
        )
    )
    maps = walk(client, "/maps")
    assert [m["slug"] for m in maps] == [SLUG]


def test_nodes_page_with_a_cursor_and_filters(client):
    nodes = walk(client, f"/maps/{SLUG}/nodes?limit=37")
    assert len(nodes) == len({node["key"] for node in nodes}) == 209
    children = walk(client, f"/maps/{SLUG}/nodes?parent=thesis&limit=200")
    assert {n["key"] for n in children} == set(
        Node.objects.filter(parent__key="thesis", map__slug=SLUG).values_list("key", flat=True)
    )
    rebuttals = walk(client, f"/maps/{SLUG}/nodes?relation=opposes&limit=200")
    opposing = Node.objects.filter(map__slug=SLUG, relation="opposes").count()
    assert len(rebuttals) == opposing == 37 and {n["relation"] for n in rebuttals} == {"opposes"}
    quoting = walk(client, f"/maps/{SLUG}/nodes?source=not-sputnik-blog&limit=200")
    assert quoting and all(
        any(a["source"] == "not-sputnik-blog" for a in node["anchors"]) for node in quoting
    )


def test_a_node_with_its_ancestors_and_children(client):
    response, body = get(client, f"/maps/{SLUG}/nodes/not-sputnik-gpu-gap")
    assert response.status_code == 200
    node = Node.objects.get(map__slug=SLUG, key="not-sputnik-gpu-gap")
    assert [a["key"] for a in body["ancestors"]] == [a.key for a in Node.objects.ancestors_of(node)]
    assert body["ancestors"][0]["key"] == "thesis"
    assert body["relation"] == node.relation and body["parent"] == node.parent.key
    assert body["anchors"][0]["exact"].startswith("DeepSeek-R1's lead is fundamentally different")
    assert len(body["child_nodes"]) == body["children"]["nodes"]
    _, thesis = get(client, f"/maps/{SLUG}/nodes/thesis")
    assert thesis["ancestors"] == [] and thesis["parent"] is None


def test_a_source_its_text_and_its_anchors_in_text_order(client):
    source = Source.objects.get(slug="reason-sputnik-moment-article")  # with reader comments
    response, body = get(client, f"/sources/{source.slug}")
    assert body["sha256"] == source.sha256 and body["length"] == len(source.text)
    assert body["comments"] and body["comments"] == sorted(body["comments"])
    text = client.get(body["text_url"])
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode("utf-8") == source.text
    anchors = walk(client, f"/sources/{source.slug}/anchors?limit=7")
    assert len(anchors) == source.anchors.count()
    assert [(a["start"]) for a in anchors] == sorted(a["start"] for a in anchors)
    assert all(source.text[a["start"] : a["end"]] == a["exact"] for a in anchors)


def test_public_annotations_are_the_exports_json_ld_and_private_ones_never_appear(
    client, annotated_map
):
    everything = json.dumps([get(client, path)[1] for path in ("/annotations",)])
    page = json.loads(everything)[0]
    assert page["type"] == "AnnotationPage"
    bodies = {item["body"]["value"] for item in page["items"]}
    assert bodies == {"Public on a node", "Public on a passage"}
    assert "Private" not in everything and "Hidden" not in everything
    assert "@example.org" not in everything  # no e-mail address, ever
    # The passage annotation is exactly the item the map's Web Annotation export holds.
    download = client.get(f"/maps/{SLUG}/download/webannotation/")
    export = json.loads(b"".join(download.streaming_content))
    exported = [i for i in export["first"]["items"] if i["type"] == "Annotation" and "creator" in i]
    passage = [i for i in page["items"] if isinstance(i["target"], dict)]
    assert passage == exported
    on_node = walk_annotations(client, f"/annotations?map={SLUG}&node=analogy-fits")
    assert [i["body"]["value"] for i in on_node] == ["Public on a node"]
    assert walk_annotations(client, "/annotations?user=nobody") == []


def walk_annotations(client, path):
    return get(client, path)[1]["items"]


def test_search_finds_nodes_quotes_and_sources(client):
    response, body = get(client, "/search?q=GPUs")
    assert response.status_code == 200
    assert body["nodes"] and body["quotes"] and body["sources"]
    hit = body["nodes"][0]
    start, end = hit["snippet"]["highlights"][0]
    assert hit["snippet"]["text"][start:end].lower().startswith("gpu")
    _, nothing = get(client, "/search?q=!!!")
    assert nothing == {"query": "", "nodes": [], "quotes": [], "sources": [], "more": False}


@pytest.mark.parametrize("fmt", ["argmap", "aif", "argdown", "webannotation"])
def test_exports_are_byte_for_byte_what_export_map_prints(client, fmt):
    response = client.get(f"{API}/maps/{SLUG}/export?format={fmt}")
    printed = StringIO()
    call_command("export_map", SLUG, format=fmt, base_url="http://testserver", stdout=printed)
    assert b"".join(response.streaming_content).decode() == printed.getvalue()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/x-argdown", "argdown"),
        ('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', "webannotation"),
        ("application/ld+json;q=0.9, text/x-argdown;q=0.5", "webannotation"),
        ("application/json", "argmap"),
        ("text/html, */*;q=0.8", "argmap"),
        (None, "argmap"),
    ],
)
def test_an_export_is_chosen_by_the_accept_header(client, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"{API}/maps/{SLUG}/export", headers=headers)
    printed = StringIO()
    call_command("export_map", SLUG, format=fmt, base_url="http://testserver", stdout=printed)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == printed.getvalue()
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        (f"/maps/{SLUG}/export", "text/html"),
        (f"/maps/{SLUG}/export", "application/xml, image/*"),
        (f"/maps/{SLUG}/export?format=argdown", "application/json"),
        (f"/maps/{SLUG}/export?format=aif", "text/*"),
        ("/sources/not-sputnik-blog/text", "application/json"),
    ],
)
def test_what_accept_refuses_is_406_naming_the_header(client, path, accept):
    response, body = get(client, path, accept=accept)
    assert response.status_code == 406
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body["errors"] == [
        {"parameter": "Accept", "location": "header", "message": body["detail"]}
    ]


def test_a_sources_text_answers_any_accept_that_takes_plain_text(client):
    for accept in ("text/plain", "text/*", "*/*", "text/html, text/plain;q=0.1"):
        response, _ = get(client, "/sources/not-sputnik-blog/text", accept=accept)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_etag_from_the_structure_token_and_304(client):
    path = f"/maps/{SLUG}/nodes/analogy-fits"
    first, _ = get(client, path)
    again, _ = get(client, path, if_none_match=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    Node.objects.filter(map__slug=SLUG, key="analogy-fits").update(text="Changed words")
    changed, body = get(client, path, if_none_match=first["ETag"])
    assert changed.status_code == 200 and body["text"] == "Changed words"
    assert changed["ETag"] != first["ETag"]
    # Resources the structure token does not follow are tagged by their content.
    listed, _ = get(client, "/annotations")
    assert get(client, "/annotations", if_none_match=listed["ETag"])[0].status_code == 304


def test_errors_have_one_shape_and_name_the_parameter(client):
    cases = {
        "/maps/nope": (404, "slug"),
        f"/maps/{SLUG}/nodes/nope": (404, "key"),
        f"/maps/{SLUG}/nodes?parent=nope": (404, "parent"),
        f"/maps/{SLUG}/nodes?limit=201": (422, "limit"),
        f"/maps/{SLUG}/nodes?kind=point": (422, "kind"),
        f"/maps/{SLUG}/nodes?cursor=abc": (422, "cursor"),
        f"/maps/{SLUG}/export?format=pdf": (422, "format"),
        "/sources/nope/text": (404, "slug"),
        "/search": (422, "q"),
    }
    for path, (status, parameter) in cases.items():
        response, body = get(client, path)
        assert response.status_code == status, path
        assert response["Access-Control-Allow-Origin"] == "*"
        assert set(body) == {"status", "title", "detail", "errors"}
        assert [e["parameter"] for e in body["errors"]] == [parameter], path
    response, body = get(client, "/no/such/thing")
    assert response.status_code == 404 and body["errors"] == []
    response, body = get(client, "/search?q=a%00b")  # refused before any view: still JSON
    assert response.status_code == 400 and body["status"] == 400


def test_rate_limited_per_address_with_retry_after(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": (3, 60)}
    statuses = [client.get(f"{API}/maps").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response, body = get(client, "/maps")
    assert body["status"] == 429 and int(response["Retry-After"]) > 0
    other = client.get(f"{API}/maps", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_nothing_private_anywhere(client, annotated_map):
    """Every GET resource, walked: no private or hidden annotation, e-mail or vote."""
    reader = annotated_map["reader"]
    paths = [
        "/maps",
        f"/maps/{SLUG}",
        f"/maps/{SLUG}/nodes?limit=200",
        f"/maps/{SLUG}/nodes/analogy-fits",
        "/sources",
        "/annotations?limit=200",
        f"/annotations?user={reader.username}",
        "/search?q=Private",
    ]
    text = "".join(client.get(f"{API}{path}").content.decode() for path in paths)
    assert reader.email not in text
    for hidden in Annotation.objects.exclude(visibility="public", is_hidden=False):
        assert hidden.body not in text


def test_head_answers_the_get_headers_without_a_body(client):
    response = client.head(f"{API}/maps/{SLUG}")
    assert response.status_code == 200 and response.content == b""
    assert response["ETag"] == client.get(f"{API}/maps/{SLUG}")["ETag"]


def test_strengths_per_perspective_from_the_evaluation_app(client, annotated_map, monkeypatch):
    # Strengths are trusted for MAX_AGE seconds before the votes are checked again.
    monkeypatch.setattr(strengths, "MAX_AGE", 0)
    argmap = annotated_map["map"]
    node = argmap.nodes.get(key="not-sputnik-gpu-gap")
    first, before = get(client, f"/maps/{SLUG}/nodes/{node.key}")
    assert before["strength"]["perspective"] == "everyone"
    assert before["strength"]["votes"] == 0 and before["strength"]["base"] == 0.5
    Vote.objects.cast(annotated_map["reader"], node, {"acceptability": 4, "relevance": 4})
    after_vote, after = get(client, f"/maps/{SLUG}/nodes/{node.key}", if_none_match=first["ETag"])
    assert after_vote.status_code == 200  # a vote changes no token, but the strengths' stamp
    assert after["strength"]["votes"] == 1
    assert after["strength"]["base"] == pytest.approx((1 + 4 / 4) / (2 + 1))
    expected = strengths.strengths_of(argmap, "everyone").of(node.pk)
    assert after["strength"]["strength"] == expected.strength
    assert after["strength"]["relevance"] == expected.relevance
    _, document = get(client, f"/maps/{SLUG}/nodes/{node.key}?perspective=source:not-sputnik-blog")
    assert document["strength"]["perspective"] == "source:not-sputnik-blog"
    assert document["strength"]["base"] == 1.0  # the blog asserts this node
    _, curators = get(client, f"/maps/{SLUG}/nodes?perspective=curators&limit=3")
    assert {item["strength"]["perspective"] for item in curators["items"]} == {"curators"}
    response, body = get(client, f"/maps/{SLUG}/nodes/{node.key}?perspective=source:nope")
    assert response.status_code == 404 and body["errors"][0]["parameter"] == "perspective"
    _, whole = get(client, f"/maps/{SLUG}")
    perspectives = [row["perspective"] for row in whole["thesis_strengths"]]
    assert perspectives[:2] == ["everyone", "curators"]
    assert {p.removeprefix("source:") for p in perspectives[2:]} == {
        s["slug"] for s in whole["sources"]
    }
    assert all(0 <= row["strength"] <= 1 for row in whole["thesis_strengths"])
    assert "reader-one" not in json.dumps(whole)  # votes are counted, never listed


def test_a_maps_resource_is_kept_under_its_etag_until_the_map_changes(
    client, django_assert_max_num_queries
):
    path = f"/maps/{SLUG}/nodes/analogy-fits"
    first, body = get(client, path)
    # Kept: the rate limit and the map's token (the strengths' stamps are cache reads).
    with django_assert_max_num_queries(2):
        again, kept = get(client, path)
    assert kept == body and again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]
    Node.objects.filter(map__slug=SLUG, key="analogy-fits").update(text="Changed words")
    changed, body = get(client, path)
    assert body["text"] == "Changed words" and changed["ETag"] != first["ETag"]
