"""Addresses a client sends (a parameter, the Referer or HX-Current-URL header), read
without raising: `urlsplit` raises ValueError on text that is no URL (an unclosed "[" of an
IPv6 host, a port out of range), which would otherwise answer 500."""

from urllib.parse import SplitResult, urlsplit

from django.urls import Resolver404, ResolverMatch, resolve


def split_address(address: str | None) -> SplitResult | None:
    """address split into its parts, or None when it is no URL."""
    try:
        parts = urlsplit(address or "")
        parts.port  # noqa: B018 - raises ValueError on a port that is no number or out of range
    except ValueError:
        return None
    return parts


def route_of(address: str | None) -> ResolverMatch | None:
    """The route of this site that address's path names, or None (no URL, no route)."""
    parts = split_address(address)
    if parts is None:
        return None
    try:
        return resolve(parts.path or "/")
    except Resolver404:
        return None
