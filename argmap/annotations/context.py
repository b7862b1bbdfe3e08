"""What the pages that show annotations (a claim page, the map tree, a source) add to context.

A claim page is argmap.pages' view, which calls claim_page_context; the map tree shows
counts and a visitor's panel as state regions (registered by AnnotationsConfig.ready());
the reader page is this app's own (reader_page_context). Debates never imports annotations.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string

from argmap.debates.models import Node, Source
from argmap.debates.reader import reader_context

from .forms import AnnotationForm, PassageAnnotationForm
from .models import Annotation


def node_panel_context(user: Any, node: Node, form: Any = None) -> dict[str, Any]:
    """A node's open annotation panel: the annotations user may see, and the form."""
    return {
        "node": node,
        "annotations": list(Annotation.objects.filter(node=node).for_viewer(user)),
        "annotation_form": form or AnnotationForm(prefix_id=f"node{node.pk}"),
    }


def passage_annotations(user: Any, source: Source) -> list[Annotation]:
    """A source's passage annotations user may see, in text order."""
    rows = Annotation.objects.filter(source=source).for_viewer(user)
    return list(rows.order_by("start", "end", "pk"))


def claim_page_context(request: Any, node: Node) -> dict[str, Any]:
    """A logged-in reader's open annotation panel on a claim page; a visitor without an
    account sees it as a state region (annotation_panels)."""
    return node_panel_context(request.user, node) if request.user.is_authenticated else {}


# State regions (argmap/debates/fragments.py): what a cached page shows of annotations is
# filled in per response, so an annotation re-renders nothing and cools nothing.


def public_annotation_counts(pks):
    """Each node's count of public, unhidden annotations, in one GROUP BY."""
    rows = Annotation.objects.public().filter(node__in=pks).order_by().values_list("node")
    return dict(rows.annotate(count=Count("pk")))


def show_count(count):
    """The closed panel's label: "2 annotations", or "Annotate" when there are none."""
    return f"{count} annotation{pluralize(count)}" if count else "Annotate"


def annotation_panels(pks):
    """Each node's open annotation panel as a visitor without an account sees it (the claim
    page's), in two queries: the nodes, then their public annotations."""
    nodes = Node.objects.select_related("map").in_bulk(pks)
    listed: dict[int, list[Annotation]] = {pk: [] for pk in nodes}
    for annotation in Annotation.objects.filter(node__in=pks).for_viewer(AnonymousUser()):
        if annotation.node_id is not None:
            listed[annotation.node_id].append(annotation)
    context = {"on_node_page": True, "panel_open": True, "user": AnonymousUser()}
    return {
        pk: render_to_string(
            "annotations/annotation.html#node-panel",
            {**context, "node": node, "annotations": listed[pk]},
        )
        for pk, node in nodes.items()
    }


def reader_page_context(request: Any, source: Source, form: Any = None) -> dict[str, Any]:
    """The reader page: the source's text cut at the curated quotes (debates' reader) and at
    the passage annotations the user may see, which are listed beside the part shown; the
    passage form proposes into the map the reader shows."""
    annotations = passage_annotations(request.user, source)
    context = reader_context(request, source, annotations)
    if form is None and request.user.is_authenticated:
        form = PassageAnnotationForm(source=source, argmap=context["shown_map"])
    shown = context["spans"] if context["reading"]["in_parts"] else annotations
    return {**context, "annotations": shown, "passage_form": form}


def reader_key(source_slug: str) -> str:
    """What the reader of source_slug shows of passage annotations to a visitor without an
    account, in one aggregate: a new, edited, hidden or deleted public one changes it.

    Every hit on the cached reader reads it, so it is plain SQL, as the maps' tokens are:
    building the ORM's aggregate cost 1.8 of a hit's 3.1 ms (/healthz: 0.8 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(_reader_key_sql(), [source_slug, Annotation.Visibility.PUBLIC, False])
        count, last, updated = cursor.fetchone()
    return f"passages:{count}:{last}:{updated}"


@cache
def _reader_key_sql() -> str:
    """annotations.models.public_and_shown(), for one source's passages, in SQL."""
    quote = connection.ops.quote_name
    a, s = _columns(Annotation), _columns(Source)
    return (
        f"SELECT COUNT(*), MAX(a.{a('id')}), MAX(a.{a('updated')})"  # noqa: S608 - quoted names
        f" FROM {quote(Annotation._meta.db_table)} a JOIN {quote(Source._meta.db_table)} s"
        f" ON s.{s('id')} = a.{a('source')} WHERE s.{s('slug')} = %s"
        f" AND a.{a('visibility')} = %s AND a.{a('is_hidden')} = %s"
    )


def _columns(model: Any) -> Callable[[str], str]:
    """A model's field name to its quoted column."""

    def column(name: str) -> str:
        return connection.ops.quote_name(str(model._meta.get_field(name).column))

    return column
