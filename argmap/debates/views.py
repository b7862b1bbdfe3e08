import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from django.core.cache import caches
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from argmap.lib.addresses import route_of, split_address
from argmap.lib.database import streamed_with_longer_bound
from argmap.lib.htmx import HtmxHttpRequest, render_partial_response
from argmap.lib.numbers import whole_number
from argmap.lib.problems import problem

from . import fragments, mapdoc
from . import search as text_search
from .models import Anchor, ArgumentMap, Node, Source
from .reader import maps_quoting, shown_map
from .tree import attach_children, attach_links

# A source's argument shows this many nodes a page at most (its quotes with their
# ancestors), whatever the depth of the map: 30 quotes a page drew 207 nodes, 514 KB and
# 2,400 partial renders at a million nodes.
ARGUMENT_NODES = 30

# Where a page of a source's argument starts or ends: a quote's start and id (?after=,
# ?before=). Any text of this form is a place in the source, so none is refused.
QUOTE_CURSOR = re.compile(r"([0-9]{1,9})-([0-9]{1,18})")


def quote_cursor(text: str) -> tuple[int, int] | None:
    found = QUOTE_CURSOR.fullmatch(text)
    return (int(found[1]), int(found[2])) if found else None


# Pages that span the maps, cached whole for visitors without a session (fragments, point 9).
site_response = partial(
    fragments.shared_response, tokens=fragments.tokens_everywhere, timeout=fragments.SITE_TIMEOUT
)


@require_safe
@site_response()
def home(request: HtmxHttpRequest) -> HttpResponse:
    maps = ArgumentMap.objects.counted()
    theses = {node.map_id: node for node in Node.objects.roots().filter(map__in=maps)}
    sources = list(Source.objects.defer("text"))
    for argmap in maps:
        argmap.thesis_node = theses.get(argmap.pk)
        # Each map counts and lists its own sources, never another map's.
        argmap.sources = [source for source in sources if source.pk in argmap.source_ids]
    return render(request, "debates/home.html", {"maps": maps, "sources": sources})


def get_map_and_thesis(slug: str) -> tuple[ArgumentMap, Node]:
    argmap = get_object_or_404(ArgumentMap, slug=slug)
    thesis = get_object_or_404(argmap.nodes.roots())
    return argmap, thesis


@require_safe
@site_response("map", "after", "before")
def source_argument(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Follow one source in one map (?map=<slug>, as the reader chooses it): the map's
    nodes anchored in it, with just enough ancestors to keep the shape, as a tree open end
    to end, each with that source's own quotes. Maps never mix on it, nor in its pages:
    ARGUMENT_NODES at most a page, after (or before) a quote (?after=, ?before=)."""
    source = get_object_or_404(Source.objects.defer("text"), slug=slug)
    after = quote_cursor(request.GET.get("after", ""))
    before = quote_cursor(request.GET.get("before", "")) if after is None else None
    maps = maps_quoting(source)
    argmap = shown_map(request, maps, None)
    # The shown map's token, before the content.
    token = fragments.current(argmap) if argmap else ""

    def argument() -> dict[str, Any]:
        # Built only when the page's cached part is missing (see the template's cache tag).
        if argmap is None:
            return {"trees": []}
        back = before is not None
        ids, first, last, more = Node.objects.argument_of(
            source, argmap, ARGUMENT_NODES, before or after or (-1, 0), back
        )
        # Earlier quotes: those a page read back did not reach, or any before a cursor.
        earlier = first if (more if back else after is not None) else None
        later = last if (back or more) else None
        nodes = list(Node.objects.filter(pk__in=ids).for_display())
        attach_links(nodes)
        for node in nodes:
            node.anchors_here = [a for a in node.anchors.all() if a.source_id == source.pk]
        trees = attach_children(nodes, ids)
        trees.sort(key=lambda root: (root.position, root.pk))
        for root in trees:
            root.anchored_count = sum(1 for node in nodes if node.anchors_here)
            theses = sum(
                1 for node in nodes if node.kind == Node.Kind.THESIS and not node.anchors_here
            )
            root.context_count = len(nodes) - root.anchored_count - theses
        return {
            "trees": trees,
            "earlier": "{}-{}".format(*earlier) if earlier else "",
            "later": "{}-{}".format(*later) if later else "",
        }

    context = {
        "source": source,
        "shown_map": argmap,
        "quoting_maps": maps,
        # Links between pages keep the map shown, where there is a choice.
        "map_param": f"&map={argmap.slug}" if argmap and len(maps) > 1 else "",
        "argument": SimpleLazyObject(argument),  # its trees, counts and where pages go on
        "place": f"{after or ''}:{before or ''}",
        "token": token,
    }
    return render(request, "debates/source_argument.html", context)


def search_results(query: str) -> dict[str, Any]:
    """Each kind's best matches, with how many matched and whether more did."""
    results = {
        "nodes": text_search.search(
            Node.objects.select_related("map", "parent__map"), "text", query
        ),
        "quotes": text_search.search(
            # A quote shows its source's title, never its text (up to 100 KB each).
            Anchor.objects.select_related("node__map", "source").defer("source__text"),
            "exact",
            query,
        ),
        "sources": text_search.search(Source.objects.all(), "text", query, limit=10),
    }
    found = results.values()
    return {
        **results,
        "total": sum(rows.matched for rows in found),
        "more": any(rows.more for rows in found),
    }


@require_safe
@site_response("q")
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    context = {"q": raw[: text_search.MAX_QUERY_LENGTH + 50], "searched": "q" in request.GET}
    if context["searched"]:
        try:
            query = text_search.clean_query(raw)
        except text_search.EmptyQuery as hint:
            context["hint"] = str(hint)
        except text_search.BadQuery as problem:
            context["error"] = str(problem)
        else:
            context["query"] = query
            context["token"] = fragments.current_everywhere()
            # Found only when the cached results are missing (see the template's cache tag).
            context["results"] = SimpleLazyObject(partial(search_results, query))
    status = 400 if "error" in context else 200
    return render_partial_response(request, "debates/search.html", "results", context, status)


@require_safe
def export_page(request: HtmxHttpRequest, slug: str) -> HttpResponseBase:
    """The map as argmap/2 JSON: the same download as /download/argmap/, at its old address."""
    return download(request, get_object_or_404(ArgumentMap, slug=slug), "argmap")


# An export that ends within this many characters is kept whole in the fragments cache
# under its map's structure token (the seed map's biggest, AIF, is 370 KB); a bigger one is
# streamed each time, since caching it would take its whole size in memory (or in Redis).
CACHED_EXPORT_CHARS = 1024 * 1024


def download(
    request: HtmxHttpRequest, argmap: ArgumentMap, fmt: str, branch: Node | None = None
) -> HttpResponseBase:
    """The map or a branch in one format, as a file to save (never shown in the tab).

    Streamed as it is read; an unchanged map answers If-None-Match with 304 from its
    token alone. The whole map's Web Annotations also carry the sources' passage
    annotations, which change no structure token: that one download is always built."""
    if fmt not in mapdoc.FORMATS:
        raise Http404("No such format.")
    media_type = mapdoc.FORMATS[fmt].media_type
    by_map_token = not (fmt == "webannotation" and branch is None)
    token = fragments.current(argmap) if by_map_token else ""
    etag = f'"{token}-{fmt}-{branch.key if branch else ""}"' if token else None
    key = f"export:{token}:{fmt}:{branch.pk if branch else ''}:{request.build_absolute_uri('/')}"
    if etag and (unchanged := fragments.not_modified(request, etag)) is not None:
        return unchanged
    text = caches["fragments"].get(key) if etag else None
    response: HttpResponseBase
    if text is not None:
        response = HttpResponse(text, content_type=media_type)
    elif request.method == "HEAD":
        response = StreamingHttpResponse((), content_type=media_type)  # headers, no export
    else:
        # A million nodes take longer than a page's bound (argmap.lib.database).
        pieces = streamed_with_longer_bound(
            mapdoc.chunks(argmap, fmt, request.build_absolute_uri, branch)
        )
        response = StreamingHttpResponse(
            kept_if_small(pieces, key) if etag else pieces, content_type=media_type
        )
    if etag:
        fragments.revalidated(response, etag)
    branch_key = branch.key if branch is not None else None
    disposition = content_disposition_header(
        as_attachment=True, filename=mapdoc.file_name(argmap.slug, fmt, branch_key)
    )
    assert disposition is not None, "given a file name, it is never None"
    response["Content-Disposition"] = disposition
    return response


def kept_if_small(pieces: Iterable[str], key: str) -> Iterator[str]:
    """The pieces as they go out; an export that ends within CACHED_EXPORT_CHARS is cached."""
    kept: list[str] | None = []
    size = 0
    for piece in pieces:
        if kept is not None:
            kept.append(piece)
            size += len(piece)
            if size > CACHED_EXPORT_CHARS:
                kept = None
        yield piece
    if kept is not None:
        caches["fragments"].set(key, "".join(kept))


@require_safe
def download_map(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    return download(request, get_object_or_404(ArgumentMap, slug=slug), fmt)


@require_safe
def download_branch(request: HtmxHttpRequest, slug: str, key: str, fmt: str) -> HttpResponseBase:
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    return download(request, node.map, fmt, node)


# The card's size in an oEmbed answer, unless the consumer asks for less.
EMBED_WIDTH, EMBED_HEIGHT = 560, 480


@require_safe
def oembed(request: HtmxHttpRequest) -> HttpResponse:
    """oEmbed (https://oembed.com): a claim's address on this site -> the HTML that embeds its
    card, so that blogs and CMSs embed a claim from its URL. JSON only (501 otherwise)."""
    if request.GET.get("format", "json") != "json":
        return problem(501, "Only format=json is served.")
    parts = split_address(request.GET.get("url"))
    if parts is not None and parts.netloc and parts.netloc != request.get_host():
        return problem(404, "That address is not on this site.")
    match = None if parts is None else route_of(parts.path)
    if match is None or match.url_name not in {"node", "node-embed"}:
        return problem(404, "That address is not a claim of a map on this site.")
    node = (
        Node.objects.select_related("map")
        .filter(map__slug=match.kwargs["slug"], key=match.kwargs["key"])
        .first()
    )
    if node is None:
        return problem(404, "There is no such claim.")
    width = min(EMBED_WIDTH, whole_number(request.GET.get("maxwidth"), digits=5) or EMBED_WIDTH)
    height = min(EMBED_HEIGHT, whole_number(request.GET.get("maxheight"), digits=5) or EMBED_HEIGHT)
    src = request.build_absolute_uri(reverse("node-embed", args=[node.map.slug, node.key]))
    title = f"Argmap: {node.text[:200]}"
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'style="border:0;max-width:100%"></iframe>',
        src,
        width,
        height,
        title,
    )
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Argmap",
            "provider_url": request.build_absolute_uri("/"),
            "title": node.text,
            "html": html,
            "width": width,
            "height": height,
        }
    )
