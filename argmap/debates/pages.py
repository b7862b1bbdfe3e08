"""What other apps add to debates' pages, without debates importing them.

Dependencies run annotations → debates and evaluation → debates. A page here that shows
another app's data (a node's annotation panel, strengths and votes) calls the hooks that app
registers in its AppConfig.ready(); with none registered the pages still work, without that
data. The reader page, which shows readers' passages beside curated quotes, is annotations'
own view (it may import both apps), so no hook serves it.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# (request, node) -> extra context for a node's page.
node_page_hooks: list[Callable[[HttpRequest, Any], dict[str, Any]]] = []
# (request, map, map's token) -> extra context for a page of one map (map page, tree
# fragment, claim page); its "fragment_key" is added to the keys of cached fragments.
map_page_hooks: list[Callable[[HttpRequest, Any, str], dict[str, Any]]] = []
# (request, map, nodes) -> None: add to the fetched nodes of a tree before it is rendered
# (e.g. each node's strength, and children sorted by it), inside the fragment cache.
node_list_hooks: list[Callable[[HttpRequest, Any, list[Any]], None]] = []
# (request, map slug, map token) -> a string that a shared response's cache key must hold
# besides the token (e.g. the stamp of the strengths it shows).
response_key_hooks: list[Callable[[HttpRequest, str, str], str]] = []
# source slugs -> the public, shown passage annotations on them as plain dicts (id, source,
# start, end, exact, prefix, suffix, kind, body, visibility, is_hidden, created, modified),
# for the map's Web Annotation export.
published_passage_hooks: list[Callable[[list[str]], list[dict[str, Any]]]] = []


def node_page_context(request: HttpRequest, node: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for hook in node_page_hooks:
        context.update(hook(request, node))
    return context


def published_passages(source_slugs: list[str]) -> list[dict[str, Any]]:
    passages: list[dict[str, Any]] = []
    for hook in published_passage_hooks:
        passages += hook(source_slugs)
    return passages


def map_page_context(request: HttpRequest, argmap: Any, token: str) -> dict[str, Any]:
    # A cached fragment's key and timeout ({% cache fragment_timeout … fragment_key %}).
    context: dict[str, Any] = {"fragment_key": "", "fragment_timeout": 86400}
    for hook in map_page_hooks:
        extra = hook(request, argmap, token)
        key = extra.pop("fragment_key", "")
        context.update(extra)
        context["fragment_key"] += key
    return context


def add_to_nodes(request: HttpRequest, argmap: Any, nodes: list[Any]) -> None:
    for hook in node_list_hooks:
        hook(request, argmap, nodes)


def response_key(request: HttpRequest, slug: str, token: str) -> str:
    return "".join(hook(request, slug, token) for hook in response_key_hooks)
