"""What evaluation adds to debates' pages (strengths, the perspective, the vote panel),
through the hooks of argmap.debates.pages, which EvaluationConfig.ready() registers; debates
never imports this app.

Strengths in cached fragments: a fragment that shows strengths is keyed by the map's
revision token and by `fragment_key`, which names the perspective, the strengths' stamp
(strengths.py: it changes only when a shown number changes) and the sort. Votes never
change the token, so a vote cools only the fragments of its map's perspective, once its
numbers are recomputed. The one switch for another scheme is `fragment_key` here.
"""

from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from argmap.debates.models import Link, Node, Source

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
    token the page read, when it read one)."""
    memo = request.__dict__.setdefault("_strengths", {})
    key = (argmap.pk, perspective.name)
    if key not in memo:
        token = request.__dict__.get("_strengths_tokens", {}).get(argmap.pk)
        memo[key] = strengths_of(argmap, perspective, token)
    return memo[key]


def request_pointer(request: HttpRequest, argmap: Any, perspective: Perspective, token: str):
    """The map's strengths pointer under perspective, read once a request (a page that takes
    seconds to render must not see two ages of one perspective)."""
    memo = request.__dict__.setdefault("_strengths_pointers", {})
    key = (argmap.pk, perspective.name, token)
    if key not in memo:
        memo[key] = pointer_of(argmap.slug, perspective, token, argmap)
    return memo[key]


def map_page_hook(request: HttpRequest, argmap: Any, token: str) -> dict[str, Any]:
    perspective, sort = perspective_of(request), sorted_by_strength(request)
    request.__dict__.setdefault("_strengths_tokens", {})[argmap.pk] = token
    pointer = request_pointer(request, argmap, perspective, token)
    stamp = pointer.stamp if pointer else "own"
    return {
        "perspective": perspective,
        "sort_by_strength": sort,
        "kept_query": address_query(perspective, sort),
        "strengths_pointer": pointer,
        # One viewer's own strengths are never cached (nothing per user in a fragment).
        "fragment_timeout": CACHED_FOR if perspective.shared else 0,
        "fragment_key": f":{perspective.name}:{stamp}:{int(sort)}",
        "perspectives": SimpleLazyObject(lambda: perspective_choices(request, argmap, token)),
    }


def perspective_choices(request: HttpRequest, argmap: Any, token: str) -> list[dict[str, Any]]:
    """Every perspective of the map with its thesis's strength: everyone's, the curators',
    the viewer's own, and each document's that anchors a node of the map."""
    sources = (
        Source.objects.filter(anchors__node__map=argmap).defer("text").distinct().order_by("title")
    )
    chosen = [Perspective(EVERYONE), Perspective(CURATORS)]
    if request.user.is_authenticated:
        chosen.append(Perspective(MINE, user=request.user))
    chosen += [Perspective(f"{SOURCE}{source.slug}", source=source) for source in sources]
    rows = []
    for perspective in chosen:
        if perspective.shared:
            pointer = request_pointer(request, argmap, perspective, token)
            thesis, converged = (pointer.thesis, pointer.converged) if pointer else (None, True)
        else:
            found = request_strengths(request, argmap, perspective)
            thesis, converged = found.of(found.thesis or 0), found.converged
        rows.append(
            {
                "perspective": perspective,
                "thesis": thesis,
                "converged": converged,
                "query": address_query(perspective, False),
            }
        )
    return rows


def node_list_hook(request: HttpRequest, argmap: Any, nodes: list[Any]) -> None:
    """Each node's strength (`shown_strength`); with ?sort=strength, each side's children
    strongest effect first (the curated order breaks ties)."""
    found = request_strengths(request, argmap, perspective_of(request))
    for node in nodes:
        node.shown_strength = found.of(node.pk)
    if not sorted_by_strength(request):
        return
    for node in nodes:
        groups = getattr(node, "child_groups", None) or {}
        for children in groups.values():
            children.sort(key=lambda child: -child.shown_effect)
        if getattr(node, "shown_children", None):
            node.shown_children.sort(key=lambda child: -child.shown_effect)


def node_page_hook(request: HttpRequest, node: Any) -> dict[str, Any]:
    perspective = perspective_of(request)
    return {
        **vote_panel_context(request, node, perspective),
        "explanation": SimpleLazyObject(lambda: explanation(request, node, perspective)),
    }


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
    """Why the node has its strength: its base score, then each supporter's and attacker's
    effect and each undercut of its link, strongest first, each with its node."""
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


def response_key_hook(request: HttpRequest, slug: str, token: str) -> str:
    """A shared response shows the strengths of its perspective: key it by their stamp."""
    try:
        perspective = Perspective.parse(request.GET.get("perspective"))
    except UnknownPerspective:
        return ":unknown"  # the view answers 400, which is never cached
    pointer = pointer_of(slug, perspective, token)
    stamp = pointer.stamp if pointer else "own"
    return f":{perspective.name}:{stamp}:{int(sorted_by_strength(request))}"
