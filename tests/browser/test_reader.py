"""The source reader in Chromium (issue 13): sources read as documents with every offset kept,
annotating a passage where it stands, and moving between quotes and nodes."""

import re

import pytest
from playwright.sync_api import expect

from argmap.debates.models import Source

from ..factories import UserFactory
from .support import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("accounts_sandbox")]

SELECT_ACROSS_BOLD = """() => {
  const bold = [...document.querySelectorAll('.reader-text .md-b')]
    .find((el) => el.textContent.startsWith('cost $5.5M'));
  const before = bold.previousSibling.previousSibling;  // text, then the hidden '**'
  const range = document.createRange();
  range.setStart(before, before.textContent.length - 3);  // "it " before the marks
  range.setEnd(bold.firstChild, 4);  // "cost"
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


def test_a_source_reads_as_a_document_and_a_selection_keeps_its_offsets(page, live_map):
    UserFactory(username="reader")
    source = Source.objects.get(slug="deepseek-analyst-summary")
    log_in(page, "reader", source.get_absolute_url())
    text = page.locator(".reader-text")
    expect(text.locator(".md-b", has_text="cost $5.5M to train")).to_be_visible()
    expect(text.locator(".md-h2", has_text="Summary")).to_be_visible()
    assert "**" not in text.inner_text() and "## " not in text.inner_text()
    # Provenance sits behind a disclosure.
    expect(page.get_by_text(source.sha256)).to_be_hidden()
    page.get_by_text("Where this text comes from").click()
    expect(page.get_by_text(source.sha256)).to_be_visible()

    page.evaluate(SELECT_ACROSS_BOLD)
    page.get_by_role("button", name="Annotate the selected words").click()
    form = page.locator("#passage-form")
    start = int(form.locator('[name="start"]').input_value())
    end = int(form.locator('[name="end"]').input_value())
    exact = form.locator('[name="exact"]').input_value()
    assert exact == "it **cost"
    assert source.text[start:end] == exact
    assert form.locator('[name="prefix"]').input_value() == source.text[start - 32 : start]
    assert form.locator('[name="suffix"]').input_value() == source.text[end : end + 32]


def test_front_matter_and_comment_policy_are_not_prose(page, live_map):
    blog = Source.objects.get(slug="not-sputnik-blog")
    page.goto(blog.get_absolute_url())
    reader = page.locator(".reader-text")
    assert "taxonomies" not in reader.inner_text()
    assert reader.inner_text().lstrip().startswith("DeepSeek-R1's lead")
    article = Source.objects.get(slug="reason-sputnik-moment-article")
    page.goto(article.get_absolute_url())
    body = page.locator(".article-body")
    assert "Editor's Note" not in body.inner_text()
    assert "to post comments" not in body.inner_text()
    assert (
        body.inner_text()
        .rstrip()
        .endswith("Disclosure: I have small holdings in both Microsoft and Nvidia.")
    )
    assert axe_violations(page) == []


def node_with_two_quotes_in_one_source(argmap):
    from django.db.models import Count

    from argmap.debates.models import Anchor

    pair = (
        Anchor.objects.filter(node__map=argmap)
        .values("node", "source")
        .annotate(quotes=Count("id"))
        .filter(quotes__gte=2)
        .order_by("node")
        .first()
    )
    assert pair, "the seeded map quotes one source twice for some node"
    return argmap.nodes.get(pk=pair["node"]), Source.objects.get(pk=pair["source"])


def test_quote_links_are_apart_and_following_one_lands_focus_on_the_quote(page, live_map):
    node, source = node_with_two_quotes_in_one_source(live_map)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(source.get_absolute_url())
    item = page.locator(
        ".drawn-list > li", has=page.locator(f'a[href="{node.get_absolute_url()}"]')
    )
    first, second = item.locator("a.jump").nth(0), item.locator("a.jump").nth(1)
    assert "1Show" not in item.inner_text()
    left, right = first.bounding_box(), second.bounding_box()
    apart = right["x"] - (left["x"] + left["width"]) if right["y"] == left["y"] else 99
    assert apart >= 8 or right["y"] >= left["y"] + left["height"]

    # From the claim page to its quote: focus on the quote, in view with a margin, and the
    # highlight says which node quotes it in words on the page.
    anchor = node.anchors.filter(source=source).order_by("start").first()
    page.goto(node.get_absolute_url())
    page.locator(f'figcaption a[href="{anchor.get_reader_url()}"]').click()
    page.wait_for_url(f"**#anchor-{anchor.pk}")
    focused = page.locator(":focus")
    expect(focused).to_have_class(re.compile(r"\bhl\b.*is-target|is-target.*\bhl\b"))
    box = focused.bounding_box()
    assert 48 <= box["y"] <= 900 - 48 - min(box["height"], 200)
    label = focused.evaluate("el => getComputedStyle(el, '::after').content")
    assert node.text[:30] in label


def test_a_tap_on_a_highlight_shows_its_node_before_following_it(browser, live_server, live_map):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
    )
    page = context.new_page()
    node, source = node_with_two_quotes_in_one_source(live_map)
    page.goto(source.get_absolute_url())
    highlight = page.locator(f'.reader-text a.hl[href="{node.get_absolute_url()}"]').first
    highlight.scroll_into_view_if_needed()
    highlight.tap()
    expect(highlight).to_have_class(re.compile("is-shown"))
    assert page.url.endswith(source.get_absolute_url())
    assert node.text[:30] in highlight.evaluate("el => getComputedStyle(el, '::after').content")
    highlight.tap()
    page.wait_for_url(f"**{node.get_absolute_url()}")
    context.close()


def test_a_readers_annotation_inside_a_quote_leaves_the_quote_its_colour_and_link(page, live_map):
    from ..factories import PassageAnnotationFactory

    node, source = node_with_two_quotes_in_one_source(live_map)
    anchor = node.anchors.filter(source=source).order_by("start").first()
    reader = UserFactory(username="reader")
    inner = anchor.exact[2:12]
    PassageAnnotationFactory(source=source, author=reader, quote=inner)
    log_in(page, "reader", source.get_absolute_url())
    piece = page.locator(".reader-text a.hl", has_text=inner).first
    expect(piece).to_have_attribute("href", node.get_absolute_url())
    expect(piece).to_have_class(re.compile(rf"hl-{node.relation}\b.*hl-has-note"))


def test_a_node_shows_its_quotes_one_chip_a_source(page, live_map):
    node, source = node_with_two_quotes_in_one_source(live_map)
    page.goto(f"{live_map.get_absolute_url()}?focus={node.key}")
    card = page.locator(f"#node-{node.key} > .node-card")
    chip = card.locator("a.chip", has_text=source.title)
    expect(chip).to_have_count(1)
    quotes = chip.locator(".chip-quote")
    expect(quotes).to_have_count(node.anchors.filter(source=source).count())
    # The chip opens the reader at the node's first quote of that source, in anchor order.
    first = node.anchors.filter(source=source).first()
    expect(chip).to_have_attribute("href", first.get_reader_url())
    expect(chip).to_contain_text(first.exact[:40])


SELECT_WORDS = """(words) => {
  const reader = document.querySelector('.reader-text');
  const walker = document.createTreeWalker(reader, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(words);
    if (at === -1 || node.parentElement.closest('.md-hide')) continue;
    node.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return true;
  }
  return false;
}"""


WORDS_BOX = """(words) => {
  const reader = document.querySelector('.reader-text');
  const walker = document.createTreeWalker(reader, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(words);
    if (at === -1) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + words.length);
    const box = range.getBoundingClientRect();
    return [box.top, box.bottom];
  }
  return null;
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_the_passage_form_opens_at_the_words_and_keeps_them_in_view(page, live_map, width, height):
    page.set_viewport_size({"width": width, "height": height})
    UserFactory(username="reader")
    source = Source.objects.get(slug="reason-sputnik-moment-article")
    log_in(page, "reader", source.get_absolute_url())
    words = "Jevons paradox situation"
    assert page.evaluate(SELECT_WORDS, words)
    page.get_by_role("button", name="Annotate the selected words").click()
    form = page.locator("#passage-form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Your annotation")).to_be_focused()
    top, bottom = page.evaluate(WORDS_BOX, words)
    words_box = {"top": top, "bottom": bottom}
    form_box = form.bounding_box()
    assert words_box["top"] >= 0 and words_box["bottom"] <= height, words_box
    if width < 700:
        # A bottom sheet, the words above it.
        assert abs(form_box["y"] + form_box["height"] - height) <= 2
        assert words_box["bottom"] <= form_box["y"]
    else:
        # A popover just under the words.
        assert 0 <= form_box["y"] - words_box["bottom"] <= 24
    form.get_by_label("Your annotation").fill("The paradox, named.")

    # The save's own answer, not that of the target list asked for when the form opened.
    def is_save(response):
        request = response.request
        return request.method == "POST" and "find=" not in (request.post_data or "")

    with page.expect_response(is_save) as saved:
        form.get_by_role("button", name="Save annotation").click()
    assert saved.value.status == 200, page.locator("#passage-form").inner_text()
    expect(page.locator(".annotation-list")).to_contain_text("The paradox, named.")
    from argmap.annotations.models import Annotation

    saved = Annotation.objects.get()
    assert saved.exact == words and source.text[saved.start : saved.end] == words


def test_keyboard_users_annotate_a_paragraph_then_narrow_it(page, live_map):
    UserFactory(username="reader")
    source = Source.objects.get(slug="deepseek-analyst-summary")
    log_in(page, "reader", source.get_absolute_url())
    select = page.get_by_label("Or, with the keyboard, pick a paragraph")
    labels = select.locator("option").all_inner_texts()
    pick = next(label for label in labels if "A small clarification" in label)
    assert "**" not in "".join(labels) and "## " not in "".join(labels)
    select.select_option(label=pick)
    select.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Annotate this paragraph")).to_be_focused()
    page.keyboard.press("Enter")
    narrow = page.get_by_label("Narrow to these words")
    expect(narrow).to_be_focused()
    assert "**cost $5.5M to train**" in narrow.input_value()
    narrow.fill("**cost $5.5M to train**")
    page.keyboard.press("Tab")
    expect(page.locator("#passage-form")).to_be_visible()
    page.locator("#id_passage_body").fill("Only the training run.")
    page.get_by_role("button", name="Save annotation").click()
    expect(page.locator(".annotation-list")).to_contain_text("Only the training run.")
    from argmap.annotations.models import Annotation

    saved = Annotation.objects.get()
    assert saved.exact == "**cost $5.5M to train**"
    assert source.text[saved.start : saved.end] == saved.exact


# A drag that starts on a highlight, and annotating without JavaScript (issue 26, item 5) --

LONG_HIGHLIGHT = """() => {
  const hl = [...document.querySelectorAll('.reader-text a.hl[data-node]')]
    .find((el) => el.getClientRects()[0] && el.getClientRects()[0].width > 300);
  hl.scrollIntoView({block: 'center'});
  const line = hl.getClientRects()[0];
  return {x: line.left + 10, y: line.top + line.height / 2, width: line.width,
          href: hl.getAttribute('href')};
}"""


def test_a_drag_that_starts_on_a_highlight_selects_words_to_annotate(page, live_map):
    page.set_viewport_size({"width": 1366, "height": 900})
    UserFactory(username="reader")
    source = Source.objects.get(slug="reason-sputnik-moment-article")
    log_in(page, "reader", source.get_absolute_url())
    start = page.evaluate(LONG_HIGHLIGHT)
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(start["x"] + 120, start["y"], steps=8)
    page.mouse.move(start["x"] + start["width"] - 40, start["y"], steps=8)
    page.mouse.up()
    selected = page.evaluate("String(window.getSelection())")
    assert len(selected.strip()) > 10, selected
    expect(page).to_have_url(re.compile(re.escape(source.get_absolute_url()) + "$"))
    page.get_by_role("button", name="Annotate the selected words").click()
    form = page.locator("#passage-form")
    expect(form).to_be_visible()
    expect(form.locator("#passage-quote")).to_have_text(selected)
    expect(form.get_by_label("The words you annotate")).to_be_hidden()
    form.get_by_role("button", name="Cancel").click()
    # A click, not a drag, still follows the highlight to its node.
    page.evaluate("window.getSelection().removeAllRanges()")
    page.locator(f'.reader-text a.hl[href="{start["href"]}"]').first.click()
    expect(page).to_have_url(re.compile(re.escape(start["href"]) + "$"))


@pytest.mark.no_javascript
def test_without_javascript_a_passage_is_annotated_by_its_words(browser, live_server, live_map):
    from argmap.annotations.models import Annotation

    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
        has_touch=True,
    )
    page = context.new_page()
    UserFactory(username="reader")
    source = Source.objects.get(slug="reason-sputnik-moment-article")
    log_in(page, "reader", source.get_absolute_url())
    form = page.locator("#passage-form")
    expect(form).to_be_visible()
    words = form.get_by_label("The words you annotate")
    # Words that occur more than once are refused, with the count, and nothing is saved.
    words.fill("the")
    form.get_by_label("Your annotation").fill("Which one?")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#passage-form")).to_contain_text("occur")
    assert not Annotation.objects.exists()
    # Words that occur once are the passage; a pasted straight quote finds a curly one too.
    form = page.locator("#passage-form")
    form.get_by_label("The words you annotate").fill("Jevons paradox situation")
    form.get_by_label("Your annotation").fill("The paradox, named.")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#messages")).to_contain_text("Your annotation is saved")
    saved = Annotation.objects.get()
    assert saved.exact == "Jevons paradox situation"
    assert source.text[saved.start : saved.end] == saved.exact
    context.close()


# Proposing a passage under a node: the nodes it bears on, not the map's every node (issue 24)


def test_selected_words_offer_the_nodes_they_bear_on_by_keyboard(page, live_map):
    from argmap.annotations.models import Proposal
    from argmap.debates.models import Anchor

    UserFactory(username="reader")
    source = Source.objects.get(slug="deepseek-analyst-summary")
    log_in(page, "reader", source.get_absolute_url())
    select = page.get_by_label("Or, with the keyboard, pick a paragraph")
    pick = next(o for o in select.locator("option").all_inner_texts() if "clarification" in o)
    select.select_option(label=pick)
    page.get_by_role("button", name="Annotate this paragraph").press("Enter")
    form = page.locator("#passage-form")
    start = int(form.locator('[name="start"]').input_value())
    end = int(form.locator('[name="end"]').input_value())
    quoting = {
        a.node.text[:60] for a in Anchor.objects.filter(source=source, start__lt=end, end__gt=start)
    }
    assert quoting
    targets = form.get_by_label("Suggest adding it to the map under")
    group = targets.locator('optgroup[label="Quoting this passage"]')
    expect(group).to_have_count(1)
    shown = group.locator("option").all_inner_texts()
    assert {text.split(": ", 1)[1][:60] for text in shown} <= quoting, shown
    assert targets.locator("option").count() < 40  # a few a group, never the map's 160
    # Typed words find others; Enter in the field asks, and the focus stays there.
    look_for = form.get_by_label("Or find a node by its words")
    look_for.fill("export controls")
    look_for.press("Enter")
    found = targets.locator("optgroup").last
    expect(found).to_have_attribute("label", "Found for “export controls”")
    expect(page.get_by_label("Or find a node by its words")).to_be_focused()
    chosen = found.locator("option").first.get_attribute("value")
    assert "export controls" in found.locator("option").first.inner_text().lower()
    targets.select_option(value=chosen)
    form.get_by_label("Your annotation").fill("This bears on export controls.")
    form.get_by_label("The claim it makes").fill("The clarification narrows the cost claim.")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#messages")).to_contain_text("Your proposal is waiting")
    assert Proposal.objects.get().target_id == int(chosen or 0)
    assert axe_violations(page) == []


@pytest.mark.no_javascript
def test_without_javascript_find_nodes_lists_what_pasted_words_bear_on(
    browser, live_server, live_map
):
    from argmap.annotations.models import Annotation, Proposal

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    UserFactory(username="reader")
    source = Source.objects.get(slug="reason-sputnik-moment-article")
    log_in(page, "reader", source.get_absolute_url())
    form = page.locator("#passage-form")
    form.get_by_label("The words you annotate").fill("Jevons paradox situation")
    form.get_by_label("Your annotation").fill("The paradox, named.")
    form.get_by_role("button", name="Find nodes").click()
    assert not Annotation.objects.exists()
    form = page.locator("#passage-form")
    expect(form.get_by_label("Your annotation")).to_have_value("The paradox, named.")
    targets = form.get_by_label("Suggest adding it to the map under")
    expect(targets.locator("optgroup").first).to_be_attached()
    value = targets.locator("optgroup option").first.get_attribute("value")
    targets.select_option(value=value)
    form.get_by_label("The claim it makes").fill("Cheaper training means more demand.")
    form.get_by_role("button", name="Save annotation").click()
    expect(page.locator("#messages")).to_contain_text("Your proposal is waiting")
    assert Proposal.objects.get().target_id == int(value or 0)
    context.close()
