"""argmap.lib.breaker: one failure stops the calls for a pause, then one call at a time tries."""

from argmap.lib import breaker as breakers


def test_a_failure_opens_for_the_pause_then_one_call_tries_and_an_answer_closes(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(breakers.time, "monotonic", lambda: now[0])
    breaker = breakers.Breaker("redis://test", pause=5)
    assert breaker.allows() and breaker.allows()  # closed: every call goes
    breaker.failed(TimeoutError("no answer"))
    assert breaker.is_open and not breaker.allows()
    now[0] += 4.9
    assert not breaker.allows()
    now[0] += 0.2
    assert breaker.allows()  # the one try
    assert not breaker.allows()  # the others wait for its outcome
    breaker.failed(TimeoutError("still none"))
    assert not breaker.allows()  # open for another pause
    now[0] += 5.1
    assert breaker.allows()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allows() and breaker.allows()


def test_an_answer_from_a_call_begun_before_the_failure_keeps_it_open():
    breaker = breakers.Breaker("redis://test", pause=5)
    breaker.failed(ConnectionError("refused"))
    breaker.succeeded()  # not the try: a call that was already under way
    assert breaker.is_open and not breaker.allows()


def test_every_cache_on_one_server_shares_one_breaker_and_logs_no_password():
    one = breakers.breaker_for("redis://:secret@cache.internal:6379/0")
    assert breakers.breaker_for("redis://:secret@cache.internal:6379/0") is one
    assert breakers.breaker_for("redis://cache.internal:6379/1") is not one
    assert "secret" not in one.name
