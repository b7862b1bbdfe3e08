"""The proposal loop in Chromium, as people walk it: a reader selects words in a source and
proposes an anchored undercut, sees similar claims as they type, submits; a curator accepts
it in the admin; the reader sees the notification and the node in the map; another proposal
is rejected with a reason the reader reads. Then a curator starts a second map."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from playwright.sync_api import expect

from argmap.annotations.models import Proposal
from argmap.debates.models import ArgumentMap, Node, Source

from ..factories import PASSWORD, UserFactory
from .support import axe_violations, log_in, wait_for_htmx

pytestmark = pytest.mark.browser

SELECT = """(quote) => {
  const block = [...document.querySelectorAll('.reader-text .text[data-start]')]
    .find((el) => el.textContent.includes(quote));
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let node, text = '', nodes = [];
  while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
  const at = text.indexOf(quote);
  const find = (offset) => {
    for (const [n, base] of nodes) if (offset <= base + n.data.length) return [n, offset - base];
  };
  const range = document.createRange();
  range.setStart(...find(at));
  range.setEnd(...find(at + quote.length));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new Event('selectionchange'));
  return selection.toString();
}"""


@pytest.fixture
def curators(live_map):
    for module, function in [
        ("argmap.debates.migrations.0003_curators_group", "create_curators_group"),
        (
            "argmap.annotations.migrations.0006_suggestions_become_proposals",
            "curators_decide_proposals",
        ),
        ("argmap.debates.migrations.0011_curators_add_sources", "curators_add_sources"),
    ]:
        getattr(import_module(module), function)(django_apps, None)
    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(django_apps.get_model("auth", "Group").objects.get(name="Curators"))
    return user


def admin_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def decide(curator_page, text, choice, reason=""):
    curator_page.goto("/admin/annotations/proposal/")
    curator_page.get_by_role("link", name=text[:40], exact=False).first.click()  # click 1
    curator_page.get_by_label(choice).check()  # click 2
    if reason:
        curator_page.get_by_role("textbox", name="Reason").fill(reason)
    curator_page.get_by_role("button", name="Save", exact=True).click()  # click 3
    expect(curator_page.locator(".messagelist")).to_be_visible()


def test_a_reader_proposes_a_curator_decides_and_the_reader_hears_back(
    page, browser, live_server, live_map, curators
):
    UserFactory(username="alice", password=PASSWORD)
    target = Node.objects.get(key="r1-caused-shock")
    source = Source.objects.get(slug="china-showed-it-essay")
    quote = source.text[source.text.index("group chat") :][:40].rsplit(" ", 1)[0]
    log_in(page, "alice", source.get_absolute_url())

    # The reader selects words and proposes an argument from them.
    assert page.evaluate(SELECT, quote) == quote
    propose = page.get_by_role("link", name="Propose an argument from the selected words")
    expect(propose).to_be_visible()
    propose.click()
    expect(page.locator("#proposal-passage")).to_contain_text(quote)
    assert axe_violations(page) == []
    page.get_by_label("Find a node by its words").fill("group chat was on fire")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=target.text[:30]).click()
    page.wait_for_url(f"**/maps/{live_map.slug}/nodes/{target.key}/propose/**")
    expect(page.locator("#proposal-passage")).to_contain_text(quote)
    page.get_by_label("undercuts it").check()
    page.get_by_label("In one sentence").press_sequentially("A group chat on fire shows a shock")
    wait_for_htmx(page)
    similar = page.locator("#similar-claims")
    expect(similar).to_contain_text("Already in the map?")
    expect(similar.get_by_role("link", name=target.text[:30])).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("In one sentence").fill("A group chat of researchers is not the public.")
    page.get_by_role("button", name="Submit the proposal").click()
    page.wait_for_url("**/accounts/proposals/**")
    expect(page.locator(".proposal-list")).to_contain_text("Pending")
    proposal = Proposal.objects.get()
    assert (proposal.relation, proposal.exact, proposal.target) == ("undercuts", quote, target)

    # A second proposal, without a passage, to be rejected.
    page.goto(target.get_absolute_url())
    page.get_by_role("link", name="Propose an argument").click()
    page.get_by_label("supports it").check()
    page.get_by_label("In one sentence").fill("Everyone was talking about it.")
    page.get_by_role("button", name="Submit the proposal").click()
    page.wait_for_url("**/accounts/proposals/**")

    # The curator accepts the first and rejects the second, three clicks each.
    curator_page = admin_page(browser, live_server)
    decide(curator_page, "A group chat of researchers", "Accept: add it to the map")
    expect(curator_page.locator(".messagelist")).to_contain_text("Added")
    decide(
        curator_page, "Everyone was talking", "Reject, with the reason below", "Too vague to map."
    )
    curator_page.context.close()

    # The reader hears back and finds the node in the map.
    page.goto("/")
    expect(page.locator("#notifications-link .unread-count")).to_have_text("2")
    page.locator("#notifications-link").click()
    expect(page.locator(".notification-list")).to_contain_text("was accepted")
    expect(page.locator(".notification-list")).to_contain_text("Too vague to map.")
    assert axe_violations(page) == []
    page.goto("/")
    expect(page.locator("#notifications-link .unread-count")).to_have_count(0)
    page.goto("/accounts/proposals/")
    expect(page.locator(".proposal-list")).to_contain_text(
        "The curators’ reason: Too vague to map."
    )
    page.get_by_role("link", name="See it in the map").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A group chat of researchers is not the public."
    )
    expect(page.locator("body")).to_contain_text(quote)
    assert page.watcher.errors == []


def test_a_curator_starts_a_second_map_from_an_uploaded_document(
    browser, live_server, live_map, curators, tmp_path
):
    document = tmp_path / "second.txt"
    text = "A second debate starts here.\n\nIts one paragraph says that maps should be many.\n"
    document.write_bytes(text.encode("utf-8"))
    page = admin_page(browser, live_server)
    page.goto("/admin/debates/source/add/")
    page.get_by_label("Title:").fill("The second document")
    page.get_by_label("Slug:").fill("second-document")
    page.get_by_label("Kind:").select_option("essay")
    page.get_by_label("Upload a text file:").set_input_files(str(document))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Source.objects.get(slug="second-document").text == text

    page.goto("/admin/debates/argumentmap/add/")
    page.get_by_label("Slug:").fill("second-map")
    page.get_by_label("Title:").fill("The second map")
    page.get_by_label("Question:").fill("Should there be many maps?")
    page.get_by_label("Thesis:").fill("Maps should be many.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    argmap = ArgumentMap.objects.get(slug="second-map")

    # The first claim, anchored by pasting words of the uploaded document.
    quote = "maps should be many"
    page.goto("/admin/debates/node/add/")
    page.locator("#id_map").select_option(str(argmap.pk))
    page.locator("#id_key").fill("many-maps")
    page.locator("#id_text").fill("A debate needs many maps, its paragraph says.")
    page.locator(".field-parent .select2-selection").click()
    page.locator(".select2-search__field").fill("thesis")
    page.locator(".select2-results__option", has_text="Maps should be many.").first.click()
    page.locator("#id_relation").select_option("supports")
    page.locator("#id_anchors-0-source").select_option(label="The second document")
    page.locator("#id_anchors-0-exact").fill(quote)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    (anchor,) = argmap.nodes.get(key="many-maps").anchors.all()
    assert text[anchor.start : anchor.end] == quote

    page.goto("/")
    expect(page.get_by_role("heading", name="Should there be many maps?")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    page.goto(argmap.get_absolute_url())
    expect(page.locator("body")).to_contain_text("Maps should be many.")
    expect(page.locator("body")).to_contain_text("A debate needs many maps")
    page.goto("/sources/second-document/")
    expect(page.locator(".hl", has_text=quote)).to_be_visible()
    expect(page.locator("body")).to_contain_text("in 1 quote")
    page.context.close()

    # The curator's export puts the new debate in git beside the first.
    call_command("export_seed", directory=tmp_path / "fixtures", verbosity=0)
    assert (tmp_path / "fixtures" / "second-map" / "nodes.json").exists()
    assert "second-document" in (tmp_path / "fixtures" / "sources.json").read_text()
