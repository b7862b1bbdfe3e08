"""The counter behind every rate limit: one atomic statement, fixed windows, waits in words."""

import pytest

from argmap.ratelimit import limits


@pytest.mark.django_db
def test_hit_counts_up_within_a_window_and_starts_again_after_it(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(limits.time, "time", lambda: now[0])
    assert limits.hit("t:a", 60) == (1, 1_000_060.0)
    assert limits.hit("t:a", 60) == (2, 1_000_060.0)
    assert limits.hit("t:b", 60)[0] == 1  # names count apart
    now[0] += 59
    assert limits.hit("t:a", 60) == (3, 1_000_060.0)
    limits.refund("t:a")
    assert limits.hit("t:a", 60)[0] == 3
    now[0] += 1  # the window has ended
    assert limits.hit("t:a", 60) == (1, 1_000_120.0)


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
    assert limits.human_wait(seconds) == words
