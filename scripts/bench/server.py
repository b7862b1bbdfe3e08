"""gunicorn as production runs it, and the clients that load it: wrk and plain GETs."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import BENCH_DIR, HOST, PYTHON, ROOT, BenchError

WRK = "/usr/bin/wrk"
WRK_MARK = "BENCH-JSON "

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


def require_wrk() -> None:
    if not shutil.which(WRK) and not shutil.which("wrk"):
        raise BenchError("wrk is missing: install Debian's package with `apt-get install wrk`.")


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


@dataclass
class Endpoint:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    paths: list[str] | None = None  # a spread of keys: one picked at random per request
    # Measured while a writer runs (WRITERS): a curator's edit a second, public annotations
    # at 1 or 10 a second, or 100 votes a second; "" for none.
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
