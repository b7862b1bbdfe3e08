"""Workers that share no cache (no REDIS_URL) compute a map's strengths once for the fleet:
the one holding the map's ComputedStrengths row computes and writes them there, and the
others load them (evaluation/strengths.py, _computed)."""

import contextlib
import threading
from collections import OrderedDict
from dataclasses import replace

import pytest
from django.core.cache import caches
from django.db import connection

from argmap.evaluation import strengths
from argmap.evaluation.models import ComputedStrengths

from ..factories import MapFactory, NodeFactory, ThesisFactory, UserFactory
from .test_strengths import cast_and_tell, join_recomputes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_map():
    argmap = MapFactory(slug="fleet")
    thesis = ThesisFactory(map=argmap, key="thesis")
    pro = NodeFactory(map=argmap, parent=thesis, relation="supports", key="pro")
    return argmap, pro


@pytest.fixture
def computed(monkeypatch):
    """Each computation of shared strengths, by the process (its cache's name) that ran it."""
    runs, real = [], strengths.compute

    def recorded(argmap, perspective, *args, **kwargs):
        runs.append(current[0])
        return real(argmap, perspective, *args, **kwargs)

    monkeypatch.setattr(strengths, "compute", recorded)
    return runs


current = [""]  # the simulated process running now


@contextlib.contextmanager
def as_process(name, settings, kept):
    """Run as worker `name`: a local strengths cache of its own, and its own copies of what
    it saw (the module's per-process state), as a separate gunicorn worker has."""
    settings.CACHES = {
        **settings.CACHES,
        "strengths": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"strengths-{name}",
        },
    }
    if name not in kept:  # a new process: nothing kept yet (locmem outlives a test)
        kept[name] = ({}, OrderedDict(), set())
        caches["strengths"].clear()
    own = kept[name]
    saved = strengths._seen_pointers, strengths._seen_strengths, strengths._shown_pending
    strengths._seen_pointers, strengths._seen_strengths, strengths._shown_pending = own
    current[0] = name
    try:
        yield
    finally:
        join_recomputes_of("fleet")
        strengths._seen_pointers, strengths._seen_strengths, strengths._shown_pending = saved


def join_recomputes_of(slug):
    for thread in threading.enumerate():
        if thread.name == f"{strengths.THREAD_PREFIX}{slug}":
            thread.join(timeout=30)


def shown(argmap):
    """The strengths a page shows once the recompute its first view started has run."""
    strengths.strengths_of(argmap, wait=False)
    join_recomputes(argmap)
    return strengths.strengths_of(argmap, wait=False)


def test_two_workers_compute_a_vote_once_between_them(small_map, settings, computed, monkeypatch):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    # However loaded the machine, a's strengths are fresh when b looks (b's page is made to
    # ask below, as it would MAX_AGE after its last look).
    monkeypatch.setattr(strengths, "MAX_AGE", 3600)
    argmap, pro = small_map
    kept = {}
    with as_process("a", settings, kept):
        assert shown(argmap).of(pro.pk).votes == 0
    with as_process("b", settings, kept):  # its first view: loaded, not computed again
        assert shown(argmap).of(pro.pk).votes == 0
    assert computed == ["a"]
    with as_process("a", settings, kept):
        cast_and_tell(UserFactory(), pro, 4)  # recomputed off the request, in a
    with as_process("b", settings, kept):
        # MAX_AGE later, b's page asks whether votes changed: they did, and b loads what a
        # computed instead of computing the same numbers.
        key = strengths._key(argmap.slug, strengths.EVERYONE)
        aged = replace(strengths.shown_pointer(argmap.slug, strengths.EVERYONE), checked_at=0.0)
        strengths._write(key, aged)
        strengths.strengths_of(argmap, wait=False)
        join_recomputes(argmap)
        assert strengths.strengths_of(argmap, wait=False).of(pro.pk).votes == 1
    assert computed == ["a", "a"]
    row = ComputedStrengths.objects.get(map=argmap, perspective=strengths.EVERYONE)
    assert row.token == strengths.fragments.current(argmap)


def test_strengths_of_another_structure_token_are_computed_again(small_map, settings, computed):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, pro = small_map
    kept = {}
    with as_process("a", settings, kept):
        shown(argmap)
    NodeFactory(map=argmap, parent=pro, relation="opposes", key="con")  # a curator's edit
    with as_process("b", settings, kept):
        assert len(shown(argmap)) == 3
    assert computed == ["a", "b"]


def test_a_worker_waits_for_the_one_computing_and_loads_its_strengths(
    small_map, settings, monkeypatch
):
    """At once, on PostgreSQL: the second waits on the row's lock, then finds them fresh."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks")
    settings.CACHES = {
        **settings.CACHES,
        "strengths": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    argmap, _ = small_map
    everyone = strengths.Perspective(strengths.EVERYONE)
    inside, go_on, runs, found = threading.Event(), threading.Event(), [], {}
    real = strengths.compute

    def held(*args, **kwargs):
        runs.append(threading.current_thread().name)
        inside.set()
        assert go_on.wait(10)
        return real(*args, **kwargs)

    def worker(name):
        try:
            found[name] = strengths._computed(argmap, everyone, None, None, off_request=True)[0]
        finally:
            connection.close()

    monkeypatch.setattr(strengths, "compute", held)
    first = threading.Thread(target=worker, args=("first",), name="first")
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=worker, args=("second",), name="second")
    second.start()
    second.join(timeout=0.5)
    assert second.is_alive()  # waiting on the lock
    go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert runs == ["first"]
    assert found["second"].stamp == found["first"].stamp
