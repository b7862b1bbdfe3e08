import pytest

from argmap.lib.ratelimit import wait_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (30, "30 seconds"), (60, "about a minute"), (300, "about 5 minutes")],
)
def test_a_wait_is_said_as_a_person_says_it(seconds, words):
    assert wait_words(seconds) == words
