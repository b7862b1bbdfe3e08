"""Edits update a row and never insert it again; writes that race take row locks in one
order (lock); long reads see one moment (snapshot).

Django's save() on a row it has loaded runs UPDATE, and when that changes nothing (someone
deleted the row meanwhile) it INSERTs the row again: a deleted annotation came back with
the edited body. Models a user or curator edits inherit UpdateOnlyModel, whose save() of a
loaded row only updates, and raises RowGone when the row is gone; argmap.core.middleware
answers that with a 409 page. New rows save as usual.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError, connection, models, router, transaction


class RowGone(Exception):
    """The row an edit was saving has been deleted."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        super().__init__(f"{instance._meta.verbose_name} {instance.pk} no longer exists")


class UpdateOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding or kwargs.get("force_insert") or self.pk is None:
            super().save(*args, **kwargs)
            return
        if kwargs.get("update_fields") is None:
            kwargs["force_update"] = True
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        try:
            if transaction.get_connection(using).in_atomic_block:
                # A savepoint, so the caller's transaction stays usable after RowGone.
                with transaction.atomic(using=using):
                    super().save(*args, **kwargs)
            else:
                # No transaction of our own: the row's lock is not held while the save's
                # signals lock others (a map's structure token), which a delete takes the other way.
                super().save(*args, **kwargs)
        except DatabaseError as error:
            # Django's own error when a forced update (or one with update_fields) found no
            # row: "Forced update did not affect any rows." Database errors pass through.
            if "did not affect any rows" not in str(error):
                raise
            raise RowGone(self) from error


@contextlib.contextmanager
def snapshot() -> Iterator[None]:
    """Every query inside reads the database as it was at the first one.

    For reads that take many queries over a long time (a streamed export: sources, nodes,
    links, a million rows), so that a write landing meanwhile cannot leave a link to a node
    the file does not hold. On PostgreSQL, a read-only REPEATABLE READ transaction; inside a
    transaction already begun it is that transaction's own (it cannot change level once it has
    read). SQLite runs one writer at a time and its transaction would hold writers back for
    the whole read, so there the reads run as before.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def lock(queryset: "models.QuerySet[Any]", *, no_key: bool = False) -> list[Any]:
    """Lock queryset's rows until the transaction ends; their primary keys, in order.

    A write that adds a row pointing at another (an annotation at a node, a flag at an
    annotation) and a delete of that row race: PostgreSQL checks foreign keys at commit, so
    the loser failed there with an IntegrityError, a 500. Both sides lock the row pointed at
    first: the adder then finds it gone (and says so), or the delete waits and takes the new
    row along. `no_key` (FOR NO KEY UPDATE) for the adding side, which changes no key, so
    other foreign-key checks pass; a delete takes FOR UPDATE. Rows are locked in primary-key
    order, and models in the order of docs/architecture.md ("Writes that race"), so two
    writers never wait on each other. Inside transaction.atomic(); SQLite, which runs one
    writer at a time, needs no lock and takes none (see locking()).
    """
    rows = queryset.model._base_manager.filter(pk__in=queryset.values("pk"))
    return list(rows.select_for_update(no_key=no_key).order_by("pk").values_list("pk", flat=True))


def locking() -> contextlib.AbstractContextManager[Any]:
    """The transaction that lock() needs, where locks exist. SQLite has none and runs one
    writer at a time; there a transaction that reads before it writes fails at once when
    another writes ("database is locked", not waiting its turn), so none is begun."""
    if connection.features.has_select_for_update:
        return transaction.atomic()
    return contextlib.nullcontext()
