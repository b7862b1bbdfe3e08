from functools import partial
from operator import getitem

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import fragments
from . import search as text_search
from .diagram import layout
from .formats import registry
from .interchange import render as render_format
from .models import Anchor, ArgumentMap, Link, Node, Source
from .pages import node_page_context
from .reader import reader_context
from .tree import attach_children, attach_links, branch_labels, group_children

# Opening a branch bigger than this would send a page nobody can read; open one level instead.
BRANCH_LIMIT = 400


@require_safe
def home(request):
    maps = list(ArgumentMap.objects.with_counts())
    theses = {node.map_id: node for node in Node.objects.roots().filter(map__in=maps)}
    for argmap in maps:
        argmap.thesis_node = theses.get(argmap.pk)
    sources = Source.objects.defer("text")
    return render(request, "debates/home.html", {"maps": maps, "sources": sources})


def get_map_and_thesis(slug):
    argmap = get_object_or_404(ArgumentMap, slug=slug)
    thesis = get_object_or_404(argmap.nodes.roots())
    return argmap, thesis


@require_safe
@fragments.shared_response
def map_page(request, slug):
    """The thesis and its children; with ?focus=<key>, the path down to that node opened too."""
    thesis = get_object_or_404(Node.objects.roots().select_related("map"), map__slug=slug)
    focus_key = request.GET.get("focus", "")
    focus = get_object_or_404(thesis.map.nodes, key=focus_key) if focus_key else None

    def open_tree():
        open_ids = {thesis.pk}
        if focus:
            open_ids |= {node.pk for node in Node.objects.ancestors_of(focus)} | {focus.pk}
        wanted = Q(pk=thesis.pk) | Q(parent_id__in=open_ids)
        nodes = list(Node.objects.filter(wanted).for_display())
        attach_links(nodes)
        (root,) = attach_children(nodes, open_ids)
        return root

    context = {
        "map": thesis.map,
        "focus": focus,
        # Built only when the cached rendering is missing (see the template's cache tag).
        "root": SimpleLazyObject(open_tree),
        "thesis_key": thesis.key,
        "revision": fragments.current(thesis.map),
        "formats": list(registry.FORMATS.values()),
    }
    return render(request, "debates/map.html", context)


TREE_STATES = {"open", "closed", "branch"}


@require_safe
@fragments.shared_response
def tree_node(request, slug, key):
    """One node of the tree, closed, open one level, or with its whole branch open."""
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    if not request.htmx:
        return redirect(f"{reverse('map', args=[slug])}?focus={node.key}")
    state = request.GET.get("state", "open")
    state = state if state in TREE_STATES else "open"

    def shown_tree():
        ids = Node.objects.subtree_ids(node) if state == "branch" else []
        too_big = len(ids) > BRANCH_LIMIT
        if state == "branch" and not too_big:
            open_ids, wanted = set(ids), Q(pk__in=ids)
        elif state == "closed":
            open_ids, wanted = set(), Q(pk=node.pk)
        else:
            open_ids, wanted = {node.pk}, Q(pk=node.pk) | Q(parent=node)
        nodes = list(Node.objects.filter(wanted).for_display())
        attach_links(nodes)
        (shown,) = attach_children(nodes, open_ids)
        return {"node": shown, "too_big_key": node.key if too_big else None}

    context = {
        "map": node.map,
        "key": node.key,
        "state": state,
        "tree": SimpleLazyObject(shown_tree),
        "revision": fragments.current(node.map),
    }
    return render(request, "debates/map.html#tree-fragment", context)


def anchors_shown():
    """A node's anchors as pages show them: with their source and reader-comment number."""
    return Prefetch("anchors", Anchor.objects.select_related("source").with_comment_numbers())


# What the claim page's cached parts show, computed together on a miss.
CLAIM_PARTS = ("ancestors", "anchors", "children", "child_groups")


@require_safe
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
        return {
            "ancestors": ancestors,
            "anchors": list(node.anchors.all()),
            "children": children,
            "child_groups": group_children(children),
        }

    parts = SimpleLazyObject(claim)
    context = {
        "map": node.map,
        **{name: SimpleLazyObject(partial(getitem, parts, name)) for name in CLAIM_PARTS},
        "formats": list(registry.FORMATS.values()),
        "revision": revision,
    }
    context.update(node_page_context(request, node))
    return render(request, "debates/node.html", context)


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
def source_argument(request, slug):
    """Follow one document: the nodes anchored in it, with just enough ancestors to keep the
    shape, as a tree open end to end, each with that document's own quotes."""
    source = get_object_or_404(Source.objects.defer("text"), slug=slug)
    ids = Node.objects.argument_of(source)
    nodes = list(Node.objects.filter(pk__in=ids).for_display())
    attach_links(nodes)
    for node in nodes:
        node.quotes_here = [a for a in node.anchors.all() if a.source_id == source.pk]
    trees = attach_children(nodes, ids)
    trees.sort(key=lambda root: (root.map.slug, root.position, root.pk))
    anchored = sum(1 for node in nodes if node.quotes_here)
    theses = sum(1 for node in nodes if node.kind == Node.Kind.THESIS and not node.quotes_here)
    context = {
        "source": source,
        "trees": trees,
        "anchored_count": anchored,
        "context_count": len(nodes) - anchored - theses,
    }
    return render(request, "debates/source_argument.html", context)


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
            context["results"] = {
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
            context["total"] = sum(len(rows) for rows in context["results"].values())
    template = "debates/search.html#results" if request.htmx else "debates/search.html"
    return render(request, template, context, status=400 if "error" in context else 200)


@require_safe
def diagram_page(request, slug):
    argmap, thesis = get_map_and_thesis(slug)
    focus_key = request.GET.get("focus")
    root = thesis
    if focus_key:
        root = get_object_or_404(argmap.nodes, key=focus_key)
    nodes = list(argmap.nodes.filter(pk__in=Node.objects.subtree_ids(root)).with_child_counts())
    context = {"map": argmap, "root": root, "diagram": layout(nodes, root), "thesis": thesis}
    return render(request, "debates/diagram.html", context)


@require_safe
def export_page(request, slug):
    """The map as argmap/2 JSON: the same download as /download/argmap/, at its old address."""
    return download(request, get_object_or_404(ArgumentMap, slug=slug), "argmap")


def download(request, argmap, fmt, node_key=None):
    """The map or a branch in one format, as a file to save (never shown in the tab)."""
    if fmt not in registry.FORMATS:
        raise Http404("No such format.")
    text = render_format(argmap, fmt, request.build_absolute_uri, node_key)
    response = HttpResponse(text, content_type=registry.FORMATS[fmt].media_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=registry.file_name(argmap.slug, fmt, node_key)
    )
    return response


@require_safe
def download_map(request, slug, fmt):
    return download(request, get_object_or_404(ArgumentMap, slug=slug), fmt)


@require_safe
def download_branch(request, slug, key, fmt):
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    return download(request, node.map, fmt, node.key)
