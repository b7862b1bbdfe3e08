import re

from django import template
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import SafeString

from argmap.debates import fragments
from argmap.debates.markup import Run, preview
from argmap.debates.models import QuoteSelector
from argmap.debates.search import highlighted

register = template.Library()

register.filter("highlighted", highlighted)


@register.filter
def quote_runs(quote: QuoteSelector, limit: int = 70) -> list[Run]:
    """{{ anchor|quote_runs:70 }}: a quote's preview as runs for includes/markup.html#runs;
    {{ anchor|quote_runs:0 }} shows the whole quote, its markup hidden all the same."""
    return preview(quote.exact, quote.prefix, quote.suffix, int(limit) or len(quote.exact))


class CompactNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        return compact(self.nodelist.render(context))


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
def state_region(kind: str, pk: int, value: object = None) -> SafeString:
    """{% state kind node.pk %}: a node's piece of state, filled in per response from one read
    (fragments.fill), so a cached render holds none of it; `value`, when the page knows it
    already (rendered outside the cache), is shown at once."""
    return fragments.region(kind, pk, value)
