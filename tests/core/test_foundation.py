import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError

from ..conftest import HX

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    message = result.stderr.strip()
    assert message.count("\n") == 0, "one line, not a traceback"
    assert "DJANGO_SECRET_KEY must be set" in message


def test_readme_commands_work_in_a_fresh_shell_of_a_checkout():
    # No DJANGO_* variable at all, as in a new terminal: manage.py runs in development mode.
    result = run_manage("check")
    assert result.returncode == 0, result.stderr


def test_production_wsgi_still_refuses_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import argmap.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_production_worker_loads_every_view_then_freezes_what_it_loaded():
    """argmap.wsgi: what a worker loads at start is kept out of the collector's full passes
    (gc.freeze), views included, so no request pays for scanning it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="testserver")
    script = (
        "import gc, sys; import argmap.wsgi; "
        "print(gc.get_freeze_count(), 'argmap.pages.views' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000 and views_loaded == "True"


def test_development_starts_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("url", ["nosuchdb://x", "postgres://user:pw@[broken/db"])
def test_malformed_database_url_is_one_clear_line(url):
    result = run_manage("check", DJANGO_DEBUG="1", DATABASE_URL=url)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL is malformed" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["memcached://127.0.0.1:11211", "redis://127.0.0.1:port/1", "redis://h/first", "redis://"],
)
def test_malformed_redis_url_is_one_clear_line(url):
    result = run_manage("check", DJANGO_DEBUG="1", REDIS_URL=url)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "REDIS_URL is malformed" in result.stderr


def test_a_redis_url_puts_the_caches_in_redis_and_leaves_the_counters_in_the_database():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['fragments']['BACKEND'], s.CACHES['strengths']['LOCATION'], "
        "'ratelimit' in s.CACHES)"
    )
    env = {**os.environ, "DJANGO_DEBUG": "1", "REDIS_URL": "rediss://cache.internal:6380/2"}
    env["DJANGO_SETTINGS_MODULE"] = "argmap.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "argmap.core.cache.SharedCache",
        "rediss://cache.internal:6380/2",
        "False",
    ], result.stderr


def test_deploy_check_is_clean_with_production_variables():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x9" * 30 + "-production-grade-secret",
        DJANGO_ALLOWED_HOSTS="argmap.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_healthz_reports_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch(
        "argmap.core.views.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_unknown_url_gets_the_sites_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "404 · Not found" in html
    assert 'class="skip-link"' in html, "rendered in the site's own layout"
    assert "Traceback" not in html


@pytest.mark.django_db
def test_htmx_request_for_an_unknown_url_gets_a_small_fragment(client):
    response = client.get("/maps/no-such-map/tree/x/", headers=HX)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<html" not in html
    assert 'role="alert"' in html


@pytest.mark.django_db
def test_every_response_varies_on_hx_request_and_carries_the_csp(client):
    response = client.get("/")
    assert "HX-Request" in response["Vary"]
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
