"""Fixtures shared by debates' tests of what is kept on write (counts.py, order.py)."""

import pytest

from tests.factories import thesis_with_children


@pytest.fixture
def two_maps(db):
    first, nodes = thesis_with_children("first", ("a", "supports"), ("b", "opposes"))
    second, _ = thesis_with_children("second", ("c", "supports"))
    return first, second, nodes
