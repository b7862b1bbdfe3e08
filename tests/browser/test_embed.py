"""Links that travel, in Chromium: a claim card embedded in a page of another origin, while the
claim page itself refuses to be framed; the API's docs page under the site's strict CSP."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser
SLUG, KEY = "deepseek-r1-sputnik", "not-sputnik-gpu-gap"


@pytest.fixture
def other_origin(live_server):
    """A blog on another loopback origin (another port) whose page frames the card and the
    claim page."""
    base = f"{live_server.url}/maps/{SLUG}/nodes/{KEY}"
    html = (
        "<!DOCTYPE html><html lang='en'><head><title>A blog</title></head><body>"
        "<h1>A blog post</h1>"
        f"<iframe id='card' title='card' src='{base}/embed/?theme=dark' width='560' "
        "height='480'></iframe>"
        f"<iframe id='page' title='page' src='{base}/' width='560' height='200'></iframe>"
        "</body></html>"
    ).encode()

    class Blog(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Blog)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_the_claim_card_embeds_in_another_origins_page_and_the_claim_page_does_not(
    page, live_map, other_origin
):
    claim = live_map.nodes.get(key=KEY)
    page.goto(other_origin)
    card = page.frame_locator("#card")
    card.get_by_text(claim.text).wait_for()
    assert card.get_by_role("link", name="See the whole argument on Argmap").count() == 1
    assert card.locator("blockquote").count() >= 1
    frames = {frame.name or frame.url: frame for frame in page.frames}
    embedded = next(f for f in page.frames if f.url.endswith("/embed/?theme=dark"))
    assert embedded.evaluate("document.scripts.length") == 0  # no JavaScript in the card
    dark = embedded.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark == "rgb(21, 23, 26)"
    # The claim page itself forbids framing (frame-ancestors 'none', X-Frame-Options DENY).
    framed_page = next(f for f in page.frames if f is not page.main_frame and f is not embedded)
    assert claim.text not in framed_page.content()
    assert frames


def test_the_api_docs_page_renders_from_our_own_files_under_the_csp(page, live_map):
    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    assert page.watcher.foreign_requests == []
    assert [error for error in page.watcher.errors if "Content Security Policy" in error] == []
