"""Two app processes with REDIS_URL share one render of each key and both see a change at once.

Each process is a real Python process (tests/debates/app_process.py) on the test database,
so nothing is shared but the database and Redis: with the per-process cache the second
process would render again, which this test would see as more than one query.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from argmap.debates.models import Node

ROOT = Path(__file__).resolve().parents[2]


def redis_or_skip():
    if not settings.REDIS_URL:
        pytest.skip("runs in CI's pass with REDIS_URL (a fleet's shared cache); none set here")
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except Exception as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the fleet test, but Redis at REDIS_URL is missing: {error}")
        pytest.skip(f"Redis at REDIS_URL does not answer: {error}")


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class AppProcess:
    def __init__(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "argmap.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,  # this test process's (conftest)
            "DJANGO_SECRET_KEY": "insecure-key-for-tests-only",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "debates" / "app_process.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self):
        line = self.process.stdout.readline()
        assert line, "the app process died"
        return json.loads(line)

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def app_processes(transactional_db):
    redis_or_skip()
    call_command("generate_map", nodes=30, slug="fleet", verbosity=0)
    first, second = AppProcess(), AppProcess()
    yield first, second
    first.close()
    second.close()


FRAGMENT = "/maps/fleet/tree/n2/?state=open"


def test_two_app_processes_share_one_render_and_see_a_change_at_once(app_processes):
    first, second = app_processes
    rendered = first.ask(path=FRAGMENT, htmx=True)
    assert rendered["status"] == 200 and rendered["queries"] > 1  # rendered here
    shared = second.ask(path=FRAGMENT, htmx=True)
    assert shared["queries"] == 1  # only the map's token: the first process's render
    assert shared["body"] == rendered["body"]

    node = Node.objects.get(map__slug="fleet", key="n2")
    node.text = "Changed once, for the whole fleet."
    node.save()  # committed: this test runs outside a transaction
    for process in (second, first):  # both see it on their next request
        fresh = process.ask(path=FRAGMENT, htmx=True)
        assert "Changed once, for the whole fleet." in fresh["body"]
    assert fresh["queries"] == 1  # and the second process's new render serves the first


def test_two_app_processes_count_one_rate_limit(app_processes):
    first, second = app_processes
    counts = [process.ask(hit="fleet:someone")["count"] for process in (first, second, first)]
    assert counts == [1, 2, 3]
