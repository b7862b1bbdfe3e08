"""Annotating in Chromium: sign-up, a node inline, edit, delete, a selected passage, and a
second user who sees public but not private annotations. No CSP violation may appear."""

import pytest
from playwright.sync_api import expect

from argmap.annotations.models import Annotation
from argmap.debates.models import Source

from ..factories import PASSWORD, AnnotationFactory, UserFactory
from .support import axe_violations, log_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("accounts_sandbox")]


def test_sign_up_then_annotate_edit_and_delete_on_the_map(page, live_map):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newreader")
    page.get_by_label("Password:", exact=True).fill("correct horse battery")
    page.get_by_label("Password confirmation").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name="newreader")).to_be_visible()

    page.goto(f"/maps/{live_map.slug}/")
    page.evaluate("window.notReloaded = true")
    thesis = live_map.thesis
    panel = page.locator(f"#annotation-panel-{thesis.pk}")
    toggle = panel.get_by_role("button", name="Annotate")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(panel.get_by_role("button", name="Hide annotations")).to_have_attribute(
        "aria-expanded", "true"
    )
    wait_for_htmx(page)
    panel.get_by_label("Type").select_option("question")
    panel.get_by_label("Your annotation").fill("Is *Sputnik* the right comparison?")
    panel.get_by_role("button", name="Save annotation").click()

    item = panel.locator("article.annotation")
    expect(item).to_contain_text("Is Sputnik the right comparison?")
    expect(item).to_contain_text("Question")
    expect(item.locator("em")).to_have_text("Sputnik")
    expect(page.locator("#messages")).to_contain_text("Your annotation is saved.")
    annotation = Annotation.objects.get()
    assert annotation.node == thesis and annotation.author.username == "newreader"

    # Edit in place.
    wait_for_htmx(page)
    item.get_by_role("button", name="Edit").click()
    edit = page.locator(f"form#annotation-{annotation.pk}")
    expect(edit.get_by_label("Your annotation")).to_be_focused()
    wait_for_htmx(page)
    edit.get_by_label("Your annotation").fill("A better question.")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"article#annotation-{annotation.pk}")).to_contain_text(
        "A better question."
    )

    # Delete, after confirming.
    wait_for_htmx(page)
    page.locator(f"#annotation-{annotation.pk}").get_by_role("button", name="Delete").click()
    confirm = page.locator(f"#annotation-{annotation.pk}")
    expect(confirm).to_contain_text("Delete this annotation?")
    wait_for_htmx(page)
    confirm.get_by_role("button", name="Keep it").click()
    expect(page.locator(f"article#annotation-{annotation.pk}")).to_be_visible()
    wait_for_htmx(page)
    page.locator(f"#annotation-{annotation.pk}").get_by_role("button", name="Delete").click()
    # Click the confirmation's own Delete only once htmx has swapped it in and settled.
    expect(confirm).to_contain_text("Delete this annotation?")
    wait_for_htmx(page)
    confirm.get_by_role("button", name="Delete").click()
    expect(page.locator(f"#annotation-{annotation.pk}")).to_have_text("Annotation deleted.")
    assert not Annotation.objects.exists()

    assert page.evaluate("window.notReloaded") is True  # all of it without a page load
    assert page.watcher.errors == []


SELECT_TEXT = """() => {
  const block = document.querySelector('.reader-text .text[data-start]');
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let node;
  // Words a person can see and select: not the source's hidden markup (front matter, marks).
  const unfit = (text) => text.data.trim().length < 80 || text.parentElement.closest('.md-hide');
  while ((node = walker.nextNode()) && unfit(node)) {}
  const start = node.data.search(/\\S/);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + 40);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return range.toString();
}"""


def test_annotate_a_selected_passage_and_suggest_it(page, live_map):
    UserFactory(username="alice", password=PASSWORD)
    source = Source.objects.filter(anchors__node__map=live_map).first()
    log_in(page, "alice", source.get_absolute_url())
    page.evaluate("window.notReloaded = true")

    selected = page.evaluate(SELECT_TEXT)
    annotate = page.get_by_role("button", name="Annotate the selected words")
    expect(annotate).to_be_visible()
    annotate.click()
    form = page.locator("#passage-form")
    expect(form).to_be_visible()
    expect(form.locator("#passage-quote")).to_have_text(selected)
    expect(form.get_by_label("Your annotation")).to_be_focused()
    form.get_by_label("Your annotation").fill("This is the heart of it.")
    # A proposal goes to the curators, so its annotation stays public.
    form.get_by_label("Suggest adding it to the map under").select_option(str(live_map.thesis.pk))
    form.get_by_label("as a rebuttal of that claim").check()
    form.get_by_label("The claim it makes").fill("The passage undercuts the thesis.")
    form.get_by_role("button", name="Save annotation").click()

    expect(page.locator("#messages")).to_contain_text("waiting for the curators")
    annotation = Annotation.objects.get()
    assert annotation.exact == selected
    assert source.text[annotation.start : annotation.end] == selected
    assert annotation.proposal.relation == "opposes"
    # Its own highlight, or, inside a curated quote, a mark on the quote (which keeps its link).
    highlight = page.locator(f'a.hl[href="#annotation-{annotation.pk}"], a.hl.hl-has-note')
    expect(highlight.first).to_be_visible()
    expect(page.locator(f"article#annotation-{annotation.pk}")).to_contain_text(
        "This is the heart of it."
    )
    assert annotation.visibility == "public"
    assert page.evaluate("window.notReloaded") is True
    assert page.watcher.errors == []


def test_a_second_user_sees_public_but_not_private_and_cannot_edit(page, live_map):
    alice = UserFactory(username="alice", password=PASSWORD)
    UserFactory(username="bob", password=PASSWORD)
    thesis = live_map.thesis
    public = AnnotationFactory(node=thesis, author=alice, body="Alice says this openly.")
    private = AnnotationFactory(
        node=thesis, author=alice, body="Alice keeps this to herself.", visibility="private"
    )
    log_in(page, "bob", thesis.get_absolute_url())

    notes = page.locator(f"#annotation-panel-{thesis.pk}")
    expect(notes).to_contain_text("Alice says this openly.")
    expect(notes).not_to_contain_text("Alice keeps this to herself.")
    item = page.locator(f"article#annotation-{public.pk}")
    expect(item.get_by_role("link", name="alice")).to_be_visible()
    expect(item.get_by_role("button", name="Edit")).to_have_count(0)
    expect(item.get_by_role("button", name="Delete")).to_have_count(0)

    # Bob can flag the public one, in place.
    item.get_by_role("button", name="Flag").click()
    page.get_by_label("Why should moderators look at it?").fill("Off topic")
    page.get_by_role("button", name="Flag it").click()
    expect(page.locator(f"article#annotation-{public.pk}")).to_contain_text(
        "You flagged this for the moderators."
    )

    # Going around the interface changes nothing: 403 for public, 404 for private.
    assert page.request.get(f"/annotations/{public.pk}/edit/").status == 403
    assert page.request.get(f"/annotations/{private.pk}/edit/").status == 404
    assert page.request.get(f"/annotations/{private.pk}/").status == 404
    public.refresh_from_db()
    assert public.body == "Alice says this openly."
    assert page.watcher.errors == []


def test_annotation_forms_and_lists_pass_an_accessibility_audit(page, live_map):
    alice = UserFactory(username="alice", password=PASSWORD)
    thesis = live_map.thesis
    AnnotationFactory(node=thesis, author=alice, kind="fallacy", fallacy="straw man")
    AnnotationFactory(node=thesis, author=alice, visibility="private", is_hidden=True)
    source = Source.objects.filter(anchors__node__map=live_map).first()
    log_in(page, "alice", thesis.get_absolute_url())
    assert axe_violations(page) == []
    page.goto(f"/maps/{live_map.slug}/")
    panel = page.locator(f"#annotation-panel-{thesis.pk}")
    panel.get_by_role("button", name="1 annotation").click()
    expect(panel.locator("form")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(source.get_absolute_url())
    page.evaluate(SELECT_TEXT)
    page.get_by_role("button", name="Annotate the selected words").click()
    assert axe_violations(page) == []
    page.goto("/accounts/people/alice/")
    assert axe_violations(page) == []
    assert page.watcher.errors == []
