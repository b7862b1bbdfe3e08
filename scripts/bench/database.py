"""The bench's PostgreSQL databases: one per map size, migrated, seeded and generated once."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import BENCH_DIR, HOST, PYTHON, ROOT, BenchError

LOCAL_DATABASE_URL = "postgres://argmap:argmap@127.0.0.1:5432/argmap_bench"
SEED_MAP = "deepseek-r1-sputnik"
BENCH_MAP = "bench"


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
        # The read API's rows: every request still counted (a write, as in production), but
        # wrk's one address is never refused, which would time 429s instead of reads.
        ARGMAP_API_LIMIT="1000000000/60",
        ARGMAP_VOTE_LIMIT="1000000000/60",  # the strengths rows' votes, as the API's reads
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
# Similar claims are asked for a paraphrase: a node's words, the first few dropped.
similar_text = " ".join(deep.text.split()[2:14])
print(json.dumps({"thesis": thesis.key, "expand": expand.key, "deep": deep.key,
                  "similar_text": similar_text,
                  "source": source.slug, "seed_source": seed_source.slug,
                  "nodes": nodes.count(), "keys": list(nodes.values_list("key", flat=True))}))
"""


def pick_keys(env: dict[str, str], slug: str) -> dict[str, Any]:
    return django_json(env, PICK_KEYS % {"slug": slug, "seed": SEED_MAP})


CLEAR_SHARED_CACHE = "from django.core.cache import caches; caches['fragments'].clear()"


def database_for(
    base: str, size: int | None, args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, str]]:
    url = database_url(base, size)
    ensure_database(url)
    env = bench_environment(url)
    print(f"\nDatabase {urlsplit(url).path.lstrip('/')} ({size_label(size)}):", flush=True)
    generated = prepare(env, size, args.rebuild)
    return {"url_name": urlsplit(url).path.lstrip("/"), "generated_s": generated}, env
