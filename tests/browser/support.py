"""Playwright in Debian's Chromium, shared by every browser test."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js"
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


def axe_violations(page, impacts=("serious", "critical"), skip=()):
    """axe's serious findings; skip names rules not to run (on a very long page, axe's own
    color-contrast takes over a minute: contrast_failures measures the same, and more)."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    # resultTypes: the nodes that pass are not collected, only counted (a fully open map's
    # thousands of passing nodes made a run several times slower); violations come whole.
    options = {
        "rules": {rule: {"enabled": False} for rule in skip},
        "resultTypes": ["violations"],
    }
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
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


# WCAG contrast of every visible text on the page, measured against what is painted behind it:
# axe skips text over translucent or layered backgrounds (a tinted card inside a tinted panel),
# and those are where a colour scheme goes wrong. Each text's colour (its opacity and every
# ancestor's applied) is blended over its effective background: the ancestors' background colours
# from the first opaque one down, each translucent one laid over the one below it.
CONTRAST = """() => {
  const parse = (value) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(value);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let at = el; at; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    // Nothing opaque up to the root: the canvas, which is white in the light scheme.
    let result = layers.length && layers[layers.length - 1][3] >= 1
      ? layers.pop() : [255, 255, 255, 1];
    while (layers.length) result = over(layers.pop(), result);
    return result;
  };
  const opacity = (el) => {
    let value = 1;
    for (let at = el; at; at = at.parentElement) value *= Number(getComputedStyle(at).opacity);
    return value;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || el.closest('[aria-hidden=true]:not(svg)')) return false;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false; // visually hidden, for screen readers
    return el.closest('.visually-hidden') === null;
  };
  const failures = [];
  let checked = 0;
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || seen.has(el) || !el || el.closest('script, style, option')) continue;
    seen.add(el);
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const svg = el instanceof SVGElement;
    let colour = parse(svg ? style.fill : style.color);
    colour = [colour[0], colour[1], colour[2], colour[3] * opacity(el)];
    // SVG text sits on the shape drawn before it in its group (a box's rectangle), if any.
    const shape = svg ? el.parentElement.querySelector(':scope > rect') : null;
    const fill = shape ? parse(getComputedStyle(shape).fill) : null;
    const back = background(el);
    const ground = fill && fill[3] > 0 ? over(fill, back) : back;
    const ratio = (() => {
      const a = luminance(over(colour, ground)), b = luminance(ground);
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    })();
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    checked += 1;
    if (ratio < needed) {
      failures.push({
        text: node.data.trim().slice(0, 50), ratio: Math.round(ratio * 100) / 100, needed,
        color: style.color,
        background: 'rgb(' + ground.slice(0, 3).map(Math.round).join(', ') + ')',
        element: el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
          ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''),
      });
    }
  }
  return {checked, failures};
}"""


def contrast_failures(page):
    """Every visible text on the page below WCAG AA (4.5:1, 3:1 for large text) against its
    effective background, as dicts (text, ratio, needed, color, background, element). Fails
    when it finds no text at all, so a blank page cannot pass."""
    result = page.evaluate(CONTRAST)
    assert result["checked"] > 0, "no visible text to measure"
    return result["failures"]
