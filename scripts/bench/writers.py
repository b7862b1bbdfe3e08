"""Writers that run beside the readers in the hot rounds, each a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

from . import PYTHON, ROOT, BenchError

# Writers, each through the ORM as the site writes: "edit" saves a random node of the map once
# a second (a curator's edit: the map's structure changes); "annotate N" adds a public
# annotation to a random node N times a second (a reader's: only the map's state changes);
# "vote N" casts N votes a second, each by one of VOTERS readers on a random node, as the vote
# view does (Vote.objects.cast, then votes_changed: everyone's strengths are recomputed off
# the request, here in the writer's own threads as in the worker that took the vote).
WRITERS = {
    "edit": ("edit", 1.0),
    "annotate 1/s": ("annotate", 1.0),
    "annotate 10/s": ("annotate", 10.0),
    "vote 100/s": ("vote", 100.0),
}
VOTERS = 200


class Writer:
    """Writes to the map at a steady rate in a process of its own (WRITERS)."""

    CODE = """
import random, sys, time
from django.contrib.auth import get_user_model
from django.db import transaction
from argmap.annotations.models import Annotation
from argmap.debates.models import ArgumentMap, Node
from argmap.evaluation.models import Vote
from argmap.evaluation.strengths import votes_changed
slug, kind, rate, voters = %r, %r, %r, %r
ids = list(Node.objects.filter(map__slug=slug).values_list("pk", flat=True))
users = get_user_model().objects
author = users.filter(username="bench-writer").first()
author = author or users.create_user("bench-writer", password=None)
if kind == "vote":
    argmap = ArgumentMap.objects.get(slug=slug)
    nodes = list(Node.objects.filter(map=argmap).only("pk", "map_id", "parent_id"))
    names = [f"bench-voter-{n}" for n in range(voters)]
    have = set(users.filter(username__in=names).values_list("username", flat=True))
    for name in names:
        if name not in have:
            users.create_user(name, password=None)
    readers = list(users.filter(username__in=names))
rng = random.Random(14)
due = time.monotonic()
while True:
    if kind == "edit":
        Node.objects.get(pk=rng.choice(ids)).save()  # post_save: the structure token changes
    elif kind == "vote":  # neither token changes: the strengths are recomputed off the request
        node = rng.choice(nodes)
        values = {"acceptability": rng.randrange(5)}
        if node.parent_id is not None:
            values["relevance"] = rng.randrange(5)
        with transaction.atomic():
            Vote.objects.cast(rng.choice(readers), node, values)
            votes_changed(argmap, by_curator=False)
    else:  # the state token changes
        Annotation.objects.create(
            author=author, node_id=rng.choice(ids), body="A bench annotation.", visibility="public"
        )
    print("saved", flush=True)
    due += 1 / rate
    time.sleep(max(0.0, due - time.monotonic()))
"""

    def __init__(self, env: dict[str, str], slug: str, writer: str = "edit"):
        self.saves = 0
        kind, rate = WRITERS[writer]
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "shell", "-c", self.CODE % (slug, kind, rate, VOTERS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self.count, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 30
        while not self.saves and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError("the writer exited before its first save")
            time.sleep(0.1)
        self.started, self.seconds = time.monotonic(), 0.0

    def count(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:  # not the shell's own lines ("N objects imported")
            self.saves += line.strip() == "saved"

    def stop(self) -> None:
        """Stop it; `seconds` is how long it wrote after its first save (its rate: saves over
        that, which a loaded machine may hold below the asked rate)."""
        self.seconds = time.monotonic() - self.started
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
