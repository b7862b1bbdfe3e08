"""Each map's nodes counted by relation (models.NodeCount), kept on write, in this module.

Home shows each map's counts; counting them read a million index entries (88 ms) on the first
request after every edit. So every write that adds or removes a node, or moves one to another
map or relation, changes the map's counts in its own transaction:

- a node saved new (Node.save, loaddata's raw save): `added`, +1 at its (map, relation);
- a node saved again whose map or relation changed (pre_save read the stored pair): its maps
  are `recount`ed (rare: a curator changes a node's relation; a recount derives the counts
  anew, so two such saves at once cannot leave them wrong);
- rows deleted (Node.delete, NodeQuerySet.delete): their counts, read after their locks and
  before the delete, `removed`;
- rows bulk-created (NodeQuerySet.bulk_create): `added` by (map, relation); with a conflict
  clause, which rows were written is unknown, so their maps are recounted;
- NodeQuerySet.update of map or relation: the maps before and after recounted;
- a map deleted: its counts go with it (CASCADE).
Adding is one upsert (`INSERT … ON CONFLICT DO UPDATE SET number = number + excluded`),
atomic on PostgreSQL and SQLite. Count rows are written after the maps' token rows (the
order of docs/architecture.md, "Writes that race"), so two writers never wait on each other.
tests/debates/test_counts.py makes each kind of write and compares with a recount.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import connection, models

Place = tuple[int, str]  # (map id, relation)


def _counts() -> type[models.Model]:
    return apps.get_model("debates", "NodeCount")


def _nodes() -> type[models.Model]:
    return apps.get_model("debates", "Node")


def tally(nodes: "models.QuerySet[Any]") -> Counter[Place]:
    """How many of these nodes are at each (map, relation): one GROUP BY."""
    rows = nodes.order_by().values_list("map_id", "relation").annotate(number=models.Count("*"))
    return Counter({(map_id, relation): number for map_id, relation, number in rows})


def added(places: Counter[Place]) -> None:
    """Add these numbers to the maps' counts (negative ones subtract): one upsert."""
    rows = sorted((place, number) for place, number in places.items() if number)
    if not rows:
        return
    table = connection.ops.quote_name(_counts()._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (map_id, relation, number) VALUES {values}"  # noqa: S608
            f" ON CONFLICT (map_id, relation)"  # quoted name, values as parameters
            f" DO UPDATE SET number = {table}.number + excluded.number",
            [value for (map_id, relation), number in rows for value in (map_id, relation, number)],
        )


def removed(places: Counter[Place]) -> None:
    added(Counter({place: -number for place, number in places.items()}))


def recount(map_ids: Iterable[int | None]) -> None:
    """Count these maps' nodes anew (one GROUP BY over their index entries)."""
    wanted = sorted(pk for pk in set(map_ids) if pk is not None)
    if not wanted:
        return
    counts = _counts()._default_manager
    found = tally(_nodes()._default_manager.filter(map_id__in=wanted))
    counts.filter(map_id__in=wanted).delete()
    counts.bulk_create(
        [_counts()(map_id=m, relation=r, number=n) for (m, r), n in sorted(found.items())]
    )


def of_maps(map_ids: Iterable[int]) -> dict[int, Counter[str]]:
    """Each map's counts by relation ("" for its thesis), in one query."""
    found: dict[int, Counter[str]] = {pk: Counter() for pk in map_ids}
    rows = (
        _counts()
        ._default_manager.filter(map_id__in=list(found))
        .values_list("map_id", "relation", "number")
    )
    for map_id, relation, number in rows:
        found[map_id][relation] += number
    return found


def _before_save(sender: type[models.Model], instance: Any, raw: bool = False, **_: Any) -> None:
    # Where the row is counted now, when it exists (a loaded node, or loaddata's raw save).
    instance._counted_at = (
        sender._default_manager.filter(pk=instance.pk).values_list("map_id", "relation").first()
        if instance.pk is not None
        else None
    )


def _after_save(sender: type[models.Model], instance: Any, created: bool, **_: Any) -> None:
    now = (instance.map_id, instance.relation)
    before = getattr(instance, "_counted_at", None)
    if created and before is None:
        added(Counter([now]))
    elif before != now:
        recount({now[0], *(before[:1] if before else ())})


def connect() -> None:
    """Wire the single-row signals of Node (from DebatesConfig.ready, after the tokens')."""
    from django.db.models.signals import post_save, pre_save

    pre_save.connect(_before_save, sender=_nodes(), dispatch_uid="counts-node-pre-save")
    post_save.connect(_after_save, sender=_nodes(), dispatch_uid="counts-node-save")
