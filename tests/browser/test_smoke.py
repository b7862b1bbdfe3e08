import pytest

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
