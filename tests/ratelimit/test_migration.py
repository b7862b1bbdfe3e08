"""Moving RateCounter from core to its own app keeps every counter and its content type."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0002_rate_counter"), ("ratelimit", None)]
AFTER = [("core", "0003_rate_counter_to_ratelimit")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_counter_and_the_content_type():
    apps = migrate(BEFORE)
    try:
        apps.get_model("core", "RateCounter").objects.create(
            name="vote:user:1", count=3, expires=9.5
        )
        ContentType.objects.filter(app_label="ratelimit").delete()
        moved = ContentType.objects.get_or_create(app_label="core", model="ratecounter")[0]
        apps = migrate(AFTER)
        counters = apps.get_model("ratelimit", "RateCounter").objects.all()
        assert [(c.name, c.count, c.expires) for c in counters] == [("vote:user:1", 3, 9.5)]
        assert ContentType.objects.get(pk=moved.pk).app_label == "ratelimit"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
