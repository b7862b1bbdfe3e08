"""Fixtures of the browser tests: one Chromium a session, a fresh context a test."""

import os

import pytest
from playwright.sync_api import expect

from ..conftest import load_seed_map
from .support import CHROMIUM, CHROMIUM_ARGS, PageWatcher, chromium_or_skip

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

# An assertion waits as long as an action does (the context's 10 s below), not Playwright's
# 5 s: on a loaded CI machine a write and its swap (a whole reader re-rendered) once took
# longer than 5 s, and the test failed on a page that was still coming.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser():
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_context_args():
    return {}


@pytest.fixture
def page(browser, live_server, browser_context_args):
    context = browser.new_context(base_url=live_server.url, **browser_context_args)
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    new_page.watcher = PageWatcher(new_page, live_server.url)
    yield new_page
    context.close()


@pytest.fixture
def live_map(transactional_db, live_server):
    """The seed map, committed, for a browser test's server."""
    return load_seed_map()
