from functools import partial
from operator import getitem
from urllib.parse import urlsplit

from csp.decorators import csp_replace
from django.core.cache import caches
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from argmap.lib.htmx import HtmxHttpRequest
from argmap.lib.numbers import whole_number
from argmap.lib.problems import problem

from . import diagram, fragments
from . import search as text_search
from .formats import registry
from .interchange import chunks as render_chunks
from .models import Anchor, ArgumentMap, Link, Node, Source
from .pages import add_to_nodes, map_page_context, node_page_context
from .reader import maps_quoting, reader_context, shown_map
from .tree import (
    OpenState,
    ancestor_ids,
    attach_children,
    attach_links,
    attach_toggle_urls,
    branch_labels,
    group_children,
    reachable,
)

# Opening a branch bigger than this would send a page nobody can read; open one level instead.
BRANCH_LIMIT = 400
# A document's argument shows this many of its quotes a page, with their ancestors: up to
# 170 nodes in a generated map (each quote in another branch), one page for most seed sources.
ARGUMENT_QUOTES = 30


@require_safe
def home(request):
    maps = ArgumentMap.objects.counted()
    theses = {node.map_id: node for node in Node.objects.roots().filter(map__in=maps)}
    sources = list(Source.objects.defer("text"))
    for argmap in maps:
        argmap.thesis_node = theses.get(argmap.pk)
        # Each map counts and lists its own sources, never another map's.
        argmap.sources = [source for source in sources if source.pk in argmap.source_ids]
    return render(request, "debates/home.html", {"maps": maps, "sources": sources})


def get_map_and_thesis(slug):
    argmap = get_object_or_404(ArgumentMap, slug=slug)
    thesis = get_object_or_404(argmap.nodes.roots())
    return argmap, thesis


# What every page of one map reads besides its own parameters (evaluation's hooks).
SHOWN_AS = ("perspective", "sort")


def with_query(url, query):
    return f"{url}?{query}" if query else url


@require_safe
@fragments.shared_response("focus", "open", "branch", "closed", *SHOWN_AS)
def map_page(request, slug):
    """The thesis and its children, and whatever the address says is open (tree.OpenState):
    ?open=a,b (each with its path), &branch=c (end to end), &closed=d; ?focus=<key> as before."""
    thesis = get_object_or_404(Node.objects.roots().select_related("map"), map__slug=slug)
    focus_key = request.GET.get("focus", "")
    focus = get_object_or_404(thesis.map.nodes, key=focus_key) if focus_key else None
    state = OpenState.from_query(request.GET)
    revision = fragments.current(thesis.map)
    extras = map_page_context(request, thesis.map, revision)
    map_url = with_query(thesis.map.get_absolute_url(), extras.get("kept_query", ""))

    def open_tree():
        listed = {focus.key: focus} if focus else {}
        wanted_keys = state.keys - set(listed)
        if wanted_keys:
            listed |= {node.key: node for node in thesis.map.nodes.filter(key__in=wanted_keys)}
        ends = [listed[key] for key in (*state.opened, *state.branches) if key in listed]
        open_ids = {thesis.pk} | {node.pk for node in ends} | ancestor_ids(n.pk for n in ends)
        # Branches open end to end only within one BRANCH_LIMIT together; past it, one level.
        budget, whole = BRANCH_LIMIT, set()
        for key in state.branches:
            ids = Node.objects.whole_branch(listed[key], budget) if key in listed else None
            if ids is not None:
                open_ids |= set(ids)
                budget -= len(ids)
                whole.add(listed[key].pk)
        open_ids -= {listed[key].pk for key in state.closed if key in listed}
        wanted = Q(pk=thesis.pk) | Q(parent_id__in=open_ids)
        nodes = reachable(list(Node.objects.filter(wanted).for_display()), thesis.pk, open_ids)
        attach_links(nodes)
        (root,) = attach_children(nodes, open_ids)
        add_to_nodes(request, thesis.map, nodes)
        for node in nodes:
            node.is_branch = node.pk in whole
        attach_toggle_urls(root, state, map_url)
        return root

    context = {
        **extras,
        "map": thesis.map,
        "focus": focus,
        "open_state": state.cache_key(),
        # Built only when the cached rendering is missing (see the template's cache tag).
        "root": SimpleLazyObject(open_tree),
        "cruxes": SimpleLazyObject(thesis.map.crux_rows),
        "thesis_key": thesis.key,
        "thesis_node": thesis,  # its strength under each perspective (a region each)
        "revision": revision,
        "formats": list(registry.FORMATS.values()),
    }
    return render(request, "debates/map.html", context)


TREE_STATES = {"open", "closed", "branch"}


@require_safe
@fragments.shared_response("state", *SHOWN_AS)
def tree_node(request, slug, key):
    """One node of the tree, closed, open one level, or with its whole branch open."""
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    if not request.htmx:
        return redirect(f"{reverse('map', args=[slug])}?focus={node.key}#node-{node.key}")
    state = request.GET.get("state", "open")
    state = state if state in TREE_STATES else "open"
    revision = fragments.current(node.map)
    extras = map_page_context(request, node.map, revision)
    map_url = with_query(node.map.get_absolute_url(), extras.get("kept_query", ""))

    def shown_tree():
        ids = Node.objects.whole_branch(node, BRANCH_LIMIT) if state == "branch" else None
        too_big = state == "branch" and ids is None
        if ids is not None:
            open_ids, wanted, shown_state = set(ids), Q(pk__in=ids), OpenState.of(branches=[key])
        elif state == "closed":
            open_ids, wanted, shown_state = set(), Q(pk=node.pk), OpenState()
        else:
            open_ids, wanted = {node.pk}, Q(pk=node.pk) | Q(parent=node)
            shown_state = OpenState.of([key] if node.parent_id else [])
        nodes = list(Node.objects.filter(wanted).for_display())
        attach_links(nodes)
        (shown,) = attach_children(nodes, open_ids)
        add_to_nodes(request, node.map, nodes)
        shown.is_branch = ids is not None
        attach_toggle_urls(shown, shown_state, map_url)
        return {"node": shown, "too_big_key": node.key if too_big else None}

    context = {
        **extras,
        "map": node.map,
        "key": node.key,
        "state": state,
        "tree": SimpleLazyObject(shown_tree),
        "revision": revision,
    }
    return render(request, "debates/map.html#tree-fragment", context)


def anchors_shown():
    """A node's anchors as pages show them: with their source and reader-comment number."""
    return Prefetch("anchors", Anchor.objects.select_related("source").with_comment_numbers())


# What the claim page's cached parts show, computed together on a miss.
CLAIM_PARTS = ("ancestors", "anchors", "children", "child_groups")


@require_safe
@fragments.shared_response(*SHOWN_AS, htmx_params=("from", "state"))
def node_page(request, slug, key):
    """A node's permalink: its ancestors, its anchors in context, its links and its children.

    Asked by htmx from a cross-link (?from=<the other end>), the link itself, opened on this
    node's card (state=open) or closed again.
    """
    nodes = Node.objects.select_related("map").filter(map__slug=slug, key=key)
    if request.htmx and "from" in request.GET:
        return cross_link(request, get_object_or_404(nodes.prefetch_related(anchors_shown())))
    revision = fragments.current_by_slug(slug)  # before the content (fragments.py, point 4)
    node = get_object_or_404(nodes)

    def claim():
        # Built only when the page's cached parts are missing (see node.html's cache tags).
        prefetch_related_objects([node], anchors_shown())
        ancestors = Node.objects.ancestors_of(node)
        node.parent_text = ancestors[-1].text if ancestors else ""
        node.grandparent_text = ancestors[-2].text if len(ancestors) > 1 else ""
        children = list(node.children.for_display())
        attach_children(children, set())
        attach_links([node, *children])
        # Sorted as a parent's children are, by attaching to the node with them.
        node.child_groups = group_children(children)
        add_to_nodes(request, node.map, [node, *children])
        return {
            "ancestors": ancestors,
            "anchors": list(node.anchors.all()),
            "children": children,
            "child_groups": node.child_groups,
        }

    parts = SimpleLazyObject(claim)
    context = {
        **map_page_context(request, node.map, revision),
        "map": node.map,
        "node": node,
        **{name: SimpleLazyObject(partial(getitem, parts, name)) for name in CLAIM_PARTS},
        "formats": list(registry.FORMATS.values()),
        "revision": revision,
    }
    context.update(node_page_context(request, node))
    context["preview"] = SimpleLazyObject(partial(claim_preview, request, node, revision))
    return render(request, "debates/node.html", context)


def claim_preview(request, node, revision):
    """A claim's link preview: its relation, parent and first quote (cached under the map's
    revision), then its strength as the page shows it (node_list hooks), which votes move."""
    key = f"claim-preview:{revision}:{node.pk}"
    text = caches["fragments"].get(key)
    if text is None:
        text = node.link_preview()
        caches["fragments"].set(key, text)
    add_to_nodes(request, node.map, [node])
    shown = getattr(node, "shown_strength", None)
    return f"{text} Strength {shown.percent}%." if shown is not None else text


def cross_link(request, node):
    """One cross-link as the near end shows it: closed, or open on the far end's card."""
    near = get_object_or_404(node.map.nodes, key=request.GET.get("from", ""))
    link = get_object_or_404(
        Link.objects.filter(
            Q(from_node=near, to_node=node) | Q(from_node=node, to_node=near)
        ).order_by("kind")[:1]
    )
    context = {
        "map": node.map,
        "near": near,
        "xlink": {"kind": link.kind, "node": node, "branch": branch_labels([node.pk]).get(node.pk)},
        "xlink_open": request.GET.get("state") == "open",
    }
    return render(request, "debates/node.html#cross-link", context)


@require_safe
def source_page(request, slug):
    source = get_object_or_404(Source, slug=slug)
    return render(request, "debates/source.html", reader_context(request, source))


@require_safe
def source_argument(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Follow one document in one map (?map=<slug>, as the reader chooses it): the map's
    nodes anchored in it, with just enough ancestors to keep the shape, as a tree open end
    to end, each with that document's own quotes. Maps never mix on it, nor in its pages."""
    source = get_object_or_404(Source.objects.defer("text"), slug=slug)
    page = max(whole_number(request.GET.get("page"), digits=6) or 1, 1)
    maps = maps_quoting(source)
    argmap = shown_map(request, maps, None)
    # The shown map's token, before the content.
    revision = fragments.current(argmap) if argmap else ""

    def argument():
        # Built only when the page's cached part is missing (see the template's cache tag).
        if argmap is None:
            return {"trees": [], "more": False}
        ids, more = Node.objects.argument_of(source, argmap, ARGUMENT_QUOTES, page)
        nodes = list(Node.objects.filter(pk__in=ids).for_display())
        attach_links(nodes)
        for node in nodes:
            node.quotes_here = [a for a in node.anchors.all() if a.source_id == source.pk]
        trees = attach_children(nodes, ids)
        trees.sort(key=lambda root: (root.position, root.pk))
        for root in trees:
            root.anchored_count = sum(1 for node in nodes if node.quotes_here)
            theses = sum(
                1 for node in nodes if node.kind == Node.Kind.THESIS and not node.quotes_here
            )
            root.context_count = len(nodes) - root.anchored_count - theses
        return {"trees": trees, "more": more}

    context = {
        "source": source,
        "shown_map": argmap,
        "quoting_maps": maps,
        # Links between pages keep the map shown, where there is a choice.
        "map_param": f"&map={argmap.slug}" if argmap and len(maps) > 1 else "",
        "argument": SimpleLazyObject(argument),  # its trees, counts and whether more follow
        "page": page,
        "revision": revision,
    }
    return render(request, "debates/source_argument.html", context)


def search_results(query):
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
def search_page(request):
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
            context["revision"] = fragments.current_everywhere()
            # Found only when the cached results are missing (see the template's cache tag).
            context["results"] = SimpleLazyObject(partial(search_results, query))
    template = "debates/search.html#results" if request.htmx else "debates/search.html"
    return render(request, template, context, status=400 if "error" in context else 200)


@require_safe
@fragments.shared_response("focus", "page", structure_only=True)
def diagram_page(request, slug):
    """A bounded neighbourhood of the focus (the thesis unless ?focus=<key>), ?page=<n> of its
    children: the same few queries and the same size of page at any size of map. It shows
    the map's structure only, so it is a shared response (one query when cached)."""
    argmap = get_object_or_404(ArgumentMap, slug=slug)
    page = whole_number(request.GET.get("page", "1"))
    if not page:
        raise Http404("No such page of this node's children.")
    try:
        focus = diagram.focus_node(argmap, request.GET.get("focus"))
        context = diagram.neighbourhood(argmap, focus, page)
    except Node.DoesNotExist:
        raise Http404("No such node in this map.") from None
    except LookupError:
        raise Http404("No such page of this node's children.") from None
    context.update(map=argmap, focus=focus)
    return render(request, "debates/diagram.html", context)


@require_safe
def export_page(request, slug):
    """The map as argmap/2 JSON: the same download as /download/argmap/, at its old address."""
    return download(request, get_object_or_404(ArgumentMap, slug=slug), "argmap")


# An export that ends within this many characters is kept whole in the fragments cache
# under its map's revision (the seed map's biggest, AIF, is 370 KB); a bigger one is
# streamed each time, since caching it would take its whole size in memory (or in Redis).
CACHED_EXPORT_CHARS = 1024 * 1024


def download(request, argmap, fmt, branch=None):
    """The map or a branch in one format, as a file to save (never shown in the tab).

    Streamed as it is read; an unchanged map answers If-None-Match with 304 from its
    revision alone. The whole map's Web Annotations also carry the sources' passage
    annotations, which do not change the map's revision: that one download is always built."""
    if fmt not in registry.FORMATS:
        raise Http404("No such format.")
    media_type = registry.FORMATS[fmt].media_type
    by_revision = not (fmt == "webannotation" and branch is None)
    revision = fragments.current(argmap) if by_revision else ""
    etag = f'"{revision}-{fmt}-{branch.key if branch else ""}"' if revision else None
    key = f"export:{revision}:{fmt}:{branch.pk if branch else ''}:{request.build_absolute_uri('/')}"
    if etag and (unchanged := fragments.not_modified(request, etag)) is not None:
        return unchanged
    text = caches["fragments"].get(key) if etag else None
    if text is not None:
        response = HttpResponse(text, content_type=media_type)
    elif request.method == "HEAD":
        response = StreamingHttpResponse((), content_type=media_type)  # headers, no export
    else:
        pieces = render_chunks(argmap, fmt, request.build_absolute_uri, branch)
        response = StreamingHttpResponse(
            kept_if_small(pieces, key) if etag else pieces, content_type=media_type
        )
    if etag:
        fragments.revalidated(response, etag)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=registry.file_name(argmap.slug, fmt, branch and branch.key)
    )
    return response


def kept_if_small(pieces, key):
    """The pieces as they go out; an export that ends within CACHED_EXPORT_CHARS is cached."""
    kept, size = [], 0
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
def download_map(request, slug, fmt):
    return download(request, get_object_or_404(ArgumentMap, slug=slug), fmt)


@require_safe
def download_branch(request, slug, key, fmt):
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    return download(request, node.map, fmt, node)


# An embedded card shows at most this many supporters and attackers each.
EMBED_CHILDREN = 5


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type] # typed for (request) views
def node_embed(request, slug, key):
    """A claim as a card to embed in another site's page (an iframe): the claim, its strength,
    its strongest supporters and attackers with their first quotes, a link back. No script;
    the one page any origin may frame (its own CSP), in the reader's colour scheme or
    ?theme=light|dark."""
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    quotes = Prefetch(
        "anchors",
        Anchor.objects.select_related("source").defer("source__text").with_comment_numbers(),
    )
    prefetch_related_objects([node], quotes)
    children = list(
        node.children.select_related("map").prefetch_related(quotes).order_by("position", "pk")
    )[: 4 * EMBED_CHILDREN]
    add_to_nodes(request, node.map, [node, *children])
    by_strength = sorted(children, key=lambda child: -child.shown_effect)
    supporters = [c for c in by_strength if c.relation == Node.Relation.SUPPORTS]
    attackers = [c for c in by_strength if c.relation != Node.Relation.SUPPORTS]
    theme = request.GET.get("theme")
    context = {
        "node": node,
        "map": node.map,
        "quote": next(iter(node.anchors.all()), None),
        "strength": getattr(node, "shown_strength", None),
        "supporters": supporters[:EMBED_CHILDREN],
        "attackers": attackers[:EMBED_CHILDREN],
        "theme": theme if theme in {"light", "dark"} else "",
    }
    return render(request, "debates/embed.html", context)


# The card's size in an oEmbed answer, unless the consumer asks for less.
EMBED_WIDTH, EMBED_HEIGHT = 560, 480


@require_safe
def oembed(request):
    """oEmbed (https://oembed.com): a claim's address on this site -> the HTML that embeds its
    card, so that blogs and CMSs embed a claim from its URL. JSON only (501 otherwise)."""
    if request.GET.get("format", "json") != "json":
        return problem(501, "Only format=json is served.")
    parts = urlsplit(request.GET.get("url", ""))
    if parts.netloc and parts.netloc != request.get_host():
        return problem(404, "That address is not on this site.")
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        match = None
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
