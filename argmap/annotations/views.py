from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from argmap.accounts.models import User
from argmap.debates import fragments
from argmap.debates import search as text_search
from argmap.debates.models import ArgumentMap, Node, Source
from argmap.debates.reader import maps_quoting, shown_map
from argmap.lib.addresses import route_of
from argmap.lib.errors import render_error
from argmap.lib.htmx import HtmxHttpRequest, render_partial_response
from argmap.lib.login import login_to_write
from argmap.lib.numbers import whole_number
from argmap.lib.rows import RowGone
from argmap.ratelimit import limits as ratelimit

from .context import node_panel_context, reader_key, reader_page_context
from .forms import (
    TEXT_LIMIT,
    AnnotationForm,
    FlagForm,
    PassageAnnotationForm,
    PassageFields,
    ProposalForm,
    check_passage,
)
from .models import Annotation, Proposal

PAGE = "annotations/annotation.html"
READER = "debates/source.html"


def viewable_annotation(request: HtmxHttpRequest, pk: int) -> Annotation:
    """The annotation, or a 404 when it does not exist or is someone else's private one."""
    return get_object_or_404(Annotation.objects.for_viewer(request.user), pk=pk)


def editable_annotation(request: HtmxHttpRequest, pk: int) -> Annotation:
    annotation = viewable_annotation(request, pk)
    if not annotation.can_edit(request.user):
        raise PermissionDenied("Only its author can change or delete this annotation.")
    return annotation


def on_profile_page(request: HtmxHttpRequest) -> bool:
    """True when an htmx request comes from a profile page, which names each target."""
    match = route_of(request.htmx.current_url) if request.htmx else None
    return match is not None and match.url_name == "profile"


def show_annotation(
    request: HtmxHttpRequest, annotation: Annotation, status: int = 200, **context: Any
) -> HttpResponse:
    show_target = not request.htmx or on_profile_page(request)
    context = {"annotation": annotation, "show_target": show_target, **context}
    partial = context.get("fragment", "item")
    return render_partial_response(request, PAGE, partial, context, status=status)


@require_safe
def node_annotations(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A node's annotation panel on the map: open (annotations and form) or closed."""
    node = get_object_or_404(Node.objects.select_related("map"), pk=pk)
    if not request.htmx:
        return redirect(f"{node.get_absolute_url()}#annotations")
    if request.GET.get("open") == "0":
        node.public_annotation_count = Annotation.objects.public().filter(node=node).count()
        return render(request, f"{PAGE}#node-panel", {"node": node, "panel_open": False})
    context = {**node_panel_context(request.user, node), "panel_open": True}
    return render(request, f"{PAGE}#node-panel", context)


def no_such_node(request: HtmxHttpRequest) -> HttpResponse:
    return render_error(
        request,
        400,
        "No such node",
        "That node of the map does not exist; it may have been removed. Nothing was saved.",
    )


@require_POST
@login_to_write
def create_node_annotation(request: HtmxHttpRequest) -> HttpResponse:
    pk = whole_number(request.POST.get("node"), digits=18)
    node = Node.objects.select_related("map").filter(pk=pk).first() if pk is not None else None
    if node is None:
        return no_such_node(request)
    ratelimit.count(request, "annotate", "annotations")
    form = AnnotationForm(request.POST, prefix_id=f"node{node.pk}")
    if not form.is_valid():
        context = {**node_panel_context(request.user, node, form), "panel_open": True}
        context = {**context, "fragment": "new"}
        return render_partial_response(request, PAGE, "node-panel", context, status=400)
    annotation = form.save(commit=False)
    annotation.author, annotation.node = request.user, node
    try:
        annotation.save()
    except RowGone:  # a curator deleted the node while this was posted
        return no_such_node(request)
    messages.success(request, "Your annotation is saved.")
    if not request.htmx:
        return redirect(annotation.get_absolute_url())
    context = {**node_panel_context(request.user, node), "panel_open": True}
    return render(request, f"{PAGE}#node-panel", context)


@require_POST
@login_to_write
def create_passage_annotation(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    argmap = shown_map(request, maps_quoting(source), None)
    if "find" in request.POST:
        return find_targets(request, source, argmap)
    ratelimit.count(request, "annotate", "annotations")
    form = PassageAnnotationForm(request.POST, source=source, argmap=argmap)
    annotation = None
    if form.is_valid():
        try:
            annotation = form.save(author=request.user)
        except ValidationError as error:  # over the proposal quota: nothing saved
            form.add_error(None, error)
    if annotation is None:
        context = reader_page_context(request, source, form)
        return render_partial_response(request, READER, "reader", context, status=400)
    saved = "Your annotation is saved."
    if hasattr(annotation, "proposal"):
        saved += " Your proposal is waiting for the curators’ decision."
    messages.success(request, saved)
    if not request.htmx:
        return redirect(annotation.get_absolute_url())
    context = reader_page_context(request, source)
    return render(request, "debates/source.html#reader", context)


def find_targets(
    request: HtmxHttpRequest, source: Source, argmap: ArgumentMap | None
) -> HttpResponse:
    """The passage form again, as it was filled in, saving nothing, with the nodes the
    passage bears on (or those found for its "find" words) to propose it under: the way to
    them without the reader's script, which asks the same as soon as words are selected."""
    form = PassageAnnotationForm(source=source, argmap=argmap, initial=request.POST.dict())
    form.offer_for(request.POST)
    context = reader_page_context(request, source, form)
    return render_partial_response(request, READER, "reader", context)


def source_tokens(request: HttpRequest, *, slug: str) -> tuple[str, str]:
    """A source's reader: every map's structure, and its public passage annotations."""
    return fragments.current_everywhere() + reader_key(slug), ""


@require_safe
@fragments.shared_response(
    "map", "anchor", "part", "page", tokens=source_tokens, timeout=fragments.SITE_TIMEOUT
)
def source_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The reader page: a source's text with the curated quotes and readers' passages."""
    source = get_object_or_404(Source, slug=slug)
    return render(request, "debates/source.html", reader_page_context(request, source))


@require_safe
def annotation_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return show_annotation(request, viewable_annotation(request, pk))


@require_http_methods(["GET", "HEAD", "POST"])
@login_to_write
def edit_annotation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    annotation = editable_annotation(request, pk)
    form = AnnotationForm(request.POST or None, instance=annotation, prefix_id=f"edit{pk}")
    if request.method == "POST":
        ratelimit.count(request, "edit", "edits")
        if form.is_valid():
            form.save()  # an update only: a row deleted meanwhile answers 409 (lib/rows.py)
            messages.success(request, "Your annotation is updated.")
            if not request.htmx:
                return redirect(annotation.get_absolute_url())
            return show_annotation(request, annotation)
        annotation.refresh_from_db()  # show the stored annotation, not the rejected edit
        return show_annotation(request, annotation, 400, form=form, fragment="edit")
    return show_annotation(request, annotation, form=form, fragment="edit")


@require_http_methods(["GET", "HEAD", "POST"])
@login_to_write
def delete_annotation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    annotation = editable_annotation(request, pk)
    if request.method != "POST":  # GET, or HEAD: show the form, change nothing
        return show_annotation(request, annotation, fragment="delete")
    if annotation.is_detached:  # its node is gone; the profile is where its author finds it
        back = reverse("profile", args=[request.user.username])
    else:
        back = annotation.get_absolute_url().split("#")[0]
    annotation.delete()
    messages.success(request, "Your annotation is deleted.")
    if not request.htmx:
        return redirect(back)
    return render(request, f"{PAGE}#deleted", {"pk": pk})


@require_http_methods(["GET", "HEAD", "POST"])
@login_to_write
def flag_annotation(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    annotation = viewable_annotation(request, pk)
    if not annotation.can_flag(request.user):
        return render_error(request, 400, "Cannot flag", "You cannot flag your own annotation.")
    form = FlagForm(request.POST or None)
    if request.method != "POST":  # GET, or HEAD: show the form, change nothing
        return show_annotation(request, annotation, flag_form=form, fragment="flag")
    ratelimit.count(request, "flag", "flags")
    if not form.is_valid():
        return show_annotation(request, annotation, 400, flag_form=form, fragment="flag")
    assert isinstance(request.user, User), "can_flag() refuses visitors"
    annotation.flag(request.user, form.cleaned_data["reason"])
    annotation.viewer_flagged = True  # type: ignore[attr-defined] # what the page shows
    messages.success(request, "Thank you. The moderators will look at it.")
    if not request.htmx:
        return redirect(annotation.get_absolute_url())
    return show_annotation(request, annotation)


# Proposals ------------------------------------------------------------------------------

PROPOSE = "annotations/propose.html"


def proposal_target(slug: str, key: str) -> Node:
    return get_object_or_404(Node.objects.select_related("map"), map__slug=slug, key=key)


@require_http_methods(["GET", "HEAD", "POST"])
@login_to_write
def propose(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """A reader proposes an argument on a node; the curators decide it in the admin."""
    node = proposal_target(slug, key)
    form = ProposalForm(request.POST or None, node=node, initial=request.GET.dict())
    status = 200
    if request.method == "POST":
        ratelimit.count(request, "propose", "proposals")
        if form.is_valid():
            proposal = form.proposal(request.user)
            try:
                proposal.submit(settings.PROPOSAL_LIMIT)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your proposal is waiting for the curators’ decision.")
                return redirect(f"{reverse('proposals')}?new={proposal.pk}#proposal-{proposal.pk}")
        status = 400
    text = form["text"].value() or ""
    context = {"node": node, "map": node.map, "form": form, "similar": similar(node, text)}
    return render(request, PROPOSE, context, status=status)


def similar(node: Node, text: str) -> list[Node]:
    return text_search.similar(node.map.nodes.all(), text) if text else []


@require_safe
def similar_claims(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """The map's nodes most like the text being typed (the propose form asks as one types)."""
    node = proposal_target(slug, key)
    text = request.GET.get("text", "")[:TEXT_LIMIT]
    context = {"node": node, "map": node.map, "similar": similar(node, text), "text": text}
    return render(request, f"{PROPOSE}#similar", context)


@require_safe
@login_to_write
def my_proposals(request: HtmxHttpRequest) -> HttpResponse:
    """The reader's own proposals with their state and the curator's reason; the one just
    made (?new=) with the map's nodes most like it."""
    proposals = list(Proposal.objects.filter(proposer_id=request.user.pk).for_listing())
    new = next((p for p in proposals if str(p.pk) == request.GET.get("new")), None)
    context = {
        "proposals": proposals,
        "new": new,
        "similar": similar(new.target, new.text) if new and new.target else [],
    }
    return render(request, "annotations/proposals.html", context)


@require_safe
@login_to_write
def passage_propose(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Words selected in a source's reader, on their way to a proposal: the map's nodes most
    like them (or like ?q=), each a link to the propose form with the passage filled in."""
    source = get_object_or_404(Source, slug=slug)
    # The search form carries the passage as one encoded value: a browser would rewrite the
    # line breaks of the words themselves (as CRLF) if each went in a field of its own.
    passage = PassageFields(QueryDict(request.GET.get("passage", "")) or request.GET)
    problem = ""
    if passage.is_valid():
        try:
            check_passage(source.text, passage.cleaned_data)
        except ValidationError as error:
            problem = " ".join(error.messages)
    else:
        problem = "Select the words again in the source's reader."
    maps = maps_quoting(source) or list(ArgumentMap.objects.all()[:1])
    argmap = next((m for m in maps if m.slug == request.GET.get("map")), maps[0] if maps else None)
    query = request.GET.get("q", "")[:TEXT_LIMIT]
    nodes = []
    if not problem and argmap is not None:
        nodes = text_search.similar(argmap.nodes.all(), query or passage.cleaned_data["exact"], 8)
    selector = {
        name: passage.cleaned_data.get(name)
        for name in ("start", "end", "exact", "prefix", "suffix")
        if not problem
    }
    context = {
        "source": source,
        "argmap": argmap,
        "maps": maps,
        "nodes": nodes,
        "q": query,
        "problem": problem,
        "selector": selector,
        "passage_query": urlencode({"source": source.slug, **selector}),
        "passage_only": urlencode(selector),
    }
    return render(
        request, "annotations/passage_propose.html", context, status=400 if problem else 200
    )
