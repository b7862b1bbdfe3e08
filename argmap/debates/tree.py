"""Shaping fetched nodes into the tree a page shows."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Q

from .models import Link, Node

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
