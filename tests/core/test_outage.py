"""A database outage: the app's own 503 page within 2 s, nothing stored, recovery by itself.

The tests start a PostgreSQL 15 of their own (initdb into a temporary folder, pg_ctl on a
free port) and serve the app from it with gunicorn and production settings. One stops the
database, the other hangs it (SIGSTOP: it accepts connections and answers nothing); each
checks every kind of request, lets the database run again and times the recovery. The
shared cluster is never touched.
"""

import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "a-long-enough-passphrase"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A throwaway cluster; as root it runs as the postgres user, which initdb requires."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "argmap", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "60",
            "-l", str(self.folder / "log"), "start",
        )  # fmt: skip

    def stop(self) -> None:
        self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def hang(self) -> list[int]:
        """Stop the server's processes (the postmaster first, so it forks no new backend)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGSTOP)
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        stopped = [postmaster, *map(int, children)]
        for pid in stopped[1:]:
            os.kill(pid, signal.SIGSTOP)
        return stopped

    def resume(self, stopped: list[int]) -> None:
        for pid in reversed(stopped):
            os.kill(pid, signal.SIGCONT)

    @property
    def url(self) -> str:
        return f"postgres://argmap@127.0.0.1:{self.port}/postgres"


class Browser:
    """A cookie-keeping HTTP client that reports status, time and body without raising."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, path, data=None, headers=None, method=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + "/", **(headers or {})}
        # Always http://127.0.0.1:port: the app this test started.
        request = urllib.request.Request(self.base + path, body, headers, method=method)  # noqa: S310
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:  # noqa: S310
                status, text, got = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, got = error.code, error.read().decode(), error.headers
        return status, time.monotonic() - started, text, got


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.fixture(scope="module")
def cluster():
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL 15 binaries are missing from {PG_BIN}")
        pytest.skip(f"PostgreSQL 15 binaries are missing from {PG_BIN}")
    folder = Path(tempfile.mkdtemp(prefix="argmap-outage-"))
    server = PrivatePostgres(folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        subprocess.run(
            [*server.as_user, str(PG_BIN / "pg_ctl"), "-D", str(server.data), "-m", "immediate",
             "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def app(cluster):
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "outage-test-key-" + "x" * 40,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "CRITICAL",
        "STATIC_ROOT": str(cluster.folder / "static"),
        # A hung database costs the first request this and a second (argmap.lib.database).
        "DATABASE_STATEMENT_TIMEOUT": "1",
    }
    manage(env, "collectstatic", "--no-input", "-v", "0")  # production serves hashed files
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed", "-v", "0")
    manage(
        env, "shell", "-c",
        "from argmap.accounts.models import User; "
        f"User.objects.create_user('alice', password='{PASSWORD}')",
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "argmap.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if Browser(base).request("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_outage_gets_fast_503_pages_stores_nothing_and_heals_by_itself(cluster, app):
    base, env = app
    visitor, alice = Browser(base), Browser(base)
    alice.request("/accounts/login/")
    status, *_ = alice.request(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/"}
    )
    assert status == 200  # followed the redirect home
    first_claim = "Node.objects.exclude(parent=None).values_list('pk', flat=True).first()"
    node_pk = manage(
        env, "shell", "-c", f"from argmap.debates.models import Node; print({first_claim})"
    )
    note = {"node": node_pk, "kind": "comment", "body": "In the outage.", "visibility": "public"}
    assert alice.request("/")[0] == 200 and visitor.request("/")[0] == 200
    # The visitor opens the log-in form before the outage, as a person would: anonymous
    # pages carry no CSRF token (fragments.py, point 6), the form sets the cookie.
    assert visitor.request("/accounts/login/")[0] == 200

    cluster.stop()
    checks = {
        "home, anonymous": lambda: visitor.request("/"),
        "home, logged in": lambda: alice.request("/"),
        "map, logged in": lambda: alice.request("/maps/deepseek-r1-sputnik/"),
        "htmx fragment": lambda: alice.request(
            f"/nodes/{node_pk}/annotations/", headers={"HX-Request": "true"}
        ),  # fmt: skip
        "post an annotation": lambda: alice.request("/annotations/new/", note),
        "log in": lambda: visitor.request(
            "/accounts/login/", {"username": "alice", "password": PASSWORD}
        ),  # fmt: skip
        "healthz": lambda: visitor.request("/healthz"),
        "HEAD healthz": lambda: visitor.request("/healthz", method="HEAD"),
    }
    slowest = 0.0
    for name, check in checks.items():
        for _ in range(2):  # the first request finds the dead connection, the next the empty pool
            status, seconds, text, headers = check()
            slowest = max(slowest, seconds)
            assert status == 503, (name, status, text[:300])
            assert seconds < 2, (name, seconds)
            assert headers["Retry-After"], name
            if name.startswith("healthz"):
                assert '"database": "unreachable"' in text
            elif not name.startswith("HEAD"):
                assert "cannot reach its database" in text, name
                assert ("<html" in text) != (name == "htmx fragment"), name
    print(f"outage: slowest answer {slowest:.2f} s")

    cluster.start()
    back = time.monotonic()
    while visitor.request("/healthz")[0] != 200 or alice.request("/")[0] != 200:
        assert time.monotonic() - back < 20, "the app did not recover within 20 s"
        time.sleep(0.2)
    print(f"recovered {time.monotonic() - back:.1f} s after the database came back")
    status, _, text, _ = alice.request("/")
    assert status == 200 and "alice" in text  # the session survived the outage
    count = manage(env, "shell", "-c", "from argmap.annotations.models import Annotation; "
                   "print(Annotation.objects.count())")  # fmt: skip
    assert count.strip() == "0"  # the post made during the outage was not stored


def test_a_hung_database_gets_503_pages_within_its_bound_and_heals_by_itself(cluster, app):
    base, env = app
    visitor, alice = Browser(base), Browser(base)
    alice.request("/accounts/login/")
    alice.request("/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/"})
    assert alice.request("/")[0] == 200 and visitor.request("/healthz")[0] == 200

    stopped = cluster.hang()
    try:
        checks = {
            "healthz": lambda: visitor.request("/healthz"),
            "map, anonymous": lambda: visitor.request("/maps/deepseek-r1-sputnik/"),
            "home, logged in": lambda: alice.request("/"),
            "post an annotation": lambda: alice.request(
                "/annotations/new/", {"node": "1", "kind": "comment", "body": "Hung."}
            ),  # fmt: skip
        }
        timings = {}
        for name, check in checks.items():
            for attempt in range(2):
                status, seconds, text, headers = check()
                timings[f"{name} {attempt}"] = round(seconds, 2)
                assert status == 503, (name, status, text[:300])
                assert headers["Retry-After"], name
                if name == "healthz":
                    assert '"database": "unreachable"' in text
                else:
                    assert "cannot reach its database" in text, name
        print(f"hung: {timings}")
        # Without a bound the first request waited for as long as the database was stopped.
        # With one, the first waits the client-side deadline (the statement_timeout of 1 s
        # and a second), or the pool's 1 s, or a new connection's 2 s; the process's breaker
        # then answers the others without waiting on the database again.
        first, *others = timings.values()
        assert first < 4.5
        assert max(others) < 2.5
    finally:
        cluster.resume(stopped)

    back = time.monotonic()
    while visitor.request("/healthz")[0] != 200 or alice.request("/")[0] != 200:
        assert time.monotonic() - back < 20, "the app did not recover within 20 s"
        time.sleep(0.2)
    print(f"recovered {time.monotonic() - back:.1f} s after the database answered again")
    status, _, text, _ = alice.request("/")
    assert status == 200 and "alice" in text  # the session survived
