import re

import pytest
from playwright.sync_api import expect

from argmap.debates.models import Node, Source

from .support import axe_violations, wait_for_htmx

pytestmark = pytest.mark.browser
MAP = "/maps/deepseek-r1-sputnik"


def branch_with_grandchildren(live_map):
    return Node.objects.filter(parent=live_map.thesis, children__children__isnull=False).first()


def test_expand_collapse_and_expand_branch_in_place(page, live_map):
    branch = branch_with_grandchildren(live_map)
    child = branch.children.first()
    page.goto(f"{MAP}/")
    toggle = page.locator(f"#toggle-{branch.key}")
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    expect(page.locator(f"#node-{child.key}")).to_be_visible()
    expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "true")
    expect(page).to_have_url(re.compile(rf"\?open={branch.key}$"))
    # The swap kept keyboard focus on the toggle that was pressed.
    assert page.evaluate("document.activeElement.id") == f"toggle-{branch.key}"

    page.locator(f"#toggle-{branch.key}").click()
    expect(page.locator(f"#node-{child.key}")).to_have_count(0)
    expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "false")

    page.locator(f"#branch-{branch.key}").click()
    for pk in Node.objects.subtree_ids(branch):
        expect(page.locator(f"#node-{Node.objects.get(pk=pk).key}")).to_be_attached()
    assert page.watcher.errors == []


def test_keyboard_opens_a_node_with_enter_and_space(page, live_map):
    branch = branch_with_grandchildren(live_map)
    page.goto(f"{MAP}/")
    page.locator(f"#toggle-{branch.key}").focus()
    page.keyboard.press("Space")
    expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "true")
    wait_for_htmx(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#toggle-{branch.key}")).to_have_attribute("aria-expanded", "false")


def test_a_deep_link_opens_with_its_ancestors(page, live_map):
    deep = Node.objects.filter(parent__parent__parent__isnull=False).first()
    page.goto(f"{MAP}/?focus={deep.key}")
    expect(page.locator(f"#node-{deep.key}")).to_be_visible()
    for ancestor in Node.objects.ancestors_of(deep):
        expect(page.locator(f"#toggle-{ancestor.key}")).to_have_attribute("aria-expanded", "true")


def test_toggles_replace_the_address_so_back_leaves_the_map_and_forward_returns(
    page, live_map, live_server
):
    # Opening and closing is reading one page: the address is replaced, not pushed, so Back
    # goes to the page before the map, and Forward brings the tree back as it was.
    branch = branch_with_grandchildren(live_map)
    child = branch.children.first()
    page.goto("/")
    page.goto(f"{MAP}/")
    page.locator(f"#toggle-{branch.key}").click()
    expect(page.locator(f"#node-{child.key}")).to_be_visible()
    wait_for_htmx(page)
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".tree-node")).to_have_count(0)
    page.go_forward()
    expect(page).to_have_url(re.compile(rf"{MAP}/\?open={branch.key}$"))
    expect(page.locator(f"#node-{child.key}")).to_be_visible()


@pytest.fixture
def browser_context_args(request):
    if request.node.get_closest_marker("no_javascript"):
        return {"java_script_enabled": False}
    return {}


@pytest.mark.no_javascript
def test_the_whole_map_can_be_walked_without_javascript(page, live_map):
    deep = Node.objects.filter(parent__parent__parent__isnull=False).first()
    path = [*Node.objects.ancestors_of(deep), deep]  # from the thesis down
    page.goto(f"{MAP}/")
    for parent in path[1:-1]:  # the thesis's children are on the map page already
        # Each toggle is a link to the map with that node open too, landing on it.
        page.locator(f"#toggle-{parent.key}").click()
        expect(page).to_have_url(re.compile(rf"{MAP}/\?open={parent.key}#node-{parent.key}$"))
        expect(page.locator(f"#toggle-{parent.key}")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#node-{deep.key}")).to_be_visible()
    page.locator(f"#node-{deep.key} .node-text a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(deep.text)


def test_a_source_highlight_leads_to_its_node_and_back(page, live_map):
    source = Source.objects.get(kind=Source.Kind.NEWS_ARTICLE)
    anchor = source.anchors.select_related("node").order_by("start", "pk").first()
    page.goto(source.get_absolute_url())
    highlight = page.locator(f'a.hl[href="{anchor.node.get_absolute_url()}"]').first
    highlight.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(anchor.node.text)
    page.locator(f'a[href="{anchor.get_reader_url()}"]').first.click()
    expect(page).to_have_url(re.compile(rf"#anchor-{anchor.pk}$"))
    expect(page.locator(".hl.is-target").first).to_be_visible()
    assert page.watcher.errors == []


def test_search_finds_and_highlights(page, live_map):
    page.goto("/search/")
    page.get_by_label("Words to find").fill("distillation")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results mark").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search/\?q=distillation"))
    page.locator("#search-results .results a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_no_serious_accessibility_violations(page, live_map):
    node = Node.objects.filter(parent__parent__isnull=False).first()
    source = Source.objects.get(kind=Source.Kind.NEWS_ARTICLE)
    pages = ["/", f"{MAP}/", node.get_absolute_url(), source.get_absolute_url(), "/search/?q=chips"]
    problems = {}
    for url in pages:
        page.goto(url)
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}


def test_the_accessibility_audit_can_fail(page, live_map):
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')"
    )
    assert any(problem.startswith("image-alt") for problem in axe_violations(page))
