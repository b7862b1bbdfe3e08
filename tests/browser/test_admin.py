"""The whole curation loop in Chromium: log in, paste an anchor, move a node, export."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from playwright.sync_api import expect

from argmap.debates.mapdoc import FIXTURE_DIR, MAP_FILES
from argmap.debates.models import Node, Source
from argmap.debates.quotes import find_quote, quote_context

from ..factories import PASSWORD, ProposalFactory
from .support import axe_violations

pytestmark = pytest.mark.browser

SEED = "deepseek-r1-sputnik"


def fixture_entries(directory, name):
    """A fixture file's entries keyed by natural key, so a moved node is one changed entry."""
    entries = json.loads((directory / name).read_text(encoding="utf-8"))
    if name == "nodes.json":
        return {entry["fields"]["key"]: entry["fields"] for entry in entries}
    return {(entry["fields"]["node"][1], entry["fields"]["position"]): entry for entry in entries}


@pytest.fixture
def curator(live_map, curator):
    # tests/conftest.py's curator (its group put back as the migrations make it), after the
    # live map: the transactional flush would otherwise take them away.
    return curator


def log_in_to_the_admin(page):
    page.goto("/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def choose_by_autocomplete(page, field, node):
    """Pick node in the admin's autocomplete for field, typing its key as a curator does."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(node.key)
    page.locator(".select2-results__option", has_text=str(node)[:40]).first.click()
    expect(page.locator(f"#id_{field}")).to_have_value(str(node.pk))


def test_a_curator_pastes_an_anchor_moves_a_node_and_exports_exactly_that(
    page, live_map, curator, tmp_path
):
    anchored = Node.objects.get(key="andreessen-sputnik-moment")
    source = Source.objects.get(slug="china-showed-it-essay")
    quote = next(  # a sentence with a curly apostrophe that the essay says only once
        sentence
        for sentence in source.text.split(". ")
        if "’" in sentence and len(find_quote(source.text, sentence)) == 1
    )
    moved = Node.objects.get(key="r1-caused-shock")
    new_parent = Node.objects.get(key="thesis").children.exclude(pk=moved.parent_id).first()
    existing_anchors = anchored.anchors.count()

    log_in_to_the_admin(page)

    # Paste a quote that is not in the source: a form error, and nothing saved.
    page.goto(f"/admin/debates/node/{anchored.pk}/change/")
    new = f"#id_anchors-{existing_anchors}"
    page.select_option(f"{new}-source", str(source.pk))
    page.fill(f"{new}-exact", "Words the essay never says.")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_contain_text("This quote is not in")
    assert anchored.anchors.count() == existing_anchors

    # Paste it with straight apostrophes, as a keyboard types them: the curly ones match.
    page.fill(f"{new}-exact", quote.replace("’", "'"))
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("mark", has_text=quote)).to_be_visible()

    # Move another node under a different branch.
    page.goto(f"/admin/debates/node/{moved.pk}/change/")
    choose_by_autocomplete(page, "parent", new_parent)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert page.watcher.foreign_requests == []
    # The admin runs under the site's CSP; only the browser's favicon probe may 404.
    assert [error for error in page.watcher.errors if "404" not in error] == []

    call_command("export_seed", directory=tmp_path, verbosity=0)

    for name in ["sources.json", f"{SEED}/map.json"]:
        assert (tmp_path / name).read_bytes() == (FIXTURE_DIR / name).read_bytes()
    shipped, exported = (
        fixture_entries(FIXTURE_DIR / SEED, "nodes.json"),
        fixture_entries(tmp_path / SEED, "nodes.json"),
    )
    assert {key for key in shipped if shipped[key] != exported[key]} == {moved.key}
    assert exported[moved.key]["parent"] == ["deepseek-r1-sputnik", new_parent.key]
    assert exported[moved.key]["position"] == new_parent.children.count() - 1
    assert set(exported) == set(shipped)

    shipped, exported = (
        fixture_entries(FIXTURE_DIR / SEED, "anchors.json"),
        fixture_entries(tmp_path / SEED, "anchors.json"),
    )
    added = {key: entry for key, entry in exported.items() if key not in shipped}
    assert {key: shipped[key] for key in shipped} == {key: exported[key] for key in shipped}
    start = source.text.index(quote)
    prefix, suffix = quote_context(source.text, start, start + len(quote))
    assert added == {
        (anchored.key, existing_anchors): {
            "model": "debates.anchor",
            "fields": {
                "node": ["deepseek-r1-sputnik", anchored.key],
                "position": existing_anchors,
                "source": [source.slug],
                "start": start,
                "end": start + len(quote),
                "exact": quote,
                "prefix": prefix,
                "suffix": suffix,
                "speaker": "the author",
                "voice": "asserts",
            },
        }
    }
    assert all(name in MAP_FILES for name in ("nodes.json", "anchors.json"))
    logged = LogEntry.objects.filter(user=curator).values_list("object_id", flat=True)
    assert sorted(logged) == sorted([str(anchored.pk), str(moved.pk)])


def test_the_curators_admin_pages_have_no_serious_accessibility_findings(page, live_map, curator):
    node = Node.objects.get(key="r1-caused-shock")
    source = Source.objects.get(slug="china-showed-it-essay")
    proposal = ProposalFactory()
    log_in_to_the_admin(page)
    findings = {}
    for url in [
        f"/admin/debates/node/?map__id__exact={live_map.pk}",
        f"/admin/debates/node/{node.pk}/change/",
        "/admin/debates/source/",
        f"/admin/debates/source/{source.pk}/change/",
        "/admin/annotations/proposal/",
        f"/admin/annotations/proposal/{proposal.pk}/change/",
    ]:
        page.goto(url)
        findings[url] = axe_violations(page)
    assert findings == {url: [] for url in findings}
