"""Playwright in Debian's Chromium, shared by every browser test."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# Chromium reaches for Google's services unless told not to; this machine has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip():
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests, but {CHROMIUM} is missing")
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")


class PageWatcher:
    """Collects console errors, page errors and any request that leaves the test server."""

    def __init__(self, page, server_url):
        self.errors = []
        self.foreign_requests = []
        server = urlsplit(server_url).netloc
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))

        def check_request(request):
            parts = urlsplit(request.url)
            if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != server:
                self.foreign_requests.append(request.url)

        page.on("request", check_request)


def axe_violations(page, impacts=("serious", "critical")):
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes: "
        f"{violation['nodes'][0]['target']})"
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]


def wait_for_htmx(page):
    """Wait until htmx has swapped and settled everything it was asked for."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def log_in(page, username, then="/"):
    """Log in through the site's form as a person does, landing on then."""
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{then}")
