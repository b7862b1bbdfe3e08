"""The read API at /api/v1/: django-ninja operations over the domain apps' models.

Each operation is a typed function; ninja checks its parameters against the type hints
(422 in the one error shape, naming the parameter) and writes the OpenAPI 3.1 document
from them and from schemas.py. Lists are paged by an opaque cursor, at most MAX_LIMIT rows
a page, each page one bounded query per kind of row: no answer grows with the map.
"""

import logging
from typing import Annotated, Any
from urllib.parse import quote

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from ninja import NinjaAPI, Path, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger
from pydantic import Field

from argmap.annotations.models import Annotation
from argmap.debates import fragments, mapdoc
from argmap.debates import search as text_search
from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Section, Source
from argmap.evaluation.strengths import (
    CURATORS,
    EVERYONE,
    SOURCE,
    MapStrengths,
    Perspective,
    UnknownPerspective,
    compute,
    pointer_of,
    strengths_of,
)
from argmap.lib import urls
from argmap.lib.database import streamed_with_longer_bound
from argmap.lib.errors import OUTAGE_RETRY_AFTER, database_is_down

from . import schemas
from .http import (
    ApiError,
    by_content,
    by_map_token,
    decode_cursor,
    encode_cursor,
    next_url,
    not_found,
    problem,
    shared,
)

logger = logging.getLogger(__name__)

# The seed map's names, as examples in the OpenAPI document (the docs page's "Try it out"
# and schemathesis' explicit examples start from them).
# Slugs and keys are Django slugs; usernames Django's usernames.
SLUG = r"^[-a-zA-Z0-9_]+$"
USERNAME = r"^[\w.@+-]+$"
# The perspectives a visitor can take ("mine" needs a logged-in user; the API has none).
PERSPECTIVE = r"^(everyone|curators|source:[-a-zA-Z0-9_]+)$"
# No database column takes a NUL; core.middleware refuses any address that holds one.
NO_NUL = r"^[^\u0000]*$"
MapSlug = Annotated[
    str, Path(description="The map's slug.", pattern=SLUG, example="deepseek-r1-sputnik")
]
NodeKey = Annotated[str, Path(description="The node's key.", pattern=SLUG, example="analogy-fits")]
SourceSlug = Annotated[
    str, Path(description="The source's slug.", pattern=SLUG, example="not-sputnik-blog")
]

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# A node's own answer lists this many of its children; the rest page through /nodes?parent=.
CHILDREN_SHOWN = 50
SEARCH_LIMIT = 20

api = NinjaAPI(
    title="Argmap read API",
    version="1",
    description=(
        "Read-only access to Argmap's argument maps: maps, nodes with their anchors in the "
        "sources, sources and their text, public annotations as W3C Web Annotations, search, "
        "and whole-map exports. Every error has one shape (Error). Lists page with `cursor` "
        f"(at most {MAX_LIMIT} a page). Answers carry an ETag; send it back in If-None-Match "
        "for a 304. See docs/api.md."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None, "deepLinking": True}),
)
api.add_decorator(shared, mode="view")

ERRORS: dict[int, Any] = {400: schemas.Error, 422: schemas.Error, 429: schemas.Error}
NOT_FOUND: dict[int, Any] = {**ERRORS, 404: schemas.Error}


# Errors: one shape for all ------------------------------------------------------------------


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return problem(error.status, error.detail, error.errors)


@api.exception_handler(Http404)
def missing(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(404, str(error) or "Nothing here.")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = []
    for found in error.errors:
        where = [str(part) for part in found.get("loc", ())]
        location = where[0] if where and where[0] in {"path", "query", "header"} else "query"
        # ninja nests a Query schema's fields under its argument's name: the last part is the
        # parameter as the request names it.
        errors.append(
            {"parameter": where[-1] if where else "", "location": location, "message": found["msg"]}
        )
    names = ", ".join(sorted({e["parameter"] for e in errors}))
    return problem(422, f"Invalid parameters: {names}.", errors)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(error.status_code, str(error))


@api.exception_handler(Exception)
def failure(request: HttpRequest, error: Exception) -> HttpResponse:
    if database_is_down(error):
        response = problem(503, "The database cannot be reached; try again shortly.")
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
    logger.exception("API failure at %s", request.path, exc_info=error)
    return problem(500, "Something went wrong on our side; it has been logged.")


# Links --------------------------------------------------------------------------------------


def absolute(request: HttpRequest, name: str, *args: Any) -> str:
    """The absolute URL of a named route. A page of 100 nodes names 400 links: each route is
    made absolute once a request from its marked template (lib.urls), and filled in
    (reverse() each time cost a sixth of the page)."""
    memo = request.__dict__.setdefault("_url_templates", {})
    marked = memo.get((name, len(args)))
    if marked is None:
        marked = request.build_absolute_uri(urls.template(name, len(args)))
        memo[(name, len(args))] = marked
    return urls.fill(marked, tuple(quote(str(arg), safe="") for arg in args))


def node_ref(request: HttpRequest, map_slug: str, node: Node) -> dict[str, Any]:
    return {
        "key": node.key,
        "kind": node.kind,
        "relation": node.relation or None,
        "text": node.text,
        "url": absolute(request, "api:node", map_slug, node.key),
        "html_url": absolute(request, "node", map_slug, node.key),
    }


# Maps ---------------------------------------------------------------------------------------


# A cursor is the sort key of the last row of the page before: an id, or for anchors the
# start offset and id. Any cursor of this form is a place to start from, so none is refused.
ID_CURSOR = r"^[0-9]{1,18}$"


class Page(Schema):
    cursor: str | None = Field(
        None, pattern=ID_CURSOR, description="From the previous page's `next` link."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows a page.")


def map_body(request: HttpRequest, argmap: Any, thesis: Node | None) -> dict[str, Any]:
    slug = argmap.slug
    return {
        "slug": slug,
        "title": argmap.title,
        "question": argmap.question,
        "definition": argmap.definition,
        "origin": argmap.origin,
        "thesis": node_ref(request, slug, thesis) if thesis else None,
        "counts": {
            "nodes": argmap.node_count,
            "supports": argmap.supports_count,
            "opposes": argmap.opposes_count,
            "undercuts": argmap.undercuts_count,
        },
        "revision": argmap.token,
        "url": absolute(request, "api:map", slug),
        "html_url": absolute(request, "map", slug),
        "nodes_url": absolute(request, "api:nodes", slug),
        "export_url": absolute(request, "api:export", slug),
    }


def counted_maps(maps: Any) -> list[tuple[Any, Node | None]]:
    # Any: the maps carry the counts and token this function hangs on them.
    """The maps with their counts, structure token and thesis, in three queries for any number."""
    rows = maps.counted()
    for argmap in rows:
        argmap.token = fragments.current(argmap)
    theses = {node.map_id: node for node in Node.objects.roots().filter(map__in=rows)}
    return [(argmap, theses.get(argmap.pk)) for argmap in rows]


@api.get("/maps", response={200: schemas.MapPage, **ERRORS}, url_name="maps", tags=["maps"])
@decorate_view(by_content)
def list_maps(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    """Every map, by slug order."""
    after = decode_cursor(page.cursor)
    maps = ArgumentMap.objects.order_by("pk")
    if after:
        maps = maps.filter(pk__gt=after[0])
    rows = list(maps[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    shown = counted_maps(ArgumentMap.objects.filter(pk__in=[m.pk for m in rows]).order_by("pk"))
    cursor = encode_cursor(rows[-1].pk) if more else None
    return {
        "items": [map_body(request, argmap, thesis) for argmap, thesis in shown],
        "next": next_url(request, cursor),
    }


def get_map(slug: str) -> ArgumentMap:
    argmap = ArgumentMap.objects.filter(slug=slug).first()
    if argmap is None:
        raise not_found(f"No map with slug {slug!r}.", "slug")
    return argmap


@api.get(
    "/maps/{slug}", response={200: schemas.MapDetail, **NOT_FOUND}, url_name="map", tags=["maps"]
)
@decorate_view(by_map_token)
def get_map_detail(request: HttpRequest, slug: MapSlug) -> dict[str, Any]:
    """One map: its question, thesis, counts, revision and the sources it quotes."""
    argmap = get_map(slug)
    ((argmap, thesis),) = counted_maps(ArgumentMap.objects.filter(pk=argmap.pk))
    sources = list(
        Source.objects.filter(anchors__node__map=argmap)
        .distinct()
        .order_by("file")
        .only("slug", "title", "file")
    )
    perspectives = [Perspective(EVERYONE), Perspective(CURATORS)]
    perspectives += [Perspective(f"{SOURCE}{s.slug}", source=s) for s in sources]
    thesis_strengths = []
    token = argmap.token
    for perspective in perspectives if thesis else ():
        # The thesis's strength alone, without loading every node's (evaluation's pointer).
        pointer = pointer_of(slug, perspective, token, argmap)
        if pointer is None or pointer.thesis is None:
            continue
        thesis_strengths.append(
            {
                "perspective": perspective.name,
                "label": perspective.label,
                "strength": pointer.thesis.strength,
                "converged": pointer.converged,
            }
        )
    return {
        **map_body(request, argmap, thesis),
        "sources": [
            {"slug": s.slug, "title": s.title, "url": absolute(request, "api:source", s.slug)}
            for s in sources
        ],
        "thesis_strengths": thesis_strengths,
    }


# Nodes --------------------------------------------------------------------------------------


def anchors_prefetch() -> Prefetch:
    return Prefetch(
        "anchors",
        Anchor.objects.select_related("source")
        .only(
            *("id", "node_id", "position", "start", "end", "exact", "prefix", "suffix"),
            *("speaker", "voice", "source__slug"),
        )
        .with_comment_numbers(),
    )


def node_rows(nodes: Any) -> list[Any]:
    """The nodes with everything a Node shows, in three queries for any number of them."""
    rows = list(
        nodes.with_child_counts()
        .annotate(parent_key=F("parent__key"))
        .select_related("map")
        .prefetch_related(anchors_prefetch())
    )
    ids = {node.pk for node in rows}
    links: dict[int, list[dict[str, str]]] = {pk: [] for pk in ids}
    ends = Link.objects.filter(Q(from_node__in=ids) | Q(to_node__in=ids)).values_list(
        "kind", "from_node_id", "to_node_id", "from_node__key", "to_node__key"
    )
    for kind, from_id, to_id, from_key, to_key in ends.order_by("kind", "pk") if ids else ():
        if from_id in links:
            links[from_id].append({"kind": kind, "node": to_key})
        if to_id in links:
            links[to_id].append({"kind": kind, "node": from_key})
    for node in rows:
        node.link_list = links[node.pk]
    return rows


def perspective_of(value: str) -> Perspective:
    try:
        return Perspective.parse(value)
    except UnknownPerspective as unknown:
        raise not_found(str(unknown), "perspective", "query") from None


def strengths_for(argmap: ArgumentMap, perspective: Perspective, nodes: list[Any]) -> MapStrengths:
    """The map's strengths (argmap.evaluation, cached for the whole map), holding every one of
    nodes: a node made since they were computed gets them computed afresh."""
    strengths = strengths_of(argmap, perspective)
    if any(strengths.of(node.pk) is None for node in nodes):
        strengths = compute(argmap, perspective)
    return strengths


def strength_body(strengths: MapStrengths, node: Any) -> dict[str, Any]:
    found = strengths.of(node.pk)
    assert found is not None, "strengths_for gives every node's strength"
    return {
        "perspective": strengths.perspective,
        "strength": found.strength,
        "base": found.base,
        "weight": found.weight,
        "relevance": found.relevance,
        "votes": found.votes,
        "relevance_votes": found.relevance_votes,
    }


def node_body(request: HttpRequest, node: Any, strengths: MapStrengths) -> dict[str, Any]:
    slug = node.map.slug
    opposes, undercuts = node.opposes_count, node.undercuts_count
    return {
        **node_ref(request, slug, node),
        "parent": node.parent_key,
        "label": node.label,
        "heading": node.is_heading,
        "implicit": node.is_implicit,
        "scheme": node.scheme or None,
        "proposed_by": node.proposed_by or None,
        "position": node.position,
        "children": {
            "nodes": node.supports_count + opposes + undercuts,
            "supports": node.supports_count,
            "opposes": opposes,
            "undercuts": undercuts,
        },
        "anchors": [anchor_body(request, anchor) for anchor in node.anchors.all()],
        "links": node.link_list,
        "strength": strength_body(strengths, node),
    }


def anchor_body(request: HttpRequest, anchor: Anchor) -> dict[str, Any]:
    return {
        "source": anchor.source.slug,
        "start": anchor.start,
        "end": anchor.end,
        "exact": anchor.exact,
        "prefix": anchor.prefix,
        "suffix": anchor.suffix,
        "speaker": anchor.speaker,
        "voice": anchor.voice,
        "comment": anchor.comment_number,
        "source_url": absolute(request, "api:source", anchor.source.slug),
        # Anchor.get_reader_url's address, from the route reversed once a request.
        "reader_url": f"{absolute(request, 'source', anchor.source.slug)}"
        f"?anchor={anchor.pk}#anchor-{anchor.pk}",
    }


class PerspectiveQuery(Schema):
    perspective: str = Field(
        EVERYONE,
        pattern=PERSPECTIVE,
        description="Whose view the strengths take: everyone's votes, the curators', or a "
        "source's own (source:<slug>: what it asserts or concedes granted).",
    )


class NodeFilters(Page, PerspectiveQuery):
    parent: str | None = Field(
        None, pattern=SLUG, description="Only the children of the node with this key."
    )
    kind: schemas.Kind | None = None
    relation: schemas.Relation | None = None
    source: str | None = Field(
        None, pattern=SLUG, description="Only nodes quoting the source with this slug."
    )


@api.get(
    "/maps/{slug}/nodes",
    response={200: schemas.NodePage, **NOT_FOUND},
    url_name="nodes",
    tags=["nodes"],
)
@decorate_view(by_map_token)
def list_nodes(request: HttpRequest, slug: MapSlug, filters: Query[NodeFilters]) -> dict[str, Any]:
    """The map's nodes, a page at a time, in the order they were made (by id); filtered by
    parent, kind, relation or quoted source."""
    argmap = get_map(slug)
    after = decode_cursor(filters.cursor)
    nodes = Node.objects.filter(map=argmap)
    if filters.parent is not None:
        parent = argmap.nodes.filter(key=filters.parent).first()
        if parent is None:
            raise not_found(f"No node with key {filters.parent!r} in this map.", "parent", "query")
        nodes = nodes.filter(parent=parent)
    if filters.kind:
        nodes = nodes.filter(kind=filters.kind)
    if filters.relation:
        nodes = nodes.filter(relation=filters.relation)
    if filters.source is not None:
        source = Source.objects.filter(slug=filters.source).only("pk").first()
        if source is None:
            raise not_found(f"No source with slug {filters.source!r}.", "source", "query")
        quoting = Anchor.objects.filter(source=source).values("node_id")
        nodes = nodes.filter(pk__in=quoting)
    if after:
        nodes = nodes.filter(pk__gt=after[0])
    ids = list(nodes.order_by("pk").values_list("pk", flat=True)[: filters.limit + 1])
    cursor = encode_cursor(ids[filters.limit - 1]) if len(ids) > filters.limit else None
    rows = node_rows(Node.objects.filter(pk__in=ids[: filters.limit]).order_by("pk"))
    strengths = strengths_for(argmap, perspective_of(filters.perspective), rows)
    return {
        "items": [node_body(request, node, strengths) for node in rows],
        "next": next_url(request, cursor),
    }


def get_node(argmap: ArgumentMap, key: str) -> Any:
    rows = node_rows(Node.objects.filter(map=argmap, key=key))
    if not rows:
        raise not_found(f"No node with key {key!r} in this map.", "key")
    return rows[0]


@api.get(
    "/maps/{slug}/nodes/{key}",
    response={200: schemas.NodeDetail, **NOT_FOUND},
    url_name="node",
    tags=["nodes"],
)
@decorate_view(by_map_token)
def get_node_detail(
    request: HttpRequest, slug: MapSlug, key: NodeKey, query: Query[PerspectiveQuery]
) -> dict[str, Any]:
    """One node, with its ancestors (the thesis first) and its first children in the curated
    order; the rest of the children page through `children_url`."""
    argmap = get_map(slug)
    perspective = perspective_of(query.perspective)
    node = get_node(argmap, key)
    ancestors = Node.objects.ancestors_of(node)
    children = node_rows(node.children.order_by("position", "pk")[:CHILDREN_SHOWN])
    strengths = strengths_for(argmap, perspective, [node, *children])
    children_url = absolute(request, "api:nodes", slug) + f"?parent={node.key}"
    return {
        **node_body(request, node, strengths),
        "ancestors": [node_ref(request, slug, ancestor) for ancestor in ancestors],
        "child_nodes": [node_body(request, child, strengths) for child in children],
        "children_url": children_url,
    }


class ExportQuery(Schema):
    format: schemas.ExportFormat | None = Field(
        None,
        description="The export format; without it, the one the Accept header prefers "
        "(application/json: argmap, application/ld+json: webannotation, text/x-argdown: "
        "argdown; AIF, JSON too, only by this parameter).",
    )


# The export formats a client may ask for in Accept, in the order */* (or no Accept) gets
# them: AIF's media type is JSON as argmap/2's, so it is asked for by ?format=aif alone.
# (Full media types: an Accept range with parameters, such as Web Annotation's profile,
# matches only the same parameters; one without matches any.)
EXPORT_BY_ACCEPT = {
    mapdoc.FORMATS[name].media_type: name for name in ("argmap", "webannotation", "argdown")
}
NOT_ACCEPTABLE: dict[int, Any] = {**NOT_FOUND, 406: schemas.Error}


def not_acceptable(request: HttpRequest, offered: list[str]) -> ApiError:
    asked = request.headers.get("Accept", "")[:200]
    return ApiError(
        406,
        f"Nothing here answers Accept: {asked}; this resource is served as {', '.join(offered)}.",
        "Accept",
        "header",
    )


def chosen_export(request: HttpRequest, asked: str | None) -> str:
    """The export format: ?format= when given (406 if Accept refuses its type), else the
    one Accept prefers among EXPORT_BY_ACCEPT (406 if none)."""
    if asked is not None:
        media_type = mapdoc.FORMATS[asked].media_type
        if not request.accepts(media_type):
            raise not_acceptable(request, [media_type])
        return asked
    preferred = request.get_preferred_type(list(EXPORT_BY_ACCEPT))
    if preferred is None:
        raise not_acceptable(request, list(EXPORT_BY_ACCEPT))
    return EXPORT_BY_ACCEPT[preferred]


@api.get(
    "/maps/{slug}/export",
    response={200: Any, **NOT_ACCEPTABLE},
    url_name="export",
    tags=["maps"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The whole map, byte for byte what `manage.py export_map "
                "--format FORMAT --base-url <this site>` prints.",
                "content": {
                    # The JSON formats are objects; Argdown is text.
                    fmt.media_type: {
                        "schema": {"type": "object" if "json" in fmt.media_type else "string"}
                    }
                    for fmt in mapdoc.FORMATS.values()
                },
            }
        }
    },
)
def export(request: HttpRequest, slug: MapSlug, query: Query[ExportQuery]) -> HttpResponseBase:
    """The whole map in one export format, streamed: ?format=, or by the Accept header."""
    argmap = get_map(slug)
    fmt = mapdoc.FORMATS[chosen_export(request, query.format)]
    # The Web Annotation export holds passage annotations, which the structure token does not
    # follow: that one is never tagged (as the site's download).
    by_token = fmt.name != "webannotation"
    etag = f'"{fragments.current(argmap)}-{fmt.name}-api"' if by_token else None
    if etag and (unchanged := fragments.not_modified(request, etag)) is not None:
        return unchanged
    response = StreamingHttpResponse(
        streamed_with_longer_bound(mapdoc.chunks(argmap, fmt.name, request.build_absolute_uri)),
        content_type=fmt.media_type,
    )
    patch_vary_headers(response, ["Accept"])
    if etag:
        response["ETag"] = etag
        patch_cache_control(response, no_cache=True)
    return response


# Sources ------------------------------------------------------------------------------------


def source_body(request: HttpRequest, source: Any) -> dict[str, Any]:
    slug = source.slug
    return {
        **mapdoc.export_source(source),
        "length": source.length,
        "url": absolute(request, "api:source", slug),
        "html_url": absolute(request, "source", slug),
        "text_url": absolute(request, "api:source-text", slug),
        "anchors_url": absolute(request, "api:source-anchors", slug),
    }


def sources_without_text() -> QuerySet[Source]:
    return Source.objects.defer("text").annotate(length=Length("text"))


@api.get(
    "/sources", response={200: schemas.SourcePage, **ERRORS}, url_name="sources", tags=["sources"]
)
@decorate_view(by_content)
def list_sources(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    """Every source: metadata and SHA-256, without the text."""
    after = decode_cursor(page.cursor)
    sources = sources_without_text().order_by("pk")
    if after:
        sources = sources.filter(pk__gt=after[0])
    rows = list(sources[: page.limit + 1])
    cursor = encode_cursor(rows[page.limit - 1].pk) if len(rows) > page.limit else None
    return {
        "items": [source_body(request, source) for source in rows[: page.limit]],
        "next": next_url(request, cursor),
    }


def get_source(slug: str) -> Source:
    source = sources_without_text().filter(slug=slug).first()
    if source is None:
        raise not_found(f"No source with slug {slug!r}.", "slug")
    return source


@api.get(
    "/sources/{slug}",
    response={200: schemas.SourceDetail, **NOT_FOUND},
    url_name="source",
    tags=["sources"],
)
@decorate_view(by_content)
def get_source_detail(request: HttpRequest, slug: SourceSlug) -> dict[str, Any]:
    """One source: metadata, SHA-256, its sections (the article, each reader comment) and the
    comments' numbers."""
    source = get_source(slug)
    sections = list(source.sections.order_by("position"))
    return {
        **source_body(request, source),
        "sections": [
            {
                "position": section.position,
                "kind": section.kind,
                "start": section.start,
                "end": section.end,
                "speaker": section.speaker,
                "comment": section.comment_number,
            }
            for section in sections
        ],
        "comments": [s.comment_number for s in sections if s.kind == Section.Kind.COMMENT],
    }


@api.get(
    "/sources/{slug}/text",
    response={200: Any, **NOT_ACCEPTABLE},
    url_name="source-text",
    tags=["sources"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The text, byte for byte as received; offsets count its code "
                "points.",
                "content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}},
            }
        }
    },
)
def source_text(request: HttpRequest, slug: SourceSlug) -> HttpResponse:
    """The source's text itself, as text/plain; tagged by its SHA-256."""
    if not request.accepts("text/plain"):
        raise not_acceptable(request, ["text/plain"])
    source = Source.objects.filter(slug=slug).only("text", "sha256").first()
    if source is None:
        raise not_found(f"No source with slug {slug!r}.", "slug")
    etag = f'"{source.sha256}"'
    if (unchanged := fragments.not_modified(request, etag)) is not None:
        return unchanged
    response = HttpResponse(source.text, content_type="text/plain; charset=utf-8")
    patch_vary_headers(response, ["Accept"])
    return fragments.revalidated(response, etag)


class AnchorFilters(Page):
    cursor: str | None = Field(
        None, pattern=r"^[0-9]{1,18}\.[0-9]{1,18}$", description="From the previous `next`."
    )
    map: str | None = Field(
        None, pattern=SLUG, description="Only anchors of nodes of the map with this slug."
    )


@api.get(
    "/sources/{slug}/anchors",
    response={200: schemas.SourceAnchorPage, **NOT_FOUND},
    url_name="source-anchors",
    tags=["sources"],
)
@decorate_view(by_content)
def source_anchors(
    request: HttpRequest, slug: SourceSlug, filters: Query[AnchorFilters]
) -> dict[str, Any]:
    """The anchors in this source, in the text's order (by start offset), with their nodes."""
    source = get_source(slug)
    after = decode_cursor(filters.cursor)
    anchors = Anchor.objects.filter(source=source)
    if filters.map is not None:
        anchors = anchors.filter(node__map=get_map(filters.map))
    if after:
        start, pk = after
        anchors = anchors.filter(Q(start__gt=start) | Q(start=start, pk__gt=pk))
    rows = list(
        anchors.select_related("source", "node__map")
        .only(
            *("id", "start", "end", "exact", "prefix", "suffix", "speaker", "voice"),
            *("source__slug", "node__key", "node__map__slug"),
        )
        .with_comment_numbers()
        .order_by("start", "pk")[: filters.limit + 1]
    )
    last = rows[filters.limit - 1] if len(rows) > filters.limit else None
    cursor = encode_cursor(last.start, last.pk) if last else None
    return {
        "items": [
            {
                **anchor_body(request, anchor),
                "map": anchor.node.map.slug,
                "node": anchor.node.key,
                "node_url": absolute(request, "api:node", anchor.node.map.slug, anchor.node.key),
            }
            for anchor in rows[: filters.limit]
        ],
        "next": next_url(request, cursor),
    }


# Annotations --------------------------------------------------------------------------------


class AnnotationFilters(Page):
    map: str | None = Field(None, pattern=SLUG, description="Only those on nodes of this map.")
    node: str | None = Field(
        None, pattern=SLUG, description="Only those on nodes with this key (in map, if given)."
    )
    source: str | None = Field(
        None, pattern=SLUG, description="Only those on passages of this source."
    )
    user: str | None = Field(
        None, pattern=USERNAME, description="Only those written by this username."
    )


@api.get(
    "/annotations",
    response={200: schemas.AnnotationPage, **NOT_FOUND},
    url_name="annotations",
    tags=["annotations"],
    by_alias=True,
)
@decorate_view(by_content)
def list_annotations(request: HttpRequest, filters: Query[AnnotationFilters]) -> dict[str, Any]:
    """Public annotations, as W3C Web Annotations: the same JSON-LD as the map's Web
    Annotation export. Private and hidden annotations never appear."""
    after = decode_cursor(filters.cursor)
    annotations = Annotation.objects.published()
    if filters.map is not None:
        annotations = annotations.filter(node__map=get_map(filters.map))
    if filters.node is not None:
        annotations = annotations.filter(node__key=filters.node)
    if filters.source is not None:
        if not Source.objects.filter(slug=filters.source).exists():
            raise not_found(f"No source with slug {filters.source!r}.", "source", "query")
        annotations = annotations.filter(source__slug=filters.source)
    if filters.user is not None:
        annotations = annotations.filter(author__username=filters.user)
    if after:
        annotations = annotations.filter(pk__gt=after[0])
    rows = list(annotations[: filters.limit + 1])
    cursor = encode_cursor(rows[filters.limit - 1].pk) if len(rows) > filters.limit else None
    items = mapdoc.public_annotations(
        [row.published_item() for row in rows[: filters.limit]],
        mapdoc.web_links(request.build_absolute_uri),
    )
    return {
        "@context": mapdoc.ANNOTATION_CONTEXT,
        "id": request.build_absolute_uri(),
        "type": "AnnotationPage",
        "items": items,
        "next": next_url(request, cursor),
    }


# Search -------------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: str = Field(
        description="Words to find (full-text search on PostgreSQL, word stems on SQLite). "
        "Punctuation and spaces alone find nothing.",
        min_length=1,
        max_length=text_search.MAX_QUERY_LENGTH,
        pattern=NO_NUL,
    )


def snippet(headline: str) -> dict[str, Any]:
    """A headline's text without the match markers, and where the marked words are."""
    text, highlights, start = [], [], None
    length = 0
    for char in headline:
        if char == text_search.MARK_START:
            start = length
        elif char == text_search.MARK_END:
            if start is not None:
                highlights.append([start, length])
            start = None
        else:
            text.append(char)
            length += 1
    return {"text": "".join(text), "highlights": highlights}


@api.get(
    "/search", response={200: schemas.SearchResults, **ERRORS}, url_name="search", tags=["search"]
)
@decorate_view(by_content)
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    """The best-matching nodes, quotes and sources, as the site's search finds them."""
    try:
        words = text_search.clean_query(query.q)
    except text_search.BadQuery:
        # Nothing to search for (punctuation, spaces): nothing found, as the words say.
        return {"query": "", "nodes": [], "quotes": [], "sources": [], "more": False}
    nodes = text_search.search(
        Node.objects.select_related("map"), "text", words, limit=SEARCH_LIMIT
    )
    quotes = text_search.search(
        Anchor.objects.select_related("node__map", "source").defer("source__text"),
        "exact",
        words,
        limit=SEARCH_LIMIT,
    )
    sources = text_search.search(Source.objects.all(), "text", words, limit=10)
    return {
        "query": words,
        "nodes": [
            {**node_ref(request, node.map.slug, node), "map": node.map.slug}
            | {"snippet": snippet(node.headline)}
            for node in nodes
        ],
        "quotes": [
            {
                "map": anchor.node.map.slug,
                "node": anchor.node.key,
                "source": anchor.source.slug,
                "start": anchor.start,
                "end": anchor.end,
                "snippet": snippet(anchor.headline),
                "node_url": absolute(request, "api:node", anchor.node.map.slug, anchor.node.key),
            }
            for anchor in quotes
        ],
        "sources": [
            {
                "slug": source.slug,
                "title": source.title,
                "url": absolute(request, "api:source", source.slug),
                "snippet": snippet(source.headline),
            }
            for source in sources
        ],
        "more": any(rows.more for rows in (nodes, quotes, sources)),
    }
