"""The first request after a write, in process: every page a reader sees, rendered cold.

Run alone with the bench's environment (DATABASE_URL of a bench database, DJANGO_DEBUG=0,
a DJANGO_SECRET_KEY), from scripts/: `python -m bench.after_write SLUG [SAMPLES [WORDS]]`,
WORDS a comma-separated list of words of the pages' names to measure (all by default).
Each page is asked once first, untimed, as a running server has (its first-ever view
computes strengths on the request). Then, SAMPLES times, one node's position is written
again through the ORM (QuerySet.update), which changes the map's structure token as a
curator's edit does, and the page is asked cold; then once more (a hit). Requests come from
a visitor without a session (Django's test client), with their queries and SQL time
captured. The strengths a structure change makes stale are recomputed off the request (a
thread); the bench waits for it before the next write, so one page's figure does not
include another's recompute. Prints a line a page, and one JSON line of everything.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def pages(slug: str, keys: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    hx = {"HTTP_HX_REQUEST": "true"}
    m = f"/maps/{slug}"
    return [
        ("home", "/", {}),
        ("map page", f"{m}/", {}),
        ("map page focused on the deepest node", f"{m}/?focus={keys['deep']}", {}),
        ("expand", f"{m}/tree/{keys['expand']}/?state=open", hx),
        ("claim page (deepest node)", f"{m}/nodes/{keys['deep']}/", {}),
        ("diagram", f"{m}/diagram/", {}),
        ("search q=cost", "/search/?q=cost", {}),
        ("source reader", f"/sources/{keys['source']}/?map={slug}", {}),
        ("a source's argument", f"/sources/{keys['source']}/argument/?map={slug}", {}),
    ]


def settle() -> None:
    """Wait for the recomputes a write started (strengths, off the request, in threads
    named with strengths.THREAD_PREFIX)."""
    from argmap.evaluation.strengths import THREAD_PREFIX

    for thread in threading.enumerate():
        if thread.name.startswith(THREAD_PREFIX):
            thread.join()


def measure(slug: str, samples: int, only: str = "") -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count, F
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from argmap.debates.models import Node, Source

    nodes = Node.objects.filter(map__slug=slug)
    thesis = nodes.get(parent__isnull=True)
    expand = (
        nodes.filter(parent=thesis)
        .annotate(k=Count("children"))
        .filter(k__gt=0)
        .order_by("position")
        .first()
    )
    deep = nodes.order_by("-id").first()
    source = (
        Source.objects.filter(anchors__node__map__slug=slug)
        .annotate(a=Count("anchors"))
        .order_by("-a")
        .first()
    )
    assert expand and deep and source
    keys = {"expand": expand.key, "deep": deep.key, "source": source.slug}
    client = Client()
    written = nodes.filter(pk=deep.pk)
    rows = []
    for name, path, headers in pages(slug, keys):
        if only and not any(word in name for word in only.split(",")):
            continue
        cold, queries, sql_ms = [], [], []
        size = status = 0
        client.get(path, **headers)  # a server that has served it (strengths kept) before
        settle()
        for _ in range(samples):
            written.update(position=F("position"))  # a curator's edit: a new structure token
            settle()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, **headers)
                cold.append((time.perf_counter() - started) * 1000)
            status, size = response.status_code, len(response.content)
            queries.append(len(captured))
            sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        settle()
        started = time.perf_counter()
        client.get(path, **headers)
        hit = (time.perf_counter() - started) * 1000
        rows.append(
            {
                "name": name,
                "path": path,
                "status": status,
                "cold_ms": cold,
                "cold_median_ms": statistics.median(cold),
                "hit_ms": hit,
                "queries": queries,
                "sql_ms": sql_ms,
                "bytes": size,
            }
        )
        print(
            f"  {name:<38} cold {min(cold):6.0f}–{max(cold):6.0f} ms  hit {hit:5.1f} ms"
            f"  {queries[-1]:3d} queries ({sql_ms[-1]:5.0f} ms SQL)  {size / 1000:5.0f} KB"
            f"  [{status}]",
            file=sys.stderr,
            flush=True,
        )
    return {
        "slug": slug,
        "nodes": nodes.count(),
        "samples": samples,
        "load_average": os.getloadavg(),
        "rows": rows,
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench" / "static"))  # collectstatic's
    # Set up as production's workers are (argmap.wsgi: Django, the URLconf, then gc.freeze()).
    importlib.import_module("argmap.wsgi")
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's captured responses; DEBUG stays off
    slug = sys.argv[1] if len(sys.argv) > 1 else "bench"
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    only = sys.argv[3] if len(sys.argv) > 3 else ""  # pages whose names hold one of these words
    print(json.dumps(measure(slug, samples, only)))


if __name__ == "__main__":
    main()
