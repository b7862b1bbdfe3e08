"""The diagram: a bounded neighbourhood of one node, laid out as boxes and drawn as SVG.

What one response holds never grows with the map: the focus (the thesis unless another is
asked for), its parent above it, and two levels below it with at most LEVEL_LIMITS[i]
children drawn per node. Where a node has more, a "more" affordance links to the diagram
focused there (or, under the focus itself, to the next page of its children). The path up to
the thesis is a breadcrumb of at most PATH_SHOWN ancestors, fetched with the focus.

Queries, whatever the size of the map: the focus with its ancestors (one row, joined), its
children (one page, with LIMIT), their children (at most a few per parent, by a window
function) and the cross-links of the drawn nodes (two). Child counts come as annotations on
the drawn rows only.

Every address it draws keeps the page's `query` (the perspective its strengths are under):
each box shows its node's strength on a row of its own (a state region, pages' hooks).
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from .models import ArgumentMap, Node
from .tree import RELATION_GROUPS, attach_links

# Children drawn per node: of the focus (a page of them), and of each of those children.
LEVEL_LIMITS = (5, 2)
# Cross-links listed per drawn node; the rest are on its claim page.
LINKS_SHOWN = 3
# Ancestors named in the path above the focus; further up is an ellipsis, then the thesis.
PATH_SHOWN = 3

BOX_WIDTH = 240
LINE_HEIGHT = 15
LINES_PER_BOX = 3
STRENGTH_ROW = 18  # the node's strength, below its text
BOX_HEIGHT = 28 + LINE_HEIGHT * LINES_PER_BOX + STRENGTH_ROW
MORE_HEIGHT = 30
COLUMN_GAP = 60
ROW_GAP = 12
PARENT_GAP = 40  # between the parent, drawn above the focus, and the focus
MARGIN = 20
CHARS_PER_LINE = 32


def diagram_url(argmap: ArgumentMap, node: Any, page: int = 1, query: str = "") -> str:
    """The diagram focused on node (page of its children), keeping query (the perspective)."""
    url = f"{reverse('diagram', args=[argmap.slug])}?focus={node.key}"
    url = f"{url}&page={page}" if page > 1 else url
    return f"{url}&{query}" if query else url


def child_total(node: Any) -> int:
    return sum(getattr(node, f"{relation}_count", 0) for relation in RELATION_GROUPS)


@dataclass
class More:
    """A link to what is not drawn: a branch's other children, or another page of them."""

    text: str
    href: str
    x: int = 0
    y: int = 0

    @property
    def width(self):
        return BOX_WIDTH

    @property
    def height(self):
        return MORE_HEIGHT

    @property
    def text_x(self):
        return self.x + 10

    @property
    def text_y(self):
        return self.y + 19


@dataclass
class Box:
    node: Any
    depth: int  # -1 for the parent above the focus, 0 for the focus
    href: str = ""
    x: int = 0
    y: int = 0
    lines: list = field(default_factory=list)
    children: list = field(default_factory=list)
    before: More | None = None  # the previous page of the focus's children
    after: More | None = None  # the children not drawn here
    edge: "Edge | None" = field(default=None, repr=False, compare=False)  # up to the parent

    @property
    def width(self):
        return BOX_WIDTH

    @property
    def height(self):
        return BOX_HEIGHT

    @property
    def text_x(self):
        return self.x + 10

    @property
    def label_y(self):
        return self.y + 18

    @property
    def line_positions(self):
        return [(self.y + 36 + index * LINE_HEIGHT, line) for index, line in enumerate(self.lines)]

    @property
    def strength_y(self):
        return self.y + 36 + LINES_PER_BOX * LINE_HEIGHT + 4

    @property
    def is_focus(self):
        return self.depth == 0

    @property
    def links_below(self):
        """Children exist that this drawing leaves out below this box: it opens them."""
        return self.depth > 0 and not self.children and child_total(self.node) > 0

    @property
    def links_shown(self):
        return self.node.cross_links[:LINKS_SHOWN]

    @property
    def links_left(self):
        return max(0, len(self.node.cross_links) - LINKS_SHOWN)

    @property
    def chevron_x(self):
        return self.x + BOX_WIDTH - 16

    @property
    def chevron_y(self):
        return self.y + BOX_HEIGHT // 2 + 5


@dataclass
class Edge:
    child: Box
    parent: Box

    @property
    def relation(self):
        return self.child.node.relation

    # The edge from the parent up to its own parent, when it is drawn: an undercut attacks it.
    attacked: "Edge | None" = field(default=None, repr=False, compare=False)

    @property
    def is_vertical(self):
        # The focus hangs below its parent, in the same column.
        return self.child.depth == 0

    @property
    def ends(self):
        if self.is_vertical:
            x = self.parent.x + BOX_WIDTH // 2
            return (x, self.parent.y + BOX_HEIGHT, x, self.child.y)
        return (
            self.parent.x + BOX_WIDTH,
            self.parent.y + BOX_HEIGHT // 2,
            self.child.x,
            self.child.y + BOX_HEIGHT // 2,
        )

    @property
    def path(self):
        x1, y1, x2, y2 = self.ends
        if self.is_vertical:
            return f"M{x1},{y1} L{x2},{y2}"
        if self.attacked is not None:
            # An undercut points at the middle of the link it attacks, not at a box.
            ax1, ay1, ax2, ay2 = self.attacked.ends
            tx, ty = (ax1 + ax2) // 2, (ay1 + ay2) // 2
            return f"M{tx},{ty} C{tx},{y2} {tx},{y2} {x2},{y2}"
        middle = (x1 + x2) // 2
        return f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"

    @property
    def marker_x(self):
        return self.child.x + BOX_WIDTH // 2 + 8 if self.is_vertical else self.child.x - 14

    @property
    def marker_y(self):
        if self.is_vertical:
            return self.child.y - PARENT_GAP // 2 + 5
        return self.child.y + BOX_HEIGHT // 2 - 4


def wrap(text):
    lines = textwrap.wrap(text, CHARS_PER_LINE) or [""]
    if len(lines) > LINES_PER_BOX:
        lines = lines[:LINES_PER_BOX]
        lines[-1] = lines[-1][: CHARS_PER_LINE - 1].rstrip() + "…"
    return lines


# Fetching ----------------------------------------------------------------------------------

RELATION_ORDER = Case(
    *(When(relation=relation, then=Value(index)) for index, relation in enumerate(RELATION_GROUPS)),
    default=Value(len(RELATION_GROUPS)),
    output_field=IntegerField(),
)


def children_in_turn(parent_ids: Sequence[int]) -> QuerySet:
    """Children of these nodes, each with its child counts and its `turn` among the children
    of its parent with the same relation, ordered so that cutting the list anywhere keeps both
    sides: first supporter, first opponent, first undercut, second supporter…"""
    return (
        Node.objects.filter(parent_id__in=parent_ids)
        .with_child_counts()
        .annotate(
            relation_order=RELATION_ORDER,
            turn=Window(
                RowNumber(),
                partition_by=[F("parent_id"), F("relation")],
                order_by=[F("position").asc(), F("id").asc()],
            ),
        )
        .order_by("parent_id", "turn", "relation_order", "position", "id")
    )


def focus_node(argmap: ArgumentMap, key: str | None) -> Node:
    """The focus with its child counts and its nearest ancestors, in one query."""
    related = "__".join(["parent"] * PATH_SHOWN)
    nodes = Node.objects.with_child_counts().filter(map=argmap).select_related(related)
    node = nodes.get(key=key) if key else nodes.roots().get()
    node.map = argmap  # its URL then costs no query
    return node


def ancestors_shown(focus: Node) -> tuple[list[Node], bool]:
    """The ancestors named in the path, root-most first, and whether some are left out
    between them and the thesis."""
    chain: list[Node] = []
    at = focus.parent
    while at is not None and len(chain) < PATH_SHOWN:
        chain.append(at)
        at = at.parent if Node.parent.is_cached(at) else None
    gap = bool(chain) and chain[-1].parent_id is not None
    return chain[::-1], gap


def neighbourhood(argmap: ArgumentMap, focus: Node, page: int, query: str = "") -> dict[str, Any]:
    """Everything the diagram page draws around focus, its addresses keeping query. Raises
    LookupError for a page past the last one of the focus's children."""
    first_limit, second_limit = LEVEL_LIMITS
    offset = (page - 1) * first_limit
    if page > 1 and offset >= child_total(focus):
        raise LookupError(page)
    children = list(children_in_turn([focus.pk])[offset : offset + first_limit])
    # At most second_limit per relation and parent are read; second_limit per parent are kept.
    grandchildren = (
        list(children_in_turn([child.pk for child in children]).filter(turn__lte=second_limit))
        if children
        else []
    )
    kept: dict[int, list[Any]] = {}
    for node in grandchildren:
        siblings = kept.setdefault(node.parent_id, [])
        if len(siblings) < second_limit:
            siblings.append(node)
    ancestors, gap = ancestors_shown(focus)
    parent = ancestors[-1] if ancestors else None
    drawn = [
        *ancestors[-1:],
        focus,
        *children,
        *(node for group in kept.values() for node in group),
    ]
    for node in [*drawn, *ancestors]:
        node.map = argmap
    attach_links(drawn)
    boxes = layout(argmap, focus, parent, children, kept, page, query)
    return {**boxes, "ancestors": ancestors, "gap": gap, "page": page}


# Layout ------------------------------------------------------------------------------------


def in_reading_order(nodes: Sequence[Any]) -> list[Any]:
    """Grouped by relation as the tree shows them: supporting, opposing, undercuts."""
    return sorted(nodes, key=lambda node: (node.relation_order, node.position, node.pk))


def layout(argmap, focus, parent, children, grandchildren, page, query=""):
    """Boxes, edges and "more" links: the parent above the focus, children in columns to
    the right, each parent level with its first child (so the focus is at the top left)."""
    boxes: list[Box] = []
    edges: list[Edge] = []
    mores: list[More] = []

    def box_for(node, depth, parent_box):
        claim = node.get_absolute_url() + (f"?{query}" if query else "")
        href = claim if depth == 0 else diagram_url(argmap, node, query=query)
        box = Box(node, depth, href=href, lines=wrap(node.text))
        box.x = MARGIN + max(depth, 0) * (BOX_WIDTH + COLUMN_GAP)
        boxes.append(box)
        if parent_box is not None:
            box.edge = Edge(box, parent_box)
            if node.relation == Node.Relation.UNDERCUTS:
                box.edge.attacked = parent_box.edge
            edges.append(box.edge)
        return box

    parent_box = box_for(parent, -1, None) if parent is not None else None
    top = MARGIN
    if parent_box is not None:
        parent_box.y = MARGIN
        top = MARGIN + BOX_HEIGHT + PARENT_GAP
    focus_box = box_for(focus, 0, parent_box)
    first_limit, _ = LEVEL_LIMITS
    shown = (page - 1) * first_limit + len(children)
    if page > 1:
        focus_box.before = More(
            f"‹ Previous {first_limit} of {child_total(focus)}",
            diagram_url(argmap, focus, page - 1, query),
        )
    if child_total(focus) > shown:
        left = child_total(focus) - shown
        focus_box.after = More(
            f"Next {min(left, first_limit)} of {left} more ›",
            diagram_url(argmap, focus, page + 1, query),
        )
    for child in in_reading_order(children):
        child_box = box_for(child, 1, focus_box)
        focus_box.children.append(child_box)
        kept = grandchildren.get(child.pk, [])
        for grandchild in in_reading_order(kept):
            child_box.children.append(box_for(grandchild, 2, child_box))
        if child_total(child) > len(kept):
            child_box.after = More(
                f"{child_total(child) - len(kept)} more: open this branch ›",
                diagram_url(argmap, child, query=query),
            )

    next_y = top

    def place(box):
        """Top-down, depth first: a box sits level with the first thing drawn to its right."""
        nonlocal next_y
        start = next_y
        column_x = box.x + BOX_WIDTH + COLUMN_GAP
        items = [box.before, *box.children, box.after]
        for item in items:
            if isinstance(item, Box):
                place(item)
            elif item is not None:
                item.x, item.y = column_x, next_y
                mores.append(item)
                next_y += MORE_HEIGHT + ROW_GAP
        box.y = start
        if next_y == start:  # nothing to its right: the box takes a row of its own
            next_y += BOX_HEIGHT + ROW_GAP
        else:
            next_y = max(next_y, start + BOX_HEIGHT + ROW_GAP)

    place(focus_box)
    width = max([box.x for box in boxes] + [more.x for more in mores]) + BOX_WIDTH + MARGIN
    return {
        "focus_box": focus_box,
        "parent_box": parent_box,
        "boxes": boxes,
        "edges": edges,
        "mores": mores,
        "width": width,
        "height": next_y - ROW_GAP + MARGIN,
    }
