"""A stored search vector on each searched text (PostgreSQL only), with a GIN index on it.

Search ranked its candidates with ts_rank over to_tsvector(text), computed again for every
candidate on every search (up to 501 a kind: 46 ms of a cold search's 143 at a million
nodes, and the planner matched by computing it row by row too); the expression indexes of
0002 could find matches but not hand the vectors to the rank. A generated column is the one
home of each row's vector: PostgreSQL writes it with the row however the row is written
(save, bulk create, update, COPY), so nothing in Python keeps it. The models do not declare
it, so no query loads it unless search asks (`search.StoredVector`). SQLite has neither
tsvector nor GIN and searches without it (search.py's fallback).

A column a generated column reads cannot change type while it exists: an AlterField of
node.text, anchor.exact or source.text must drop and add it again.
"""

from django.db import migrations

CONFIG = "english"  # search.CONFIG when written; the queries' config must stay this one
COLUMN = "search_vector"  # search.VECTOR_COLUMN
# table, the text it indexes, 0002's expression index it replaces
TEXTS = [
    ("debates_node", "text", "debates_node_text_fts"),
    ("debates_anchor", "exact", "debates_anchor_exact_fts"),
    ("debates_source", "text", "debates_source_text_fts"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, text, old_index in TEXTS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN {COLUMN} tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('{CONFIG}'::regconfig, {text})) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {table}_{COLUMN} ON {table} USING gin ({COLUMN})")
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")
        # The planner's statistics of the new column, now: without them it guessed every
        # row matched and scanned (56 ms against 2 for the ranked candidates at 1M).
        schema_editor.execute(f"ANALYZE {table}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, text, old_index in TEXTS:
        schema_editor.execute(
            f"CREATE INDEX {old_index} ON {table} "
            f"USING gin (to_tsvector('{CONFIG}'::regconfig, COALESCE({text}, '')))"
        )
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {COLUMN}")  # and its index


class Migration(migrations.Migration):
    dependencies = [("debates", "0016_node_counts")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
