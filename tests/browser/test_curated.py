"""Curators' headings are marked as theirs (issue 26, item 8): a heading the curators wrote to
sum up a branch says so in words wherever it shows, so it never reads as a sourced claim."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from argmap.debates.models import Node

pytestmark = [pytest.mark.browser]

MARK = "Curators’ summary of this branch"


def test_curators_headings_say_so_on_the_map_claim_page_diagram_and_search(page, live_map):
    headings = list(Node.objects.filter(map=live_map, is_heading=True))
    assert headings
    page.goto(live_map.get_absolute_url())
    for node in headings:
        if page.locator(f"#node-{node.key}").count():
            card = page.locator(f"#node-{node.key} > .node-card")
            expect(card.locator(".curated")).to_have_text(re.compile(MARK))
    # A sourced claim carries no such mark.
    quoted = Node.objects.filter(map=live_map, is_heading=False).exclude(anchors=None).first()
    page.goto(quoted.get_absolute_url())
    expect(page.locator(".node-detail > .node-meta .curated")).to_have_count(0)
    expect(page.get_by_role("heading", name="In the sources’ own words")).to_be_visible()

    heading = headings[0]
    page.goto(heading.get_absolute_url())
    expect(page.locator(".node-detail > .node-meta")).to_contain_text(MARK)
    expect(page.get_by_role("heading", name="In the sources’ own words")).to_have_count(0)
    expect(page.get_by_role("heading", name="The curators’ summary")).to_be_visible()

    page.goto(reverse("diagram", args=[live_map.slug]))
    box = page.locator(f"#box-{heading.key}")
    label = box.locator(".box-label")
    expect(label).to_contain_text("CURATORS’ SUMMARY")
    # The words fit their box: its frame is the box's first rect (the strength bar draws two more).
    frame = box.locator("rect").first
    assert label.bounding_box()["width"] <= frame.bounding_box()["width"] - 8
    item = page.locator(".diagram-outline li", has=page.locator(f"[data-box='box-{heading.key}']"))
    expect(item.locator(".curated").first).to_have_text(re.compile(MARK))

    word = max(heading.text.split(), key=len).strip(".,;:'\"")
    page.goto(f"{reverse('search')}?q={word}")
    # Found by its address: PostgreSQL's headline may cut the text the link shows.
    link = page.locator(f"a[href='{heading.get_absolute_url()}']")
    result = page.locator(".results li", has=link).first
    expect(result.locator(".curated")).to_have_text(re.compile(MARK))
