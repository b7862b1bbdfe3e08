"""The render cache invariant, kept in this one module.

Each map has two tokens (models.MapRevision, read and written here alone): `token`, its
structure (the tree's shape, text, anchors, sources: what curators edit), and `state`, what
readers change on its nodes (annotation counts and panels; votes and strengths through
state_changed()).
1. Content is every model whose QuerySet is a ContentQuerySet; shown() says which of its
   rows appear on a cached page, map_field which map each row belongs to, and
   bumps which of the map's two tokens a write to it changes.
2. Every write to content changes that token of each map it touches: QuerySet update(),
   bulk_create() and delete() here, single-row save and delete by signals (connect()).
   Nobody bumps by hand; private annotations are not shown(), so they bump nothing. State
   that is not content (strengths) calls state_changed(map_ids, topic, nodes).
3. current(map) is one read and never writes: the token row is made with its map (a
   migration for maps that existed before, a post_save and bulk_create for new ones).
4. Views read the tokens before the content, and bumps follow the write, so a render can
   cache new content under an old token, never old content under a new one.
5. Cached renders are keyed by the structure token alone and hold state only inside
   regions (`{% state kind pk %}`, region()): fill() puts each region's current value in
   from one read a kind (the reads register_state() registers), so a change of state
   renders nothing again and cools nothing that is cached.
   A change of state is logged (models.StateChange: its map, the node whose regions show
   it or None for every node, and the topic of those regions) and the map's state token
   becomes the change's id, under a lock of the map's token row, so a map's changes are
   numbered in the order they commit. A page filled at state S0 and asked at S1 refills
   only the regions that the changes in (S0, S1] reach (one read of the log): an
   annotation refills the regions of its node, a recompute of strengths the strengths'
   regions, and a page that shows neither is only marked as filled at S1 (changed_since).
6. A cached fragment holds nothing per user (tests/debates/test_fragments.py checks).
7. Whole responses that hold nothing per visitor (shared_response) are cached for visitors
   who carry no session, under the map's structure token and the full path, with the state
   token their regions were filled at: a hit whose state token is current costs one read
   (both tokens) and is served as stored; otherwise its regions are filled again (one read
   a kind) and it is kept. Both tokens are its ETag. A page for such a visitor carries no
   CSRF token (base.html gives htmx the token only on a logged-in page, which is never
   cached whole). The only text ever searched in a cached page is a region's markers, which
   no reader can write: every text is escaped (`<!--` becomes `&lt;!--`), and annotation
   bodies, the one stored HTML, show typed HTML as text (lib.markdown).
8. One render per miss: however many requests miss one key at once, one renders it under a
   short lock in the cache itself (one_render); the others get the page's newest earlier
   copy, or wait for the render. So a visitor may be served the page as it was before the
   last write only while the first request after it renders (at most RENDER_LOCK_SECONDS),
   and such a copy carries no ETag. Copies are of the same path and parameters, for
   visitors without a session: never another map's page, never anyone's own.
   A stored page found filled at an older state is filled again once, not by each request
   that finds it so at once: the others wait for that fill (_refilled), never served the
   older state.
9. Pages that span the maps (home, search, a source's reader and its argument) are cached
   whole the same way (shared_response with tokens=), under every map's structure token at
   once (tokens_everywhere, one read) and what else they show that no token follows (the
   reader, annotations' view: its public passage annotations, annotations.context.reader_key).
   A source that no map quotes changes no token, so such pages are kept SITE_TIMEOUT seconds
   at most: an edit to an unquoted source (its title in the home page's list, say) shows
   within 5 minutes.

10. A tree row's card (its text, badges, quotes, cross-links and controls: everything but its
   children) is cached again inside the page, under a digest of what it is rendered from
   (row_key): the node's loaded fields and attributes, its prefetched quotes with their
   sources, its cross-links with their far ends, and the page's values the card reads. So
   a curator's edit, which changes the map's structure token and so every page's key,
   renders again only the cards whose own data it changed; the others are found under the
   same digest (a focused map page at a million nodes re-rendered 44 cards after an edit to
   one node elsewhere, 175 ms). Correct by construction: the key is the data itself, so a
   row whose data changed has a new key and an old entry is never found, only expires. A
   card's regions are markers, as in any cached fragment; a node whose quotes are not
   prefetched, or a page whose fragments are not cached (one viewer's own perspective), is
   rendered uncached. Cards are kept in the "rows" alias, apart from the pages they make up.

The cache is the "fragments" alias: per process by default, Redis for a fleet (REDIS_URL).
"""

import dataclasses
import datetime
import decimal
import enum
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial, wraps
from typing import Any, ClassVar, TypeVar, cast

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection, models, transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

_M = TypeVar("_M", bound=models.Model)
_V = TypeVar("_V")
_R = TypeVar("_R", bound=HttpResponseBase)


def new_token() -> str:
    return uuid.uuid4().hex


def _token_rows() -> type[models.Model]:
    """debates.models.MapRevision, the maps' token rows (that module imports this one)."""
    return apps.get_model("debates", "MapRevision")


def current(argmap: models.Model) -> str:
    """The map's structure token, in one read; "" (a token like any other) if it has no row."""
    return next(iter(_read_token("map_id", argmap.pk)), ("", ""))[0]


def current_by_slug(slug: str) -> str | None:
    """The structure token of the map at slug, in one read; None when there is no such map."""
    return next((token for token, _ in _read_token("slug", slug)), None)


def tokens_by_slug(slug: str) -> tuple[str, str] | None:
    """The structure and state tokens of the map at slug, in one read; None if no such map."""
    return next(iter(_read_token("slug", slug)), None)


# Every cached request reads a token first, so it is read in plain SQL: building the ORM's
# query cost more than the round trip (0.34 ms of a 1.5 ms cached page, against /healthz's
# 0.76 ms, on the bench's PostgreSQL).
@cache
def _token_sql(by: str) -> str:
    quote = connection.ops.quote_name
    rows, argmap = quote(_token_rows()._meta.db_table), _map_model()._meta
    assert argmap.pk is not None and argmap.pk.column is not None
    if by == "map_id":
        return f"SELECT token, state FROM {rows} WHERE map_id = %s"  # noqa: S608 - quoted
    return (
        f"SELECT r.token, r.state FROM {rows} r JOIN {quote(argmap.db_table)} m"  # noqa: S608
        f" ON m.{quote(argmap.pk.column)} = r.map_id WHERE m.slug = %s"  # quoted names only
    )


def _read_token(by: str, value: int | str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(by), [value])
        return [(token, state) for (token, state) in cursor.fetchall()]


def current_everywhere() -> str:
    """One token for the content of every map, in one read (for pages that span the maps,
    such as search). It changes whenever any map's token does; content no map shows (a
    source nothing quotes) changes none, so what is cached under it also expires."""
    joined = ";".join(f"{pk}:{token}" for pk, token in every_token().items())
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def every_token() -> dict[int, str]:
    """Every map's structure token by its id, in one read, however many maps there are."""
    with connection.cursor() as cursor:
        cursor.execute(_everywhere_sql())
        return dict(cursor.fetchall())


@cache
def _everywhere_sql() -> str:
    table = connection.ops.quote_name(_token_rows()._meta.db_table)
    return f"SELECT map_id, token FROM {table} ORDER BY map_id"  # noqa: S608 - quoted name


def tokens_everywhere(request: HttpRequest, **kwargs: Any) -> tuple[str, str]:
    """shared_response's tokens for a page that spans the maps and shows no state region:
    every map's structure token at once (current_everywhere), and no state."""
    return current_everywhere(), ""


# State regions (point 5). A region is a node's piece of state on a cached page, between
# markers that only region() writes: every other text on a page is escaped, and annotation
# bodies are cleaned of comments (lib.markdown), so no content can open or close one. A kind
# may read by variant (strengths: one map's under one perspective): its regions name theirs,
# `<!--state:kind:pk:variant-->`, and each variant is read once a page.
REGION = re.compile(
    r"<!--state:([a-z][a-z0-9-]*):(\d+)(?::([\w:./-]+))?-->(.*?)<!--/state-->", re.DOTALL
)
VARIANT = re.compile(r"[\w:./-]+")


@dataclass(frozen=True)
class State:
    """One kind of state a region shows: read(node pks) gives each node's value in one
    query (read(pks, variant) for a kind that reads by variant); show(value) its HTML (value
    None for a node read() left out)."""

    read: Callable[..., dict[int, Any]]
    show: Callable[[Any], str]
    by_variant: bool = False
    topic: str = ""


STATES: dict[str, State] = {}


def register_state(
    kind: str,
    read: Callable[..., dict[int, Any]],
    show: Callable[[Any], str] = str,
    *,
    by_variant: bool = False,
    topic: str,
) -> None:
    """Let pages show `kind` of a node's state in regions ({% state kind node.pk %}).

    read(pks) -> {pk: value} in one query, for every region of that kind on a page at once;
    show(value) -> HTML, escaped unless it is a SafeString. Registered in an AppConfig's
    ready(); whoever changes the state read() reads calls state_changed(map_ids, topic) after.
    by_variant: regions name a variant ({% state kind pk variant=v %}) and read(pks, v) is
    called once a variant (a bounded number of reads: a page shows a few variants).
    topic: what changes it ("annotations", "strengths"): the topic its writers pass to
    state_changed(), or their QuerySet's `topic`.
    """
    STATES[kind] = State(read, show, by_variant, topic)


def region(kind: str, pk: int, value: Any = None, variant: str | None = None) -> SafeString:
    """A region of `kind` for node pk: empty until fill(), or showing value when given
    (a page rendered outside the cache that already knows it).

    For a kind that reads by variant, a region without one is a page's own live value (one
    viewer's strengths, never cached): shown as is, without markers, so fill() leaves it."""
    shown = "" if value is None or value == "" else _show(kind, value)
    state = STATES.get(kind)
    if state is not None and state.by_variant and not variant:
        return mark_safe(shown)  # noqa: S308 - escaped by _show
    if variant and not VARIANT.fullmatch(variant):
        raise ValueError(f"A region's variant is letters, digits and :./-_ only: {variant!r}")
    named = f"{kind}:{int(pk)}" + (f":{variant}" if variant else "")
    return mark_safe(f"<!--state:{named}-->{shown}<!--/state-->")  # noqa: S308 - escaped


def _show(kind: str, value: Any) -> str:
    state = STATES.get(kind)
    return str(conditional_escape(state.show(value))) if state else ""


Reached = Callable[[str, int], bool]  # (kind, pk): whether a change reached that region


def fill(html: str, only: Reached | None = None) -> str:
    """html with every region holding its node's current value (only those `only` picks,
    when given): one read a kind of region (a kind that reads by variant: one a variant)."""
    wanted: dict[tuple[str, str], set[int]] = {}
    for kind, pk, variant, _ in REGION.findall(html):
        if only is None or only(kind, int(pk)):
            wanted.setdefault((kind, variant), set()).add(int(pk))
    if not wanted:
        return html
    values: dict[tuple[str, str], dict[int, Any]] = {}
    for (kind, variant), pks in wanted.items():
        state = STATES.get(kind)
        if state is None:
            continue
        values[kind, variant] = (
            state.read(sorted(pks), variant) if state.by_variant else state.read(sorted(pks))
        )

    def filled(match: re.Match[str]) -> str:
        kind, pk, variant = match[1], int(match[2]), match[3] or ""
        if only is not None and not only(kind, pk):
            return match[0]  # no change reached it: kept as it was filled
        read = values.get((kind, variant))
        shown = _show(kind, read.get(pk)) if read is not None else ""
        named = f"{kind}:{pk}" + (f":{variant}" if variant else "")
        return f"<!--state:{named}-->{shown}<!--/state-->"

    return REGION.sub(filled, html)


def _filled(body: bytes, charset: str = "utf-8", only: Reached | None = None) -> bytes:
    if b"<!--state:" not in body:
        return body
    return fill(body.decode(charset), only).encode(charset)


def state_changed(map_ids: Iterable[int], topic: str, nodes: Iterable[int] | None = None) -> None:
    """Say that state of `topic` shown in regions of these maps' pages changed: in the
    regions of `nodes`, or of every node (None: the strengths of a whole map, say). After
    the write; nothing is rendered again, and each cached whole response of these maps
    refills, at its next hit, the regions the change reached (point 5). The structure token,
    and with it every cached render, stays."""
    reached: set[int | None] = {None} if nodes is None else set(nodes)
    log_state(dict.fromkeys(map_ids, reached), topic)


# A bump that reaches more nodes than this is logged as a change of every node's regions.
MANY_NODES = 50
# Changes kept in the log: every PRUNE_EVERY-th change deletes those more than KEEP older.
# A page filled before the oldest kept change refills every region (changed_since).
KEEP = 100_000
PRUNE_EVERY = 1_000
# Changes a refill reads at most; more than this since a page's fill refills every region.
READ_AT_MOST = 200


def _state_log() -> type[models.Model]:
    """debates.models.StateChange, the maps' logged changes of state."""
    return apps.get_model("debates", "StateChange")


def log_state(changes: dict[int, set[int | None]], topic: str) -> None:
    """Log each map's change of state (the nodes it reached; None: every node) and make its
    state token the change's id. Each map's token row is locked first, so the changes of a
    map are numbered in the order they commit: a reader who sees state S sees every change
    of that map up to S (changed_since relies on it)."""
    changes = {pk: nodes for pk, nodes in changes.items() if pk is not None and nodes}
    if not changes:
        return
    rows, log = _token_rows()._default_manager, _state_log()
    with transaction.atomic():
        if connection.features.has_select_for_update:  # SQLite: its INSERT takes the lock
            list(rows.select_for_update().filter(map_id__in=changes).order_by("map_id"))
        made = log._default_manager.bulk_create(
            log(map_id=pk, node_id=node, topic=topic)
            for pk in sorted(changes)
            for node in (
                [None]
                if None in changes[pk] or len(changes[pk]) > MANY_NODES
                else sorted(n for n in changes[pk] if n is not None)
            )
        )
        newest: dict[int, int] = {}
        for change in made:
            newest[change.map_id] = max(newest.get(change.map_id, 0), change.pk)  # type: ignore[attr-defined]
        for pk, state in newest.items():
            rows.filter(map_id=pk).update(state=str(state))
        top = max(newest.values())
        if top % PRUNE_EVERY == 0:  # ids are never reused: a bounded delete now and then
            log._default_manager.filter(pk__lt=top - KEEP).delete()


def changed_since(filled_at: str, state: str) -> Reached | None:
    """Which regions the changes of state after filled_at, up to state, reached (one read);
    None when it cannot tell (a token from before the log, changes no longer kept, or more
    than READ_AT_MOST of them): then every region is filled again. The changes read are those
    of state's map (the change `state` names), from filled_at's own on: finding both ends
    proves that none between them was pruned."""
    try:
        first, last = int(filled_at), int(state)
    except ValueError:
        return None
    if not 0 < first < last:
        return None
    log = _state_log()._default_manager
    found = list(
        log.filter(
            map_id=models.Subquery(log.filter(pk=last).values("map_id")[:1]),
            pk__gte=first,
            pk__lte=last,
        )
        .order_by()
        .values_list("pk", "topic", "node_id")[: READ_AT_MOST + 2]
    )
    ids = {pk for pk, _, _ in found}
    if len(found) > READ_AT_MOST + 1 or first not in ids or last not in ids:
        return None
    whole = {topic for pk, topic, node in found if pk != first and node is None}
    reached = {(topic, node) for pk, topic, node in found if pk != first and node is not None}

    def changed(kind: str, pk: int) -> bool:
        topic = STATES[kind].topic if kind in STATES else ""
        # A kind that names no topic cannot tell: any change refills it.
        return not topic or topic in whole or (topic, pk) in reached

    return changed


RESPONSE_TIMEOUT = 86400
# Pages cached under tokens_everywhere show sources that no map quotes, whose edits change no
# token: such a page is kept this long at most (point 9).
SITE_TIMEOUT = 300

# shared_response's tokens(request, **view kwargs): (what the key holds, the state token to
# fill regions at), or None to let the view answer (no such map: its 404).
Tokens = Callable[..., tuple[str, str] | None]


def shared_by_everyone(request: HttpRequest) -> bool:
    """True for a GET or HEAD from a visitor without a session: no user, no messages."""
    return request.method in {"GET", "HEAD"} and not request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )


def shared_response(
    *params: str,
    htmx_params: tuple[str, ...] = (),
    keyed_by: Callable[[HttpRequest, str, str], str] | None = None,
    tokens: Tokens | None = None,
    timeout: int = RESPONSE_TIMEOUT,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a view's whole response from the cache to everyone without a session.

    For views of one map (a `slug` argument) whose response, for a visitor with no session,
    depends only on the map's content, the path and the query parameters named in `params`
    (the htmx fragment apart from the page). Other parameters are left out of the key, so
    `?x=<random>` cannot fill the cache with copies of one page. A hit costs one query (the
    token), a cache read and a copy; the token is in the response's ETag, so a browser that
    has it gets a 304. Other visitors, and any response but a 200, go through the view as
    before (which still uses the fragment cache). `htmx_params` count only in htmx requests
    (a claim page's `?from=` picks a cross-link fragment; the page itself ignores it).
    A miss renders once however many ask at once (one_render, point 8).
    `keyed_by(request, slug, token)`: what else the page shows that the map's token does not
    name, which the key must hold too (the perspective, the sort, and strengths' order:
    argmap.pages gives evaluation's); a page of the map's structure alone (the diagram)
    names none.
    `tokens`: for a page that is not one map's, what its key holds instead of the map's
    tokens (tokens_everywhere, point 9), kept `timeout` seconds at most.
    """
    return partial(
        _shared_response,
        params=params,
        htmx_params=htmx_params,
        tokens=tokens or partial(_map_tokens, keyed_by=keyed_by),
        timeout=timeout,
    )


def _map_tokens(
    request: HttpRequest,
    *,
    slug: str,
    keyed_by: Callable[[HttpRequest, str, str], str] | None,
    **kwargs: Any,
) -> tuple[str, str] | None:
    """A page of the map at slug: its two tokens, and what else the page shows that the
    token does not name (`keyed_by`'s)."""
    tokens = tokens_by_slug(slug)
    if tokens is None or keyed_by is None:
        return tokens
    token, state = tokens
    return token + keyed_by(request, slug, token), state


def _shared_response(
    view: Callable[..., HttpResponse],
    params: tuple[str, ...],
    htmx_params: tuple[str, ...],
    tokens: Tokens,
    timeout: int,
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        read_tokens = tokens(request, **kwargs) if shared_by_everyone(request) else None
        if read_tokens is None:  # a visitor with a session, or no such map (the view's 404)
            return filled_response(view(request, *args, **kwargs))
        token, state = read_tokens
        htmx = request.headers.get("HX-Request") == "true"
        read = (*params, *htmx_params) if htmx else params
        asked = [(name, value) for name in read for value in request.GET.getlist(name)]
        # The page whatever the token ("filled": entries hold the state token they were
        # filled at; entries cached before regions never match), then this token's copy.
        page = f"filled:{int(htmx)}:{request.path}?{urlencode(asked)}"
        digest = hashlib.blake2b(f"{token}:{page}".encode(), digest_size=16).hexdigest()
        etag = f'"{digest}.{state}"'
        if (unchanged := not_modified(request, etag)) is not None:
            return revalidated(unchanged, etag, private=True)
        cache, key = caches["fragments"], f"response:{digest}"
        rendered: list[HttpResponse] = []

        def render() -> tuple[str, bytes, str] | None:
            # Rendered from what the key holds, so the page (its log-in link's ?next=, for
            # one) carries no parameter that one visitor sent and the next did not.
            request.META["QUERY_STRING"] = urlencode(asked)
            request.GET = QueryDict(request.META["QUERY_STRING"])
            response = filled_response(view(request, *args, **kwargs))
            rendered.append(response)
            if response.status_code != 200 or response.streaming or response.cookies:
                return None
            entry = (response["Content-Type"], response.content, state)
            cache.set(key, entry, timeout)
            cache.set(_latest(page), key, timeout)
            return entry

        entry = cache.get(key)
        current = True
        if entry is None:
            entry, current = one_render(cache, key, render, _latest(page))
        if entry is None:
            return rendered[-1]  # not to be kept (a 404, a redirect): served as it came
        if entry[2] != state:  # the state changed since: fill its regions again
            entry = _refilled(cache, key, entry, state, timeout, keep=current)
        content_type, body, _ = entry
        response = HttpResponse(body, content_type=content_type)
        if not current:  # the copy from before the map changed: no ETag to keep it by
            patch_cache_control(response, private=True, no_cache=True)
            return response
        # Private: a shared proxy could hand it to a visitor with a session, whose page differs.
        return revalidated(response, etag, private=True)

    return wrapped


def _refilled(
    cache: Any, key: str, entry: tuple[str, bytes, str], state: str, timeout: int, keep: bool
) -> tuple[str, bytes, str]:
    """entry with its regions filled at `state`, kept when `keep`: filled once however many
    requests find it filled at an older state at once (one_render, under a lock named by the
    state), the others waiting for that fill, so a state change costs one fill a page, not
    one for each request that arrives before the filled copy is stored."""
    content_type, body, filled_at = entry
    only = changed_since(filled_at, state) if keep else None
    if only is not None and not any(only(m[1], int(m[2])) for m in REGION.finditer(body.decode())):
        unchanged = (content_type, body, state)  # no change reached it: only marked
        cache.set(key, unchanged, timeout)
        return unchanged

    def fill_now() -> tuple[str, bytes, str]:
        filled = (content_type, _filled(body, only=only), state)
        if keep:
            cache.set(key, filled, timeout)
        return filled

    if not keep:  # the copy from before a change: filled for this request alone
        return fill_now()
    fresh, _ = one_render(
        cache, key, fill_now, lock=f"filling:{key}:{state}", ready=lambda e: e[2] == state
    )
    return fresh or fill_now()


def _latest(page: str) -> str:
    """Where the key of a page's newest cached copy is kept, whatever its map's token."""
    return "latest:" + hashlib.blake2b(page.encode(), digest_size=16).hexdigest()


# One render per miss (single flight). The first request to miss a key takes a lock in the
# same cache (add(): atomic in a process's memory and in Redis, SET NX with an expiry) and
# renders; while it holds the lock, the others get the page's newest earlier copy (stale
# while revalidating) or, when there is none, wait for the render, polling. The lock expires
# after RENDER_LOCK_SECONDS, so a render that died holds nobody for longer; a waiter renders
# itself after RENDER_WAIT_SECONDS, or as soon as the lock is gone without a value (the
# render gave a 404, or the cache is unreachable).
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.01


def one_render(
    cache: Any,
    key: str,
    render: Callable[[], _V | None],
    latest: str | None = None,
    *,
    lock: str = "",
    ready: Callable[[Any], bool] = lambda value: True,
) -> tuple[_V | None, bool]:
    """The value at key, rendered once however many requests miss it at once: (value, True),
    or (an earlier copy, False) while another request renders it. render() caches what it
    returns itself (None: nothing to cache), and sets `latest` to key when given. `lock`
    names the render (the key by default); a value at key counts once ready(value) (a
    refill waits for the copy filled at its state, not the one it replaces)."""
    lock = lock or f"rendering:{key}"
    if cache.add(lock, 1, RENDER_LOCK_SECONDS):
        try:
            return render(), True
        finally:
            cache.delete(lock)
    before = cache.get(latest) if latest else None
    if before is not None and before != key and (earlier := cache.get(before)) is not None:
        return earlier, False
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while cache.has_key(lock) and time.monotonic() < deadline:
        _wait(POLL_SECONDS)
        if (value := cache.get(key)) is not None and ready(value):
            return value, True
    value = cache.get(key)
    return (value, True) if value is not None and ready(value) else (render(), True)


def _wait(seconds: float) -> None:
    time.sleep(seconds)


def filled_response(response: HttpResponse) -> HttpResponse:
    """The response with its state regions filled (fill()); streamed ones as they are."""
    if not response.streaming and response.status_code == 200:
        response.content = _filled(response.content, response.charset)
    return response


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 (with etag) when the browser's If-None-Match holds etag; else None."""
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


def revalidated(response: _R, etag: str, *, private: bool = False) -> _R:
    """The response with its etag, to be kept but asked about every time (the etag changes
    with the map's token; If-None-Match then gets a 304 from not_modified)."""
    response["ETag"] = etag
    if private:
        patch_cache_control(response, private=True)
    patch_cache_control(response, no_cache=True)
    return response


def bump(map_ids: Iterable[int], field: str = "token") -> None:
    """Give each map a new token, the structure's or the state's (one UPDATE)."""
    wanted = set(map_ids) - {None}
    if wanted:
        _token_rows()._default_manager.filter(map_id__in=wanted).update(**{field: new_token()})


def ensure_tokens(map_ids: Iterable[int]) -> None:
    """Make the token row of each new map (never on read)."""
    token_rows = _token_rows()
    rows = [token_rows(map_id=pk) for pk in set(map_ids) - {None}]
    token_rows._default_manager.bulk_create(rows, ignore_conflicts=True)


class ContentQuerySet(models.QuerySet[_M]):
    """Rows shown in cached map trees: the QuerySet's own writes change their maps' tokens."""

    # The lookup from a row to its map's id, e.g. "map" for a node, "node__map" for an anchor.
    map_field: ClassVar[str] = "map"
    # Fields whose change can move a row into or out of shown().
    shown_fields: ClassVar[frozenset[str]] = frozenset()
    # Which token of its maps a write changes: "token" (the structure, shown in cached
    # renders) or "state" (shown only in state regions, filled per response).
    bumps: ClassVar[str] = "token"
    # For rows shown in state regions: the lookup from a row to the node whose regions show
    # it, and their topic (register_state's), so a write refills those regions alone.
    node_field: ClassVar[str] = ""
    topic: ClassVar[str] = ""

    def shown(self) -> "ContentQuerySet[_M]":
        """The rows that appear in a cached tree (all, unless a model says otherwise)."""
        return self

    def map_ids(self) -> set[int]:
        rows = self.shown().order_by().values_list(self.map_field, flat=True).distinct()
        return set(rows) - {None}

    def places(self, every_row: bool = False) -> dict[int, set[int | None]]:
        """Where the rows show, in one read: {map id: the nodes whose regions show them}
        (None: the map's structure, or every node's regions). every_row: not only the
        rows shown() now (a write may make them so)."""
        rows = (self if every_row else self.shown()).order_by()
        found: dict[int, set[int | None]] = {}
        if self.bumps != "state" or not self.node_field:
            for map_id in rows.values_list(self.map_field, flat=True).distinct():
                if map_id is not None:
                    found[map_id] = {None}
            return found
        for map_id, node_id in rows.values_list(self.map_field, self.node_field).distinct():
            if map_id is not None:
                found.setdefault(map_id, set()).add(node_id)
        return found

    def changed(self, places: dict[int, set[int | None]]) -> None:
        """After a write of these rows: the token their writes change, of each place."""
        if self.bumps == "state":
            log_state(places, self.topic)
        else:
            bump(places)

    def _moves_rows(self, fields: Iterable[str]) -> bool:
        first = self.map_field.split("__")[0]
        return bool({name.removesuffix("_id") for name in fields} & {first, *self.shown_fields})

    def _moves_rows_between(self, fields: Iterable[str]) -> bool:
        """Whether an update of fields moves rows to another node or map."""
        ends = {self.map_field.split("__")[0], self.node_field.split("__")[0]} - {""}
        return bool({name.removesuffix("_id") for name in fields} & ends)

    def update(self, **kwargs: Any) -> int:
        moves = self._moves_rows(kwargs)
        # Before the write: when rows may change map or enter or leave shown(), the places
        # of every row (their old places); otherwise the places of the shown rows.
        places = self.places(every_row=moves)
        count = super().update(**kwargs)
        if moves:
            places = merged(places, self.places())  # and the rows' places now
            if self.bumps == "state" and self._moves_rows_between(kwargs):
                # Moved to nodes that `self`'s filter may no longer find: every node's
                # regions of their maps, rather than miss the nodes they went to.
                places = dict.fromkeys(places, {None})
        self.changed(places)  # after the write (point 4 above)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        places = self.places()
        deleted = super().delete()  # a refused delete (RESTRICT, PROTECT) raises: no bump
        self.changed(places)
        return deleted

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        created = super().bulk_create(objs, *args, **kwargs)
        pks = [obj.pk for obj in created if obj.pk is not None]
        if self.model is _map_model():
            ensure_tokens(pks)
        else:
            rows = _content(self.model).filter(pk__in=pks)
            rows.changed(rows.places())
        return created

    bulk_create.alters_data = True  # type: ignore[attr-defined]


def merged(*all_places: dict[int, set[int | None]]) -> dict[int, set[int | None]]:
    """Places (ContentQuerySet.places) put together."""
    found: dict[int, set[int | None]] = {}
    for places in all_places:
        for map_id, nodes in places.items():
            found.setdefault(map_id, set()).update(nodes)
    return found


def _map_model() -> type[models.Model]:
    return apps.get_model("debates", "ArgumentMap")


def _content(model: type[models.Model]) -> "ContentQuerySet[Any]":
    return cast("ContentQuerySet[Any]", model._default_manager.all())


def content_models() -> list[type[models.Model]]:
    """Which models count as content: those whose default QuerySet is a ContentQuerySet."""
    return [
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), ContentQuerySet)
    ]


def _rows(instance: models.Model) -> ContentQuerySet[Any]:
    return _content(type(instance)).filter(pk=instance.pk)


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # Where the row was shown before this save (a row may leave a map, or stop being shown).
    if not instance._state.adding and instance.pk is not None:
        instance._fragments_places_before = _rows(instance).places()  # type: ignore[attr-defined]


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if sender is _map_model():
        ensure_tokens([instance.pk])
    before: dict[int, set[int | None]] = getattr(instance, "_fragments_places_before", {})
    rows = _rows(instance)
    rows.changed(merged(before, rows.places()))


def _before_delete(
    sender: type[models.Model], instance: models.Model, origin: Any = None, **kwargs: Any
) -> None:
    # A QuerySet's delete() bumps for all its rows; rows cascading from a content row are in
    # that row's map, which its own signal bumps. In the deleting transaction, so no render
    # sees the new token before the rows are gone.
    if isinstance(origin, ContentQuerySet):
        return
    if (
        isinstance(origin, models.Model)
        and origin is not instance
        and isinstance(type(origin)._default_manager.all(), ContentQuerySet)
    ):
        return
    rows = _rows(instance)
    rows.changed(rows.places())


def connect() -> None:
    """Wire the single-row signals of every content model (from DebatesConfig.ready)."""
    for model in content_models():
        uid = f"fragments-{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}-save")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}-delete")


# Point 10: tree rows' cards, keyed by what they are rendered from -----------------------

# Attributes the tree gives a node that its card does not show: its children (rendered
# outside the card, each a card of its own) and evaluation's numbers (a region, or the live
# value, which is hashed as live_strength).
ROW_UNREAD = frozenset({"child_groups", "shown_children", "shown_strength"})
# How far from the row's node related rows are hashed whole: the node's quotes and
# cross-links (1), their sources and far ends' maps (2); past that, their ids.
ROW_HOPS = 2
ROW_PLAIN = (
    str,
    int,
    float,
    bool,
    type(None),
    bytes,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    enum.Enum,
)


class Unhashable(TypeError):
    """A value a row is rendered from that row_key cannot digest."""


def row_key(node: models.Model, *page: Any) -> str | None:
    """The cache key of a tree row's card: a digest of the node as loaded (every field and
    attribute in its __dict__ but ROW_UNREAD, its prefetched rows, the related rows it
    holds, ROW_HOPS deep) and of `page`, the page's values the card reads. None when the
    card must be rendered uncached: the node's quotes are not prefetched (reading them
    would query, and the query's answer would not be in the key), or it holds a value of a
    kind that cannot be digested (logged).

    A row reached twice (a cross-link's far end, and the same node as its link's end) is
    digested the first time only: both copies were read by this request, and the first is
    the fuller one (the row's node itself comes first, with the attributes the tree gave
    it). The shape is built of plain values and digested at once (repr, in C)."""
    if "anchors" not in getattr(node, "_prefetched_objects_cache", {}):
        return None
    seen: set[tuple[str, Any]] = set()
    try:
        shape = (_shape(page, 0, seen), _shape_row(node, 0, seen))
    except Unhashable as error:
        logger.warning("tree row %s rendered uncached: %s", node.pk, error)
        return None
    return "row:" + hashlib.blake2b(repr(shape).encode(), digest_size=16).hexdigest()


def _shape_row(row: models.Model, hops: int, seen: set[tuple[str, Any]]) -> Any:
    label = row._meta.label
    if (label, row.pk) in seen or hops > ROW_HOPS:
        return (label, row.pk)
    seen.add((label, row.pk))
    values = [
        (name, value if type(value) in ROW_PLAIN_TYPES else _shape(value, hops, seen))
        for name, value in sorted(vars(row).items())
        if name[0] != "_" and name not in ROW_UNREAD
    ]
    related = [
        (name, _shape_row(other, hops + 1, seen) if other is not None else None)
        for name, other in sorted(row._state.fields_cache.items())
    ]
    prefetched = []
    if hops == 0:  # the row's own prefetched rows (its quotes); theirs would be other rows'
        for name, rows in sorted(getattr(row, "_prefetched_objects_cache", {}).items()):
            prefetched.append((name, [_shape_row(each, 1, seen) for each in rows]))
    return (label, values, related, prefetched)


ROW_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _shape(value: Any, hops: int, seen: set[tuple[str, Any]]) -> Any:
    if type(value) in ROW_PLAIN_TYPES or isinstance(value, ROW_PLAIN):
        return value
    if isinstance(value, models.Model):
        return _shape_row(value, hops + 1, seen)
    if isinstance(value, list):
        return [_shape(item, hops, seen) for item in value]
    if isinstance(value, tuple):
        return tuple(_shape(item, hops, seen) for item in value)
    if isinstance(value, (set, frozenset)):
        return ("set", sorted((_shape(item, hops, seen) for item in value), key=repr))
    if isinstance(value, dict):  # in order: a template iterates it so
        return ("dict", [(_shape(k, hops, seen), _shape(v, hops, seen)) for k, v in value.items()])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        shaped = [_shape(getattr(value, f.name), hops, seen) for f in dataclasses.fields(value)]
        return (type(value).__qualname__, shaped)
    raise Unhashable(f"a {type(value).__qualname__} in a tree row")
