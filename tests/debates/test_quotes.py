"""Quote text helpers: pure functions, tested without a database."""

from argmap.debates.quotes import (
    find_quote,
    quote_context,
    quote_preview,
    selector_matches,
    sha256_of,
    words_around,
)

TEXT = "He said “it’s cheap”. Then: it's cheap, it's cheap."


def test_sha256_of_hashes_the_utf8_bytes():
    assert sha256_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_of("’") != sha256_of("'")


def test_quote_context_is_up_to_width_characters_either_side():
    start = TEXT.index("Then")
    assert quote_context(TEXT, start, start + 4, width=5) == ("ap”. ", ": it'")
    assert quote_context(TEXT, 0, 2) == ("", TEXT[2:34])


def test_find_quote_finds_every_occurrence_overlapping_too():
    assert find_quote("aaa", "aa") == [0, 1]
    assert find_quote(TEXT, "it's cheap") == [TEXT.index("it's"), TEXT.rindex("it's")]
    assert find_quote(TEXT, "") == []


def test_any_quote_marks_lets_straight_and_curly_marks_match():
    assert find_quote(TEXT, "“it's cheap”") == []
    assert find_quote(TEXT, '"it\'s cheap"', any_quote_marks=True) == [TEXT.index("“")]


def test_quote_preview_brackets_the_quote_in_one_line():
    assert quote_preview("one\ntwo three", 4, 7, width=4) == "one [two] thr"


def test_selector_matches_checks_exact_prefix_and_suffix():
    start = TEXT.index("Then")
    end = start + 4
    prefix, suffix = quote_context(TEXT, start, end)
    assert selector_matches(TEXT, start, end, "Then", prefix, suffix)
    assert not selector_matches(TEXT, start, end, "then", prefix, suffix)
    assert not selector_matches(TEXT, start, end, "Then", "x" + prefix, suffix)
    assert not selector_matches(TEXT, start, end, "Then", prefix, suffix + "x")


def test_words_around_cuts_at_word_boundaries():
    text = "alpha beta gamma delta epsilon zeta"
    start = text.index("delta")
    before, after = words_around(text, start, start + 5, width=12)
    assert (before, after) == ("…beta gamma ", " epsilon…")
    assert words_around(text, 0, 5) == ("", text[5:])
