"""The map in Chromium (issue 13, item 6): collapse all, a sticky path, denser cards with
fewer tab stops."""

import re

import pytest
from playwright.sync_api import expect

from .support import axe_violations, wait_for_htmx

pytestmark = [pytest.mark.browser]

# Inside the tree: the page's other parts (the cruxes, the perspectives) are not cards.
TAB_STOPS = """() => [...document.getElementById('argument-tree').querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter((el) => el.tabIndex >= 0 && !el.disabled && el.checkVisibility()
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
    # Each card now also has its Vote toggle and its strength's explanation link (issue 20):
    # at most six stops a card, where there were four before.
    assert stops < 6 * live_map.nodes.count()
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
    # Contrast is measured on this open map by test_contrast.py (axe's own takes ~30 s here).
    assert axe_violations(page, skip=["color-contrast"]) == []

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


# The open state in the address (issue 13, item 5) ----------------------------------------

SHOWN = "() => [...document.querySelectorAll('.tree-node')].map((node) => node.id)"
EXPANDED = """() => [...document.querySelectorAll('.toggle[aria-expanded=true]')]
  .map((toggle) => toggle.id)"""


def branches_with_grandchildren(live_map):
    return list(live_map.thesis.children.filter(children__children__isnull=False).distinct()[:2])


def test_open_two_branches_close_one_and_reload_keeps_the_other(page, live_map):
    first, second = branches_with_grandchildren(live_map)
    page.goto(live_map.get_absolute_url())
    for branch in (first, second):
        page.locator(f"#toggle-{branch.key}").click()
        expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "true")
    wait_for_htmx(page)
    page.locator(f"#toggle-{first.key}").click()
    expect(page.locator(f"#toggle-{first.key}")).to_have_attribute("aria-expanded", "false")
    wait_for_htmx(page)
    expect(page).to_have_url(re.compile(rf"\?open={second.key}$"))
    page.reload()
    expect(page.locator(f"#toggle-{second.key}")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#toggle-{first.key}")).to_have_attribute("aria-expanded", "false")
    assert page.watcher.errors == []


def test_expand_branch_on_the_thesis_reloads_as_the_same_tree(page, live_map):
    open_everything(page, live_map)
    expect(page).to_have_url(re.compile(rf"\?branch={live_map.thesis.key}$"))
    shown = page.evaluate(SHOWN)
    page.reload()
    expect(page.locator(".tree-node")).to_have_count(len(shown))
    assert page.evaluate(SHOWN) == shown


def test_back_from_a_claim_restores_the_open_tree_and_the_scroll_position(page, live_map):
    first, second = branches_with_grandchildren(live_map)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_map.get_absolute_url())
    page.locator(f"#branch-{first.key}").click()
    wait_for_htmx(page)
    page.locator(f"#toggle-{second.key}").click()
    wait_for_htmx(page)
    deep_child = second.children.first()
    expect(page.locator(f"#node-{deep_child.key}")).to_be_visible()
    shown, expanded = page.evaluate(SHOWN), page.evaluate(EXPANDED)
    # Scroll to the middle of what is open, then follow a claim in view there.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.wait_for_timeout(400)  # the scroll position is saved at most every 200 ms
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 500
    claim = page.evaluate(
        """() => [...document.querySelectorAll('.tree-node .node-text a')].find((link) => {
             const box = link.getBoundingClientRect();
             return box.top > 100 && box.bottom < innerHeight;
           }).getAttribute('href')"""
    )
    page.locator(f".node-text a[href='{claim}']").click()
    page.wait_for_url(f"**{claim}")
    page.go_back()
    expect(page.locator(".tree-node")).to_have_count(len(shown))
    assert page.evaluate(SHOWN) == shown
    assert page.evaluate(EXPANDED) == expanded
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) <= 4")
    page.reload()
    expect(page.locator(".tree-node")).to_have_count(len(shown))
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) <= 4")
    page.go_forward()
    page.wait_for_url(f"**{claim}")
    page.go_back()
    expect(page.locator(".tree-node")).to_have_count(len(shown))
    assert page.watcher.errors == []


def test_without_javascript_a_focus_link_lands_on_the_node_and_expand_branch_opens_it(
    browser, live_server, live_map
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    deep = max(
        live_map.nodes.exclude(parent=None),
        key=lambda node: len(type(node).objects.ancestors_of(node)),
    )
    page.goto(deep.get_absolute_url())
    page.get_by_role("link", name="Show in the map").click()
    expect(page).to_have_url(re.compile(rf"\?focus={deep.key}#node-{deep.key}$"))
    expect(page.locator(f"#node-{deep.key}")).to_be_in_viewport()

    branch = branches_with_grandchildren(live_map)[0]
    page.goto(live_map.get_absolute_url())
    page.locator(f"#branch-{branch.key}").click()
    expect(page).to_have_url(re.compile(rf"\?branch={branch.key}#node-{branch.key}$"))
    for pk in type(branch).objects.subtree_ids(branch):
        key = type(branch).objects.get(pk=pk).key
        expect(page.locator(f"#node-{key}")).to_be_attached()
    expect(page.locator(f"#node-{branch.key}")).to_be_in_viewport()
    # Collapsing it again is a link too, landing on the same node.
    page.locator(f"#toggle-{branch.key}").click()
    expect(page).to_have_url(re.compile(rf"/#node-{branch.key}$"))
    expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "false")
    context.close()


# Quote chips read as the reader shows the text (issue 26, item 7) ------------------------

CHIP_PROBLEMS = """() => [...document.querySelectorAll('.chip-quote, .xlink-quote > p')]
  .map((el) => el.innerText)
  .filter((text) => /\\*|(^|\\s)_|_(\\s|$)|^\\s*“\\s*["“”]|["“”]\\s*”/.test(text))"""


def test_quote_chips_show_no_markup_and_no_doubled_quote_marks(page, live_map):
    open_everything(page, live_map)
    chips = page.locator(".chip-quote")
    problems = page.evaluate(CHIP_PROBLEMS)
    print(f"{len(problems)} of {chips.count()} chips show markup or doubled quote marks")
    assert chips.count() > 100
    assert problems == []
    # Formatting is shown as formatting, and each chip still opens the reader at its quote.
    bold = page.locator(".chip-quote .md-b").first
    expect(bold).to_be_visible()
    href = bold.locator("xpath=ancestor::a[1]").get_attribute("href")
    assert re.fullmatch(r"/sources/[\w-]+/\?anchor=\d+#anchor-\d+", href)
