"""Time strengths at scale on PostgreSQL: a full recompute and a vote, at 100,000 nodes.

    DATABASE_URL=postgres://… .venv/bin/python scripts/bench_strengths.py [--nodes 100000]
        [--votes 20000] [--rounds 5] [--vote-requests 60]

Generates the map once (`generate_map`, slug bench-strengths-<nodes>) with --votes random
votes from 200 users, then prints: the full recompute (`strengths.compute`: its queries and
DF-QuAD) as median and spread of --rounds, with the peak of memory Python allocated
(tracemalloc, which numpy reports to); and a vote as a reader's browser sends it (htmx POST
through the whole Django stack in process, the strengths cache warm), median and 90th
percentile. docs/performance.md records a run; this machine's 2 cores are shared, so the
figures are noisy.
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")
# The votes are timed, not rate-limited (at the default 60 a minute most would be 429s).
os.environ.setdefault("ARGMAP_VOTE_LIMIT", "100000/60")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from argmap.accounts.models import User  # noqa: E402
from argmap.debates.models import ArgumentMap  # noqa: E402
from argmap.evaluation import strengths  # noqa: E402
from argmap.evaluation.models import Vote  # noqa: E402


def spread(times):
    times = sorted(times)
    low, middle, high = times[0], statistics.median(times), times[-1]
    return f"median {middle * 1000:.0f} ms (min {low * 1000:.0f}, max {high * 1000:.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--vote-requests", type=int, default=60)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the figures are PostgreSQL's.")
    slug = f"bench-strengths-{args.nodes}"
    argmap = ArgumentMap.objects.filter(slug=slug).first()
    if argmap is None:
        call_command("generate_map", nodes=args.nodes, slug=slug, verbosity=0)
        argmap = ArgumentMap.objects.get(slug=slug)
        voters = [User.objects.get_or_create(username=f"bench-voter-{i}")[0] for i in range(200)]
        ids = list(argmap.nodes.values_list("pk", flat=True))
        rng, seen, rows = random.Random(1), set(), []
        while len(rows) < args.votes:
            user, node = rng.choice(voters), rng.choice(ids)
            if (user.pk, node) in seen:
                continue
            seen.add((user.pk, node))
            rows.append(
                Vote(
                    user=user,
                    node_id=node,
                    map=argmap,
                    acceptability=rng.randint(0, 4),
                    relevance=rng.randint(0, 4),
                )
            )
        Vote.objects.bulk_create(rows, batch_size=5000)
    nodes = argmap.nodes.count()
    votes = Vote.objects.filter(map=argmap).count()
    print(f"{slug}: {nodes} nodes, {votes} votes")

    everyone = strengths.Perspective("everyone")
    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        found = strengths.compute(argmap, everyone)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    strengths.compute(argmap, everyone)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"full recompute: {spread(times)}; {found.rounds} rounds, converged {found.converged}")
    print(f"full recompute: peak Python allocation {peak / 2**20:.0f} MB")

    setup_test_environment()  # lets the test client log in without the password hasher's cost
    voter = User.objects.get_or_create(username="bench-voter-live")[0]
    client = Client()
    client.force_login(voter)
    keys = list(argmap.nodes.exclude(parent=None).values_list("key", flat=True)[:5000])
    rng = random.Random(2)
    strengths.strengths_of(argmap, everyone)  # warm, as a busy map's cache is
    trusted = strengths.MAX_AGE
    for label, max_age in [("strengths fresh", 1e9), ("recomputing in the background", trusted)]:
        strengths.MAX_AGE = max_age
        vote_times(client, slug, keys, rng, args.vote_requests, label)
    Vote.objects.filter(user=voter).delete()


def vote_times(client, slug, keys, rng, requests, label):
    times = []
    for index in range(requests):
        url = reverse("vote", args=[slug, rng.choice(keys)])
        started = time.perf_counter()
        response = client.post(
            url, {"acceptability": str(index % 5), "relevance": "3"}, headers={"HX-Request": "true"}
        )
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"vote ({label}; htmx POST, in process): {spread(times)}, p90 {p90 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
