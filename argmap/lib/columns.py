"""A query's integer columns as numpy arrays, without a Python object a row.

Fetching 100,000 rows through a cursor builds 100,000 tuples and an int for each value, all
of it holding the GIL (0.3–0.5 s, during which a worker's other threads wait). On
PostgreSQL each column comes instead as one `bytea`, every value in its binary form
(`int8send`, eight bytes big-endian) joined by `string_agg` over the query's rows, which
numpy reads where it lies: one query, one row, whatever the number of rows. Other
databases (SQLite) fetch the rows. Written here: psycopg has no numpy adapter, and one
helper serves every bulk read of ids (the strengths' nodes, links and vote tallies).
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection


def int_columns(sql: str, params: Sequence[Any], width: int) -> np.ndarray:
    """The rows of `sql` (a SELECT of `width` integer columns, none NULL) as an int64 array
    of shape (rows, width), rows in no particular order (each row's values stay together)."""
    if connection.vendor == "postgresql":
        names = [f"c{i}" for i in range(width)]
        joined = ", ".join(f"string_agg(int8send({name}::int8), ''::bytea)" for name in names)
        with connection.cursor() as cursor:
            # One aggregate node feeds each row to every string_agg in turn: the i-th value
            # of each column belongs to the same row.
            cursor.execute(
                f"SELECT {joined} FROM ({sql}) AS q ({', '.join(names)})",  # noqa: S608
                params,
            )
            values = cursor.fetchone()
        if values is None or values[0] is None:  # no rows
            return np.zeros((0, width), dtype=np.int64)
        columns = [np.frombuffer(bytes(value), dtype=">i8") for value in values]
        return np.stack(columns, axis=1).astype(np.int64)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, width)
