"""What other apps add to debates' pages, without debates importing them.

Dependencies run annotations → debates. A page here that shows another app's data (a
node's annotation panel, passage annotations in the reader) calls the hooks that app
registers in its AppConfig.ready(); with none registered the pages still work, without
that data. What a node row shows of another app's state (annotation counts, votes) is a
state region instead (fragments.register_state).
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# (request, node) -> extra context for a node's page.
node_page_hooks: list[Callable[[HttpRequest, Any], dict[str, Any]]] = []
# (request, source, form or None) -> extra context for the source reader; its "spans"
# (objects with .start and .end) are cut into the text with the anchors.
reader_hooks: list[Callable[[HttpRequest, Any, Any], dict[str, Any]]] = []
# source slugs -> the public, shown passage annotations on them as plain dicts (id, source,
# start, end, exact, prefix, suffix, kind, body, visibility, is_hidden, created, modified),
# for the map's Web Annotation export.
published_passage_hooks: list[Callable[[list[str]], list[dict[str, Any]]]] = []


def node_page_context(request: HttpRequest, node: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for hook in node_page_hooks:
        context.update(hook(request, node))
    return context


def reader_extras(request: HttpRequest, source: Any, form: Any = None) -> dict[str, Any]:
    context: dict[str, Any] = {"spans": []}
    for hook in reader_hooks:
        extra = hook(request, source, form)
        context["spans"] = [*context["spans"], *extra.pop("spans", [])]
        context.update(extra)
    return context


def published_passages(source_slugs: list[str]) -> list[dict[str, Any]]:
    passages: list[dict[str, Any]] = []
    for hook in published_passage_hooks:
        passages += hook(source_slugs)
    return passages
