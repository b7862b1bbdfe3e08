"""The map in Chromium (issue 13, item 6): collapse all, a sticky path, denser cards with
fewer tab stops."""

import re

import pytest
from playwright.sync_api import expect

from .browser_support import axe_violations, wait_for_htmx

pytestmark = [pytest.mark.browser]

TAB_STOPS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter((el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length
          && getComputedStyle(el).visibility !== 'hidden').length"""


def open_everything(page, live_map):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_map.get_absolute_url())
    page.locator(f"#branch-{live_map.thesis.key}").click()
    wait_for_htmx(page)
    expect(page.locator(".tree-node")).to_have_count(live_map.nodes.count())


def test_a_fully_open_map_has_fewer_tab_stops_and_one_line_of_actions(page, live_map):
    open_everything(page, live_map)
    stops = page.evaluate(TAB_STOPS)
    print(f"tab stops of the fully open map: {stops} for {live_map.nodes.count()} nodes")
    # Once the whole branch is open, "Expand branch" would open nothing and is not offered.
    expect(page.locator(".branch-toggle")).to_have_count(0)
    assert stops < 4 * live_map.nodes.count()
    card = page.locator(f"#node-{live_map.thesis.key} > .node-card")
    actions = card.locator(".node-actions").bounding_box()
    annotate = card.locator(".annotation-toggle").bounding_box()
    assert abs(actions["y"] + actions["height"] / 2 - (annotate["y"] + annotate["height"] / 2)) < 8


def test_collapse_all_and_the_sticky_path(page, live_map):
    open_everything(page, live_map)
    deep = max(
        live_map.nodes.exclude(parent=None),
        key=lambda node: len(type(node).objects.ancestors_of(node)),
    )
    page.locator(f"#node-{deep.key}").scroll_into_view_if_needed()
    page.evaluate(f"document.getElementById('node-{deep.key}').scrollIntoView({{block: 'start'}})")
    path = page.locator("#tree-path")
    expect(path).to_be_visible()
    expect(path.locator("a").first).to_have_attribute("href", f"#node-{live_map.thesis.key}")
    assert path.locator("a").count() >= 3
    tools = page.locator(".tree-tools").bounding_box()
    assert tools["y"] == 0  # stuck to the top of the screen
    assert axe_violations(page) == []

    page.get_by_role("button", name="Collapse all").click()
    wait_for_htmx(page)
    expect(page.locator(".tree-node")).to_have_count(1 + live_map.thesis.children.count())
    expect(page).to_have_url(re.compile(rf"{live_map.get_absolute_url()}$"))


def test_collapse_all_without_javascript_is_a_link_to_the_map(browser, live_server, live_map):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    child = live_map.thesis.children.first()
    page.goto(f"{live_map.get_absolute_url()}?focus={child.key}")
    page.get_by_role("button", name="Collapse all").click()
    expect(page).to_have_url(re.compile(rf"{live_map.get_absolute_url()}$"))
    context.close()
