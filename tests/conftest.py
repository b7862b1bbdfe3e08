import copy
import os
import pickle
import threading
import uuid
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from argmap.debates.models import Anchor, ArgumentMap, Link, Node, Section, Source
from argmap.evaluation import strengths
from argmap.ratelimit.models import RateCounter

from .factories import UserFactory

# The header htmx sends with every request it makes; every htmx test sends this one.
HX = {"HX-Request": "true"}


def cached_entries():
    """Every entry this test wrote to the fragment cache and that is still there, by stored
    key, pickled (locmem here, Redis with REDIS_URL). Through the cache's public API only:
    empty_fragment_cache records each key written."""
    cache = caches["fragments"]
    found = cache.get_many(sorted(written_keys))
    return {cache.make_key(key): pickle.dumps(value) for key, value in found.items()}


written_keys: set[str] = set()


def counter_names():
    """The names of the rate-limit counters as stored (argmap.ratelimit.limits.stored_name)."""
    return set(RateCounter.objects.values_list("name", flat=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """No test leaves a strengths recompute running (evaluation.strengths runs them in threads
    when ARGMAP_STRENGTHS_IN_BACKGROUND is on): one still running when its test's database
    is rolled back or destroyed would read, or fail, in another test's time. Joined here,
    after the test and before any fixture's teardown."""
    try:
        return (yield)
    finally:
        for thread in threading.enumerate():
            if thread.name.startswith(strengths.THREAD_PREFIX):
                thread.join(timeout=30)
                assert not thread.is_alive(), f"{thread.name} outlived {item.nodeid}"


@pytest.fixture(scope="session", autouse=True)
def cache_keys_of_our_own():
    """With REDIS_URL, this test process's cache keys begin with a prefix of its own, and a
    clear() deletes only them (argmap.core.cache): processes sharing one Redis (-n 2, other
    runs side by side) never empty each other's caches. Its keys are deleted at the end."""
    from django.conf import settings
    from django.test import override_settings

    from argmap.settings import caches_for

    if not settings.REDIS_URL:
        yield
        return
    prefix = f"argmap-test-{uuid.uuid4().hex[:12]}"
    ours = caches_for(settings.REDIS_URL, prefix)
    shared = {alias: ours[alias] for alias in ("fragments", "rows", "strengths")}
    with override_settings(CACHE_KEY_PREFIX=prefix, CACHES={**settings.CACHES, **shared}):
        yield
        for alias in shared:
            caches[alias].clear()


@pytest.fixture(autouse=True)
def empty_fragment_cache(settings, monkeypatch):
    # Cached renderings would otherwise leak between tests that reuse a structure token.
    for alias in ("fragments", "rows", "strengths"):
        if alias in settings.CACHES:
            caches[alias].clear()
    strengths.forget()  # and the process's own copies of strengths
    # Every key written to the fragments cache, from any thread (cached_entries).
    written_keys.clear()
    backend = type(caches["fragments"])
    for method in ("set", "add"):
        monkeypatch.setattr(backend, method, recording(getattr(backend, method)))
    monkeypatch.setattr(backend, "set_many", recording_many(backend.set_many))


def recording(write):
    def recorded(cache, key, *args, **kwargs):
        written_keys.add(key)
        return write(cache, key, *args, **kwargs)

    return recorded


def recording_many(write):
    def recorded(cache, data, *args, **kwargs):
        written_keys.update(data)
        return write(cache, data, *args, **kwargs)

    return recorded


@pytest.fixture
def accounts_sandbox(settings, request):
    """A cache of this test's own (and fast password hashing, as every test has).

    Rate-limit counters live in the database (argmap_rate_counter), so each test's
    transaction keeps its own.
    """
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        },
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production's PBKDF2 costs a third of a second a user; tests create hundreds of users.
    # PBKDF2 stays second, so a password a subprocess stored (manage.py) still checks.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The hashed manifest exists only after collectstatic; tests serve the files directly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# What `seed` writes, parents first; each map's structure token row is made with the map.
SEEDED_MODELS = (Source, Section, ArgumentMap, Node, Anchor, Link)
_seeded_rows: dict[type, list] = {}


def load_seed_map():
    """The seed map, as `seed` loads it, in a fraction of the time after the first.

    The first call runs `seed` (validation, then loaddata by natural keys: seconds); later
    ones write the same rows back in one INSERT a table (a test's rollback or flush leaves
    the tables empty). The rows, their keys and their ids are the same either way; the
    tests of `seed` itself call the command.
    """
    empty = not any(model.objects.exists() for model in SEEDED_MODELS)
    if not (_seeded_rows and empty):
        # A test's own rows made before the map (a second source, say) keep the command.
        call_command("seed", verbosity=0)
        if empty:
            for model in SEEDED_MODELS:
                _seeded_rows[model] = list(model.objects.order_by("pk"))
    else:
        with transaction.atomic():  # a node's parent may come later in its table: deferred
            for model in SEEDED_MODELS:
                model.objects.bulk_create(copy.copy(row) for row in _seeded_rows[model])
            with connection.cursor() as cursor:  # ids were given: move the sequences past them
                for sql in connection.ops.sequence_reset_sql(no_style(), SEEDED_MODELS):
                    cursor.execute(sql)
    return ArgumentMap.objects.get(slug="deepseek-r1-sputnik")


@pytest.fixture
def seeded_map(db):
    return load_seed_map()


# Curators ---------------------------------------------------------------------------


@pytest.fixture
def curators_group(db):
    # A transactional test elsewhere may have flushed the migration's rows; the same
    # function puts the group back, so this is exactly what the migration creates.
    migration = import_module("argmap.debates.migrations.0003_curators_group")
    migration.create_curators_group(django_apps, None)
    proposals = import_module("argmap.annotations.migrations.0006_suggestions_become_proposals")
    proposals.curators_decide_proposals(django_apps, None)
    sources = import_module("argmap.debates.migrations.0011_curators_add_sources")
    sources.curators_add_sources(django_apps, None)
    return Group.objects.get(name=migration.GROUP)


@pytest.fixture
def curator(curators_group):
    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(curators_group)
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


# Concurrency -------------------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in {"postgres", "postgresql", "pgsql"},
    reason="concurrent writers need PostgreSQL; SQLite runs one writer at a time",
)


@pytest.fixture
def roomy_pool():
    """A pool with a connection for each of a test's threads (production: one per worker thread)."""
    from django.db import connection

    options = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if not options:
        yield
        return
    saved = dict(options)
    connection.close_pool()
    options.update(max_size=60, timeout=30)
    yield
    connection.close_pool()
    options.clear()
    options.update(saved)


def run_at_once(count, work):
    """Run work(i) for i in range(count) in threads released together; their results in order."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def race(hold, act, wait=5.0):
    """hold() in a transaction kept open (its locks held) while act() runs in a thread of
    its own; once act waits for a lock, or has finished, hold's transaction commits.

    Returns (what act returned or raised, what hold raised or None). PostgreSQL only: the
    wait is seen in pg_stat_activity, so the test is the same every run, with no sleep.
    """
    import threading
    import time

    from django.db import connection, connections, transaction

    held, release, done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict[str, object] = {"hold": None}

    def holding():
        try:
            with transaction.atomic():
                hold()
                held.set()
                release.wait(wait)
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome["hold"] = error
        finally:
            held.set()
            connections.close_all()

    def acting():
        try:
            outcome["act"] = act()
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome["act"] = error
        finally:
            done.set()
            connections.close_all()

    holder = threading.Thread(target=holding)
    holder.start()
    held.wait(wait)
    actor = threading.Thread(target=acting)
    actor.start()
    deadline = time.monotonic() + wait
    while not done.is_set() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
        time.sleep(0.01)
    release.set()
    holder.join(wait)
    actor.join(wait)
    return outcome["act"], outcome["hold"]


@pytest.fixture
def queries_pinned(monkeypatch):
    """For tests that pin a page's query count: no query that depends on the clock or chance."""
    from argmap.evaluation import strengths
    from argmap.ratelimit import limits as ratelimit

    # Computed strengths are re-checked against the votes (one query) once they are older
    # than MAX_AGE seconds; on a loaded machine two requests can be that far apart.
    monkeypatch.setattr(strengths, "MAX_AGE", 3600)
    # A rate-limited page (the API) sweeps old counter windows at random: one query more.
    monkeypatch.setattr(ratelimit, "SWEEP_CHANCE", 0)
