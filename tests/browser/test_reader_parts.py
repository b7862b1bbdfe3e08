"""A much-quoted source read in parts, in Chromium (issue 14): a link to a quote opens its
part with the quote lit up, parts are links a keyboard follows, and a selection in a later
part still gives offsets into the whole stored text."""

import re

import pytest
from playwright.sync_api import expect

from argmap.debates import reader

from ..factories import AnchorFactory, NodeFactory, SourceFactory, ThesisFactory, UserFactory
from .support import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("accounts_sandbox")]

PARAGRAPHS = ["Alpha beta gamma delta.", "Epsilon zeta eta theta.", "Iota kappa lambda mu."]

SELECT_KAPPA = """() => {
  const block = document.querySelector('.reader-text .text[data-start]');
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf('kappa');
    if (at !== -1) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 5);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      return;
    }
  }
}"""


def test_a_quote_in_a_later_part_is_found_lit_and_annotated_at_its_offsets(
    page, transactional_db, monkeypatch
):
    monkeypatch.setattr(reader, "PARTS_FROM", 3)
    monkeypatch.setattr(reader, "PART_CHARS", 60)
    monkeypatch.setattr(reader, "QUOTES_PER_PAGE", 2)
    source = SourceFactory(text="\n\n".join(PARAGRAPHS))
    thesis = ThesisFactory()
    anchors = []
    for number in range(6):
        node = NodeFactory(map=thesis.map, parent=thesis, relation="supports", key=f"q{number}")
        anchors.append(AnchorFactory(node=node, source=source, quote=PARAGRAPHS[number % 3]))
    UserFactory(username="reader")
    log_in(page, "reader", source.get_absolute_url())
    page.goto(anchors[5].get_reader_url())
    page.wait_for_url(f"**#anchor-{anchors[5].pk}")
    expect(page.get_by_text("Part 2 of 2")).to_be_visible()
    expect(page.locator(":focus")).to_have_class(re.compile(r"is-target"))

    page.evaluate(SELECT_KAPPA)
    page.get_by_role("button", name="Annotate the selected words").click()
    form = page.locator("#passage-form")
    start = int(form.locator('[name="start"]').input_value())
    assert source.text[start : start + 5] == "kappa" and start > source.text.index("Iota")
    page.locator("#passage-cancel").click()

    assert axe_violations(page) == []
    previous = page.get_by_role("link", name="Previous part")
    previous.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**?part=1")
    expect(page.locator(".reader-text")).to_contain_text(PARAGRAPHS[1])
    expect(page.locator(".reader-text")).not_to_contain_text(PARAGRAPHS[2])
    expect(page.get_by_role("link", name="Part 1")).to_have_attribute("aria-current", "page")
