"""Shaping fetched nodes into the tree a page shows."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from django.db import connection
from django.db.models import Case, Prefetch, Q, When, prefetch_related_objects
from django.http import QueryDict

from .models import Anchor, Link, Node

# The order a node's children are shown in, one group per relation: supporting and opposing
# side by side, undercuts (attacks on the link to the grandparent) set apart after them.
RELATION_GROUPS = ("supports", "opposes", "undercuts")


def attach_children(nodes: Sequence[Any], open_ids: Iterable[int]) -> list[Any]:
    """Hang each node's fetched children on it as `shown_children`, for open nodes only.

    Each node also gets `child_groups`: its shown children by relation, as
    {"supports": […], "opposes": […], "undercuts": […]}.
    Returns the nodes whose parent was not among those given (the tops of the forest).
    """
    open_ids = set(open_ids)
    by_id = {node.pk: node for node in nodes}
    tops = []
    for node in nodes:
        node.shown_children = []
        node.child_groups = {relation: [] for relation in RELATION_GROUPS}
        node.is_open = node.pk in open_ids
    for node in nodes:
        parent = by_id.get(node.parent_id)
        if parent is not None and parent.is_open:
            parent.shown_children.append(node)
            parent.child_groups.setdefault(node.relation, []).append(node)
        elif parent is None:
            tops.append(node)
    for top in tops:
        _mark_closed_below(top)
    return tops


def _mark_closed_below(node: Any) -> bool:
    """Set node.closed_below: somewhere in its branch a node with children is still closed.

    Where nothing is, "Expand branch" would open nothing, and is not offered.
    """
    has_children = any(
        getattr(node, f"{relation}_count", 0) for relation in ("supports", "opposes", "undercuts")
    )
    if not node.is_open:
        node.closed_below = has_children
    else:
        # Every child is visited: each needs its own mark for its own row.
        marks = [_mark_closed_below(child) for child in node.shown_children]
        node.closed_below = any(marks) or (has_children and not node.shown_children)
    return bool(node.closed_below)


def group_children(children: Sequence[Any]) -> dict[str, list[Any]]:
    """Children by relation, in RELATION_GROUPS order (for a page that lists them flat)."""
    groups: dict[str, list[Any]] = {relation: [] for relation in RELATION_GROUPS}
    for child in children:
        groups.setdefault(child.relation, []).append(child)
    return groups


# Only the table name and one %s per id are put in; the ids go as parameters.
BRANCH_SQL = """
    WITH RECURSIVE up(start, id, label, depth) AS (
        SELECT id, parent_id, label, 0 FROM {table} WHERE id IN ({marks})
        UNION ALL
        SELECT up.start,
               (SELECT n.parent_id FROM {table} n WHERE n.id = up.id),
               (SELECT n.label FROM {table} n WHERE n.id = up.id),
               up.depth + 1
        FROM up WHERE up.label = '' AND up.id IS NOT NULL AND up.depth < 100000
    )
    SELECT start, label FROM up WHERE label <> ''
"""


def branch_labels(node_ids: Iterable[int]) -> dict[int, str]:
    """Each node's branch: the label of the nearest labelled node at or above it, in one query.

    Walks up from all the nodes at once; each step looks its parent up in a scalar subquery
    (see NodeQuerySet.ancestors_of for why not a join).
    """
    ids = sorted(set(node_ids))
    if not ids:
        return {}
    table = connection.ops.quote_name(Node._meta.db_table)
    sql = BRANCH_SQL.format(table=table, marks=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return dict(cursor.fetchall())


def attach_links(nodes: Sequence[Any]) -> None:
    """Give each node `cross_links`: its links, each with the other end and its branch.

    Two queries for any number of nodes: the links touching them (with both ends), and
    the branch label of every other end.
    """
    by_id = {node.pk: node for node in nodes}
    for node in nodes:
        node.cross_links = []
    if not by_id:
        return
    links = list(
        Link.objects.filter(Q(from_node__in=by_id) | Q(to_node__in=by_id))
        .select_related("from_node__map", "to_node__map")
        .order_by("kind", "pk")
    )
    ends = []
    for link in links:
        for near, far in ((link.from_node, link.to_node), (link.to_node, link.from_node)):
            if near.pk in by_id:
                ends.append((by_id[near.pk], link, far))
    labels = branch_labels(far.pk for _node, _link, far in ends)
    for node, link, far in ends:
        node.cross_links.append(
            {"kind": link.kind, "node": far, "branch": labels.get(far.pk, ""), "link": link}
        )


# The open state of the map page, as its address carries it -------------------------------

# How many keys of each list an address may open: a shared address never opens more than a
# reader could have opened by hand, however large the map.
MAX_KEYS = 40
MAX_BRANCHES = 4
KEY_RE = re.compile(r"[-a-zA-Z0-9_]{1,60}")


@dataclass(frozen=True)
class OpenState:
    """What is open on the map page: ?open=a,b&branch=c&closed=d.

    opened: nodes open one level, each with the path down to it (only the deepest open
    node of a path is listed); branches: nodes open end to end (within BRANCH_LIMIT);
    closed: nodes closed although a branch around them is open (or the thesis, which is
    otherwise always open). Keys are kept sorted and unique, so equal states are equal
    addresses and share one cached rendering.
    """

    opened: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, opened: Iterable[str] = (), branches: Iterable[str] = (), closed: Iterable[str] = ()
    ) -> "OpenState":
        def clean(keys: Iterable[str], cap: int) -> tuple[str, ...]:
            return tuple(sorted({key for key in keys if KEY_RE.fullmatch(key)})[:cap])

        return cls(clean(opened, MAX_KEYS), clean(branches, MAX_BRANCHES), clean(closed, MAX_KEYS))

    @classmethod
    def from_query(cls, query: QueryDict) -> "OpenState":
        """The state an address asks for; an old ?focus=<key> opens the path to that node."""

        def listed(name: str) -> list[str]:
            return [key for value in query.getlist(name) for key in value.split(",")]

        return cls.of(listed("open") + listed("focus"), listed("branch"), listed("closed"))

    @property
    def keys(self) -> set[str]:
        return {*self.opened, *self.branches, *self.closed}

    def cache_key(self) -> str:
        return ";".join(",".join(keys) for keys in (self.opened, self.branches, self.closed))

    def query(self) -> str:
        parts = zip(
            ("open", "branch", "closed"), (self.opened, self.branches, self.closed), strict=True
        )
        return "&".join(f"{name}={','.join(keys)}" for name, keys in parts if keys)

    def url(self, map_url: str, key: str) -> str:
        """The map's address in this state, landing on node key (also without JavaScript)."""
        query = self.query()
        joint = "&" if "?" in map_url else "?"  # map_url may keep parameters of its own
        return f"{map_url}{joint if query else ''}{query}#node-{key}"

    def expanded(self, node: Any) -> "OpenState":
        """This state with node open one level."""
        closed = set(self.closed) - {node.key}
        if node.parent_id is None or self.in_branch(node):
            return OpenState.of(self.opened, self.branches, closed)
        return OpenState.of(
            set(self.opened) - set(node.path_keys) | {node.key}, self.branches, closed
        )

    def collapsed(self, node: Any) -> "OpenState":
        """This state with node closed: nothing below it stays listed."""
        if node.parent_id is None:
            return OpenState.of(closed=[node.key])
        below = node.keys_below
        rest = OpenState.of(
            set(self.opened) - below, set(self.branches) - below, set(self.closed) - below
        )
        if rest.in_branch(node):
            return OpenState.of(rest.opened, rest.branches, {*rest.closed, node.key})
        # The parent stays open; the thesis always is, unlisted. A shown node's parent is the
        # thesis when it has no grandparent (for_display's grandparent_text is None).
        parent = set() if node.grandparent_text is None else {node.parent_key}
        return OpenState.of({*rest.opened, *parent}, rest.branches, rest.closed)

    def in_branch(self, node: Any) -> bool:
        """Some node above node is open end to end in this state."""
        return bool(set(self.branches) & set(node.path_keys))

    def branched(self, node: Any) -> "OpenState":
        """This state with node's whole branch open."""
        below = node.keys_below
        opened = set(self.opened) - below - set(node.path_keys)
        return OpenState.of(
            opened, set(self.branches) - below | {node.key}, set(self.closed) - below
        )


def attach_toggle_urls(root: Any, state: OpenState, map_url: str) -> None:
    """Give each shown node the addresses its toggles lead to without JavaScript.

    Each is the map in this state with the one change a toggle makes, landing on the node:
    expand_url, collapse_url and branch_url. A fragment (root below the thesis) knows only
    the state it opened itself, so its links carry that.
    """
    listed = state.keys

    def walk(node: Any, path: tuple[str, ...]) -> set[str]:
        node.path_keys = path
        below = {node.key} & listed
        for child in node.shown_children:
            below |= walk(child, (*path, node.key))
        node.keys_below = below
        return below

    walk(root, ())

    def link(node: Any) -> None:
        node.expand_url = state.expanded(node).url(map_url, node.key)
        node.collapse_url = state.collapsed(node).url(map_url, node.key)
        node.branch_url = state.branched(node).url(map_url, node.key)
        for child in node.shown_children:
            link(child)

    link(root)


def ancestor_ids(node_ids: Iterable[int]) -> set[int]:
    """Ids of every ancestor of the nodes given, in one query however many they are."""
    return {pk for chain in _ancestor_rows(node_ids).values() for pk, _key in chain}


def reachable(nodes: Sequence[Any], root_id: int, open_ids: set[int]) -> list[Any]:
    """The nodes shown from root_id down through open nodes only, in the order given.

    A node closed inside an open branch hides its branch: rows fetched below it are dropped.
    """
    children: dict[int, list[Any]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    kept, todo = {root_id}, [root_id]
    while todo:
        parent = todo.pop()
        if parent in open_ids:
            for child in children.get(parent, []):
                kept.add(child.pk)
                todo.append(child.pk)
    return [node for node in nodes if node.pk in kept]


def preorder(nodes: Any, after: Any, limit: int) -> list[int]:
    """Ids of up to limit of these nodes in tree order (depth first, siblings by position),
    starting after node after (None: from the roots).

    Never walks the whole tree: one query for where to resume (after's children, then the
    siblings after it and after each of its ancestors), then one a generation below, each
    LIMIT limit. Within a generation tree order is its parents' order, then position, and
    the first limit nodes of the walk are among the first limit of each generation.
    """
    if after is None:
        groups = [Q(parent=None)]
    else:
        chain = [*Node.objects.ancestors_of(after), after]
        later = [
            Q(parent_id=node.parent_id) if node.parent_id else Q(parent=None)
            for node in reversed(chain)
        ]
        groups = [Q(parent_id=after.pk)] + [
            place & (Q(position__gt=node.position) | Q(position=node.position, pk__gt=node.pk))
            for place, node in zip(later, reversed(chain), strict=True)
        ]
    rank = Case(*(When(group, then=index) for index, group in enumerate(groups)))
    wanted = Q()
    for group in groups:
        wanted |= group
    generation = list(
        nodes.filter(wanted).order_by(rank, "position", "pk").values_list("pk", "parent_id")[:limit]
    )
    tops = [pk for pk, _parent in generation]
    children: dict[int, list[int]] = {}
    while generation:
        parents = [pk for pk, _parent in generation]
        by_parent = Case(*(When(parent_id=pk, then=index) for index, pk in enumerate(parents)))
        generation = list(
            nodes.filter(parent_id__in=parents)
            .order_by(by_parent, "position", "pk")
            .values_list("pk", "parent_id")[:limit]
        )
        for pk, parent in generation:
            children.setdefault(parent, []).append(pk)
    found: list[int] = []
    todo = list(reversed(tops))
    while todo and len(found) < limit:
        pk = todo.pop()
        found.append(pk)
        todo += reversed(children.get(pk, []))
    return found


# Walks up from every node at once; the depth bound ends a cycle in bad data.
ANCESTORS_SQL = """
    WITH RECURSIVE up(start, id, depth) AS (
        SELECT id, parent_id, 1 FROM {table} WHERE id IN ({marks})
        UNION ALL
        SELECT up.start, (SELECT n.parent_id FROM {table} n WHERE n.id = up.id), up.depth + 1
        FROM up WHERE up.id IS NOT NULL AND up.depth < 100000
    )
    SELECT up.start, n.id, n.key FROM up JOIN {table} n ON n.id = up.id
    ORDER BY up.start, up.depth DESC
"""


def _ancestor_rows(node_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Each node's ancestors as (id, key), root first, in one query walking up from them all."""
    ids = sorted(set(node_ids))
    chains: dict[int, list[tuple[int, str]]] = {pk: [] for pk in ids}
    if ids:
        table = connection.ops.quote_name(Node._meta.db_table)
        sql = ANCESTORS_SQL.format(table=table, marks=", ".join(["%s"] * len(ids)))
        with connection.cursor() as cursor:
            cursor.execute(sql, ids)
            for start, pk, key in cursor.fetchall():
                chains[start].append((pk, key))
    return chains


def ancestor_key_chains(node_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each node's ancestors' keys, root first, in one query walking up from them all."""
    return {pk: [key for _pk, key in chain] for pk, chain in _ancestor_rows(node_ids).items()}


# What pages build on a cache miss: each function is passed to the template uncalled (the
# template calls it inside its {% cache %} tag, so a hit builds nothing).

# Opening a branch bigger than this would send a page nobody can read; open one level instead.
BRANCH_LIMIT = 400


def anchors_shown() -> "Prefetch[Any]":
    """A node's anchors as pages show them: with their source and reader-comment number."""
    return Prefetch("anchors", Anchor.objects.select_related("source").with_comment_numbers())


def open_tree(
    thesis: Node, focus: Node | None, state: OpenState, map_url: str
) -> tuple[Node, list[Node]]:
    """The map page's tree: the thesis, and whatever the address says is open; with every
    node shown (for what another app adds to them, argmap.pages)."""
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
    root: Node
    (root,) = attach_children(nodes, open_ids)
    for node in nodes:
        node.is_branch = node.pk in whole
    attach_toggle_urls(root, state, map_url)
    return root, nodes


def shown_tree(node: Node, state: str, map_url: str) -> tuple[dict[str, Any], list[Node]]:
    """One node of the tree as a fragment shows it: closed, open one level, or with its
    whole branch open (one level when the branch is over BRANCH_LIMIT: too_big_key); with
    every node shown."""
    ids = Node.objects.whole_branch(node, BRANCH_LIMIT) if state == "branch" else None
    too_big = state == "branch" and ids is None
    if ids is not None:
        open_ids, wanted = set(ids), Q(pk__in=ids)
        shown_state = OpenState.of(branches=[node.key])
    elif state == "closed":
        open_ids, wanted, shown_state = set(), Q(pk=node.pk), OpenState()
    else:
        open_ids, wanted = {node.pk}, Q(pk=node.pk) | Q(parent=node)
        shown_state = OpenState.of([node.key] if node.parent_id else [])
    nodes = list(Node.objects.filter(wanted).for_display())
    attach_links(nodes)
    (shown,) = attach_children(nodes, open_ids)
    shown.is_branch = ids is not None
    attach_toggle_urls(shown, shown_state, map_url)
    return {"node": shown, "too_big_key": node.key if too_big else None}, nodes


class ClaimParts(NamedTuple):
    """What a claim page's cached parts show."""

    ancestors: list[Node]
    anchors: list[Anchor]
    children: list[Node]
    child_groups: dict[str, list[Node]]


def claim_parts(node: Node) -> ClaimParts:
    """A claim page's parts, built together (on a miss of its cached parts). The node gets
    the page's own attributes (parent_text, child_groups)."""
    shown = cast(Any, node)
    prefetch_related_objects([node], anchors_shown())
    ancestors = Node.objects.ancestors_of(node)
    shown.parent_text = ancestors[-1].text if ancestors else ""
    shown.grandparent_text = ancestors[-2].text if len(ancestors) > 1 else ""
    children = list(node.children.for_display())
    attach_children(children, set())
    attach_links([node, *children])
    # Sorted as a parent's children are, by attaching to the node with them.
    shown.child_groups = group_children(children)
    return ClaimParts(ancestors, list(node.anchors.all()), children, shown.child_groups)
