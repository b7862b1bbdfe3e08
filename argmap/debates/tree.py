"""Shaping fetched nodes into the tree a page shows."""

from collections.abc import Iterable, Sequence
from typing import Any


def attach_children(nodes: Sequence[Any], open_ids: Iterable[int]) -> list[Any]:
    """Hang each node's fetched children on it as `shown_children`, for open nodes only.

    Returns the nodes whose parent was not among those given (the tops of the forest).
    """
    open_ids = set(open_ids)
    by_id = {node.pk: node for node in nodes}
    tops = []
    for node in nodes:
        node.shown_children = []
        node.is_open = node.pk in open_ids
    for node in nodes:
        parent = by_id.get(node.parent_id)
        if parent is not None and parent.is_open:
            parent.shown_children.append(node)
        elif parent is None:
            tops.append(node)
    for top in tops:
        _mark_closed_below(top)
    return tops


def _mark_closed_below(node: Any) -> bool:
    """Set node.closed_below: somewhere in its branch a node with children is still closed.

    Where nothing is, "Expand branch" would open nothing, and is not offered.
    """
    has_children = bool(getattr(node, "supports_count", 0) or getattr(node, "opposes_count", 0))
    if not node.is_open:
        node.closed_below = has_children
    else:
        # Every child is visited: each needs its own mark for its own row.
        marks = [_mark_closed_below(child) for child in node.shown_children]
        node.closed_below = any(marks) or (has_children and not node.shown_children)
    return bool(node.closed_below)
