"""What evaluation adds to a map's pages (strengths, the perspective, the sort, the vote
panel). The pages that show both debates' tree and these are argmap.pages' views, which call
the functions here (map_page_context, add_strengths, claim_page_context, response_key);
debates never imports this app.

Strengths on pages are state regions (argmap/debates/fragments.py): every bar, figure and
explanation of a perspective that everyone shares is `{% state kind node.pk variant=… %}`,
whose variant names the map and the perspective, filled per response from the strengths
last computed (strength_regions, explanation_regions), so a recompute renders nothing again
and cools no cached page: it changes the map's state token and the next hit of each cached
page fills its regions again. Cached fragments are keyed by the perspective and the sort
(`fragment_key`); a page sorted by strength also by the order its numbers give
(strengths.py's `order`), as an order cannot be filled into a region: a vote that reorders a
side cools the sorted pages of that perspective, and only those. One viewer's own
perspective (`mine`) is never cached and shows its numbers as it renders.
"""

from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import urlencode

from argmap.debates.models import Link, Node
from argmap.lib.urls import slug_url

from .models import Vote
from .strengths import (
    CURATORS,
    EVERYONE,
    MINE,
    SOURCE,
    MapStrengths,
    Perspective,
    UnknownPerspective,
    pointer_of,
    shown_pointer,
    shown_strengths,
    strengths_of,
)

CACHED_FOR = 86400  # the fragments' own timeout (templates' {% cache %})


def perspective_of(request: HttpRequest) -> Perspective:
    """The perspective the address (or a vote form) asks for; 400 for one that is unknown."""
    value = request.GET.get("perspective") or request.POST.get("perspective")
    try:
        return Perspective.parse(value, request.user)
    except UnknownPerspective as problem:
        raise BadRequest(str(problem)) from None


def sorted_by_strength(request: HttpRequest) -> bool:
    return request.GET.get("sort") == "strength"


def address_query(perspective: Perspective, sort: bool) -> str:
    """What links keep of the address: the perspective (unless everyone's) and the sort."""
    kept = [] if perspective.name == EVERYONE else [("perspective", perspective.name)]
    return urlencode(kept + ([("sort", "strength")] if sort else []))


def request_strengths(request: HttpRequest, argmap: Any, perspective: Perspective) -> MapStrengths:
    """The map's strengths, read once a request however many parts show them (with the
    token the page read, when it read one). Never computed on the request when none are
    kept (empty then, while they are computed off it), but one viewer's own."""
    memo = request.__dict__.setdefault("_strengths", {})
    key = (argmap.pk, perspective.name)
    if key not in memo:
        token = request.__dict__.get("_strengths_tokens", {}).get(argmap.pk)
        memo[key] = strengths_of(argmap, perspective, token, wait=False)
    return memo[key]


def request_pointer(request: HttpRequest, argmap: Any, perspective: Perspective, token: str):
    """The map's strengths pointer under perspective (argmap: the map or its slug), read once
    a request (a page that takes seconds to render must not see two ages of one perspective)."""
    memo = request.__dict__.setdefault("_strengths_pointers", {})
    slug, argmap = (argmap, None) if isinstance(argmap, str) else (argmap.slug, argmap)
    key = (slug, perspective.name, token)
    if key not in memo:
        memo[key] = pointer_of(slug, perspective, token, argmap, compute_missing=False)
    return memo[key]


def strength_variant(slug: str, perspective: Perspective, sort: bool = False) -> str | None:
    """The region variant of a map's strengths under perspective (the explanation's with the
    sort its links keep); None for one viewer's own, shown as rendered."""
    if not perspective.shared:
        return None
    return f"{slug}/{perspective.name}" + ("/sorted" if sort else "")


def map_page_context(request: HttpRequest, argmap: Any, token: str) -> dict[str, Any]:
    """What every page of one map shows of strengths: the perspective, the sort, the links'
    query that keeps them, the regions' variants, and the cached fragments' key and timeout
    (`{% cache fragment_timeout … fragment_key %}`)."""
    perspective, sort = perspective_of(request), sorted_by_strength(request)
    request.__dict__.setdefault("_strengths_tokens", {})[argmap.pk] = token
    return {
        "perspective": perspective,
        "sort_by_strength": sort,
        "kept_query": address_query(perspective, sort),
        "strength_variant": strength_variant(argmap.slug, perspective),
        "explanation_variant": strength_variant(argmap.slug, perspective, sort),
        # One viewer's own strengths are never cached (nothing per user in a fragment).
        "fragment_timeout": CACHED_FOR if perspective.shared else 0,
        "fragment_key": order_key(request, argmap.slug, perspective, sort, token, argmap),
        "perspectives": SimpleLazyObject(lambda: perspective_choices(request, argmap, token)),
    }


def order_key(
    request: HttpRequest,
    slug: str,
    perspective: Perspective,
    sort: bool,
    token: str,
    argmap: Any = None,
) -> str:
    """What a cached page of the map must be keyed by besides its token: the perspective
    and the sort, and when sorted by strength, the order the strengths give."""
    order = ""
    if sort and perspective.shared:
        pointer = request_pointer(request, argmap or slug, perspective, token)
        order = pointer.order if pointer else ""
    return f":{perspective.name}:{int(sort)}:{order}"


def perspective_choices(request: HttpRequest, argmap: Any, token: str) -> list[dict[str, Any]]:
    """Every perspective of the map, each with its thesis's strength as a region (filled from
    the strengths last computed; a perspective never computed yet is computed off the
    request): everyone's, the curators', the viewer's own, and each source's that anchors a
    node of the map."""
    sources = argmap.quoted_sources(token).order_by("title")
    chosen = [Perspective(EVERYONE), Perspective(CURATORS)]
    if request.user.is_authenticated:
        chosen.append(Perspective(MINE, user=request.user))
    chosen += [Perspective(f"{SOURCE}{source.slug}", source=source) for source in sources]
    rows = []
    for perspective in chosen:
        live = None
        if not perspective.shared:
            found = request_strengths(request, argmap, perspective)
            live = found.of(found.thesis) if found.thesis is not None else None
        rows.append(
            {
                "perspective": perspective,
                "variant": strength_variant(argmap.slug, perspective),
                "live": (live, perspective.label) if live else None,
                "query": address_query(perspective, False),
            }
        )
    return rows


def add_strengths(request: HttpRequest, argmap: Any, nodes: list[Any]) -> None:
    """Each node's strength (`shown_strength`); with ?sort=strength, each side's children
    strongest effect first (the curated order breaks ties)."""
    perspective = perspective_of(request)
    found = request_strengths(request, argmap, perspective)
    for node in nodes:
        node.shown_strength = found.of(node.pk)
        # What a render shows itself: one viewer's own; a shared perspective's strengths
        # live in regions (a cached render holds none).
        node.live_strength = None if perspective.shared else (node.shown_strength, found.label)
    if not sorted_by_strength(request):
        return
    for node in nodes:
        groups = getattr(node, "child_groups", None) or {}
        for children in groups.values():
            children.sort(key=lambda child: -shown_effect(child))
        if getattr(node, "shown_children", None):
            node.shown_children.sort(key=lambda child: -shown_effect(child))


def shown_effect(node: Any) -> float:
    """The effect on its parent of the strength add_strengths attached to node
    (`shown_strength`); 0 where none was."""
    shown = getattr(node, "shown_strength", None)
    return shown.effect if shown is not None else 0.0


def claim_page_context(request: HttpRequest, node: Any) -> dict[str, Any]:
    """A claim page's vote panel, and its explanation under one viewer's own perspective."""
    perspective = perspective_of(request)
    context = vote_panel_context(request, node, perspective)
    if not perspective.shared:  # a shared perspective's explanation is a region
        context["explanation"] = explanation(request, node, perspective)
    return context


def vote_panel_context(
    request: HttpRequest, node: Any, perspective: Perspective, **extra: Any
) -> dict[str, Any]:
    """A node's vote panel, for the viewer: the strength, their vote, and (once they have
    voted on it) how everyone voted."""
    found = request_strengths(request, node.map, perspective)
    mine = None
    if request.user.is_authenticated:
        mine = Vote.objects.filter(map_id=node.map_id, node=node, user=request.user).first()
    voted = mine is not None and (mine.acceptability is not None or mine.relevance is not None)
    # Read whether shown or not, so the page's queries do not depend on the viewer's votes.
    counts = Vote.objects.filter(map_id=node.map_id, node=node).distributions()
    return {
        "node": node,
        "perspective": perspective,
        "vote_query": address_query(perspective, False),
        "shown": found.of(node.pk),
        "live_strength": (found.of(node.pk), found.label),
        "strength_variant": strength_variant(node.map.slug, perspective),
        "converged": found.converged,
        "my_vote": mine,
        "has_voted": voted,
        "distribution": {
            "acceptability": counts["acceptability"] if voted else None,
            "relevance": counts["relevance"] if voted and node.parent_id else None,
        },
        "scale": SCALE_WORDS,
        **extra,
    }


SCALE_WORDS = [(0, "0 — not at all"), (1, "1"), (2, "2"), (3, "3"), (4, "4 — fully")]


def explanation(request: HttpRequest, node: Any, perspective: Perspective) -> dict[str, Any]:
    """Why the node has its strength (one viewer's own perspective, rendered at once)."""
    found = request_strengths(request, node.map, perspective)
    children = list(
        Node.objects.filter(parent=node).only("pk", "key", "text", "relation", "map_id", "kind")
    )
    contradicting = [
        link.other_end(node)
        for link in Link.objects.filter(kind=Link.Kind.CONTRADICTS)
        .touching([node])
        .select_related("from_node", "to_node")
    ]
    return explained(node, found, children, contradicting)


def explained(
    node: Any, found: MapStrengths, children: list[Any], contradicting: list[Any]
) -> dict[str, Any]:
    """Why the node has its strength: its base score, then each supporter's and attacker's
    effect and each undercut of its link, strongest first, each with its node."""

    def rows(nodes: list[Any], by_strength_only: bool = False) -> list[dict[str, Any]]:
        listed = []
        for other in nodes:
            other.map = node.map  # one map: their addresses cost no query each
            shown = found.of(other.pk)
            if shown is None:
                continue
            effect = shown.strength if by_strength_only else shown.effect
            listed.append({"node": other, "shown": shown, "effect": effect})
        return sorted(listed, key=lambda row: -row["effect"])

    attackers = rows([c for c in children if c.relation == Node.Relation.OPPOSES])
    attackers += rows(contradicting, by_strength_only=True)
    attackers.sort(key=lambda row: -row["effect"])
    supporters = rows([c for c in children if c.relation == Node.Relation.SUPPORTS])
    undercuts = rows([c for c in children if c.relation == Node.Relation.UNDERCUTS])
    return {
        "shown": found.of(node.pk),
        "converged": found.converged,
        "rounds": found.rounds,
        "supporters": supporters,
        "attackers": attackers,
        "undercuts": undercuts,
        "contradicting": {other.pk for other in contradicting},
        # (heading, rows, sign of their effect), as the page lists them.
        "sides": [
            ("Supporters: each raises it by strength × weight", supporters, "+"),
            ("Attackers: each lowers it", attackers, "−"),
            ("Undercuts of its link: each weakens the link, not the claim", undercuts, "−"),
        ],
    }


def response_key(request: HttpRequest, slug: str, token: str) -> str:
    """A shared response is keyed by the perspective and the sort (its strengths are regions,
    filled per response), and when sorted by strength by the order they give."""
    try:
        perspective = Perspective.parse(request.GET.get("perspective"))
    except UnknownPerspective:
        return ":unknown"  # the view answers 400, which is never cached
    return order_key(request, slug, perspective, sorted_by_strength(request), token)


# State regions of strengths (argmap/debates/fragments.py), registered by EvaluationConfig.


def _variant_parts(variant: str) -> tuple[str, str, bool]:
    slug, _, rest = variant.partition("/")
    name, _, sort = rest.partition("/")
    return slug, name, sort == "sorted"


def strength_regions(pks: list[int], variant: str) -> dict[int, Any]:
    """Each node's strength bar under the variant's map and perspective: from the strengths
    last computed, with no query (the thesis's alone from the small pointer); "pending" while
    a map's first strengths are computed off the request."""
    slug, name, _ = _variant_parts(variant)
    pointer = shown_pointer(slug, name)
    thesis = pointer.thesis_id if pointer is not None else None
    if pointer is not None and thesis is not None and set(pks) == {thesis}:
        return {thesis: (pointer.thesis, pointer.label)}
    found = shown_strengths(slug, name)
    if found is None:
        return dict.fromkeys(pks, PENDING)
    return {pk: (shown, found.label) for pk in pks if (shown := found.of(pk)) is not None}


PENDING = "pending"


def held(value: Any) -> Any:
    """What a strength region's value holds: the node's strength, PENDING, or None."""
    return value if value is None or value == PENDING else value[0]


def show_strength(value: Any) -> str:
    """A strength as a bar, its number and its vote count, linking to how it is computed; in
    words where the computation did not settle there (never colour alone)."""
    shown = held(value)
    if shown is None:
        return ""
    if shown == PENDING:
        return format_html('<span class="strength strength-pending">{}</span>', PENDING_WORDS)
    label = value[1]
    unsettled = (
        format_html('<span class="strength-unsettled">· {}</span>', UNSETTLED_WORDS)
        if not shown.settled
        else ""
    )
    return format_html(
        '<a class="strength" href="{}" title="Strength under {}: how it is computed">'
        '<meter min="0" max="100" value="{}" aria-hidden="true"></meter>'
        '<span class="strength-number">Strength {}%</span>'
        '<span class="strength-votes">· {} vote{}</span>{}</a>',
        slug_url("strength-how"),  # every strength region of every fill: reversed once
        label,
        shown.percent,
        shown.percent,
        shown.votes,
        pluralize(shown.votes),
        unsettled,
    )


def draw_strength(value: Any) -> str:
    """A strength drawn in a diagram's box (SVG, at the box's strength row): a bar over its
    track and, beside it, the number and the vote count in words (never colour alone)."""
    shown = held(value)
    if shown is None:
        return ""
    if shown == PENDING:
        return format_html('<text class="strength-words" x="0" y="0">{}</text>', PENDING_WORDS)
    unsettled = f" · {UNSETTLED_WORDS}" if not shown.settled else ""
    return format_html(
        '<rect class="strength-track" x="0" y="-9" width="{}" height="9" rx="2"/>'
        '<rect class="strength-bar" x="0" y="-9" width="{}" height="9" rx="2"/>'
        '<text class="strength-words" x="{}" y="0">Strength {}% · {} vote{}{}</text>',
        DRAWN_BAR,
        round(DRAWN_BAR * shown.strength, 1),
        DRAWN_BAR + 8,
        shown.percent,
        shown.votes,
        pluralize(shown.votes),
        unsettled,
    )


DRAWN_BAR = 50  # px: a drawn strength's bar at 100 %
PENDING_WORDS = "Strength being computed"
UNSETTLED_WORDS = "did not settle"


def explanation_regions(pks: list[int], variant: str) -> dict[int, str]:
    """Each claim's explanation under the variant's map and perspective, rendered from the
    strengths last computed: three queries (the nodes, their children, their contradicts
    links) and the perspective's source, whatever the map's size."""
    slug, name, sort = _variant_parts(variant)
    found = shown_strengths(slug, name)
    try:
        perspective = Perspective.parse(name)
    except UnknownPerspective:
        return {}
    nodes = Node.objects.select_related("map").in_bulk(pks)
    children: dict[int, list[Any]] = {pk: [] for pk in nodes}
    for child in Node.objects.filter(parent__in=pks).only(
        "pk", "key", "text", "relation", "map_id", "kind", "parent_id"
    ):
        if child.parent_id is not None:  # always, as filtered: for the type checker
            children[child.parent_id].append(child)
    contradicting: dict[int, list[Any]] = {pk: [] for pk in nodes}
    links = Link.objects.filter(kind=Link.Kind.CONTRADICTS).touching(list(nodes.values()))
    for link in links.select_related("from_node", "to_node"):
        for end in (link.from_node, link.to_node):
            if end.pk in contradicting:
                contradicting[end.pk].append(link.other_end(end))
    shown: dict[int, str] = {}
    for pk, node in nodes.items():
        context = {
            "node": node,
            "perspective": perspective,
            "kept_query": address_query(perspective, sort),
            "explanation": explained(node, found, children[pk], contradicting[pk])
            if found is not None
            else None,
        }
        shown[pk] = render_to_string("evaluation/strength.html#explanation", context)
    return shown
