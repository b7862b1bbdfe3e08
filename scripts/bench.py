"""`make bench`: serve Argmap with gunicorn on 127.0.0.1 and load it from this process.

1. Builds a throwaway SQLite database under var/bench/ (or uses DATABASE_URL), migrates,
   seeds, generates a 10,000-node map "bench" and runs collectstatic.
2. Starts gunicorn with production settings (DEBUG off, hashed compressed static files).
3. Loads each endpoint for a fixed time at a fixed concurrency with a small asyncio
   HTTP/1.1 client (keep-alive when the server allows it), after a short warm-up.
4. Prints requests/s, p50 and p99 latency and the ratio to the baseline (/healthz, a
   trivial Django view through the same middleware), then the first-load weight of the
   map page. Exits 1 when a target is missed or a request fails. gunicorn is always stopped.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DIR = ROOT / "var" / "bench"
HOST = "127.0.0.1"
MAX_REQUESTS_PER_ENDPOINT = 200_000
REQUEST_TIMEOUT = 30
FIRST_LOAD_LIMIT_KB = 60
# Throughput targets as a share of the baseline's requests per second.
TARGETS = {"expand": 0.50, "map": 0.25}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=9.0, help="Seconds per endpoint.")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds the duration is cut in.")
    parser.add_argument("--warmup", type=float, default=1.0, help="Seconds per endpoint first.")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class.")
    parser.add_argument("--threads", type=int, default=1, help="Threads per gunicorn worker.")
    parser.add_argument("--reuse", action="store_true", help="Keep the last bench database.")
    parser.add_argument("--json", type=Path, help="Also write the results here as JSON.")
    return parser.parse_args()


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_environment():
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",  # noqa: S106
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_LOG_LEVEL="ERROR",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
    return env


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env, nodes, reuse):
    started = time.monotonic()
    if env["DATABASE_URL"].startswith("sqlite:///") and not reuse:
        shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed", "-v0")
    manage(env, "generate_map", "--nodes", str(nodes), "--slug", "bench", "--replace")
    manage(env, "collectstatic", "--no-input", "-v0")
    print(f"Prepared the database and static files in {time.monotonic() - started:.1f} s.")


def pick_keys(env):
    """Keys to ask for: a first-level node with children, the deepest node, a seeded source."""
    code = """
import json
from django.db.models import Count
from argmap.debates.models import ArgumentMap, Node, Source
m = ArgumentMap.objects.get(slug="bench")
thesis = m.nodes.roots().get()
expand = (m.nodes.filter(parent=thesis).annotate(k=Count("children"))
          .filter(k__gt=0).order_by("position").first())
deep = m.nodes.order_by("-id").first()
source = (Source.objects.exclude(slug="bench-source").annotate(a=Count("anchors"))
          .order_by("-a").first())
print(json.dumps({"expand": expand.key, "deep": deep.key,
                  "depth": len(Node.objects.ancestors_of(deep)),
                  "source": source.slug if source else "bench-source"}))
"""
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def start_gunicorn(env, port, args):
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "argmap.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    log = open(BENCH_DIR / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early; see {BENCH_DIR / 'gunicorn.log'}")
        try:
            with urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_gunicorn(process):
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn and its workers only
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    process.log.close()


# The load client ---------------------------------------------------------------------


async def read_response(reader):
    """(status, headers, body) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(chunk[:-2] for chunk in chunks)
    else:
        body = await reader.read()
    return status, headers, body, len(head) + len(body)


class Connection:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path, headers=()):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}", "Connection: keep-alive", *headers]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            response = await asyncio.wait_for(read_response(self.reader), REQUEST_TIMEOUT)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            self.close()
            raise
        if response[1].get("connection", "").lower() == "close":
            self.close()
        return response

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(port, path, headers, duration, concurrency):
    """Latencies (seconds) of every request that finished within duration, and failures."""
    latencies, failures = [], []
    deadline = time.monotonic() + duration

    async def worker():
        connection = Connection(port)
        while time.monotonic() < deadline and len(latencies) < MAX_REQUESTS_PER_ENDPOINT:
            started = time.perf_counter()
            try:
                status, _, _, _ = await connection.get(path, headers)
            except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as error:
                # A server closing an idle keep-alive connection: retry once, fresh.
                try:
                    status, _, _, _ = await connection.get(path, headers)
                except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
                    failures.append(repr(error))
                    continue
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(f"HTTP {status}")
        connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(port, endpoints, args):
    """Each endpoint in turn, round after round, so background load falls on all alike."""
    totals = {name: {"latencies": [], "failures": [], "seconds": 0.0} for name, _, _ in endpoints}
    for _name, path, headers in endpoints:
        asyncio.run(load(port, path, headers, args.warmup, args.concurrency))
    for _ in range(args.rounds):
        for name, path, headers in endpoints:
            started = time.monotonic()
            latencies, failures = asyncio.run(
                load(port, path, headers, args.duration / args.rounds, args.concurrency)
            )
            totals[name]["seconds"] += time.monotonic() - started
            totals[name]["latencies"] += latencies
            totals[name]["failures"] += failures
    results = []
    for name, path, _ in endpoints:
        latencies, failures = totals[name]["latencies"], totals[name]["failures"]
        results.append(
            {
                "name": name,
                "path": path,
                "requests": len(latencies),
                "rps": len(latencies) / totals[name]["seconds"],
                "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
                "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else float("nan"),
                "failures": failures[:5],
                "failure_count": len(failures),
            }
        )
    return results


async def first_load(port, path):
    """Bytes over the wire for the page and the CSS and JS it links, asking for compression."""
    accept = ["Accept-Encoding: gzip, br"]
    connection = Connection(port)
    try:
        status, headers, body, wire = await connection.get(path, accept)
        items = [(path, status, headers.get("content-encoding", "none"), wire, len(body))]
        html = body.decode("utf-8")
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assets += re.findall(r'<script src="([^"]+)"', html)
        for asset in assets:
            status, headers, body, wire = await connection.get(asset, accept)
            items.append((asset, status, headers.get("content-encoding", "none"), wire, len(body)))
    finally:
        connection.close()
    return items


def print_table(results, baseline_rps):
    print()
    print(f"{'endpoint':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs base':>8}  path")
    for row in results:
        ratio = row["rps"] / baseline_rps if baseline_rps else 0.0
        row["ratio"] = ratio
        target = TARGETS.get(row["name"])
        mark = f" (target ≥ {target:.0%})" if target else ""
        print(
            f"{row['name']:<18} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {ratio:>8.0%}  {row['path']}{mark}"
        )


def stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through `finally`, which stops gunicorn


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args = parse_args()
    env = bench_environment()
    os.chdir(ROOT)
    prepare(env, args.nodes, args.reuse)
    keys = pick_keys(env)
    print(
        f"Map 'bench': {args.nodes} nodes; deepest node {keys['deep']} is {keys['depth']} levels"
        f" down; expanding {keys['expand']}; source page {keys['source']}."
    )
    endpoints = [
        ("baseline", "/healthz", []),
        ("map", "/maps/bench/", []),
        ("map-focus", f"/maps/bench/?focus={keys['deep']}", []),
        ("expand", f"/maps/bench/tree/{keys['expand']}/?state=open", ["HX-Request: true"]),
        ("claim", f"/maps/bench/nodes/{keys['deep']}/", []),
        ("source", f"/sources/{keys['source']}/", []),
        ("search", "/search/?q=export+chips", []),
    ]
    port = free_port()
    process, problems, results = None, [], []
    try:
        process = start_gunicorn(env, port, args)
        print(
            f"gunicorn on {HOST}:{port}: {args.workers} {args.worker_class} workers"
            f" x {args.threads} thread(s); {args.concurrency} client connections,"
            f" {args.duration:g} s per endpoint in {args.rounds} rounds"
            f" after {args.warmup:g} s warm-up."
        )
        results = measure(port, endpoints, args)
        for row in results:
            if row["failure_count"]:
                problems.append(f"{row['name']}: {row['failure_count']} failed: {row['failures']}")
        weight = asyncio.run(first_load(port, "/maps/bench/"))
    finally:
        stop_gunicorn(process)

    baseline_rps = results[0]["rps"]
    print_table(results, baseline_rps)
    for row in results:
        target = TARGETS.get(row["name"])
        if target and row["ratio"] < target:
            problems.append(
                f"{row['name']} reached {row['ratio']:.0%} of baseline, target {target:.0%}"
            )

    print("\nFirst load of /maps/bench/ (Accept-Encoding: gzip, br):")
    total = 0
    for path, status, encoding, wire, size in weight:
        total += wire
        print(
            f"  {wire / 1024:>6.1f} KB on the wire ({size / 1024:>5.1f} KB body, {encoding})"
            f"  HTTP {status}  {path}"
        )
        if status != 200:
            problems.append(f"{path} answered HTTP {status}")
    print(f"  {total / 1024:>6.1f} KB in all (target ≤ {FIRST_LOAD_LIMIT_KB} KB)")
    if total > FIRST_LOAD_LIMIT_KB * 1024:
        problems.append(f"first load is {total / 1024:.1f} KB, over {FIRST_LOAD_LIMIT_KB} KB")

    if args.json:
        args.json.write_text(
            json.dumps({"keys": keys, "results": results, "first_load": weight}, indent=2)
        )
    if problems:
        print("\nTARGETS MISSED:\n  " + "\n  ".join(problems))
        return 1
    print("\nAll targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
