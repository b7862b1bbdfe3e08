"""scripts/bench/strengths.py: the code it runs in `manage.py shell`, run here on a small map,
and the vote it sends as a browser does (no timing is asserted)."""

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from argmap.evaluation.models import Vote

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from bench import strengths as bench_strengths  # noqa: E402

pytestmark = pytest.mark.django_db


def shell(code):
    """What `manage.py shell -c code` prints last, as JSON (database.django_json)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})  # noqa: S102  (the bench's own code, as manage.py shell runs it)
    return json.loads(printed.getvalue().strip().splitlines()[-1])


@pytest.fixture
def bench_map():
    call_command("generate_map", nodes=30, slug="bench", verbosity=0)
    return "bench"


def test_the_map_gets_its_votes_once_and_a_voter_casts_one_as_a_browser_does(bench_map):
    prepared = shell(bench_strengths.PREPARE % (bench_map, 12, 5))
    assert prepared["votes"] == Vote.objects.filter(map__slug=bench_map).count() > 0
    assert shell(bench_strengths.PREPARE % (bench_map, 12, 5))["votes"] == prepared["votes"]
    # The headers measure_strengths sends: the session, and an unmasked CSRF secret.
    token = "a" * 32
    browser = Client(enforce_csrf_checks=True)
    browser.cookies.load({"sessionid": prepared["session"], "csrftoken": token})
    key = prepared["keys"][0]
    refused = browser.post(
        f"/maps/{bench_map}/nodes/{key}/vote/",
        {"acceptability": "4"},
        headers={"X-CSRFToken": "b" * 32, "HX-Request": "true"},
    )
    assert refused.status_code == 403  # the check is on: a token unlike the cookie fails it
    response = browser.post(
        f"/maps/{bench_map}/nodes/{key}/vote/",
        {"acceptability": "4", "relevance": "3"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Vote.objects.get(user__username="bench-voter-live", node__key=key).acceptability == 4


def test_the_recompute_is_timed_with_its_memory(bench_map, capsys):
    timed = shell(bench_strengths.RECOMPUTE % (bench_map, 3))
    assert len(timed["ms"]) == 3 and timed["converged"] and timed["peak_mb"] > 0
    row = {
        "nodes": 100_000,
        "votes": 20_000,
        "recompute_ms": [700.0, 800.0, 2100.0],
        "recompute_median_ms": 800.0,
        "recompute_peak_mb": 26.0,
        "rounds": 105,
        "vote_median_ms": 55.0,
        "vote_p90_ms": 80.0,
        "vote_min_ms": 12.0,
        "vote_max_ms": 120.0,
        "vote_statuses": [200],
        "load_average": 2.0,
    }
    bench_strengths.print_strengths([{"strengths": row}, {"strengths": None}])
    printed = capsys.readouterr().out
    assert "recompute median 800 ms (700–2100; met)" in printed
    assert "median 55 ms (NOT met)" in printed
