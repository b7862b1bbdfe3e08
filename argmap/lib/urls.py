"""Addresses of named routes whose arguments are slugs, without reverse() for each one.

A tree of nodes links each node, its quotes and its cross-links: reverse() for each cost a
sixth of a cold render (1,532 calls for a source's argument at a million nodes). A route is
reversed once per process, with marks for its arguments, and filled in with each address's
slugs. A slug needs no quoting, so the address is the one reverse() gives; anything else
falls back to reverse() itself, which quotes it or refuses it as always.
"""

import re
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

MARK = re.compile(r"argmaparg([0-9])x")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@lru_cache(maxsize=128)
def _template(name: str, count: int, prefix: str, urlconf: str | None) -> str:
    # prefix and urlconf key the template: reverse() reads both from the thread.
    return reverse(name, urlconf, args=[f"argmaparg{number}x" for number in range(count)])


def template(name: str, count: int) -> str:
    """The route's address with a mark (argmaparg<n>x) for each of its count arguments."""
    return _template(name, count, get_script_prefix(), get_urlconf())


def fill(marked: str, args: tuple[str, ...]) -> str:
    """marked (a template()) with each mark replaced by its argument, as given."""
    return MARK.sub(lambda found: args[int(found[1])], marked)


def slug_url(name: str, *args: str) -> str:
    """reverse(name, args=args), the same address, for a route whose arguments are slugs."""
    if all(SLUG.fullmatch(arg) for arg in args):
        return fill(template(name, len(args)), args)
    return reverse(name, args=args)
