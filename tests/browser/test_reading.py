"""The reading experience in Chromium (issue 13): errors inline with DEBUG on, sign-up that
keeps your place, search from every page, words a newcomer understands, downloads and a dark
theme."""

import re

import pytest
from playwright.sync_api import expect

from argmap.annotations.models import Annotation
from argmap.debates.models import Node

from ..factories import AnnotationFactory, NodeFactory, UserFactory
from .support import axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("accounts_sandbox")]


def test_with_debug_on_htmx_error_answers_show_inline_and_keep_the_page(page, live_map, settings):
    # make run serves with DEBUG on, which adds django-htmx's debug script to every page.
    settings.DEBUG = True
    UserFactory(username="reader")
    map_url = live_map.get_absolute_url()
    log_in(page, "reader", then=map_url)
    assert page.locator('script[src*="django-htmx.js"]').count() == 1

    # A 400 from the annotation form: only blank words.
    thesis = live_map.thesis
    panel = page.locator(f"#annotation-panel-{thesis.pk}")
    panel.get_by_role("button", name="Annotate").click()
    wait_for_htmx(page)
    panel.get_by_label("Your annotation").fill("   ")
    panel.get_by_role("button", name="Save annotation").click()
    wait_for_htmx(page)
    expect(panel.locator(".errorlist, .form-error").first).to_be_visible()
    # The page is still the whole page: its header, its heading, its stylesheet.
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(live_map.question)
    assert page.evaluate("document.styleSheets.length") >= 1
    assert Annotation.objects.count() == 0
    # The browser reports the 400 itself; that is the answer the form is meant to get.
    page.watcher.errors.clear()

    # Clearing the search box and pressing Enter: a hint inline, not an error.
    page.goto("/search/?q=chips")
    page.get_by_label("Words to find").fill("")
    page.get_by_label("Words to find").press("Enter")
    expect(page.locator("#search-results")).to_contain_text("Type a word or phrase")
    expect(page.locator("header.site-header")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search the map and its sources")
    assert page.watcher.errors == []


def test_sign_up_from_a_node_comes_back_to_it(page, live_map):
    claim = live_map.nodes.get(key=live_map.thesis.children.first().key)
    page.goto(f"{live_map.get_absolute_url()}?focus={claim.key}")
    panel = page.locator(f"#annotation-panel-{claim.pk}")
    panel.get_by_role("button", name="Annotate").click()
    wait_for_htmx(page)
    panel.get_by_role("link", name="sign up").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password:", exact=True).fill("correct horse battery")
    page.get_by_label("Password confirmation").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(rf"\?focus={claim.key}$"))
    expect(page.get_by_role("link", name="newcomer")).to_be_visible()


def test_search_from_the_header_with_stems_kind_relation_and_parent(page, live_map):
    parent = live_map.thesis
    NodeFactory(
        map=live_map,
        parent=parent,
        relation="opposes",
        kind="claim",
        text="The export control regime was never meant to stop research.",
        key="export-control-regime",
    )
    NodeFactory(
        map=live_map,
        parent=parent,
        relation="supports",
        kind="claim",
        text="The export controls cannot hold it.",
        key="export-controls-plural",
    )
    page.goto(live_map.get_absolute_url())
    box = page.get_by_role("search", name="Search the map and its sources")
    box.get_by_label("Words to find").fill("export controls")
    box.get_by_label("Words to find").press("Enter")
    results = page.locator("#search-results")
    hit = results.locator("li", has_text="export control regime")
    expect(hit).to_be_visible()
    expect(hit.locator(".relation")).to_contain_text("Opposes")
    expect(hit.locator(".kind")).to_contain_text("Rebuttal")
    meta = hit.locator(".result-meta a")
    expect(meta.first).to_have_attribute("href", parent.get_absolute_url())
    expect(meta.last).to_have_attribute("href", live_map.get_absolute_url())
    # The plural matches the plural too.
    expect(results.locator("li", has_text="export controls cannot hold it").first).to_be_visible()
    assert page.watcher.errors == []


def test_words_a_newcomer_understands(page, live_map):
    page.goto("/")
    expect(page.locator("main")).not_to_contain_text("their parent")
    source = live_map.nodes.exclude(anchors=None).first().anchors.first().source
    page.goto(source.get_absolute_url())
    expect(page.locator("main")).not_to_contain_text("its parent")

    author = UserFactory(username="writer")
    AnnotationFactory(node=live_map.thesis, author=author, body="Is *Sputnik* **right**?")
    log_in(page, "writer", then=f"{live_map.get_absolute_url()}")
    panel = page.locator(f"#annotation-panel-{live_map.thesis.pk}")
    panel.get_by_role("button", name=re.compile("Annotate|annotation")).first.click()
    wait_for_htmx(page)
    panel.get_by_role("button", name="Delete").click()
    confirm = panel.locator(".annotation.confirm")
    expect(confirm).to_contain_text("Delete this annotation?")
    expect(confirm.locator("em")).to_have_text("Sputnik")
    expect(confirm).not_to_contain_text("*")


def test_the_export_downloads_and_the_dark_theme_keeps_contrast(page, live_map):
    page.goto("/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as argmap JSON").click()
    assert download.value.suggested_filename == f"{live_map.slug}.argmap.json"

    page.emulate_media(color_scheme="dark")
    claim = Node.objects.filter(map=live_map).exclude(anchors=None).exclude(parent=None).first()
    for url in ("/", live_map.get_absolute_url(), claim.get_absolute_url(), "/search/?q=chips"):
        page.goto(url)
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background != "rgb(255, 255, 255)", url
        assert axe_violations(page) == [], url
    page.goto(claim.anchors.first().source.get_absolute_url())
    assert axe_violations(page) == []


def test_the_home_page_shows_only_what_a_source_says_of_itself(page, live_map):
    from argmap.debates.models import Source

    page.goto("/")
    metas = page.locator("#sources .source-meta").all_inner_texts()
    assert len(metas) == Source.objects.count()
    # No label left with nothing after it (issue 26, item 9: "author:" and "date:" seven times).
    assert not [meta for meta in metas if re.search(r"\w:\s*(·|$)", meta)], metas
    for source in Source.objects.all():
        link = page.get_by_role("link", name=source.title, exact=True)
        meta = page.locator("#sources li").filter(has=link).locator(".source-meta")
        expect(meta).to_contain_text(re.compile(source.get_kind_display(), re.IGNORECASE))
        for fact in (source.author, source.date):
            if fact:
                expect(meta).to_contain_text(str(fact))
