"""The writers' streaming parts: JSON in chunks, byte for byte, and Streams read once."""

import json

import pytest

from argmap.debates.mapdoc import formats
from argmap.debates.mapdoc.formats import (
    Spooled,
    Stream,
    dump_json,
    in_chunks,
    json_chunks,
    with_parents,
)

NESTED = {
    "empty": [],
    "nothing": {},
    "text": 'line\nbreak "quoted" ünïcode',
    "numbers": [1, 2.5, None, True],
    "deep": {"list": [{"a": [1, {"b": []}]}, [], {}], "more": {"x": None}},
}


def lazy(value):
    """The same data with every list a Stream, down to the first one (a Stream's items are
    written whole: an item holds no Stream, as a node or a link holds none)."""
    if isinstance(value, dict):
        return {key: lazy(item) for key, item in value.items()}
    if isinstance(value, list):
        return Stream(lambda: iter(value))
    return value


def dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CASES = [
    (NESTED, dumps(NESTED)),
    (lazy(NESTED), dumps(NESTED)),
    ([lazy(NESTED), NESTED], dumps([NESTED, NESTED])),
    (Stream(list), "[]\n"),
    ({"a": Stream(list), "b": {}}, dumps({"a": [], "b": {}})),
]


@pytest.mark.parametrize("chunk_chars", [1, 7, 64 * 1024])
@pytest.mark.parametrize("data, expected", CASES)
def test_json_chunks_write_what_json_dumps_writes(data, expected, chunk_chars, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK_CHARS", chunk_chars)
    pieces = list(json_chunks(data))
    assert "".join(pieces) == dump_json(data) == expected
    # A piece ends past the limit, or where a Stream is about to be read (FLUSH): what
    # precedes a map's nodes goes out before the database sorts them.
    short = [piece for piece in pieces[:-1] if len(piece) < chunk_chars]
    assert len(short) <= streams_in(data)


def streams_in(data):
    if isinstance(data, Stream):
        return 1
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return sum(streams_in(item) for item in items)


def test_in_chunks_joins_pieces_until_the_limit(monkeypatch):
    monkeypatch.setattr(formats, "CHUNK_CHARS", 5)
    assert list(in_chunks(["ab", "cd", "ef", "g", "hijkl", "m"])) == ["abcdef", "ghijkl", "m"]
    assert list(in_chunks([])) == []


def test_a_stream_is_read_again_on_every_pass():
    reads = []

    def rows():
        reads.append(1)
        return iter([1, 2, 3])

    stream = Stream(rows)
    assert list(stream) == list(stream) == [1, 2, 3]
    assert len(reads) == 2
    assert stream == [1, 2, 3] and stream == [1, 2, 3] and stream != [1, 2]


def test_a_spooled_stream_reads_its_source_once_and_the_spool_after():
    reads = []

    def rows():
        reads.append(1)
        return iter([{"id": "a", "n": [1]}, {"id": "b", "n": None}])

    spooled = Spooled(Stream(rows))
    assert list(spooled) == list(spooled) == list(spooled) == list(Stream(rows))
    assert len(reads) == 2  # once for the three passes, once for the comparison


def test_a_spooled_stream_left_half_read_reads_its_source_again():
    reads = []

    def rows():
        reads.append(1)
        return iter(range(5))

    spooled = Spooled(Stream(rows))
    first = iter(spooled)
    assert next(first) == 0
    first.close()
    assert list(spooled) == [0, 1, 2, 3, 4]
    assert list(spooled) == [0, 1, 2, 3, 4]
    assert len(reads) == 2


def test_with_parents_holds_the_path_only():
    nodes = [
        {"id": "t", "parent": None},
        {"id": "a", "parent": "t"},
        {"id": "a1", "parent": "a"},
        {"id": "a11", "parent": "a1"},
        {"id": "b", "parent": "t"},
        {"id": "b1", "parent": "b"},
    ]
    assert [
        (node["id"], parent and parent["id"], depth) for node, parent, depth in with_parents(nodes)
    ] == [
        ("t", None, 0),
        ("a", "t", 1),
        ("a1", "a", 2),
        ("a11", "a1", 3),
        ("b", "t", 1),
        ("b1", "b", 2),
    ]
