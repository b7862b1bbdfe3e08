"""The pages that show several apps at once: a map, its tree fragments, its diagram, a claim
and its embeddable card.

Debates draws the tree and the claim (`tree.py`); evaluation gives the perspective, the sort,
each shown node's strength and the vote panel (`evaluation.context`); annotations a logged-in
reader's panel on a claim (`annotations.context`). Each page is built here, above all three,
calling each in turn, so a request goes down through the apps and never back into one it
left (docs/architecture.md; tests/test_architecture.py traces it). What a cached page shows of
another app's state (annotation counts, strengths) is a state region that the render cache
fills (`fragments.register_state`).
"""

from functools import partial
from typing import Any

from csp.decorators import csp_replace
from django.core.cache import caches
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from argmap.annotations import context as annotations
from argmap.debates import diagram, fragments, mapdoc, tree
from argmap.debates.models import Anchor, ArgumentMap, Link, Node
from argmap.debates.tree import OpenState, anchors_shown, branch_labels
from argmap.evaluation import context as evaluation
from argmap.lib.htmx import HtmxHttpRequest
from argmap.lib.numbers import whole_number

# What every page of one map reads besides its own parameters (evaluation's).
SHOWN_AS = ("perspective", "sort")

# A page of one map, cached whole for visitors without a session, keyed also by what it
# shows of strengths (the perspective, the sort, and when sorted their order).
map_response = partial(fragments.shared_response, keyed_by=evaluation.response_key)


def with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def open_tree(
    request: HtmxHttpRequest, thesis: Node, focus: Node | None, state: OpenState, map_url: str
) -> Node:
    """The map page's tree (tree.open_tree), each shown node with its strength."""
    root, nodes = tree.open_tree(thesis, focus, state, map_url)
    evaluation.add_strengths(request, thesis.map, nodes)
    return root


def shown_tree(request: HtmxHttpRequest, node: Node, state: str, map_url: str) -> dict[str, Any]:
    """One node of the tree as a fragment shows it (tree.shown_tree), with strengths."""
    shown, nodes = tree.shown_tree(node, state, map_url)
    evaluation.add_strengths(request, node.map, nodes)
    return shown


class Claim:
    """What a claim page's cached parts show (tree.claim_parts), each shown node with its
    strength, built together on the first use (a miss of the page's cached parts)."""

    def __init__(self, request: HtmxHttpRequest, node: Node) -> None:
        self.request, self.node = request, node

    @cached_property
    def parts(self) -> tree.ClaimParts:
        parts = tree.claim_parts(self.node)
        evaluation.add_strengths(self.request, self.node.map, [self.node, *parts.children])
        return parts


@require_safe
@map_response("focus", "open", "branch", "closed", *SHOWN_AS)
def map_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The thesis and its children, and whatever the address says is open (tree.OpenState):
    ?open=a,b (each with its path), &branch=c (end to end), &closed=d; ?focus=<key> as before."""
    thesis = get_object_or_404(Node.objects.roots().select_related("map"), map__slug=slug)
    focus_key = request.GET.get("focus", "")
    focus = get_object_or_404(thesis.map.nodes, key=focus_key) if focus_key else None
    state = OpenState.from_query(request.GET)
    token = fragments.current(thesis.map)
    extras = evaluation.map_page_context(request, thesis.map, token)
    map_url = with_query(thesis.map.get_absolute_url(), extras["kept_query"])

    context = {
        **extras,
        "map": thesis.map,
        "focus": focus,
        "open_state": state.cache_key(),
        # Built only when the cached rendering is missing (see the template's cache tag).
        "root": partial(open_tree, request, thesis, focus, state, map_url),
        "cruxes": SimpleLazyObject(thesis.map.crux_rows),
        "thesis_key": thesis.key,
        "thesis_node": thesis,  # its strength under each perspective (a region each)
        "token": token,
        "formats": list(mapdoc.FORMATS.values()),
    }
    return render(request, "debates/map.html", context)


TREE_STATES = {"open", "closed", "branch"}


@require_safe
@map_response("state", *SHOWN_AS)
def tree_node(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """One node of the tree, closed, open one level, or with its whole branch open."""
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    if not request.htmx:
        return redirect(f"{reverse('map', args=[slug])}?focus={node.key}#node-{node.key}")
    state = request.GET.get("state", "open")
    state = state if state in TREE_STATES else "open"
    token = fragments.current(node.map)
    extras = evaluation.map_page_context(request, node.map, token)
    map_url = with_query(node.map.get_absolute_url(), extras["kept_query"])

    context = {
        **extras,
        "map": node.map,
        "key": node.key,
        "state": state,
        "tree": partial(shown_tree, request, node, state, map_url),
        "token": token,
    }
    return render(request, "debates/map.html#tree-fragment", context)


@require_safe
@map_response(*SHOWN_AS, htmx_params=("from", "state"))
def node_page(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """A node's permalink: its ancestors, its anchors in context, its links and its children,
    its vote panel and (for a logged-in reader) its annotation panel.

    Asked by htmx from a cross-link (?from=<the other end>), the link itself, opened on this
    node's card (state=open) or closed again.
    """
    nodes = Node.objects.select_related("map").filter(map__slug=slug, key=key)
    if request.htmx and "from" in request.GET:
        return cross_link(request, get_object_or_404(nodes.prefetch_related(anchors_shown())))
    # Before the content (fragments.py, point 4); no map: the 404 below answers.
    token = fragments.current_by_slug(slug) or ""
    node = get_object_or_404(nodes)

    context = {
        **evaluation.map_page_context(request, node.map, token),
        "map": node.map,
        "node": node,
        # Built only when the page's cached parts are missing (see node.html's cache tags).
        "claim": Claim(request, node),
        "formats": list(mapdoc.FORMATS.values()),
        "token": token,
        **annotations.claim_page_context(request, node),
        **evaluation.claim_page_context(request, node),
    }
    context["preview"] = partial(claim_preview, node, token)
    return render(request, "debates/node.html", context)


def claim_preview(node: Node, token: str) -> str:
    """A claim's link preview: its relation, parent and first quote, cached under the map's
    structure token. No strength: a cached page's text outside its state regions is rendered once
    per structure token, and an attribute cannot hold a region, so a number there would go stale."""
    key = f"claim-preview:{token}:{node.pk}"
    text: str | None = caches["fragments"].get(key)
    if text is None:
        text = node.link_preview()
        caches["fragments"].set(key, text)
    return text


def cross_link(request: HtmxHttpRequest, node: Node) -> HttpResponse:
    """One cross-link as the near end shows it: closed, or open on the far end's card."""
    near: Node = get_object_or_404(node.map.nodes, key=request.GET.get("from", ""))
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
@map_response("focus", "page", "perspective")
def diagram_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A bounded neighbourhood of the focus (the thesis unless ?focus=<key>), ?page=<n> of its
    children, each node with its strength under ?perspective=: the same few queries and the
    same size of page at any size of map. A shared response (one query when cached): the
    strengths are regions, filled per response."""
    argmap = get_object_or_404(ArgumentMap, slug=slug)
    page = whole_number(request.GET.get("page", "1"))
    if not page:
        raise Http404("No such page of this node's children.")
    token = fragments.current(argmap)
    extras = evaluation.map_page_context(request, argmap, token)
    try:
        focus = diagram.focus_node(argmap, request.GET.get("focus"))
        context = diagram.neighbourhood(argmap, focus, page, extras["kept_query"])
    except Node.DoesNotExist:
        raise Http404("No such node in this map.") from None
    except LookupError:
        raise Http404("No such page of this node's children.") from None
    evaluation.add_strengths(request, argmap, [box.node for box in context["boxes"]])
    kept = [f"focus={focus.key}"] if focus.parent_id else []
    kept += [extras["kept_query"]] if extras["kept_query"] else []
    tree_url = with_query(argmap.get_absolute_url(), "&".join(kept))
    context.update(extras, map=argmap, focus=focus, tree_url=tree_url)
    return render(request, "debates/diagram.html", context)


# An embedded card shows at most this many supporters and attackers each.
EMBED_CHILDREN = 5


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type] # typed for (request) views
def node_embed(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """A claim as a card to embed in another site's page (an iframe): the claim, its strength,
    its strongest supporters and attackers with their first quotes, a link back. No script;
    the one page any origin may frame (its own CSP), in the reader's colour scheme or
    ?theme=light|dark."""
    node = get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)
    with_anchors = Prefetch(
        "anchors",
        Anchor.objects.select_related("source").defer("source__text").with_comment_numbers(),
    )
    prefetch_related_objects([node], with_anchors)
    children = list(
        node.children.select_related("map")
        .prefetch_related(with_anchors)
        .order_by("position", "pk")
    )[: 4 * EMBED_CHILDREN]
    evaluation.add_strengths(request, node.map, [node, *children])
    by_strength = sorted(children, key=lambda child: -evaluation.shown_effect(child))
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
