"""Everything a visitor reaches on the site is reachable through the API, with the same content:
every node (as its page and the map's download show it), every source (its page, its text)
and every public annotation (on its node's page or in its source's reader)."""

import json

import pytest
from django.utils.html import escape

from argmap.annotations.models import Annotation
from argmap.debates.mapdoc import export_source
from argmap.debates.models import Node, Source

from .conftest import SLUG
from .test_resources import API, walk

pytestmark = pytest.mark.usefixtures("annotated_map")


def test_every_node_on_the_site_is_in_the_api_with_the_same_content(client):
    # One node accepted from a reader's proposal: its credit shows on all three.
    Node.objects.filter(map__slug=SLUG, key="analogy-fits").update(proposed_by="a reader")
    download = client.get(f"/maps/{SLUG}/download/argmap/")
    exported = json.loads(b"".join(download.streaming_content))
    served = {node["key"]: node for node in walk(client, f"/maps/{SLUG}/nodes?limit=200")}
    assert set(served) == {node["id"] for node in exported["nodes"]}
    links = {}
    for link in exported["links"]:
        first, second = link["between"]
        links.setdefault(first, []).append({"kind": link["type"], "node": second})
        links.setdefault(second, []).append({"kind": link["type"], "node": first})
    for node in exported["nodes"]:
        api = served[node["id"]]
        assert (api["kind"], api["text"], api["parent"], api["relation"]) == (
            node["kind"],
            node["text"],
            node["parent"],
            node["relation"],
        )
        assert (api["label"], api["heading"]) == (node["label"], node["heading"])
        assert api["scheme"] == node.get("scheme") and api["implicit"] == node.get(
            "implicit", False
        )
        assert api["proposed_by"] == node.get("proposed_by")
        fields = ("source", "start", "end", "exact", "prefix", "suffix", "speaker", "voice")
        assert [{k: a[k] for k in (*fields, "comment")} for a in api["anchors"]] == node["anchors"]
        assert sorted(api["links"], key=str) == sorted(links.get(node["id"], []), key=str)
        page = client.get(api["html_url"])
        assert page.status_code == 200
        assert escape(node["text"]).encode() in page.content
        if api["proposed_by"]:
            assert f"Proposed by {api['proposed_by']};".encode() in page.content
    assert {key for key, node in served.items() if node["proposed_by"]} == {"analogy-fits"}


def test_every_source_on_the_site_is_in_the_api_with_the_same_content(client):
    served = {source["slug"]: source for source in walk(client, "/sources?limit=2")}
    assert set(served) == set(Source.objects.values_list("slug", flat=True))
    for source in Source.objects.all():
        api = served[source.slug]
        assert {key: api[key] for key in export_source(source)} == export_source(source)
        assert client.get(api["html_url"]).status_code == 200
        assert client.get(api["text_url"]).content.decode() == source.text


def test_every_public_annotation_on_the_site_is_in_the_api(client, annotated_map):
    served = {}
    url = f"{API}/annotations?limit=1"
    while url:
        page = json.loads(client.get(url).content)
        served |= {item["id"].rstrip("/").rsplit("/", 1)[1]: item for item in page["items"]}
        url = page["next"]
    public = list(Annotation.objects.published())
    assert set(served) == {str(annotation.pk) for annotation in public}
    for annotation in public:
        item = served[str(annotation.pk)]
        assert item["body"]["value"] == annotation.body
        assert item["creator"]["nickname"] == annotation.author.username
        where = annotation.node or annotation.source
        page = client.get(where.get_absolute_url())
        assert annotation.body_html.encode() in page.content  # the site shows it there
