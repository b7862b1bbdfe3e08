"""The source reader in Chromium (issue 13): sources read as documents with every offset kept,
annotating a passage where it stands, and moving between quotes and nodes."""

import pytest
from playwright.sync_api import expect

from argmap.debates.models import Source

from .browser_support import axe_violations
from .factories import PASSWORD, UserFactory

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


def log_in(page, username, then):
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{then}")


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
