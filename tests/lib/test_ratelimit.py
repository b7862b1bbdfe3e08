"""The counter behind every rate limit: one atomic statement, fixed windows, waits in words."""

import pytest

from argmap.lib import ratelimit


@pytest.mark.django_db
def test_hit_counts_up_within_a_window_and_starts_again_after_it(monkeypatch):
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
