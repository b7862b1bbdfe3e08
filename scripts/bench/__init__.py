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
   second, add public annotations at 1 or 10 a second, or cast 100 votes a second, through
   the ORM while readers are measured, and give each such row's share of its quiet run in
   the same round (beside votes, issue 20 asks at least 80 %). --only names the endpoints
   to run (with /healthz and the static file).
4. Growth (--sizes): on each size's database, every endpoint that could grow with the map is
   requested --samples times one after another (time to the last byte on loopback), with each
   worker's RSS read before and after and its peak RSS (VmHWM, reset first) recorded. At
   100,000 nodes or more the map then gets votes, and a full recompute of its strengths and
   60 votes cast through gunicorn are timed (strengths.py, issue 20's targets).
5. A hung Redis (--redis-hang): the servers use a redis-server the bench starts itself; after
   the hot rounds it is stopped with SIGSTOP (it accepts connections, answers nothing) and
   every hot endpoint is warmed and measured again, then it is continued and the bench times
   how long until a new page is stored in it again. The table gives each endpoint's rate as a
   share of its median in the hot rounds (issue 22 asks at least 50 %), its p99 and its slowest
   request, in the timed run and in the warm-up before it (where the breaker trips).
Prints the tables and the load average; --json FILE writes everything. Exits 1 when a hot
endpoint answered an error (growth timeouts are findings, not failures).

One module a concern: database (1), server (2: gunicorn, wrk, plain GETs, a Redis of the
bench's own), hot (3 and 5), writers (the processes that write beside the readers in 3),
growth (4), strengths (4, at 100,000 nodes or more: a full recompute of the map's strengths,
and votes cast through gunicorn), report (statistics and tables), cli (options and the run over
sizes). Run it as
`make bench`, `python scripts/bench` or `python -m bench` from scripts/.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_DIR = ROOT / "var" / "bench"
HOST = "127.0.0.1"


class BenchError(Exception):
    """A problem the person running the bench must fix; printed without a traceback."""
