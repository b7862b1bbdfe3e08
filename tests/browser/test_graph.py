"""The argument graph in Chromium: undercuts, cross-links, voices, one document's argument."""

import re

import pytest
from playwright.sync_api import expect

from argmap.debates.models import Anchor, Link, Node, Source

from .support import axe_violations, wait_for_htmx

pytestmark = pytest.mark.browser
MAP = "/maps/deepseek-r1-sputnik"


@pytest.fixture
def browser_context_args(request):
    if request.node.get_closest_marker("no_javascript"):
        return {"java_script_enabled": False}
    return {}


def test_a_cross_link_opens_the_other_node_in_place(page, live_map):
    link = Link.objects.filter(kind=Link.Kind.CONTRADICTS).select_related("from_node").first()
    near, far = link.from_node, link.to_node
    page.goto(near.get_absolute_url())
    item = page.locator(f"#xlink-{near.key}-{far.key}")
    expect(item).to_contain_text("Contradicted by")
    item.get_by_role("link", name=re.compile(re.escape(far.text[:30]))).click()
    expect(item.locator(".xlink-card")).to_be_visible()
    expect(item.locator(".xlink-card")).to_contain_text(far.text)
    expect(page).to_have_url(re.compile(rf"/nodes/{near.key}/$"))  # in place: no navigation
    link_to_far = item.get_by_role("link", name=re.compile(re.escape(far.text[:30]))).first
    expect(link_to_far).to_have_attribute("aria-expanded", "true")
    wait_for_htmx(page)
    link_to_far.click()
    expect(item.locator(".xlink-card")).to_have_count(0)
    expect(item.get_by_role("link").first).to_have_attribute("aria-expanded", "false")
    assert page.watcher.errors == []


@pytest.mark.no_javascript
def test_without_javascript_a_cross_link_is_a_link_to_the_other_node(page, live_map):
    link = Link.objects.filter(kind=Link.Kind.SAME_POINT).select_related("from_node").first()
    near, far = link.to_node, link.from_node
    page.goto(near.get_absolute_url())
    page.locator(f"#xlink-{near.key}-{far.key} > a").click()
    expect(page).to_have_url(re.compile(rf"/nodes/{far.key}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(far.text)
    # And the other node names this one back.
    expect(page.locator(f"#xlink-{far.key}-{near.key}")).to_contain_text("Same point as")


def test_an_undercut_opens_under_its_parent_set_apart(page, live_map):
    undercut = Node.objects.filter(relation=Node.Relation.UNDERCUTS).select_related("parent")
    undercut = undercut.first()
    page.goto(f"{MAP}/?focus={undercut.parent.key}")
    group = page.locator(f"#children-{undercut.parent.key} > .child-groups > .group-undercuts")
    expect(group).to_be_visible()
    card = group.locator(f"#node-{undercut.key}")
    expect(card).to_contain_text("Undercuts the link:")
    expect(card).to_contain_text(undercut.parent.text[:40])


def test_supporting_and_opposing_children_sit_side_by_side_on_wide_screens_only(page, live_map):
    node = (
        Node.objects.filter(children__relation="supports")
        .filter(children__relation="opposes")
        .filter(parent__kind=Node.Kind.THESIS)  # a first-level branch: a wide column
        .first()
    )
    groups = f"#children-{node.key} > .child-groups"
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(node.get_absolute_url())
    wide_for = page.locator(".child-groups > .group-supports").first.bounding_box()
    wide_against = page.locator(".child-groups > .group-opposes").first.bounding_box()
    assert wide_against["x"] > wide_for["x"] + wide_for["width"] - 1  # beside it
    assert abs(wide_against["y"] - wide_for["y"]) < 2
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(node.get_absolute_url())
    narrow_for = page.locator(".child-groups > .group-supports").first.bounding_box()
    narrow_against = page.locator(".child-groups > .group-opposes").first.bounding_box()
    assert narrow_against["y"] >= narrow_for["y"] + narrow_for["height"] - 1  # below it
    # The tree on the map page lays its groups out the same way.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{MAP}/?focus={node.key}")
    tree_for = page.locator(f"{groups} > .group-supports").bounding_box()
    tree_against = page.locator(f"{groups} > .group-opposes").bounding_box()
    assert tree_against["x"] > tree_for["x"] and abs(tree_against["y"] - tree_for["y"]) < 2


def test_reported_and_conceded_quotes_read_as_such_on_a_claim_page(page, live_map):
    reported = Anchor.objects.filter(voice=Anchor.Voice.REPORTS).select_related("node").first()
    page.goto(reported.node.get_absolute_url())
    expect(page.locator("figcaption").filter(has_text="Reported:").first).to_be_visible()
    conceded = Anchor.objects.filter(voice=Anchor.Voice.CONCEDES).select_related("node").first()
    page.goto(conceded.node.get_absolute_url())
    expect(page.locator("figcaption").filter(has_text="Conceded:").first).to_be_visible()


def test_follow_one_source_from_its_reader(page, live_map):
    source = Source.objects.get(slug="not-sputnik-blog")
    page.goto(source.get_absolute_url())
    page.get_by_role("link", name="Follow this source’s argument").click()
    # The argument page follows the map the reader showed (?map=, as the reader chooses it).
    expect(page).to_have_url(re.compile(rf"/sources/{source.slug}/argument/\?map={live_map.slug}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(source.title)
    for anchor in source.anchors.select_related("node")[:5]:
        expect(page.locator(f"#node-{anchor.node.key}")).to_be_visible()
    assert axe_violations(page) == []
    assert page.watcher.errors == [] and page.watcher.foreign_requests == []


@pytest.mark.no_javascript
def test_a_sources_argument_reads_end_to_end_without_javascript(page, live_map):
    source = Source.objects.get(slug="deepseek-analyst-summary")
    page.goto(f"/sources/{source.slug}/argument/")
    expect(page.locator(".voice").filter(has_text="Reported:").first).to_be_visible()
    # The argument comes a page of quotes at a time: a reader follows "More" to the end.
    unseen = set(Node.objects.filter(anchors__source=source).values_list("key", flat=True))
    while True:
        unseen -= {key for key in unseen if page.locator(f"#node-{key}").is_visible()}
        more = page.get_by_role("link", name="More of this source’s argument")
        if not unseen or not more.count():
            break
        more.click()
    assert unseen == set()


def test_the_new_parts_pass_the_accessibility_audit(page, live_map):
    link = Link.objects.select_related("from_node").first()
    undercut = (
        Node.objects.filter(relation=Node.Relation.UNDERCUTS).select_related("parent").first()
    )
    problems = {}
    for url in [
        link.from_node.get_absolute_url(),
        f"{MAP}/?focus={undercut.key}",
        "/sources/reason-sputnik-moment-article/argument/",
    ]:
        page.goto(url)
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}
