"""argmap.core.cache: while the fleet's Redis is down, pages render afresh instead of failing."""

import threading
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.html import escape

from argmap.core.cache import NearCache
from argmap.settings import caches_for

from ..conftest import HX

CLOSED = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, connections are refused


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {**caches_for(CLOSED), "default": settings.CACHES["default"]}
    yield
    caches["fragments"].near.clear()  # copies made during the outage, by this test's pages


def test_the_broken_redis_does_raise_without_the_guard(redis_down):
    with pytest.raises(Exception, match="refused|Error"):
        RedisCache.get(caches["fragments"], "anything")


@pytest.mark.usefixtures("redis_down")
def test_pages_render_while_redis_is_down(client, seeded_map):
    thesis = seeded_map.thesis
    page = client.get(f"/maps/{seeded_map.slug}/")
    assert page.status_code == 200 and escape(thesis.text) in page.content.decode()
    fragment = client.get(f"/maps/{seeded_map.slug}/tree/{thesis.key}/?state=open", headers=HX)
    assert fragment.status_code == 200
    assert client.get(f"/maps/{seeded_map.slug}/nodes/{thesis.key}/").status_code == 200
    assert client.get("/").status_code == 200  # the map counts: get_many and set_many


@pytest.mark.usefixtures("accounts_sandbox", "redis_down")
def test_log_in_limits_hold_while_redis_is_down(client, db, settings):
    limit, _ = settings.RATE_LIMITS["login-account"]
    answers = [
        client.post("/accounts/login/", {"username": "someone", "password": "wrong"}).status_code
        for _ in range(limit + 1)
    ]
    assert answers == [400] * limit + [429]


def test_a_near_copy_is_bounded_in_bytes_and_time_and_never_shared_by_reference(monkeypatch):
    near = NearCache(max_bytes=3100, max_value=1200, seconds=30)  # three of 1,015 B
    for number in range(4):
        near.put(f"k{number}", "x" * 1000)
    assert [near.get(f"k{n}")[0] for n in range(4)] == [False, True, True, True]  # LRU out
    near.put("huge", "x" * 2000)
    assert near.get("huge") == (False, None)  # over max_value: not kept
    near.put("list", [1, 2])
    near.get("list")[1].append(3)
    assert near.get("list") == (True, [1, 2])
    later = time.monotonic() + 31
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert near.get("k3") == (False, None)


@pytest.fixture
def live_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("runs in CI's pass with REDIS_URL; none set here")
    return caches["fragments"]


def test_a_hit_on_a_near_copy_costs_no_round_trip(live_redis):
    live_redis.set("near:page", "rendered once", 60)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(live_redis.make_and_validate_key("near:page"))  # gone from Redis itself
    assert live_redis.get("near:page") == "rendered once"  # from this process's copy
    other = {}
    thread = threading.Thread(target=lambda: other.update(got=caches["fragments"].get("near:page")))
    thread.start()
    thread.join()
    assert other["got"] == "rendered once"  # another thread's cache object: the same copies
    live_redis.delete("near:page")
    assert live_redis.get("near:page") is None


def test_a_copy_fetched_from_redis_is_kept_near(live_redis):
    live_redis.near.clear()
    live_redis.set_many({"near:a": 1, "near:b": 2}, 60)
    live_redis.near.clear()  # as in another process, which only Redis has reached
    assert live_redis.get_many(["near:a", "near:b", "near:c"]) == {"near:a": 1, "near:b": 2}
    assert live_redis.near.get(live_redis.make_and_validate_key("near:a")) == (True, 1)


def test_every_key_written_to_redis_expires(live_redis):
    # Redis runs with maxmemory and volatile-lru (README): a key without an expiry is never
    # evicted. Exports and map counts are set without a timeout of their own.
    live_redis.set("near:default", "x")
    live_redis.set_many({"near:many": "y"})
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in ("near:default", "near:many"):
        assert 0 < client.ttl(live_redis.make_and_validate_key(key)) <= 300


def test_clearing_the_fragments_leaves_the_strengths_and_every_other_key(live_redis):
    # clear() used to FLUSHDB: in production a clear of the fragments dropped every map's
    # strengths too, and under -n 2 one test process's clear emptied the other's caches.
    client = redis.Redis.from_url(settings.REDIS_URL)
    strengths = caches["strengths"]
    live_redis.set("clear:page", "rendered", 60)
    strengths.set("clear:map", "computed", 60)
    client.set("another-site:1:page", "theirs", ex=60)
    live_redis.clear()
    assert not client.exists(live_redis.make_and_validate_key("clear:page"))
    assert live_redis.get("clear:page") is None
    assert client.exists(strengths.make_and_validate_key("clear:map"))
    assert client.get("another-site:1:page") == b"theirs"
    strengths.clear()
    assert not client.exists(strengths.make_and_validate_key("clear:map"))
    assert client.get("another-site:1:page") == b"theirs"
    client.delete("another-site:1:page")


def test_each_test_process_keeps_its_cache_keys_apart(live_redis):
    # Test processes share one Redis (-n 2, and engineers side by side): each names its keys
    # with a prefix of its own (tests/conftest.py), as two sites sharing one Redis would.
    assert live_redis.key_prefix.startswith(settings.CACHE_KEY_PREFIX)
    assert settings.CACHE_KEY_PREFIX != "argmap"
