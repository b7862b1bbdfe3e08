import copy

import pytest

from . import sample


@pytest.fixture
def argmap_doc():
    return copy.deepcopy(sample.MAP)


@pytest.fixture
def known_sources():
    return sample.known_sources()


@pytest.fixture
def map_info():
    return dict(sample.MAP_INFO)
