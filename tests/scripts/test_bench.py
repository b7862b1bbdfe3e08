"""scripts/bench/: its statistics, ratios and wrk parsing (no timing is asserted)."""

import contextlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))  # as scripts/bench/__main__.py does

import bench  # noqa: E402
from bench import cli, database, hot, report, server, writers  # noqa: E402

# What wrk 4.1 prints with the bench's Lua script: its own summary, then our line.
WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:40123/healthz
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.12ms    0.80ms  19.52ms   91.00%
    Req/Sec     2.57k   120.00     2.80k    70.00%
  7710 requests in 3.00s, 4.95MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2570.00
Transfer/sec:      1.65MB
BENCH-JSON {"requests": 7710, "duration_us": 3000000, "bytes": 5190000, "connect": 0, \
"read": 1, "write": 0, "status": 3, "timeout": 2, "p50_us": 3050, "p99_us": 9870, \
"max_us": 19520}
"""


def test_parse_wrk_reads_the_lua_summary_line():
    result = server.parse_wrk(WRK_OUTPUT)
    assert result["requests"] == 7710
    assert result["seconds"] == 3.0
    assert result["rps"] == pytest.approx(2570.0)
    assert result["bytes_per_request"] == pytest.approx(5190000 / 7710)
    assert result["p50_ms"] == pytest.approx(3.05)
    assert result["p99_ms"] == pytest.approx(9.87)
    assert result["max_ms"] == pytest.approx(19.52)
    assert result["errors"] == 6  # read + status + timeout
    assert result["status_errors"] == 3
    assert result["timeouts"] == 2


def test_parse_wrk_refuses_output_without_the_summary_line():
    plain = WRK_OUTPUT.split("BENCH-JSON")[0]
    with pytest.raises(ValueError, match="no result line"):
        server.parse_wrk(plain)


def test_parse_wrk_with_no_requests_has_no_rate_per_request():
    line = (
        'BENCH-JSON {"requests": 0, "duration_us": 1000000, "bytes": 0, "connect": 8,'
        ' "read": 0, "write": 0, "status": 0, "timeout": 0, "p50_us": 0, "p99_us": 0,'
        ' "max_us": 0}'
    )
    result = server.parse_wrk(line)
    assert result["rps"] == 0
    assert result["bytes_per_request"] == 0
    assert result["errors"] == 8


def test_spread_gives_median_extremes_and_quartiles():
    result = report.spread([5.0, 1.0, 3.0, 2.0, 4.0])
    assert result == {"median": 3.0, "min": 1.0, "max": 5.0, "q1": 2.0, "q3": 4.0, "n": 5}
    even = report.spread([0.4, 0.1, 0.3, 0.2])
    assert even["median"] == pytest.approx(0.25)
    assert (even["q1"], even["q3"]) == (pytest.approx(0.175), pytest.approx(0.325))


def test_spread_of_one_value_and_of_none():
    assert report.spread([7.0]) == {
        "median": 7.0,
        "min": 7.0,
        "max": 7.0,
        "q1": 7.0,
        "q3": 7.0,
        "n": 1,
    }
    with pytest.raises(ValueError):
        report.spread([])


def test_ratios_are_taken_within_each_round():
    rounds = [
        {"healthz": {"rps": 2000.0}, "static": {"rps": 4000.0}, "map": {"rps": 500.0}},
        {"healthz": {"rps": 1000.0}, "static": {"rps": 2500.0}, "map": {"rps": 400.0}},
        {"healthz": {"rps": 0.0}, "map": {"rps": 300.0}},  # no baseline: no ratio
        {"healthz": {"rps": 1500.0}},  # the endpoint missing: no ratio
    ]
    assert hot.ratios_per_round(rounds, "map", "healthz") == [0.25, 0.4]
    assert hot.ratios_per_round(rounds, "map", "static") == [0.125, 0.16]
    # Pooled totals would say 1200/4500 = 27%; per round the median is 32.5%.
    assert report.spread(hot.ratios_per_round(rounds, "map", "healthz"))["median"] == 0.325


def test_format_share_and_sizes():
    assert report.format_share({"median": 0.414, "min": 0.38, "max": 0.451}) == "41% (38–45)"
    assert report.format_share(None) == "-"
    assert report.format_ms(2.34) == "2.3 ms"
    assert report.format_ms(21_600) == "22 s"
    assert report.format_bytes(82_000_000) == "82.0 MB"
    assert database.parse_sizes("seed,10k,100000,1m") == [None, 10_000, 100_000, 1_000_000]
    assert [database.size_label(s) for s in (None, 10_000, 100_000, 1_000_000, 2500)] == [
        "seed",
        "10k",
        "100k",
        "1m",
        "2500",
    ]
    with pytest.raises(Exception, match="not a size"):
        database.parse_sizes("lots")


def test_each_size_has_its_own_database():
    base = "postgres://argmap:argmap@127.0.0.1:5432/argmap_bench"
    assert database.database_url(base, None) == base
    assert database.database_url(base, 100_000).endswith("/argmap_bench_100k")


def test_sqlite_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/bench.sqlite3")
    with pytest.raises(bench.BenchError, match="PostgreSQL"):
        database.postgres_url()


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        Recorder.seen.append((self.path, self.headers.get("HX-Request")))
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # wrk hangs up when its time is over
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (apt-get install wrk)")
def test_the_lua_script_spreads_requests_over_the_paths_and_sends_headers(tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Recorder.seen = []
    paths = [f"/tree/n{number}/" for number in range(1, 6)]
    (tmp_path / "paths.txt").write_text("\n".join(paths) + "\n")
    (tmp_path / "bench.lua").write_text(server.WRK_LUA)
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                "-c2",
                "-d1s",
                "-s",
                str(tmp_path / "bench.lua"),
                f"http://127.0.0.1:{httpd.server_port}/unused",
                "--",
                str(tmp_path / "paths.txt"),
                "HX-Request: true",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
    finally:
        httpd.shutdown()
    parsed = server.parse_wrk(result.stdout)
    assert parsed["requests"] > 0
    assert parsed["status_errors"] == 0
    assert {path for path, _ in Recorder.seen} == set(paths)
    assert {header for _, header in Recorder.seen} == {"true"}


def test_rebuild_refuses_a_database_not_named_for_the_bench():
    with pytest.raises(bench.BenchError, match="refusing argmap"):
        database.empty_database("postgres://argmap:argmap@127.0.0.1:5432/argmap")


def test_a_missing_wrk_names_the_package(monkeypatch):
    monkeypatch.setattr(server.shutil, "which", lambda name: None)
    with pytest.raises(bench.BenchError, match="apt-get install wrk"):
        server.require_wrk()


def test_adjacent_ratios_use_the_healthz_run_just_before_each_endpoint():
    rounds = [
        {"map": {"rps": 300.0, "adjacent_healthz_rps": 600.0}, "healthz": {"rps": 1000.0}},
        {"map": {"rps": 100.0, "adjacent_healthz_rps": 400.0}, "healthz": {"rps": 1000.0}},
        {"map": {"rps": 100.0}, "healthz": {"rps": 1000.0}},  # --paired 0: no adjacent run
    ]
    assert hot.adjacent_ratios(rounds, "map") == [0.5, 0.25]
    assert hot.ratios_per_round(rounds, "map", "healthz") == [0.3, 0.1, 0.1]


def test_the_report_names_the_fragment_cache(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert server.fragment_cache() == "per process"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert server.fragment_cache() == "Redis at 127.0.0.1:6379/3"


def test_a_warm_spread_requests_each_path_its_passes_before_it_is_timed():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Recorder.seen = []
    paths = [f"/tree/n{number}/" for number in range(1, 8)]
    endpoint = server.Endpoint("spread warm", "/unused", {"HX-Request": "true"}, paths, prewarm=3)
    args = cli.parse_args([])
    try:
        hot.prewarm(httpd.server_port, endpoint, args)
    finally:
        httpd.shutdown()
    assert sorted(path for path, _ in Recorder.seen) == sorted(paths * 3)
    assert {header for _, header in Recorder.seen} == {"true"}
    keys = {"keys": [f"k{n}" for n in range(3000)], "expand": "a", "deep": "b", "seed_source": "c"}
    warm = [e for e in hot.hot_endpoints(keys, "/static/s.css") if e.prewarm]
    assert {e.name for e in warm} == {
        "expand-spread warm",
        "claim-spread warm",
        "diagram-spread warm",
        "expand-spread warm +10 annotations/s",
    }
    assert all(len(e.paths) == hot.WARM_KEYS == len(set(e.paths)) for e in warm)


def test_writer_rows_are_shares_of_their_quiet_run_in_the_same_round():
    keys = {"keys": [f"k{n}" for n in range(30)], "expand": "a", "deep": "b", "seed_source": "c"}
    endpoints = {e.name: e for e in hot.hot_endpoints(keys, "/static/s.css")}
    assert {e.writer for e in endpoints.values()} == {"", *writers.WRITERS}
    for name in ("map", "expand", "claim"):  # issue 19's targets at 10 annotations a second
        assert endpoints[f"{name} +10 annotations/s"].path == endpoints[name].path
    rounds = [
        {"map": {"rps": 100.0}, "map +10 annotations/s": {"rps": 90.0}},
        {"map": {"rps": 200.0}, "map +10 annotations/s": {"rps": 100.0}},
    ]
    assert hot.quiet_ratios(rounds, endpoints["map +10 annotations/s"]) == [0.9, 0.5]
    assert hot.quiet_ratios(rounds, endpoints["map"]) == []


def test_vote_rows_keep_four_fifths_of_their_quiet_run_and_say_whether_they_did(capsys):
    keys = {"keys": [f"k{n}" for n in range(30)], "expand": "a", "deep": "b", "seed_source": "c"}
    endpoints = {e.name: e for e in hot.hot_endpoints(keys, "/static/s.css")}
    for name in ("healthz", "map", "expand", "claim"):  # issue 20: 100 votes a second
        voted = endpoints[f"{name} +100 votes/s"]
        assert (voted.path, voted.headers, voted.writer) == (
            endpoints[name].path,
            endpoints[name].headers,
            "vote 100/s",
        )
    row = {
        "name": "map +100 votes/s", "rps": {"median": 90.0}, "p50_ms": 1.0, "p99_ms": 2.0,
        "bytes": 100, "to_healthz": report.spread([0.5]), "to_static": report.spread([0.4]),
        "per_round_to_healthz": [0.5], "target": None, "quiet_target": hot.VOTES_KEEP,
    }  # fmt: skip
    for kept, verdict in ((0.85, "85% (85–85) of quiet's ≥80% met"), (0.75, "≥80% MISSED")):
        voted = {**row, "to_quiet": report.spread([0.5]), "share_kept": report.spread([kept])}
        rates = {"vote 100/s": 97.5}
        report.print_hot(
            {"rows": [voted], "load_average": [1.0], "writer_saves": 300, "writer_rates": rates}
        )
        printed = capsys.readouterr().out
        assert verdict in printed and "vote 100/s: 97.5 a second" in printed
    # The share of /healthz beside the writer, over the quiet share, round by round.
    rounds = [
        {
            "healthz": {"rps": 1000.0},
            "map": {"rps": 500.0},
            "healthz +100 votes/s": {"rps": 800.0},
            "map +100 votes/s": {"rps": 360.0},
        }
    ]
    assert hot.shares_kept(rounds, endpoints["map +100 votes/s"]) == [0.9]
    assert hot.shares_kept(rounds, endpoints["healthz +100 votes/s"]) == []
    assert hot.shares_kept(rounds, endpoints["map"]) == []


def test_only_runs_the_endpoints_named_and_refuses_an_unknown_name():
    args = cli.parse_args(["--only", "map, map +100 votes/s"])
    assert args.only == ["map", "map +100 votes/s"]
    assert cli.parse_args([]).only == []
    keys = {"keys": [f"k{n}" for n in range(30)], "expand": "a", "deep": "b", "seed_source": "c"}
    endpoints = hot.hot_endpoints(keys, "/static/s.css")
    assert hot.chosen(endpoints, []) == endpoints
    assert [e.name for e in hot.chosen(endpoints, args.only)] == [
        "healthz",
        "static",
        "map",
        "map +100 votes/s",
    ]
    with pytest.raises(hot.BenchError, match="no endpoint named mapp"):
        hot.chosen(endpoints, ["mapp"])


def test_a_hung_redis_row_misses_when_any_request_took_over_1_2_s_warm_up_included(capsys):
    row = {
        "name": "claim", "rps_before": 400.0, "rps_hung": 380.0, "share": 0.95,
        "p99_ms": 300.0, "max_ms": 500.0, "warmup_max_ms": 600.0, "errors": 0,
    }  # fmt: skip
    for change, verdict in (
        ({}, "met"),
        ({"warmup_max_ms": 1300.0}, "MISSED"),  # the breaker's trip, before the timed run
        ({"max_ms": 1250.0}, "MISSED"),
        ({"share": 0.4}, "MISSED"),
    ):
        report.print_redis_hang({"rows": [{**row, **change}], "used_again_after_s": 1.0})
        assert capsys.readouterr().out.split("\n")[-3].endswith(verdict)
