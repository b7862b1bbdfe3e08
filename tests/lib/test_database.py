"""Every wait on PostgreSQL has a bound (argmap.lib.database).

The server's own bounds are set per connection through DATABASES' OPTIONS; a server that
does not answer at all is played by a proxy in front of the shared PostgreSQL that stops
passing bytes on (it still accepts and holds connections, as a stopped server's kernel does).
tests/core/test_outage.py hangs a whole PostgreSQL of its own under gunicorn.
"""

import contextlib
import os
import selectors
import socket
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test import Client

from argmap.annotations.models import Annotation
from argmap.lib.database import (
    DatabaseTimeout,
    bounded_connection_class,
    server_options,
    streamed_with_longer_bound,
)
from argmap.settings import database_from_env

from ..annotations.conftest import client_for
from ..factories import UserFactory

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in {"postgres", "postgresql", "pgsql"},
    reason="the bounds are PostgreSQL's; SQLite has no server to hang",
)


def test_the_settings_bound_every_statement_and_lock_wait(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/argmap?options=-c%20a=b")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "2.5")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT", "0.5")
    options = database_from_env()["OPTIONS"]
    assert options["options"] == "-c a=b -c statement_timeout=2500 -c lock_timeout=500"
    assert options["pool"]["connection_class"].bound == 3.5  # a second after the server's own
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")  # none (management commands)
    assert database_from_env()["OPTIONS"]["pool"]["connection_class"].bound is None


def test_the_app_connection_carries_the_server_bounds(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    expected = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5"))
    assert statement == f"{expected:g}s" and lock != "0"


class HangingProxy:
    """Passes bytes between its clients and PostgreSQL until hang(); then holds them."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hung = threading.Event()
        self.stopped = threading.Event()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopped.is_set():
            for key, _ in self.selector.select(0.05):
                if key.fileobj is self.listener:
                    client, _ = self.listener.accept()
                    server = socket.create_connection(self.target)
                    self.selector.register(client, selectors.EVENT_READ, server)
                    self.selector.register(server, selectors.EVENT_READ, client)
                elif not self.hung.is_set():
                    with contextlib.suppress(OSError):
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if data:
                            key.data.sendall(data)
            if self.hung.is_set():
                time.sleep(0.05)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]


@pytest.fixture
def proxy():
    settings = connection.settings_dict
    hanging = HangingProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    yield hanging
    hanging.close()


def test_a_server_that_stops_answering_costs_one_deadline_then_nothing(db, proxy):
    settings = connection.settings_dict
    bounded = bounded_connection_class(0.5)
    params = {
        "host": "127.0.0.1",
        "port": proxy.port,
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "autocommit": True,
    }
    first, second = bounded.connect(**params), bounded.connect(**params)
    assert first.execute("SELECT 1").fetchone() == (1,)
    proxy.hung.set()
    started = time.monotonic()
    with pytest.raises(DatabaseTimeout, match="did not answer within 0.5 s"):
        first.execute("SELECT 1")
    assert 0.5 <= time.monotonic() - started < 1.5
    assert first.closed  # its state is unknown: never handed out again
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="not asked just now"):
        second.execute("SELECT 1")  # the process's breaker: no second wait
    assert time.monotonic() - started < 0.1
    second.close()


def test_a_lock_held_too_long_answers_the_503_page(transactional_db):
    """lock_timeout from OPTIONS: an annotation waiting on a node that another transaction
    holds is refused with the 503 page after the bound, not left to wait for the holder."""
    from django.db import transaction

    from argmap.debates.models import Node

    from ..factories import NodeFactory

    node = NodeFactory()
    options = connection.settings_dict["OPTIONS"]
    saved = options["options"]
    connection.close_pool()
    options["options"] = server_options(5, 0.3)
    connection.close()  # the test client keeps this thread's connection: take a new one
    held, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Node.objects.select_for_update().get(pk=node.pk)
            held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(10)
        author = client_for(UserFactory())
        author.raise_request_exception = False
        started = time.monotonic()
        data = {"node": node.pk, "kind": "comment", "body": "Held.", "visibility": "public"}
        response = author.post("/annotations/new/", data)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(10)
        connection.close_pool()
        options["options"] = saved
        connection.close()
    assert response.status_code == 503, response.content[:300]
    assert "too busy to answer" in response.content.decode()
    assert response["Retry-After"]
    assert waited < 3  # the lock's 0.3 s and the request, not the holder's 10 s
    assert not Annotation.objects.exists()  # nothing half stored
    assert Client().get("/healthz").status_code == 200


def test_an_export_widens_its_own_bound_while_it_streams(db):
    def pieces():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            yield cursor.fetchone()[0]

    def statement_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = statement_timeout()
    assert list(streamed_with_longer_bound(pieces(), 60)) == ["1min"]
    assert statement_timeout() == before
