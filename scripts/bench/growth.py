"""Growth: each page that could grow with the map, timed once after another, with memory."""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from typing import Any
from urllib.parse import quote

from .database import size_label
from .report import growth_cell
from .server import Endpoint, Server, at_once, drain, get, memory, reset_peak


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
        Endpoint("its argument", f"/sources/{keys['source']}/argument/?map={slug}"),
        # The propose form's "Already in the map?" list (issue 24: < 150 ms at 100,000 nodes).
        Endpoint(
            "similar claims",
            f"{m}/nodes/{keys['deep']}/propose/similar/?text={quote(keys['similar_text'])}",
            hx,
        ),
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
