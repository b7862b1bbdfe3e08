"""The admin keeps maps apart where a curator reads one map: a document's anchors counted
map by map (or the chosen map's alone), and a map's node, anchor and annotation lists
filtered to it offer only that map's documents and speakers."""

import pytest

from argmap.debates.models import ArgumentMap, Source

from ..factories import AnchorFactory, AnnotationFactory, NodeFactory, ThesisFactory

SOURCES = "/admin/debates/source/"
BLOG = "not-sputnik-blog"


@pytest.fixture
def second(seeded_map):
    """A second debate quoting one of the first map's documents twice, in its own words."""
    thesis = ThesisFactory(map=ArgumentMap.objects.create(slug="second", title="Second"))
    blog = Source.objects.get(slug=BLOG)
    words = blog.text[200:260].strip()
    for _ in range(2):
        node = NodeFactory(map=thesis.map, parent=thesis)
        AnchorFactory(node=node, source=blog, quote=words, speaker="a quoted analyst")
    return thesis.map


def anchors_cell(response, slug):
    (source,) = [s for s in response.context["cl"].result_list if s.slug == slug]
    return response.context["cl"].model_admin.anchor_count(source)


def test_a_documents_anchors_are_counted_map_by_map(
    curator_client, seeded_map, second, django_assert_max_num_queries
):
    shipped = seeded_map.nodes.filter(anchors__source__slug=BLOG).count()
    with django_assert_max_num_queries(12):
        everything = curator_client.get(SOURCES)
    assert anchors_cell(everything, BLOG) == f"deepseek-r1-sputnik: {shipped}; second: 2"
    other = Source.objects.exclude(slug=BLOG).first()
    assert anchors_cell(everything, other.slug) == other.anchors.count()  # one map: a number

    chosen = curator_client.get(SOURCES, {"map": "second"})
    assert [s.slug for s in chosen.context["cl"].result_list] == [BLOG]
    assert anchors_cell(chosen, BLOG) == 2
    first = curator_client.get(SOURCES, {"map": seeded_map.slug})
    assert anchors_cell(first, BLOG) == shipped


def filter_choices(response, title):
    (spec,) = [spec for spec in response.context["cl"].filter_specs if spec.title == title]
    return [choice["display"] for choice in spec.choices(response.context["cl"])][1:]


def test_a_maps_node_and_anchor_lists_offer_its_documents_and_speakers_only(
    curator_client, seeded_map, second
):
    nodes = curator_client.get("/admin/debates/node/", {"map__id__exact": second.pk})
    assert filter_choices(nodes, "source") == [Source.objects.get(slug=BLOG).title]
    assert filter_choices(nodes, "speaker") == ["a quoted analyst"]
    everything = curator_client.get("/admin/debates/node/")
    assert len(filter_choices(everything, "source")) == Source.objects.count()
    assert "a quoted analyst" in filter_choices(everything, "speaker")
    assert "a reader commenter" in filter_choices(everything, "speaker")

    anchors = curator_client.get("/admin/debates/anchor/", {"node__map__id__exact": second.pk})
    assert anchors.context["cl"].result_count == 2
    assert filter_choices(anchors, "speaker") == ["a quoted analyst"]
    by_source = curator_client.get(
        "/admin/debates/anchor/", {"node__map__id__exact": second.pk, "source": BLOG}
    )
    assert by_source.context["cl"].result_count == 2


def test_annotations_and_maps_are_listed_by_map(curator_client, seeded_map, second):
    AnnotationFactory(node=second.nodes.exclude(kind="thesis").first())
    AnnotationFactory(node=seeded_map.thesis)
    listed = curator_client.get(
        "/admin/annotations/annotation/", {"node__map__id__exact": second.pk}
    )
    assert listed.context["cl"].result_count == 1
    maps = curator_client.get("/admin/debates/argumentmap/", {"origin": "curated"})
    assert {m.slug for m in maps.context["cl"].result_list} == {seeded_map.slug, "second"}
    assert "curated here" in maps.content.decode()
