"""The counter behind every rate limit: one atomic statement, fixed windows, waits in words."""

import pytest

from argmap.lib import ratelimit


@pytest.mark.django_db
def test_hit_counts_up_within_a_window_and_starts_again_after_it(monkeypatch):
    if ratelimit.redis() is not None:
        pytest.skip("Redis keeps its own clock: see the Redis test below")
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert ratelimit.hit("t:a", 60) == (1, 1_000_060.0)
    assert ratelimit.hit("t:a", 60) == (2, 1_000_060.0)
    assert ratelimit.hit("t:b", 60)[0] == 1  # names count apart
    now[0] += 59
    assert ratelimit.hit("t:a", 60) == (3, 1_000_060.0)
    ratelimit.refund("t:a")
    assert ratelimit.hit("t:a", 60)[0] == 3
    now[0] += 1  # the window has ended
    assert ratelimit.hit("t:a", 60) == (1, 1_000_120.0)


@pytest.mark.django_db
def test_in_redis_the_first_hit_starts_the_window_and_its_expiry(settings):
    client = ratelimit.redis()
    if client is None:
        pytest.skip("counters live in the database without REDIS_URL")
    key = ratelimit.redis_key("t:a")
    start = ratelimit.time.time()
    taken, expires = ratelimit.hit("t:a", 60)
    assert taken == 1 and start + 59 < expires <= ratelimit.time.time() + 60
    client.pexpire(key, 30_000)  # a later hit must not move the end of the window
    assert ratelimit.hit("t:a", 60)[0] == 2
    assert 29_000 < client.pttl(key) <= 30_000
    assert ratelimit.hit("t:b", 60)[0] == 1  # names count apart
    ratelimit.refund("t:a")
    assert ratelimit.hit("t:a", 60)[0] == 2
    client.pexpire(key, 0)  # the window ends: the key is gone
    ratelimit.refund("t:a")  # nothing to give back, and no key made
    assert not client.exists(key)
    assert ratelimit.hit("t:a", 60)[0] == 1


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "less than a minute"),
        (59.2, "about 1 minute"),
        (60, "about 1 minute"),
        (300, "about 5 minutes"),
        (299.4, "about 5 minutes"),
        (3600, "about 60 minutes"),
        (7200, "about 2 hours"),
    ],
)
def test_the_wait_is_said_in_words(seconds, words):
    assert ratelimit.human_wait(seconds) == words
