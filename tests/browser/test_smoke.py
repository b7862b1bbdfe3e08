import pytest

from .support import axe_violations, contrast_failures

pytestmark = pytest.mark.browser


def test_home_loads_in_chromium_without_errors_or_foreign_requests(page, live_map):
    response = page.goto("/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    # Every map under one heading, each with its question.
    assert page.get_by_role("heading", level=1).inner_text() == "Debates mapped to their sources"
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Was DeepSeek-R1")
    # htmx arrived from our own server and initialised.
    assert page.evaluate("typeof htmx !== 'undefined' && htmx.version.startsWith('2')")
    assert page.watcher.errors == []
    assert page.watcher.foreign_requests == []


def test_the_page_checks_find_what_is_broken(page):
    """axe (as the tests run it: violations only, some rules skipped) and the contrast
    measure, first seen to fail: an unnamed button, an image without text, grey on grey."""
    page.set_content(
        '<html lang="en"><body><main><button></button><img src="x.png">'
        '<p style="color:#777;background:#888">Grey on grey</p></main></body></html>'
    )
    found = axe_violations(page, skip=["color-contrast"])
    assert any(line.startswith("button-name:") for line in found), found
    assert any(line.startswith("image-alt:") for line in found), found
    assert [failure["text"] for failure in contrast_failures(page)] == ["Grey on grey"]
