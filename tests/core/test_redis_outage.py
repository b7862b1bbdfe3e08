"""A Redis that hangs, or restarts empty: pages stay fast, limits hold, Redis is used again.

The tests start a redis-server of their own on a free port (in memory only), point the app's
caches at it (settings.caches_for, as REDIS_URL does), and stop it with SIGSTOP: it still
accepts connections but answers nothing, which is what a hung or overloaded Redis does. The
shared Redis is never touched.
"""

import itertools
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from argmap.lib.breaker import PAUSE, Breaker
from argmap.settings import caches_for

from .test_outage import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
pytestmark = pytest.mark.usefixtures("accounts_sandbox")


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def hang(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url, socket_timeout=1).keys("*")


@pytest.fixture
def own_redis(settings):
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"redis-server is missing ({REDIS_SERVER})")
        pytest.skip(f"redis-server is missing ({REDIS_SERVER})")
    server = PrivateRedis()
    server.start()
    settings.CACHES = {**caches_for(server.url), "default": settings.CACHES["default"]}
    try:
        yield server
    finally:
        for alias in settings.CACHES:
            if hasattr(caches[alias], "near"):
                caches[alias].near.clear()
        server.stop()


def timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


@pytest.fixture
def redis_waits(monkeypatch):
    """Each call that waited on Redis and got no answer, as the breaker hears of it: what a
    hang costs a page, counted instead of timed (a page's wall time also holds its render,
    which a loaded machine stretches: 1.59 s at load 13 for a 0.5 s wait)."""
    waits: list[float] = []
    failed = Breaker.failed

    def counted(breaker, error):
        waits.append(time.monotonic())
        return failed(breaker, error)

    monkeypatch.setattr(Breaker, "failed", counted)
    return waits


def test_a_hung_redis_is_skipped_after_one_wait_and_used_again_when_it_answers(
    own_redis, seeded_map, settings, redis_waits
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-account": (3, 300)}
    visitor = Client()
    slug, nodes = seeded_map.slug, list(seeded_map.nodes.order_by("pk")[:12])
    assert visitor.get(f"/maps/{slug}/").status_code == 200
    assert own_redis.keys() and not redis_waits  # in use

    own_redis.hang()
    pages = [f"/maps/{slug}/?focus={node.key}" for node in nodes[:6]]
    pages += [f"/maps/{slug}/nodes/{node.key}/" for node in nodes[6:]]
    wrong = {"username": "someone", "password": "wrong"}
    requests = [lambda page=page: visitor.get(page) for page in pages]
    requests += [lambda: visitor.post("/accounts/login/", wrong)] * 4
    waits_each, answers, slowest = [], [], 0.0
    started = time.monotonic()
    for request in requests:  # each page asks Redis for keys it has not seen: no near copy
        before = len(redis_waits)
        response, seconds = timed(request)
        answers.append(response.status_code)
        waits_each.append(len(redis_waits) - before)
        slowest = max(slowest, seconds)
    hung_for = time.monotonic() - started
    print(f"while Redis hung: {len(redis_waits)} wait(s); slowest request {slowest:.2f} s,")
    print(f"16 requests in {hung_for:.1f} s (wall times, render included: not asserted)")
    assert answers == [200] * 12 + [400, 400, 400, 429]  # the limit held, in the database
    # No request waited on Redis more than once (its 0.5 s socket timeout: the page's bound
    # is that and its render), and the process asked the hung Redis once, then once more for
    # each breaker pause the requests outlasted, and no more.
    assert max(waits_each) == 1
    assert 1 <= len(redis_waits) <= 1 + int(hung_for / PAUSE)
    # Meanwhile the process caches for itself, as without REDIS_URL: what it computed once
    # (a map's strengths, a render lock) is not computed again on every request.
    strengths = caches["strengths"]
    strengths.set("computed", "once")
    assert strengths.get("computed") == "once"
    assert strengths.add("lock", 1) and not strengths.add("lock", 1)

    own_redis.resume()
    back, stored = time.monotonic(), len(own_redis.keys())
    for number in itertools.count():  # a page not seen yet each time: no near copy
        page = f"/maps/{slug}/?closed={nodes[0].key},unknown-{number}"
        assert visitor.get(page).status_code == 200
        if len(own_redis.keys()) > stored:
            break
        assert time.monotonic() - back < 30, "Redis was not used again within 30 s"
        time.sleep(0.25)
    print(f"Redis used again {time.monotonic() - back:.1f} s after it answered")
    assert strengths.get("computed") is None  # Redis again, which never saw it


def test_pages_read_before_a_hang_are_served_while_it_hangs_without_a_render(
    own_redis, seeded_map, monkeypatch, redis_waits
):
    # Warm pages over a spread of keys: the bench found them at 2-7 % of their rate while
    # Redis hung, each rendered again, because the process's copies of them had outlived
    # their 30 s (they are kept for keys that rely on a timeout, such as search results).
    visitor, slug = Client(), seeded_map.slug
    pages = [f"/maps/{slug}/nodes/{node.key}/" for node in seeded_map.nodes.order_by("pk")[:6]]
    pages += [f"/maps/{slug}/?focus={node.key}" for node in seeded_map.nodes.order_by("pk")[6:9]]
    for page in pages:  # rendered, stored in Redis, and copied near
        assert visitor.get(page).status_code == 200
    warm = [queries_of(visitor, page) for page in pages]
    # Read more than 30 s ago: the copies no longer count as fresh.
    monkeypatch.setattr(caches["fragments"].near, "seconds", 0.0)
    own_redis.hang()
    assert [queries_of(visitor, page) for page in pages] == warm  # hits, none rendered
    assert len(redis_waits) == 1


def queries_of(client, page):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries.captured_queries)


def test_rate_limits_survive_a_restart_of_an_empty_redis(own_redis, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": (2, 600)}

    def sign_up(name):  # from one address, each as a new visitor
        form = {"username": name, "password1": "a-long-passphrase-1", "password2": ""}
        form["password2"] = form["password1"]
        return Client().post("/accounts/signup/", form).status_code

    assert [sign_up("first"), sign_up("second")] == [302, 302]
    own_redis.stop()
    own_redis.start()  # empty, as the README runs it (no persistence)
    assert sign_up("third") == 429
