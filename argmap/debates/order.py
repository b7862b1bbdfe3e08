"""Each node's place in its map's reading order (Node.reading_order), kept on write, here.

Reading order is the export's: each parent before its children, siblings by (position, id).
A node's `reading_order` is its path from the root, one fixed-width step a level (its
position, then its id, big-endian), so byte order is reading order: a parent's path is a
prefix of its children's and sorts first, and a branch is one range of the (map,
reading_order) index. The export reads a million nodes in that index's order instead of
having PostgreSQL sort the map before its first node (issue 19).

A path changes when the node's parent or position does, or an ancestor's path does. So
every write that adds nodes or moves them refreshes them, in its own transaction:

- a node saved (Node.save, loaddata's raw save): `refresh([pk])`: one UPDATE that writes
  nothing when its place is unchanged (an edit of its text), else its subtree after it;
- rows bulk-created (NodeQuerySet.bulk_create): `refresh` of the created ids;
- NodeQuerySet.update of parent or position: `refresh` of the updated ids, read before;
- a delete changes no other node's path.
`refresh` goes down a level a statement (the nodes it changed, then their children), so a
node whose parent changed in the same statement is written again at the next level with
its parent's new path; it stops when a level changes nothing. A node moved under another
branch rewrites its subtree: the price of an index that needs no sort. `recomputed` derives
every path of a map from its roots in one recursive query: migration 0018 fills the column
with it, and tests/debates/test_order.py makes each kind of write and compares with it.

PostgreSQL stores a step as 12 bytes (int4send(position) || int8send(id)); SQLite, which
has no function from a number to bytes, as 24 hexadecimal digits (the column holds their
ASCII bytes): both compare byte by byte, so both sort alike.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import connection, models

# Statements a refresh runs at most (levels of one subtree): a cycle, which no write of
# ours makes but a hand-broken fixture or a raw update can, would otherwise never end. Past
# DEEP levels the bound tightens to the maps' node count (no tree is deeper than it has
# nodes), so a cycle costs a few hundred short statements, not ten thousand ever-longer ones
# (CI's cycle tests ran 65-90 s each on SQLite with the fixed bound alone).
MAX_LEVELS = 10_000
DEEP = 64
CHUNK = 500  # ids a statement (SQLite's host parameters are bounded)


def _nodes() -> type[models.Model]:
    return apps.get_model("debates", "Node")


def sql() -> dict[str, str]:
    """The vendor's pieces: the empty path, a step of the node aliased n, a path's upper
    bound for a branch range, and a value as a path."""
    if connection.vendor == "postgresql":
        return {
            "empty": "'\\x'::bytea",
            "step": "(int4send(n.position) || int8send(n.id))",
            "after": "(%s || '\\xff'::bytea)",
            "path": "%s",
        }
    return {
        "empty": "CAST('' AS BLOB)",
        "step": "printf('%%08X%%016X', n.position, n.id)",
        "after": "CAST(CAST(%s AS TEXT) || 'Z' AS BLOB)",
        "path": "CAST(%s AS BLOB)",
    }


def _table() -> str:
    return connection.ops.quote_name(_nodes()._meta.db_table)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _update(where: str, ids: list[int]) -> list[int]:
    """Write the path of the nodes `where` picks from their parents' stored paths; the ids
    of those whose path changed. The parent is read by its primary key alone: a join in the
    subquery let a planner without statistics (a table just filled) scan the table a row."""
    parts, table = sql(), _table()
    parent = f"(SELECT p.reading_order FROM {table} p WHERE p.id = n.parent_id)"  # noqa: S608
    if connection.vendor == "postgresql":
        new = f"COALESCE({parent}, {parts['empty']}) || {parts['step']}"
        differs = "IS DISTINCT FROM"
    else:
        new = f"CAST(COALESCE(CAST({parent} AS TEXT), '') || {parts['step']} AS BLOB)"
        differs = "IS NOT"
    placeholders = ", ".join(["%s"] * len(ids))
    query = (
        f"UPDATE {table} AS n SET reading_order = {new}"  # noqa: S608 - quoted names, ids as parameters
        f" WHERE {where.format(ids=placeholders)} AND n.reading_order {differs} {new}"
        f" RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, ids)
        return [pk for (pk,) in cursor.fetchall()]


def refresh(node_ids: Iterable[int | None]) -> None:
    """Write these nodes' paths, and their descendants' where theirs moved."""
    level = sorted({pk for pk in node_ids if pk is not None})
    bound = MAX_LEVELS
    for depth in range(MAX_LEVELS):
        if not level or depth >= bound:
            return
        if depth == DEEP:
            bound = _deepest_possible(level)
        changed = [pk for chunk in _chunks(level) for pk in _update("n.id IN ({ids})", chunk)]
        if not changed:
            return
        level = [
            pk
            for chunk in _chunks(sorted(changed))
            for pk in _nodes()
            ._default_manager.filter(parent_id__in=chunk)
            .values_list("pk", flat=True)
        ]


def _deepest_possible(ids: list[int]) -> int:
    """Levels a refresh reaching these nodes can still need: their maps' nodes, plus one."""
    manager = _nodes()._default_manager
    maps = {
        pk
        for chunk in _chunks(ids)
        for pk in manager.filter(pk__in=chunk).values_list("map_id", flat=True)
    }
    return manager.filter(map_id__in=maps).count() + 1


_RECOMPUTED = (
    "WITH RECURSIVE walk(id, path, depth) AS ("
    " SELECT n.id, {step}, 1 FROM {table} n WHERE n.map_id = %s AND n.parent_id IS NULL"
    " UNION ALL"
    " SELECT n.id, {join}, walk.depth + 1 FROM {table} n JOIN walk ON n.parent_id = walk.id"
    " WHERE walk.depth < {levels}"
    ") "
)


def _walk(map_id: int) -> tuple[str, list[Any]]:
    parts = sql()
    if connection.vendor == "postgresql":
        step, join = parts["step"], f"walk.path || {parts['step']}"
    else:
        step = f"CAST({parts['step']} AS BLOB)"
        join = f"CAST(CAST(walk.path AS TEXT) || {parts['step']} AS BLOB)"
    return _RECOMPUTED.format(step=step, join=join, table=_table(), levels=MAX_LEVELS), [map_id]


def recomputed(map_id: int) -> dict[int, bytes]:
    """{node id: its path}, derived from the map's roots afresh (what refresh keeps)."""
    walk, params = _walk(map_id)
    with connection.cursor() as cursor:
        cursor.execute(walk + "SELECT id, path FROM walk", params)  # noqa: S608
        return {pk: bytes(path) for pk, path in cursor.fetchall()}


def stored(map_id: int) -> dict[int, bytes]:
    rows = _nodes()._default_manager.filter(map_id=map_id).values_list("pk", "reading_order")
    return {pk: bytes(path) for pk, path in rows}


def rewrite(map_id: int) -> None:
    """Every path of a map written from its roots in one statement (a migration's fill)."""
    walk, params = _walk(map_id)
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            walk + f"UPDATE {table} SET reading_order = walk.path FROM walk"  # noqa: S608
            f" WHERE {table}.id = walk.id",
            params,
        )


def _after_save(
    sender: type[models.Model], instance: Any, created: bool, raw: bool = False, **_: Any
) -> None:
    if created and not raw:  # a new node has no children yet: its own path is all
        _update("n.id IN ({ids})", [instance.pk])
    else:  # its place may have moved; loaddata may have saved its children first
        refresh([instance.pk])


def connect() -> None:
    """Wire Node's single-row signal (from DebatesConfig.ready)."""
    from django.db.models.signals import post_save

    post_save.connect(_after_save, sender=_nodes(), dispatch_uid="order-node-save")
