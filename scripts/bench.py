"""`make bench`: wrk against gunicorn on PostgreSQL, in interleaved rounds, with the spread.

1. Databases. One PostgreSQL database per map size, named after DATABASE_URL's database:
   NAME for the seeded map alone (135 nodes), NAME_10k, NAME_100k, NAME_1m for the seeded map
   beside a synthetic map "bench" of that size (generate_map). A database that already holds
   the right map is reused (--rebuild empties and rebuilds it). Without DATABASE_URL the local
   cluster is used (127.0.0.1:5432, database argmap_bench) or started as .ci/run starts it;
   there is no SQLite fallback: production is PostgreSQL, and search takes another code path
   on SQLite. Point DATABASE_URL at a database of the bench's own: it writes into it.
2. gunicorn, production settings (DEBUG off, hashed compressed static files through
   whitenoise), 2 gthread workers of 4 threads on 127.0.0.1 (the README's production worker
   class; --threads 1 for sync workers), the default 30 s worker timeout.
3. Hot pages (--hot-size map, 10,000 nodes): interleaved rounds. Each round runs wrk against
   /healthz, a static file about the size of the map page, and every endpoint, one after the
   other (the order rotates each round), draining between endpoints. Each endpoint's rate is
   divided by the same round's /healthz and static rates; the table gives the median over
   rounds and the min-max. Spread-of-keys scenarios pick a random node (or search word) per
   request from a list (a wrk Lua script); writer scenarios (WRITERS) save a node every
   second, or add public annotations at 1 or 10 a second, through the ORM while readers are
   measured, and give each such row's share of its quiet run in the same round.
4. Growth (--sizes): on each size's database, every endpoint that could grow with the map is
   requested --samples times one after another (time to the last byte on loopback), with each
   worker's RSS read before and after and its peak RSS (VmHWM, reset first) recorded.
5. A hung Redis (--redis-hang): the servers use a redis-server the bench starts itself; after
   the hot rounds it is stopped with SIGSTOP (it accepts connections, answers nothing) and
   every hot endpoint is warmed and measured again, then it is continued and the bench times
   how long until a new page is stored in it again. The table gives each endpoint's rate as a
   share of its median in the hot rounds (issue 22 asks at least 50 %) and its slowest request.
Prints the tables and the load average; --json FILE writes everything. Exits 1 when a hot
endpoint answered an error (growth timeouts are findings, not failures).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DIR = ROOT / "var" / "bench"
HOST = "127.0.0.1"
WRK = "/usr/bin/wrk"
LOCAL_DATABASE_URL = "postgres://argmap:argmap@127.0.0.1:5432/argmap_bench"
SEED_MAP = "deepseek-r1-sputnik"
BENCH_MAP = "bench"
# Share of /healthz's rate that issue 14 asks of each hot page (median over rounds).
TARGETS = {
    "map": 0.60,
    "expand": 0.60,
    "expand-spread": 0.60,
    "expand-spread warm": 0.60,
    "claim": 0.30,
    "claim-spread warm": 0.30,
    "search": 0.10,
}
WRK_MARK = "BENCH-JSON "
FIRST_LOAD_LIMIT_KB = 60

# wrk calls init(args) with what follows "--": a file of paths ("-" for the command line's
# URL) and "Name: value" headers. One random path a request; done() prints one JSON line.
WRK_LUA = r"""
local paths = nil
local fixed = nil
function init(args)
  if args[1] and args[1] ~= "-" then
    paths = {}
    for line in io.lines(args[1]) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  if paths then return wrk.format("GET", paths[math.random(#paths)]) end
  if not fixed then fixed = wrk.format("GET") end
  return fixed
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


class BenchError(Exception):
    """A problem the person running the bench must fix; printed without a traceback."""


# Statistics and parsing (pure; tests/scripts/test_bench.py) --------------------------------


def parse_wrk(output: str) -> dict[str, float]:
    """The numbers of one wrk run, from the line our Lua done() prints."""
    for line in output.splitlines():
        if line.startswith(WRK_MARK):
            raw = json.loads(line[len(WRK_MARK) :])
            break
    else:
        raise ValueError("wrk printed no result line; was it run with the bench's Lua script?")
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds > 0 else 0.0,
        "bytes_per_request": raw["bytes"] / raw["requests"] if raw["requests"] else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "status_errors": raw["status"],
        "timeouts": raw["timeout"],
    }


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max, and the interquartile range (inclusive method) of values."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) > 1:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "n": len(ordered),
    }


def ratios_per_round(
    rounds: list[dict[str, dict[str, float]]], name: str, baseline: str
) -> list[float]:
    """Per round, name's requests/s divided by baseline's in the same round."""
    ratios = []
    for measured in rounds:
        if name in measured and measured.get(baseline, {}).get("rps"):
            ratios.append(measured[name]["rps"] / measured[baseline]["rps"])
    return ratios


def format_share(summary: dict[str, float] | None) -> str:
    """'41% (38–45)': the median share and, in brackets, the min–max over rounds."""
    if not summary:
        return "-"
    low, high = 100 * summary["min"], 100 * summary["max"]
    return f"{summary['median']:.0%} ({low:.0f}–{high:.0f})"


def format_ms(milliseconds: float) -> str:
    if milliseconds >= 10_000:
        return f"{milliseconds / 1000:.0f} s"
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.1f} s"
    return f"{milliseconds:.0f} ms" if milliseconds >= 10 else f"{milliseconds:.1f} ms"


def format_bytes(count: float) -> str:
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.0f} KB" if count >= 1e3 else f"{count:.0f} B"


def size_label(size: int | None) -> str:
    """'seed', '10k', '100k', '1m', or the number: also the database name's suffix."""
    if size is None:
        return "seed"
    for unit, word in ((1_000_000, "m"), (1000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{word}"
    return str(size)


def parse_sizes(text: str) -> list[int | None]:
    sizes: list[int | None] = []
    for item in text.split(","):
        item = item.strip().lower().replace("_", "")
        if item in ("seed", "135"):
            sizes.append(None)
        elif item:
            match = re.fullmatch(r"(\d+)([km]?)", item)
            if not match:
                raise argparse.ArgumentTypeError(f"not a size: {item!r}")
            sizes.append(int(match[1]) * {"": 1, "k": 1000, "m": 1_000_000}[match[2]])
    return sizes


# Environment, databases and the server -----------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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


def require_wrk() -> None:
    if not shutil.which(WRK) and not shutil.which("wrk"):
        raise BenchError("wrk is missing: install Debian's package with `apt-get install wrk`.")


def postgres_url() -> str:
    """DATABASE_URL (PostgreSQL only), or the local cluster, started as .ci/run starts it."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
            raise BenchError(
                "make bench runs on PostgreSQL, as production does: DATABASE_URL must be a"
                f" postgres:// URL, not {urlsplit(url).scheme}://."
            )
        return url
    if subprocess.run(["pg_isready", "-q", "-h", HOST, "-p", "5432"], check=False).returncode:
        script = ROOT / ".ci" / "start-postgres"
        if os.geteuid() != 0 or not script.exists():
            raise BenchError(
                "make bench needs PostgreSQL: set DATABASE_URL=postgres://USER:PASSWORD@HOST/NAME"
                " or run it as root on a machine where .ci/start-postgres can start the local"
                " PostgreSQL 15 cluster (apt-get install postgresql-15)."
            )
        port = subprocess.run(
            [str(script)], check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        return LOCAL_DATABASE_URL.replace(":5432/", f":{port}/")
    return LOCAL_DATABASE_URL


def database_url(base: str, size: int | None) -> str:
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "argmap_bench"
    if size is not None:
        name = f"{name}_{size_label(size)}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    """Create the database when it is missing (through the maintenance database)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    target = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    try:
        psycopg.connect(target, connect_timeout=10).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise BenchError(f"cannot connect to PostgreSQL database {name}: {error}") from None
    maintenance = urlunsplit(urlsplit(target)._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise BenchError(f"cannot create PostgreSQL database {name}: {error}") from None


def bench_environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",  # noqa: S106
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_LOG_LEVEL="ERROR",
        STATIC_ROOT=str(BENCH_DIR / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


def django_json(env: dict[str, str], code: str) -> Any:
    """Run code in `manage.py shell`; its last printed line is JSON."""
    output = manage(env, "shell", "-c", code, capture=True)
    return json.loads(output.strip().splitlines()[-1])


COUNT_NODES = """
import json
from argmap.debates.models import Node
print(json.dumps(Node.objects.filter(map__slug=%r).count()))
"""


def empty_database(url: str) -> None:
    """Drop and recreate the public schema: every table of this (bench) database goes."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise BenchError(f"--rebuild empties databases; refusing {name}, whose name lacks 'bench'")
    target = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    with psycopg.connect(target, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def prepare(env: dict[str, str], size: int | None, rebuild: bool) -> float:
    """Migrate, seed and generate the map this database is for; seconds spent generating."""
    if rebuild:
        empty_database(env["DATABASE_URL"])
    try:
        manage(env, "migrate", "--no-input", "-v0")
    except subprocess.CalledProcessError:
        raise BenchError(
            "migrate failed on the bench database (see above); if its migration history no"
            " longer matches the code, rerun with BENCH_ARGS=--rebuild"
        ) from None
    manage(env, "seed", "-v0")
    if size is None:
        return 0.0
    if not rebuild and django_json(env, COUNT_NODES % BENCH_MAP) == size:
        return 0.0
    started = time.monotonic()
    print(f"  generate_map --nodes {size} (once per database; --rebuild redoes it)", flush=True)
    manage(env, "generate_map", "--nodes", str(size), "--slug", BENCH_MAP, "--replace")
    return time.monotonic() - started


PICK_KEYS = """
import json
from django.db.models import Count
from argmap.debates.models import Node, Source
slug = %(slug)r
nodes = Node.objects.filter(map__slug=slug)
thesis = nodes.get(parent__isnull=True)
expand = (nodes.filter(parent=thesis).annotate(k=Count("children")).filter(k__gt=0)
          .order_by("position").first())
deep = nodes.order_by("-id").first()
source = (Source.objects.filter(anchors__node__map__slug=slug).annotate(a=Count("anchors"))
          .order_by("-a").first())
seed_source = (Source.objects.filter(anchors__node__map__slug=%(seed)r)
               .annotate(a=Count("anchors")).order_by("-a").first())
print(json.dumps({"thesis": thesis.key, "expand": expand.key, "deep": deep.key,
                  "source": source.slug, "seed_source": seed_source.slug,
                  "nodes": nodes.count(), "keys": list(nodes.values_list("key", flat=True))}))
"""


def pick_keys(env: dict[str, str], slug: str) -> dict[str, Any]:
    return django_json(env, PICK_KEYS % {"slug": slug, "seed": SEED_MAP})


CLEAR_SHARED_CACHE = "from django.core.cache import caches; caches['fragments'].clear()"


def fragment_cache() -> str:
    """Where rendered fragments live in this run: Redis (REDIS_URL), else each worker."""
    url = os.environ.get("REDIS_URL", "").strip()
    return f"Redis at {urlsplit(url).netloc}{urlsplit(url).path}" if url else "per process"


def worker_class(args: argparse.Namespace) -> list[str]:
    """gunicorn's worker options: sync workers, or gthread with --threads."""
    if args.threads <= 1:
        return ["--worker-class", "sync"]
    return ["--worker-class", "gthread", "--threads", str(args.threads)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own session, so stopping it stops its workers and nothing else."""

    def __init__(self, env: dict[str, str], args: argparse.Namespace, label: str):
        self.port = free_port()
        self.log_path = BENCH_DIR / f"gunicorn-{label}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "argmap.wsgi:application",
            *("--bind", f"{HOST}:{self.port}", "--workers", str(args.workers)),
            *worker_class(args),
            *("--timeout", str(args.timeout), "--log-level", "warning"),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers_wanted = args.workers
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited early; see {self.log_path}")
            if len(self.worker_pids()) == self.workers_wanted and get(self.port, "/healthz")[0]:
                return
            time.sleep(0.2)
        raise BenchError("gunicorn did not answer /healthz within 60 s")

    def timeouts(self) -> int:
        """How many WORKER TIMEOUTs gunicorn has logged so far."""
        self.log.flush()
        return self.log_path.read_text(errors="replace").count("WORKER TIMEOUT")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5.0):
    """(status, body bytes, seconds to the last byte), or (0, 0, seconds) on a failure."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        return response.status, size, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, 0, time.perf_counter() - started
    finally:
        connection.close()


def at_once(
    port: int, path: str, count: int, timeout: float, headers: dict[str, str] | None = None
) -> list[tuple[int, int, float]]:
    """count concurrent GETs of path: what get() returns for each."""
    results: list[tuple[int, int, float]] = []

    def one() -> None:
        results.append(get(port, path, headers, timeout=timeout))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def drain(port: int, workers: int, limit: float = 120.0) -> float:
    """Wait until every worker answers /healthz at once, quickly, twice running."""
    started, calm = time.monotonic(), 0
    while time.monotonic() - started < limit and calm < 2:
        results = at_once(port, "/healthz", workers, limit)
        quick = all(status == 200 and seconds < 0.05 for status, _, seconds in results)
        calm = calm + 1 if quick else 0
        if not quick:
            time.sleep(0.2)
    return time.monotonic() - started


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return values


def reset_peak(pid: int) -> None:
    with contextlib.suppress(OSError):  # 5: reset the peak RSS (VmHWM)
        Path(f"/proc/{pid}/clear_refs").write_text("5")


# Hot rounds -----------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    paths: list[str] | None = None  # a spread of keys: one picked at random per request
    # Measured while a writer runs (WRITERS): a curator's edit a second, or public
    # annotations at 1 or 10 a second; "" for none.
    writer: str = ""
    # Request every path this many times first, untimed (the steady state of a map nobody is
    # editing: the per-process cache needs each worker to have rendered a key, Redis one).
    prewarm: int = 0


def run_wrk(port: int, endpoint: Endpoint, args: argparse.Namespace) -> dict[str, float]:
    paths_file = "-"
    if endpoint.paths:
        paths_file = str(BENCH_DIR / f"paths-{re.sub(r'[^a-z0-9]+', '-', endpoint.name)}.txt")
        Path(paths_file).write_text("\n".join(endpoint.paths) + "\n")
    command = [
        shutil.which(WRK) or "wrk",
        *("-t", str(args.wrk_threads), "-c", str(args.connections)),
        *("-d", f"{args.duration:g}s", "--timeout", f"{args.timeout + 5}s"),
        *("-s", str(BENCH_DIR / "bench.lua")),
        f"http://{HOST}:{port}{endpoint.path}",
        "--",
        paths_file,
        *(f"{name}: {value}" for name, value in endpoint.headers.items()),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise BenchError(f"wrk failed for {endpoint.name}: {result.stderr.strip()}")
    return parse_wrk(result.stdout)


# Writers, each through the ORM as the site writes: "edit" saves a random node of the map once
# a second (a curator's edit: the map's structure changes); "annotate N" adds a public
# annotation to a random node N times a second (a reader's: only the map's state changes).
WRITERS = {
    "edit": ("edit", 1.0),
    "annotate 1/s": ("annotate", 1.0),
    "annotate 10/s": ("annotate", 10.0),
}


class Writer:
    """Writes to the map at a steady rate in a process of its own (WRITERS)."""

    CODE = """
import random, sys, time
from django.contrib.auth import get_user_model
from argmap.annotations.models import Annotation
from argmap.debates.models import Node
slug, kind, rate = %r, %r, %r
ids = list(Node.objects.filter(map__slug=slug).values_list("pk", flat=True))
author = get_user_model().objects.filter(username="bench-writer").first()
author = author or get_user_model().objects.create_user("bench-writer", password=None)
rng = random.Random(14)
due = time.monotonic()
while True:
    if kind == "edit":
        Node.objects.get(pk=rng.choice(ids)).save()  # post_save: the structure token changes
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
            [PYTHON, "manage.py", "shell", "-c", self.CODE % (slug, kind, rate)],
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

    def count(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            self.saves += 1

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


def static_path(port: int, page_bytes: int) -> tuple[str, int]:
    """The collected static file whose size is closest to the map page's."""
    manifest = json.loads((BENCH_DIR / "static" / "staticfiles.json").read_text())
    best = ("", 0)
    for hashed in manifest["paths"].values():
        file = BENCH_DIR / "static" / hashed
        size = file.stat().st_size
        if not best[0] or abs(size - page_bytes) < abs(best[1] - page_bytes):
            best = (hashed, size)
    return f"/static/{best[0]}", best[1]


# The warm spread: this many of the spread's keys, each requested this many times before the
# timed run. Without a shared cache each worker must render each key itself, and a request
# goes to whichever worker takes it: after 8 passes a key is still cold on a given worker
# with odds of 1 in 256 (after 3, 1 in 8, and at ~75× a hit's cost those misses halved the
# rate). With Redis the first pass warms it for both.
WARM_KEYS = 500
WARM_PASSES = 8


def prewarm(port: int, endpoint: Endpoint, args: argparse.Namespace) -> float:
    """Request each of endpoint's paths endpoint.prewarm times, 4 at once; seconds taken."""
    started = time.monotonic()
    paths = (endpoint.paths or [endpoint.path]) * endpoint.prewarm
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda path: get(port, path, endpoint.headers, args.timeout), paths))
    return time.monotonic() - started


def hot_endpoints(keys: dict[str, Any], static: str) -> list[Endpoint]:
    hx = {"HX-Request": "true"}
    m = f"/maps/{BENCH_MAP}"
    words = ["cost", "export", "chips", "compute", "market", "policy", "energy", "tokens"]
    sample = random.Random(14).sample(keys["keys"], min(2000, len(keys["keys"])))
    return [
        Endpoint("healthz", "/healthz"),
        Endpoint("static", static),
        Endpoint("home", "/"),
        Endpoint("map", f"{m}/"),
        Endpoint("expand", f"{m}/tree/{keys['expand']}/?state=open", hx),
        Endpoint("claim", f"{m}/nodes/{keys['deep']}/"),
        Endpoint("search", "/search/?q=cost"),
        Endpoint("source", f"/sources/{keys['seed_source']}/"),
        Endpoint("diagram", f"/maps/{SEED_MAP}/diagram/"),
        Endpoint("export", f"/maps/{SEED_MAP}/export.json"),
        Endpoint(
            "expand-spread",
            f"{m}/tree/{keys['expand']}/",
            hx,
            [f"{m}/tree/{key}/?state=open" for key in sample],
        ),
        Endpoint("claim-spread", f"{m}/", paths=[f"{m}/nodes/{key}/" for key in sample]),
        Endpoint(
            "expand-spread warm",
            f"{m}/tree/{keys['expand']}/",
            hx,
            [f"{m}/tree/{key}/?state=open" for key in sample[:WARM_KEYS]],
            prewarm=WARM_PASSES,
        ),
        Endpoint(
            "claim-spread warm",
            f"{m}/",
            paths=[f"{m}/nodes/{key}/" for key in sample[:WARM_KEYS]],
            prewarm=WARM_PASSES,
        ),
        Endpoint("search-spread", "/search/", paths=[f"/search/?q={word}" for word in words]),
        Endpoint("healthz +edit", "/healthz", writer="edit"),
        Endpoint("map +edit", f"{m}/", writer="edit"),
        Endpoint(
            "expand-spread +edit",
            f"{m}/tree/{keys['expand']}/",
            hx,
            [f"{m}/tree/{key}/?state=open" for key in sample],
            writer="edit",
        ),
        Endpoint("map +1 annotation/s", f"{m}/", writer="annotate 1/s"),
        Endpoint("healthz +10 annotations/s", "/healthz", writer="annotate 10/s"),
        Endpoint("map +10 annotations/s", f"{m}/", writer="annotate 10/s"),
        Endpoint(
            "expand +10 annotations/s",
            f"{m}/tree/{keys['expand']}/?state=open",
            hx,
            writer="annotate 10/s",
        ),
        Endpoint("claim +10 annotations/s", f"{m}/nodes/{keys['deep']}/", writer="annotate 10/s"),
        Endpoint(
            "expand-spread warm +10 annotations/s",
            f"{m}/tree/{keys['expand']}/",
            hx,
            [f"{m}/tree/{key}/?state=open" for key in sample[:WARM_KEYS]],
            prewarm=WARM_PASSES,
            writer="annotate 10/s",
        ),
    ]


def measure_paired(
    port: int, endpoint: Endpoint, baseline: Endpoint, args: argparse.Namespace
) -> dict[str, float]:
    """The endpoint under wrk, after a short /healthz run just before it (unless --paired 0)."""
    adjacent, warmed = None, None
    if endpoint.prewarm:
        warmed = prewarm(port, endpoint, args)
        drain(port, args.workers)
    if args.paired > 0 and endpoint.path != baseline.path:
        short = argparse.Namespace(**{**vars(args), "duration": args.paired})
        adjacent = run_wrk(port, baseline, short)["rps"]
        drain(port, args.workers)
    result = run_wrk(port, endpoint, args)
    result["drain_s"] = drain(port, args.workers)
    if adjacent:
        result["adjacent_healthz_rps"] = adjacent
    if warmed is not None:
        result["prewarm_s"] = warmed
    return result


def adjacent_ratios(rounds: list[dict[str, dict[str, float]]], name: str) -> list[float]:
    """Per round, name's requests/s divided by the /healthz run just before it."""
    return [
        measured[name]["rps"] / measured[name]["adjacent_healthz_rps"]
        for measured in rounds
        if measured.get(name, {}).get("adjacent_healthz_rps")
    ]


def hot_rounds(
    server: Server,
    env: dict[str, str],
    keys: dict[str, Any],
    args: argparse.Namespace,
    redis_server: OwnRedis | None = None,
) -> dict[str, Any]:
    page_bytes = get(server.port, f"/maps/{BENCH_MAP}/")[1]
    static, static_bytes = static_path(server.port, page_bytes)
    endpoints = hot_endpoints(keys, static)
    for endpoint in endpoints:  # every path answers 200 before anything is timed
        headers = dict(endpoint.headers)
        for path in [endpoint.path, *(endpoint.paths or [])[:3]]:
            status = get(server.port, path, headers, timeout=args.timeout)[0]
            if status != 200:
                raise BenchError(f"{endpoint.name}: {path} answered HTTP {status}")
    print(
        f"\nHot rounds: map '{BENCH_MAP}' of {keys['nodes']} nodes; map page {page_bytes} B,"
        f" static file {static} {static_bytes} B; wrk -t{args.wrk_threads}"
        f" -c{args.connections} -d{args.duration:g}s, {args.rounds} rounds.",
        flush=True,
    )
    rounds: list[dict[str, dict[str, float]]] = []
    loads, saves = [], 0
    quiet = [e for e in endpoints if not e.writer]
    written = [e for e in endpoints if e.writer]
    if args.warmup > 0:
        warm = argparse.Namespace(**{**vars(args), "duration": args.warmup})
        for endpoint in quiet:
            run_wrk(server.port, endpoint, warm)
        drain(server.port, args.workers)
    for number in range(args.rounds):
        measured: dict[str, dict[str, float]] = {}
        turn = number % len(quiet)
        for endpoint in quiet[turn:] + quiet[:turn]:
            measured[endpoint.name] = measure_paired(server.port, endpoint, quiet[0], args)
        for kind in dict.fromkeys(endpoint.writer for endpoint in written):
            writer = Writer(env, BENCH_MAP, kind)
            try:
                for endpoint in (e for e in written if e.writer == kind):
                    measured[endpoint.name] = measure_paired(server.port, endpoint, quiet[0], args)
            finally:
                writer.stop()
                saves += writer.saves
        loads.append(os.getloadavg()[0])
        rounds.append(measured)
        print(
            f"  round {number + 1}: /healthz {measured['healthz']['rps']:.0f} req/s,"
            f" static {measured['static']['rps']:.0f} req/s, load average {loads[-1]:.2f}",
            flush=True,
        )
    rows = []
    for endpoint in endpoints:
        rates = [measured[endpoint.name]["rps"] for measured in rounds]
        to_health = ratios_per_round(rounds, endpoint.name, "healthz")
        to_static = ratios_per_round(rounds, endpoint.name, "static")
        adjacent = adjacent_ratios(rounds, endpoint.name)
        rows.append(
            {
                "name": endpoint.name,
                "path": endpoint.path if not endpoint.paths else f"{len(endpoint.paths)} paths",
                "rps": spread(rates),
                "p50_ms": statistics.median(m[endpoint.name]["p50_ms"] for m in rounds),
                "p99_ms": statistics.median(m[endpoint.name]["p99_ms"] for m in rounds),
                "bytes": statistics.median(m[endpoint.name]["bytes_per_request"] for m in rounds),
                "to_healthz": spread(to_health),
                "to_static": spread(to_static),
                "to_adjacent": spread(adjacent) if adjacent else None,
                "per_round_to_adjacent": adjacent,
                "per_round_to_healthz": to_health,
                "per_round_to_static": to_static,
                "errors": sum(m[endpoint.name]["errors"] for m in rounds),
                "target": None if endpoint.writer else TARGETS.get(endpoint.name),
                # A row with a writer against the same endpoint's quiet run in the same round
                # (issue 19's target: the map, expand and claim keep 80 % at 10 annotations/s).
                "to_quiet": spread(to_quiet)
                if (to_quiet := quiet_ratios(rounds, endpoint))
                else None,
            }
        )
    hang = redis_hang_round(server, quiet, rounds, redis_server, args) if redis_server else None
    return {
        "redis_hang": hang,
        "first_load": first_load(server.port, f"/maps/{BENCH_MAP}/"),
        "static": static,
        "static_bytes": static_bytes,
        "map_page_bytes": page_bytes,
        "rounds": rounds,
        "rows": rows,
        "load_average": loads,
        "writer_saves": saves,
    }


def quiet_ratios(rounds: list[dict[str, dict[str, float]]], endpoint: Endpoint) -> list[float]:
    """Per round, a writer row's requests/s over its quiet endpoint's (the name before " +")."""
    quiet = endpoint.name.split(" +")[0]
    if not endpoint.writer or quiet == endpoint.name:
        return []
    return [
        m[endpoint.name]["rps"] / m[quiet]["rps"] for m in rounds if m.get(quiet, {}).get("rps")
    ]


class OwnRedis:
    """A redis-server of the bench's own on a free loopback port, in memory only."""

    def __init__(self) -> None:
        server = shutil.which("redis-server")
        if not server:
            raise BenchError("--redis-hang needs redis-server (apt-get install redis-server)")
        self.url = f"redis://{HOST}:{free_port()}/0"
        port = urlsplit(self.url).port
        self.process = subprocess.Popen(
            [server, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if self.keys() is not None:
                return
            time.sleep(0.05)
        raise BenchError("redis-server did not start")

    def keys(self) -> int | None:
        import redis

        try:
            return int(redis.Redis.from_url(self.url, socket_timeout=1).dbsize())
        except redis.RedisError:
            return None

    def stop(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        self.process.wait(timeout=10)


def redis_hang_round(
    server: Server, endpoints: list[Endpoint], rounds: list[dict[str, dict[str, float]]],
    redis_server: OwnRedis, args: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    """Every endpoint measured again while Redis hangs; then how soon Redis is used again."""
    redis_server.process.send_signal(signal.SIGSTOP)
    warm = argparse.Namespace(**{**vars(args), "duration": max(args.warmup, 1.0)})
    try:
        hung = {}
        for endpoint in endpoints:  # as in the hot rounds: warmed first, then measured
            run_wrk(server.port, endpoint, warm)
            hung[endpoint.name] = run_wrk(server.port, endpoint, args)
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    back, stored = time.monotonic(), redis_server.keys() or 0
    again = None
    for number in range(600):  # a page no one asked for yet, until Redis holds it
        get(server.port, f"/maps/{BENCH_MAP}/?closed=again-{number}")
        if (redis_server.keys() or 0) > stored:
            again = time.monotonic() - back
            break
        time.sleep(0.1)
    rows = []
    for endpoint in endpoints:
        before = statistics.median(measured[endpoint.name]["rps"] for measured in rounds)
        during = hung[endpoint.name]
        rows.append(
            {
                "name": endpoint.name,
                "rps_before": before,
                "rps_hung": during["rps"],
                "share": during["rps"] / before if before else 0.0,
                "p99_ms": during["p99_ms"],
                "max_ms": during["max_ms"],
                "errors": during["errors"],
            }
        )
    return {"rows": rows, "used_again_after_s": again}


def print_redis_hang(hang: dict[str, Any]) -> None:
    print(
        "\nWhile Redis hangs (SIGSTOP): each endpoint's rate as a share of its median in the"
        " hot rounds (target ≥ 50 %), and its slowest request (target < 1.2 s):"
    )
    print(f"{'endpoint':<22} {'before':>7} {'hung':>7} {'share':>6} {'p99 ms':>7} {'max ms':>7}")
    for row in hang["rows"]:
        met = row["share"] >= 0.5 and row["max_ms"] < 1200 and not row["errors"]
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        print(
            f"{row['name']:<22} {row['rps_before']:>7.0f} {row['rps_hung']:>7.0f}"
            f" {row['share']:>6.0%} {row['p99_ms']:>7.1f} {row['max_ms']:>7.1f}"
            f"  {'met' if met else 'MISSED'}{errors}"
        )
    again = hang["used_again_after_s"]
    print(
        "Redis used again "
        + (f"{again:.1f} s after it answered." if again is not None else "NOT within 60 s.")
    )


def print_hot(hot: dict[str, Any]) -> None:
    print(
        "\nHot pages: median over rounds (min–max); shares of the same round's /healthz and"
        " static rates, and of the short /healthz run just before each endpoint (adjacent):"
    )
    print(
        f"{'endpoint':<22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'size':>7}"
        f"  {'vs /healthz':<15} {'vs adjacent':<15} {'vs static':<15} per round (/healthz)"
        "  target"
    )
    for row in hot["rows"]:
        target = row["target"]
        verdict = ""
        if target:
            met = row["to_healthz"]["median"] >= target
            verdict = f"≥{target:.0%} {'met' if met else 'MISSED'}"
        elif row.get("to_quiet"):
            verdict = f"{format_share(row['to_quiet'])} of quiet"
        rounds = " ".join(f"{share:.0%}" for share in row["per_round_to_healthz"])
        print(
            f"{row['name']:<22} {row['rps']['median']:>7.0f} {row['p50_ms']:>7.1f}"
            f" {row['p99_ms']:>7.1f} {format_bytes(row['bytes']):>7}"
            f"  {format_share(row['to_healthz']):<15} {format_share(row.get('to_adjacent')):<15}"
            f" {format_share(row['to_static']):<15}"
            f" {rounds:<20} {verdict}"
        )
    loads = ", ".join(f"{load:.2f}" for load in hot["load_average"])
    print(
        f"Load average (1 min) after each round: {loads}. The writers wrote"
        f" {hot['writer_saves']} times in the + rows."
    )


def first_load(port: int, path: str) -> list[dict[str, Any]]:
    """Bytes on the wire for the page and the CSS and JS it links, asking for compression."""
    items = []
    paths, index = [path], 0
    while index < len(paths):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            connection.request("GET", paths[index], headers={"Accept-Encoding": "gzip, br"})
            response = connection.getresponse()
            body = response.read()
            head = sum(len(f"{name}: {value}\r\n") for name, value in response.getheaders())
        finally:
            connection.close()
        items.append(
            {
                "path": paths[index],
                "status": response.status,
                "encoding": response.getheader("Content-Encoding", "none"),
                "wire_bytes": head + len(body) + 20,  # + the status line, roughly
            }
        )
        if index == 0:
            html = body.decode("utf-8", errors="replace")
            paths += re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
            paths += re.findall(r'<script src="([^"]+)"', html)
        index += 1
    return items


def print_first_load(items: list[dict[str, Any]]) -> None:
    print(f"\nFirst load of {items[0]['path']} (Accept-Encoding: gzip, br):")
    for item in items:
        print(
            f"  {format_bytes(item['wire_bytes']):>7} on the wire, HTTP {item['status']},"
            f" {item['encoding']:<5} {item['path']}"
        )
    total = sum(item["wire_bytes"] for item in items)
    print(f"  {format_bytes(total):>7} in all (target ≤ {FIRST_LOAD_LIMIT_KB} KB)")


# Growth ---------------------------------------------------------------------------------


def growth_endpoints(slug: str, keys: dict[str, Any]) -> list[Endpoint]:
    hx = {"HX-Request": "true"}
    m = f"/maps/{slug}"
    return [
        Endpoint("home", "/"),
        Endpoint("map", f"{m}/"),
        Endpoint("map focus deepest", f"{m}/?focus={keys['deep']}"),
        Endpoint("expand", f"{m}/tree/{keys['expand']}/?state=open", hx),
        Endpoint("expand branch (thesis)", f"{m}/tree/{keys['thesis']}/?state=branch", hx),
        Endpoint("claim", f"{m}/nodes/{keys['deep']}/"),
        Endpoint("search q=cost", "/search/?q=cost"),
        Endpoint("source (map's)", f"/sources/{keys['source']}/"),
        Endpoint("its argument", f"/sources/{keys['source']}/argument/"),
        Endpoint("diagram", f"{m}/diagram/"),
        Endpoint("export.json", f"{m}/export.json"),
    ]


class PeakWatcher:
    """Samples the workers' RSS every 0.1 s, for workers killed before VmHWM can be read."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.peaks: dict[int, int] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self) -> None:
        while not self.stopping.wait(0.1):
            for pid in self.pids:
                rss = memory(pid).get("VmRSS", 0)
                if rss:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), rss)

    def stop(self) -> dict[int, int]:
        self.stopping.set()
        self.thread.join()
        return self.peaks


def sample_endpoint(server: Server, endpoint: Endpoint, args: argparse.Namespace) -> dict:
    workers = server.worker_pids()
    for pid in workers:
        reset_peak(pid)
    before = {pid: memory(pid).get("VmRSS", 0) for pid in workers}
    watcher = PeakWatcher(workers)
    timeouts = server.timeouts()
    times: list[float] = []
    statuses: list[int] = []
    size = 0
    started = time.monotonic()
    while len(times) < args.samples and (
        not times or time.monotonic() - started < args.sample_budget
    ):
        status, size, seconds = get(server.port, endpoint.path, endpoint.headers, args.timeout + 10)
        times.append(seconds * 1000)
        statuses.append(status)
        if status != 200:
            break  # a worker timed out (or the server failed): once is the finding
    after = {pid: memory(pid) for pid in workers}
    seen = watcher.stop()
    alive = set(server.worker_pids())
    grown = [after[pid].get("VmRSS", 0) - before[pid] for pid in workers if pid in alive]
    # VmHWM is exact but gone with a killed worker; the watcher's samples survive it.
    peaks = [
        max(after[pid].get("VmHWM", 0), seen.get(pid, 0)) - before[pid]
        for pid in workers
        if pid in seen or pid in alive
    ]
    drained = drain(server.port, args.workers)
    blocked = None
    if not args.no_blocking and (statistics.median(times) > 1000 or statuses[-1] != 200):
        blocked = healthz_behind(server, endpoint, args)
        drain(server.port, args.workers)
    return {
        "healthz_behind_two_ms": blocked,
        "name": endpoint.name,
        "path": endpoint.path,
        "first_ms": times[0],
        "median_ms": statistics.median(times),
        "n": len(times),
        "statuses": statuses,
        "bytes": size,
        "rss_before_mb": max(before.values()) / 1e6 if before else 0,
        "rss_growth_mb": max(grown) / 1e6 if grown else None,
        "peak_over_before_mb": max(peaks) / 1e6 if peaks else None,
        "workers_replaced": len(set(workers) - alive),
        "worker_timeouts": server.timeouts() - timeouts,
        "drain_s": drained,
    }


def healthz_behind(server: Server, endpoint: Endpoint, args: argparse.Namespace) -> float:
    """Milliseconds /healthz waits, asked 0.2 s after two requests to a slow endpoint."""
    slow = threading.Thread(
        target=at_once,
        args=(server.port, endpoint.path, args.workers, args.timeout + 10),
        kwargs={"headers": endpoint.headers},
    )
    slow.start()
    time.sleep(0.2)
    seconds = get(server.port, "/healthz", timeout=args.timeout + 20)[2]
    slow.join()
    return seconds * 1000


def growth_cell(row: dict) -> str:
    if row["statuses"][-1] != 200:
        what = f"HTTP {row['statuses'][-1]}" if row["statuses"][-1] else "no answer"
        if row.get("worker_timeouts"):
            what = f"worker timeout ({what})"
        cell = f"{what} after {format_ms(row['first_ms'])}"
    else:
        cell = f"{format_ms(row['median_ms'])} (1st {format_ms(row['first_ms'])}, n={row['n']})"
        cell += f" {format_bytes(row['bytes'])}"
    if row["peak_over_before_mb"] is not None and row["peak_over_before_mb"] >= 5:
        cell += f", peak +{row['peak_over_before_mb']:.0f} MB"
    # After a worker timeout the worker exits just after its 500: what it keeps means nothing.
    if row["statuses"][-1] == 200 and (row["rss_growth_mb"] or 0) >= 5:
        cell += f", keeps +{row['rss_growth_mb']:.0f} MB"
    if row.get("healthz_behind_two_ms") is not None:
        cell += f"; /healthz behind two: {format_ms(row['healthz_behind_two_ms'])}"
    return cell


def print_growth(growth: list[dict[str, Any]]) -> None:
    print(
        "\nGrowth: time to the last byte of one request on loopback, median of n sequential"
        " requests (the first, with cold caches, in brackets), body size, the serving worker's"
        " peak RSS over its RSS before and what it keeps afterwards (shown from 5 MB):"
    )
    for column in growth:
        print(
            f"  {column['label']}: {column['nodes']} nodes in the map, idle worker"
            f" {column['idle_rss_mb']:.0f} MB, load average {column['load_average']:.2f}"
        )
    print()
    print("| endpoint | " + " | ".join(column["label"] for column in growth) + " |")
    print("|---" * (len(growth) + 1) + "|")
    for name in [row["name"] for row in growth[0]["rows"]]:
        cells = [
            growth_cell(next(row for row in column["rows"] if row["name"] == name))
            for column in growth
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


def growth_size(
    base: str, size: int | None, args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, str]]:
    url = database_url(base, size)
    ensure_database(url)
    env = bench_environment(url)
    print(f"\nDatabase {urlsplit(url).path.lstrip('/')} ({size_label(size)}):", flush=True)
    generated = prepare(env, size, args.rebuild)
    return {"url_name": urlsplit(url).path.lstrip("/"), "generated_s": generated}, env


def measure_growth(
    server: Server, slug: str, keys: dict[str, Any], size: int | None, args: argparse.Namespace
) -> dict[str, Any]:
    idle = [memory(pid).get("VmRSS", 0) for pid in server.worker_pids()]
    rows = []
    for endpoint in growth_endpoints(slug, keys):
        rows.append(sample_endpoint(server, endpoint, args))
        print(f"  {endpoint.name:<24} {growth_cell(rows[-1])}", flush=True)
    return {
        "label": size_label(size) if size else "135",
        "nodes": keys["nodes"],
        "idle_rss_mb": max(idle) / 1e6 if idle else 0,
        "load_average": os.getloadavg()[0],
        "rows": rows,
    }


# Main -----------------------------------------------------------------------------------


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
        info, env = growth_size(base, size, args)
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


if __name__ == "__main__":
    sys.exit(main())
