"""Weighing the map in Chromium: a vote in a tree row and on a claim page (with and without
JavaScript), the claim page's explanation, the four perspectives and the sort."""

import re

import pytest
from playwright.sync_api import expect

from argmap.debates.models import Anchor
from argmap.evaluation.models import Vote

from ..factories import UserFactory
from .support import axe_violations, contrast_failures, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("accounts_sandbox")]


@pytest.fixture
def browser_context_args(request):
    if request.node.get_closest_marker("no_javascript"):
        return {"java_script_enabled": False}
    return {}


def test_a_reader_votes_in_a_tree_row_then_sees_how_others_voted(page, live_map):
    for value in (0, 4):
        Vote.objects.cast(UserFactory(), live_map.thesis, {"acceptability": value})
    UserFactory(username="alice")
    log_in(page, "alice", then=f"/maps/{live_map.slug}/")
    thesis = live_map.thesis
    panel = page.locator(f"#vote-panel-{thesis.pk}")
    panel.get_by_role("button", name="Vote").click()
    wait_for_htmx(page)
    expect(panel).to_contain_text("How others voted shows once you have voted")
    panel.get_by_label("3", exact=True).check()
    panel.get_by_role("button", name="Save vote").click()
    expect(panel.get_by_role("status")).to_contain_text("Your vote is saved")
    expect(panel).to_contain_text("How everyone voted")
    expect(panel.locator(".vote-count").first).to_have_text("0: 1")
    vote = Vote.objects.get(user__username="alice")
    assert (vote.node, vote.acceptability, vote.relevance) == (thesis, 3, None)
    assert not panel.get_by_text("Relevance").count()  # the thesis takes no relevance vote
    assert page.watcher.errors == []


@pytest.mark.no_javascript
def test_the_vote_form_on_a_claim_page_works_without_javascript(page, live_map):
    claim = live_map.nodes.filter(parent=live_map.thesis).first()
    UserFactory(username="bob")
    log_in(page, "bob", then=claim.get_absolute_url())
    form = page.get_by_role("form", name=re.compile("Your vote"))
    form.get_by_role("group", name=re.compile("Acceptability")).get_by_label("4 — fully").check()
    form.get_by_role("group", name=re.compile("Relevance")).get_by_label("1", exact=True).check()
    form.get_by_role("button", name="Save vote").click()
    expect(page.locator("#messages")).to_contain_text("Your vote is saved")
    assert page.url.endswith(claim.get_absolute_url())
    assert Vote.objects.values_list("acceptability", "relevance").get() == (4, 1)
    expect(page.locator("#vote")).to_contain_text("How everyone voted")


def test_a_claim_page_explains_its_strength_and_links_each_term(page, live_map):
    thesis = live_map.thesis
    page.goto(thesis.get_absolute_url())
    explanation = page.locator("section.explanation")
    expect(explanation).to_contain_text("Base score 0.500")
    expect(explanation).to_contain_text("from 0 acceptability votes")
    effects = explanation.locator("ol.effects").first.locator("li")
    numbers = [float(t.split()[1]) for t in effects.locator(".effect-number").all_inner_texts()]
    assert numbers and numbers == sorted(numbers, reverse=True)  # strongest first
    first = effects.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.rstrip("…")[:40])
    for scheme in ("light", "dark"):  # the bars, numbers and explanation in both schemes
        page.emulate_media(color_scheme=scheme)
        assert contrast_failures(page) == []
        assert axe_violations(page) == []
    page.get_by_role("link", name="how strength is computed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How strength is computed")
    assert axe_violations(page) == []


def test_the_four_perspectives_as_a_reader_switches_between_them(page, live_map):
    UserFactory(username="carol")
    Vote.objects.cast(
        UserFactory(), live_map.thesis, {"acceptability": 0}
    )  # everyone's, not carol's
    log_in(page, "carol", then=f"/maps/{live_map.slug}/")
    table = page.locator(".perspective-table")
    expect(page.locator(".perspectives")).to_contain_text("everyone’s votes")
    source = Anchor.objects.filter(node__map=live_map, voice="asserts").first().source
    for name, shown in [
        ("The curators’ votes", "the curators’ votes"),
        ("Your votes", "your votes"),
        (f"As “{source.title}” argues", f"as “{source.title}” argues"),
        ("Everyone’s votes", "everyone’s votes"),
    ]:
        table.get_by_role("link", name=name, exact=True).click()
        expect(page.locator(".perspectives")).to_contain_text(f"Showing strengths under {shown}")
        expect(page.locator(".perspective-link")).to_contain_text(shown)
        row = table.locator("tr.is-current")
        expect(row).to_contain_text(name)
        if name != "Everyone’s votes":
            assert "perspective=" in page.url
            # Opening a claim keeps the perspective in the address and in its links.
            toggle = page.locator(".tree-node .toggle[aria-expanded=false]").first
            toggle.click()
            wait_for_htmx(page)
            expect(page).to_have_url(re.compile("perspective="))
            link = page.locator(".tree-children .node-text a").first
            assert "perspective=" in link.get_attribute("href")
    # A document's perspective: the strength of what it asserts is its own, on its cards.
    page.goto(f"/maps/{live_map.slug}/?perspective=source:{source.slug}")
    expect(page.locator(".strength").first).to_contain_text("Strength")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert contrast_failures(page) == []
    # The diagram, from the map, under the same perspective: it says which, each box shows
    # its strength in words, and focusing on a branch keeps the perspective.
    page.get_by_role("link", name="See the diagram").click()
    expect(page).to_have_url(re.compile(r"/diagram/\?perspective=source%3A"))
    expect(page.locator(".diagram-perspective")).to_contain_text(f"as “{source.title}” argues")
    boxes = page.locator("#diagram .box")
    expect(boxes.first.locator(".box-strength")).to_contain_text(re.compile(r"Strength \d+%"))
    assert boxes.count() == page.locator("#diagram .box-strength text").count()
    page.locator(".diagram-outline li li a[data-box]").first.click()
    expect(page).to_have_url(re.compile(r"focus=.*perspective=source%3A"))
    expect(page.locator(".diagram-perspective")).to_contain_text(f"as “{source.title}” argues")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert contrast_failures(page) == []
    assert axe_violations(page) == []
    assert page.watcher.errors == []


def test_the_tree_sorts_each_side_by_strength_and_back(page, live_map):
    thesis = live_map.thesis
    children = list(thesis.children.filter(relation="supports").order_by("position", "id"))
    assert len(children) > 1
    last = children[-1]
    for _ in range(3):
        Vote.objects.cast(UserFactory(), last, {"acceptability": 4, "relevance": 4})
    page.goto(f"/maps/{live_map.slug}/")
    group = page.locator(f"#children-{thesis.key} .group-supports > ul > li")
    expect(group.first).to_have_id(f"node-{children[0].key}")
    page.get_by_role("link", name="Sort each side by strength").click()
    expect(group.first).to_have_id(f"node-{last.key}")
    assert "sort=strength" in page.url
    page.get_by_role("link", name="Curated order").click()
    expect(group.first).to_have_id(f"node-{children[0].key}")
