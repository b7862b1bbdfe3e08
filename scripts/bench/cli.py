"""`make bench`'s command line: options, the run over sizes, and the exit status."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import BENCH_DIR, BenchError
from . import __doc__ as overview
from .database import (
    BENCH_MAP,
    CLEAR_SHARED_CACHE,
    SEED_MAP,
    database_for,
    manage,
    parse_sizes,
    pick_keys,
    postgres_url,
    size_label,
)
from .growth import measure_growth
from .hot import hot_rounds
from .report import print_first_load, print_growth, print_hot, print_redis_hang
from .server import WRK_LUA, OwnRedis, Server, fragment_cache, require_wrk, worker_class
from .strengths import measure_strengths, print_strengths


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(overview or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("seed,10k,100k"),
        help="Map sizes for the growth table (seed = the 135-node seeded map; 1m allowed).",
    )
    parser.add_argument("--hot-size", type=int, default=10_000, help="Map for the hot rounds.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0, help="wrk seconds an endpoint.")
    parser.add_argument("--warmup", type=float, default=1.0, help="wrk seconds first, unused.")
    parser.add_argument(
        "--paired",
        type=float,
        default=1.0,
        help="wrk seconds of /healthz just before each endpoint, for the adjacent share (0: off).",
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk connections.")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="Threads a worker: more than 1 runs gthread, as the README's production line does"
        " (the default); 1 runs sync workers.",
    )
    parser.add_argument("--timeout", type=int, default=30, help="gunicorn worker timeout (s).")
    parser.add_argument("--samples", type=int, default=5, help="Sequential requests (growth).")
    parser.add_argument(
        "--sample-budget",
        type=float,
        default=10.0,
        help="Stop sampling a growth endpoint after this many seconds (at least one request).",
    )
    parser.add_argument(
        "--no-blocking",
        action="store_true",
        help="Skip timing /healthz while two requests to a slow (>1 s) endpoint run.",
    )
    parser.add_argument(
        "--only",
        type=lambda names: [name.strip() for name in names.split(",") if name.strip()],
        default=[],
        help="Hot rounds of these endpoints alone (comma-separated names as the table prints"
        " them, e.g. 'map,map +100 votes/s'); /healthz and the static file always run.",
    )
    parser.add_argument("--skip-hot", action="store_true", help="Only the growth table.")
    parser.add_argument("--skip-growth", action="store_true", help="Only the hot rounds.")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="Empty each bench database (drop its public schema) and build it again.",
    )
    parser.add_argument(
        "--redis-hang",
        action="store_true",
        help="Serve from a Redis of the bench's own, and measure the hot pages while it hangs.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here as JSON.")
    return parser.parse_args(argv)


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through `finally`, which stops gunicorn


def run(args: argparse.Namespace) -> int:
    require_wrk()
    base = postgres_url()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "bench.lua").write_text(WRK_LUA)
    started = time.monotonic()
    redis_server = None
    if args.redis_hang:  # before any environment is made, which copies REDIS_URL
        redis_server = OwnRedis()
        os.environ["REDIS_URL"] = redis_server.url
    try:
        return measure(args, base, started, redis_server)
    finally:
        if redis_server:
            redis_server.stop()


def measure(
    args: argparse.Namespace, base: str, started: float, redis_server: OwnRedis | None
) -> int:
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_start": os.getloadavg(),
        "cpus": os.cpu_count(),
        "options": {k: str(v) for k, v in vars(args).items()},
        "growth": [],
    }
    print(
        f"make bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start;"
        f" gunicorn {args.workers} {worker_class(args)[1]} workers of {max(args.threads, 1)}"
        f" thread(s), timeout {args.timeout} s;"
        f" fragment cache: {fragment_cache()}.",
        flush=True,
    )
    report["fragment_cache"] = fragment_cache()
    sizes = [] if args.skip_growth else list(args.sizes)
    if not args.skip_hot and args.hot_size not in sizes:
        sizes.append(args.hot_size)
    collected = False
    failures = 0
    for size in sizes:
        info, env = database_for(base, size, args)
        if not collected:
            manage(env, "collectstatic", "--no-input", "--clear", "-v0")
            collected = True
        slug = SEED_MAP if size is None else BENCH_MAP
        keys = pick_keys(env, slug)
        if os.environ.get("REDIS_URL"):  # every server starts cold, as without Redis
            manage(env, "shell", "-c", CLEAR_SHARED_CACHE)
        server = Server(env, args, size_label(size))
        try:
            # Growth first, on fresh workers: its first requests meet cold caches.
            if not args.skip_growth and size in args.sizes:
                print(f"Growth on {slug} ({keys['nodes']} nodes):", flush=True)
                column = measure_growth(server, slug, keys, size, args)
                column.update(info)
                column["strengths"] = measure_strengths(server.port, env, slug, keys["nodes"], args)
                report["growth"].append(column)
            if size == args.hot_size and not args.skip_hot:
                report["hot"] = hot_rounds(server, env, keys, args, redis_server)
                failures += sum(row["errors"] for row in report["hot"]["rows"])
        finally:
            server.stop()
    report["load_average_end"] = os.getloadavg()
    report["seconds"] = time.monotonic() - started
    if "hot" in report:
        print_hot(report["hot"])
        if report["hot"]["redis_hang"]:
            print_redis_hang(report["hot"]["redis_hang"])
        print_first_load(report["hot"]["first_load"])
    if report["growth"]:
        print_growth(report["growth"])
        print_strengths(report["growth"])
    print(
        f"\nLoad average at the end: {report['load_average_end'][0]:.2f}; the bench took"
        f" {report['seconds']:.0f} s."
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"Results written to {args.json}.")
    if failures:
        print(f"\n{failures} hot requests failed (see the errors above).")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args(argv)
    try:
        return run(args)
    except BenchError as problem:
        print(f"make bench: {problem}", file=sys.stderr)
        return 2
