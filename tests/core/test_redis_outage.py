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
from django.test import Client

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


def test_a_hung_redis_is_skipped_within_a_second_and_used_again_when_it_answers(
    own_redis, seeded_map, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-account": (3, 300)}
    visitor = Client()
    slug, nodes = seeded_map.slug, list(seeded_map.nodes.order_by("pk")[:12])
    assert visitor.get(f"/maps/{slug}/").status_code == 200
    assert own_redis.keys()  # in use

    own_redis.hang()
    pages = [f"/maps/{slug}/?focus={node.key}" for node in nodes[:6]]
    pages += [f"/maps/{slug}/nodes/{node.key}/" for node in nodes[6:]]
    slowest = 0.0
    started = time.monotonic()
    for page in pages:  # each asks Redis for keys it has not seen: no near copy helps
        response, seconds = timed(lambda page=page: visitor.get(page))
        assert response.status_code == 200, page
        slowest = max(slowest, seconds)
    wrong = {"username": "someone", "password": "wrong"}
    logins = [timed(lambda: visitor.post("/accounts/login/", wrong)) for _ in range(4)]
    hung_for = time.monotonic() - started
    assert [response.status_code for response, _ in logins] == [400, 400, 400, 429]
    slowest = max(slowest, *(seconds for _, seconds in logins))
    print(f"while Redis hung: slowest page {slowest:.2f} s, 16 requests in {hung_for:.1f} s")
    assert slowest < 1.2
    assert hung_for < 4  # one timeout, then no more waiting on Redis
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
