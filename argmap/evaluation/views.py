from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from argmap.debates.models import ArgumentMap, Node
from argmap.evaluation.strengths import Perspective
from argmap.lib.errors import render_error
from argmap.lib.htmx import HtmxHttpRequest
from argmap.lib.login import login_to_write, where_they_were
from argmap.lib.numbers import whole_number
from argmap.lib.rows import RowGone
from argmap.ratelimit import limits as ratelimit

from .context import perspective_of, vote_panel_context
from .models import SCALE, Vote, is_curator
from .strengths import votes_changed

PANEL = "evaluation/strength.html#vote-panel"


@require_safe
def how_strength(request: HtmxHttpRequest) -> HttpResponse:
    """How a strength is computed, in plain words (linked from every strength)."""
    return render(request, "evaluation/how.html")


@require_http_methods(["GET", "HEAD", "POST"])
def vote(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """A node's vote panel (GET, for htmx), or a vote (POST): acceptability and relevance,
    each 0–4 or empty to withdraw; a field left out stays as it was."""
    node = Node.objects.select_related("map").filter(map__slug=slug, key=key).first()
    if node is None:
        get_object_or_404(ArgumentMap, slug=slug)
        if request.method == "POST" and Node.objects.filter(key=key).exists():
            return render_error(
                request,
                400,
                "Not a node of this map",
                "That node belongs to another map. Nothing was saved.",
            )
        get_object_or_404(Node, map__slug=slug, key=key)  # raises: no such node here
        raise Http404("No such node.")
    perspective = perspective_of(request)
    if request.method != "POST":
        if not request.htmx:
            return redirect(f"{node.get_absolute_url()}#vote")
        return render(request, PANEL, vote_panel_context(request, node, perspective))
    return cast_vote(request, node, perspective)


@login_to_write
def cast_vote(request: HtmxHttpRequest, node: Node, perspective: Perspective) -> HttpResponse:
    values, problems = read_vote(request.POST, is_thesis=node.parent_id is None)
    if problems:
        return render_error(request, 400, "Your vote was not saved", " ".join(problems))
    ratelimit.count(request, "vote", "votes")
    voter = request.user
    if isinstance(voter, AnonymousUser):  # login_to_write has sent them to log in
        raise PermissionDenied
    try:
        with transaction.atomic():
            Vote.objects.cast(voter, node, values)
            # Once it commits, the strengths it moves are recomputed off this request.
            votes_changed(node.map, by_curator=is_curator(voter))
    except RowGone:  # the node (or its map) was deleted while this was posted
        return render_error(
            request, 404, "No such node", "That node was deleted meanwhile. Nothing was saved."
        )
    if not request.htmx:
        messages.success(request, "Your vote is saved. Strengths follow within a few seconds.")
        back = where_they_were(request)
        return redirect(back if back != "/" else f"{node.get_absolute_url()}#vote")
    context = vote_panel_context(request, node, perspective, just_voted=True)
    return render(request, PANEL, context)


FIELDS = {
    "acceptability": "Acceptability",
    "relevance": "Relevance",
}


def read_vote(data: QueryDict, is_thesis: bool) -> tuple[dict[str, int | None], list[str]]:
    """The fields given, each an int 0–4 or None (withdrawn), and what is wrong, if anything."""
    values: dict[str, int | None] = {}
    problems: list[str] = []
    for field, label in FIELDS.items():
        if field not in data:
            continue  # left out: left unchanged
        raw = data.get(field, "").strip()
        if raw == "":
            values[field] = None
        elif (value := whole_number(raw, digits=1)) is not None and value in SCALE:
            values[field] = value
        else:
            problems.append(f"{label} must be a whole number from 0 to 4, or empty to withdraw.")
    if is_thesis and values.pop("relevance", None) is not None:
        problems.append("The thesis has no parent, so it takes no relevance vote.")
    return values, problems
