from django.http import HttpRequest

# The main navigation's entries, and the URL names of the pages that belong to each.
NAV_SECTIONS = {
    "map": "map",
    "diagram": "map",
    "node": "map",
    "source": "sources",
    "search": "search",
}
# Pages an entry links to exactly; the others are only inside an entry's section.
NAV_PAGES = {"map", "search"}


def navigation(request: HttpRequest) -> dict[str, dict[str, str] | None]:
    """Which navigation entry the current page belongs to, for its aria-current."""
    match = getattr(request, "resolver_match", None)
    name = match.url_name if match else None
    if name not in NAV_SECTIONS:
        return {"nav": None}
    current = "page" if name in NAV_PAGES else "true"
    return {"nav": {"section": NAV_SECTIONS[name], "current": current}}


def canonical(request: HttpRequest) -> dict[str, str]:
    """The page's canonical address: its path on this site, without the query (a claim under
    another perspective, a map opened elsewhere, is still the same page to share)."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
