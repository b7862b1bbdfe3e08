import functools
import re
import unicodedata

from django import template
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.templatetags import cache as django_cache
from django.templatetags.cache import CacheNode
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from argmap.debates import fragments
from argmap.debates.markup import Run, preview
from argmap.debates.models import QuoteSelector
from argmap.debates.search import highlighted

register = template.Library()

register.filter("highlighted", highlighted)


@register.filter(is_safe=True)
def shorten(value: object, length: int | str) -> str:
    """{{ node.text|shorten:50 }}: Django's truncatechars, remembered. A tree row shortens
    its node's and its parent's text several times, and a cold render after an edit
    shortens the same texts again (Truncator walks each text character by character, and
    asks gettext for its ellipsis: a fifth of a focused map page's render)."""
    try:
        limit = int(length)
    except ValueError:
        return str(value)  # as truncatechars: an unusable length leaves the text whole
    text = str(value)
    if 0 < len(text) <= limit and unicodedata.is_normalized("NFC", text):
        return text  # as Truncator gives it back: short enough, and already in NFC
    return _shortened(text, limit)


@functools.lru_cache(maxsize=20_000)
def _shortened(text: str, limit: int) -> str:
    return Truncator(text).chars(limit)


@register.filter
def quote_runs(quote: QuoteSelector, limit: int = 70) -> list[Run]:
    """{{ anchor|quote_runs:70 }}: a quote's preview as runs for includes/markup.html#runs;
    {{ anchor|quote_runs:0 }} shows the whole quote, its markup hidden all the same."""
    return preview(quote.exact, quote.prefix, quote.suffix, int(limit) or len(quote.exact))


class CompactNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        # A tree row holds its children's rows, each its own {% compact %}: only the outermost
        # compacts, once, instead of every level compacting all below it again (a row at
        # depth d was compacted d times: 15-20 % of a focused map page's cold render).
        if context.get(COMPACTING):
            return self.nodelist.render(context)
        with context.push({COMPACTING: True}):
            return compact(self.nodelist.render(context))


COMPACTING = "argmap_compacting"  # set in the context while an outer {% compact %} renders
WHITESPACE = re.compile(r"\s+")


def compact(html: str) -> str:
    """HTML without the whitespace a browser would collapse anyway: none between tags, one space
    for any run elsewhere. Only for markup with no preformatted text in it (a tree row)."""
    return WHITESPACE.sub(" ", strip_spaces_between_tags(html.strip()))


@register.tag("compact")
def do_compact(parser: template.base.Parser, token: template.base.Token) -> CompactNode:
    """{% compact %}…{% endcompact %}: like spaceless, and runs of whitespace inside tags and
    text become one space (the templates put one attribute a line, indented)."""
    nodelist = parser.parse(("endcompact",))
    parser.delete_first_token()
    return CompactNode(nodelist)


@register.simple_tag(name="state")
def state_region(
    kind: str, pk: int, value: object = None, variant: str | None = None
) -> SafeString:
    """{% state kind node.pk %}: a node's piece of state, filled in per response from one read
    (fragments.fill), so a cached render holds none of it; `value`, when the page knows it
    already (rendered outside the cache), is shown at once; `variant=`, for a kind that reads
    by variant (a map's strengths under one perspective)."""
    return fragments.region(kind, pk, value, variant)


class OneRenderCacheNode(CacheNode):
    """Django's {% cache %}, but a fragment missed by many requests at once renders once
    (fragments.one_render): the others wait for it instead of each rendering it too."""

    def render(self, context: template.Context) -> str:
        expire_time = self.expire_time_var.resolve(context)
        fragment_cache = caches[self.cache_name.resolve(context) if self.cache_name else "default"]
        vary_on = [var.resolve(context) for var in self.vary_on]
        key = make_template_fragment_key(self.fragment_name, vary_on)
        value = fragment_cache.get(key)
        if value is None:

            def rendered() -> str:
                html = self.nodelist.render(context)
                fragment_cache.set(key, html, None if expire_time is None else int(expire_time))
                return html

            value, _ = fragments.one_render(fragment_cache, key, rendered)
        return value


@register.tag("cache")
def do_cache(parser: template.base.Parser, token: template.base.Token) -> OneRenderCacheNode:
    """{% cache %} as Django's (same arguments; load this library after `cache`, or alone),
    with one render per miss."""
    node = django_cache.do_cache(parser, token)
    return OneRenderCacheNode(
        node.nodelist, node.expire_time_var, node.fragment_name, node.vary_on, node.cache_name
    )


class RowCacheNode(template.Node):
    def __init__(self, nodelist, timeout, node, page):
        self.nodelist, self.timeout, self.node, self.page = nodelist, timeout, node, page

    def render(self, context: template.Context) -> str:
        timeout = self.timeout.resolve(context)
        node = self.node.resolve(context)
        page = [value.resolve(context) for value in self.page]
        key = fragments.row_key(node, *page) if timeout else None
        if key is None:
            return self.nodelist.render(context)
        cache = caches["rows"]
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, int(timeout))
        return html


@register.tag("rowcache")
def do_rowcache(parser: template.base.Parser, token: template.base.Token) -> RowCacheNode:
    """{% rowcache timeout node value… %}…{% endrowcache %}: a tree row's card, cached under a
    digest of the node as loaded and of the page's values named (fragments, point 10); a
    timeout of 0 (a page whose fragments are not cached) renders it every time."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("rowcache takes a timeout, a node and the page's values")
    nodelist = parser.parse(("endrowcache",))
    parser.delete_first_token()
    timeout, node, *page = (parser.compile_filter(bit) for bit in bits[1:])
    return RowCacheNode(nodelist, timeout, node, page)
