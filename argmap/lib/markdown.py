"""Readers' Markdown to safe HTML: CommonMark by cmark-gfm (C), then sanitized by nh3.

cmark is CommonMark's reference parser, written to stay linear on pathological input; being
C, it renders the worst 10,000-character body in a few milliseconds, where the pure-Python
markdown-it-py took up to 100 (docs/performance.md). No GFM extension is attached, so the
output is plain CommonMark.

cmark has no switch that turns raw HTML off: it parses `<b>` as HTML and its safe mode drops
it. Readers must see the tags they typed as text, so the tree is mended before rendering:
HTML nodes become text nodes of the same characters (a block that starts with a tag shows
as typed, up to where CommonMark ends that block), images become "!" and a link (images are
not in the allow-list), links to a script scheme keep their text and lose the link, and
anything nested deeper than MAX_DEPTH shows as its plain text. nh3 then removes anything the
allow-list does not name. Annotations store the result on write (`Annotation.body_html`):
pages never render Markdown.
"""

import re
from collections.abc import Iterator
from typing import Any

import cffi
import nh3
from cmarkgfm import _cmark

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}  # fmt: skip

# cmarkgfm binds only cmark's whole-document calls; its library also exports cmark's tree
# API (cmark-gfm.h), declared here to reach it.
_FFI = cffi.FFI()
_FFI.cdef("""
typedef struct cmark_node cmark_node;
typedef struct cmark_iter cmark_iter;
typedef struct cmark_mem {
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
} cmark_mem;
cmark_mem *cmark_get_default_mem_allocator(void);
cmark_node *cmark_parse_document(const char *buffer, size_t len, int options);
char *cmark_render_html(cmark_node *root, int options, void *extensions);
cmark_iter *cmark_iter_new(cmark_node *root);
int cmark_iter_next(cmark_iter *iter);
cmark_node *cmark_iter_get_node(cmark_iter *iter);
void cmark_iter_free(cmark_iter *iter);
void cmark_iter_reset(cmark_iter *iter, cmark_node *current, int event_type);
cmark_node *cmark_node_new(int type);
void cmark_node_free(cmark_node *node);
int cmark_node_get_type(cmark_node *node);
const char *cmark_node_get_type_string(cmark_node *node);
const char *cmark_node_get_literal(cmark_node *node);
int cmark_node_set_literal(cmark_node *node, const char *content);
const char *cmark_node_get_url(cmark_node *node);
int cmark_node_set_url(cmark_node *node, const char *url);
const char *cmark_node_get_title(cmark_node *node);
int cmark_node_set_title(cmark_node *node, const char *title);
cmark_node *cmark_node_first_child(cmark_node *node);
int cmark_node_insert_before(cmark_node *node, cmark_node *sibling);
int cmark_node_append_child(cmark_node *node, cmark_node *child);
int cmark_node_replace(cmark_node *oldnode, cmark_node *newnode);
""")
_CMARK: Any = _FFI.dlopen(_cmark.__file__)
_FREE = _CMARK.cmark_get_default_mem_allocator().free

# Node types and iterator events, as numbered in cmark-gfm.h.
DONE, ENTER, EXIT = 1, 2, 3
DOCUMENT, ITEM, HTML_BLOCK, PARAGRAPH = 0x8001, 0x8004, 0x8006, 0x8008
CODE_BLOCK, THEMATIC_BREAK = 0x8005, 0x800A
TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE = 0xC001, 0xC002, 0xC003, 0xC004, 0xC005
LINK, IMAGE = 0xC009, 0xC00A
INLINE = 0x4000  # the bit every inline type has
LEAVES = {CODE_BLOCK, HTML_BLOCK, THEMATIC_BREAK, TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE}
LITERALS = {CODE_BLOCK, HTML_BLOCK, TEXT, CODE, HTML_INLINE}  # the leaves that hold text
MENDED = {HTML_BLOCK, HTML_INLINE, LINK, IMAGE}

# Quotes in lists in quotes, or emphasis in links in emphasis: nodes nested this deep (the
# document and a paragraph count) are shown as their text. nh3's HTML parser scans its
# stack of open elements on each tag, so 10,000 nested quotes took it 450 ms; a real
# annotation does not nest 20 deep.
MAX_DEPTH = 20

# The schemes cmark and markdown-it refuse to link: a script, a local file, or data that
# is not an image.
SCRIPT_URL = re.compile(
    rb"\s*(javascript|vbscript|file|data(?!:image/(gif|png|jpeg|webp);)):", re.I
)


def _text(content: bytes) -> Any:
    node = _CMARK.cmark_node_new(TEXT)
    _CMARK.cmark_node_set_literal(node, content)
    return node


def _children(node: Any) -> Iterator[Any]:
    """The node's children, for a caller that moves or frees each as it comes."""
    while (child := _CMARK.cmark_node_first_child(node)) != _FFI.NULL:
        yield child


def _plain_text(node: Any) -> bytes:
    """The characters of a subtree, with no markup: a space per line break, a line per block."""
    parts = []
    walk = _CMARK.cmark_iter_new(node)
    while (event := _CMARK.cmark_iter_next(walk)) != DONE:
        if event == EXIT:
            continue
        kind = _CMARK.cmark_node_get_type(inner := _CMARK.cmark_iter_get_node(walk))
        if kind in LITERALS:
            parts.append(_FFI.string(_CMARK.cmark_node_get_literal(inner)))
        elif kind in (SOFTBREAK, LINEBREAK):
            parts.append(b" ")
        elif not kind & INLINE:
            parts.append(b"\n")
    _CMARK.cmark_iter_free(walk)
    return b"".join(parts).strip()


def _walk(root: Any) -> tuple[list[tuple[Any, int]], list[tuple[Any, int]]]:
    """The nodes to mend and the nodes nested too deep, each with its type.

    The subtree of a node nested too deep is not walked: it will be replaced whole.
    """
    mended, too_deep = [], []
    iter_next, get_node, get_type = (
        _CMARK.cmark_iter_next, _CMARK.cmark_iter_get_node, _CMARK.cmark_node_get_type
    )  # fmt: skip
    walk = _CMARK.cmark_iter_new(root)
    depth = 0
    while (event := iter_next(walk)) != DONE:
        if event == EXIT:
            depth -= 1
            continue
        node = get_node(walk)
        kind = get_type(node)
        if kind not in LEAVES:
            depth += 1
            if depth > MAX_DEPTH:
                too_deep.append((node, kind))
                _CMARK.cmark_iter_reset(walk, node, EXIT)
                depth -= 1
                continue
        if kind in MENDED:
            mended.append((node, kind))
    _CMARK.cmark_iter_free(walk)
    return mended, too_deep


def _flatten(node: Any, kind: int) -> None:
    """Show a subtree nested too deep as its text, where its parent can hold that text."""
    text = _text(_plain_text(node))
    if kind & INLINE:
        _replace(node, text)
        return
    paragraph = _CMARK.cmark_node_new(PARAGRAPH)
    _CMARK.cmark_node_append_child(paragraph, text)
    if kind == ITEM:  # a list holds only items: keep the item, replace what it holds
        for child in _children(node):
            _CMARK.cmark_node_free(child)
        _CMARK.cmark_node_append_child(node, paragraph)
    else:
        _replace(node, paragraph)


def _replace(node: Any, replacement: Any) -> None:
    _CMARK.cmark_node_replace(node, replacement)
    _CMARK.cmark_node_free(node)


def _mend(node: Any, kind: int) -> None:
    """Show typed HTML as text, an image as "!" and a link, a script link as its text."""
    if kind == HTML_INLINE:
        _replace(node, _text(_FFI.string(_CMARK.cmark_node_get_literal(node))))
        return
    if kind == HTML_BLOCK:
        paragraph = _CMARK.cmark_node_new(PARAGRAPH)
        literal = _FFI.string(_CMARK.cmark_node_get_literal(node)).rstrip(b"\n")
        _CMARK.cmark_node_append_child(paragraph, _text(literal))
        _replace(node, paragraph)
        return
    url = _FFI.string(_CMARK.cmark_node_get_url(node))
    if kind == IMAGE:
        _CMARK.cmark_node_insert_before(node, _text(b"!"))
    if SCRIPT_URL.match(url):
        for child in _children(node):
            _CMARK.cmark_node_insert_before(node, child)
        _replace(node, _text(b""))
    elif kind == IMAGE:
        link = _CMARK.cmark_node_new(LINK)
        _CMARK.cmark_node_set_url(link, url)
        _CMARK.cmark_node_set_title(link, _CMARK.cmark_node_get_title(node))
        for child in _children(node):
            _CMARK.cmark_node_append_child(link, child)
        _replace(node, link)


def _render(root: Any) -> str:
    html = _CMARK.cmark_render_html(root, 0, _FFI.NULL)
    try:
        return str(_FFI.string(html).decode())
    finally:
        _FREE(html)


def markdown_to_html(body: str) -> str:
    """CommonMark, with the HTML a user types shown as the text they typed."""
    source = body.encode("utf-8", "replace")
    root = _CMARK.cmark_parse_document(source, len(source), 0)
    try:
        mended, too_deep = _walk(root)
        for node, kind in too_deep:
            _flatten(node, kind)
        for node, kind in mended:
            _mend(node, kind)
        return _render(root)
    finally:
        _CMARK.cmark_node_free(root)


def render_markdown(body: str) -> str:
    """Markdown to HTML that cannot run script: rendered, then sanitized by nh3."""
    return nh3.clean(
        markdown_to_html(body),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )
