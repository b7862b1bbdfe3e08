"""Server-side layout of a map as a left-to-right tree of boxes, drawn as SVG."""

import textwrap
from dataclasses import dataclass, field

BOX_WIDTH = 240
LINE_HEIGHT = 15
LINES_PER_BOX = 4
BOX_HEIGHT = 28 + LINE_HEIGHT * LINES_PER_BOX
COLUMN_GAP = 70
ROW_GAP = 18
MARGIN = 20
CHARS_PER_LINE = 32


@dataclass
class Box:
    node: object
    depth: int
    x: int = 0
    y: int = 0
    lines: list = field(default_factory=list)
    children: list = field(default_factory=list)
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
    def ends(self):
        return (
            self.parent.x + BOX_WIDTH,
            self.parent.y + BOX_HEIGHT // 2,
            self.child.x,
            self.child.y + BOX_HEIGHT // 2,
        )

    @property
    def path(self):
        x2, y2 = self.child.x, self.child.y + BOX_HEIGHT // 2
        if self.attacked is not None:
            # An undercut points at the middle of the link it attacks, not at a box.
            ax1, ay1, ax2, ay2 = self.attacked.ends
            tx, ty = (ax1 + ax2) // 2, (ay1 + ay2) // 2
            return f"M{tx},{ty} C{tx},{y2} {tx},{y2} {x2},{y2}"
        x1, y1 = self.parent.x + BOX_WIDTH, self.parent.y + BOX_HEIGHT // 2
        middle = (x1 + x2) // 2
        return f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}"

    @property
    def marker_x(self):
        return self.child.x - 14

    @property
    def marker_y(self):
        return self.child.y + BOX_HEIGHT // 2 - 4


def wrap(text):
    lines = textwrap.wrap(text, CHARS_PER_LINE) or [""]
    if len(lines) > LINES_PER_BOX:
        lines = lines[:LINES_PER_BOX]
        lines[-1] = lines[-1][: CHARS_PER_LINE - 1].rstrip() + "…"
    return lines


def layout(nodes, root):
    """Boxes and edges for root's subtree: leaves stacked in reading order, parents centred."""
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (node.position, node.pk))

    boxes, edges, next_row_y = [], [], MARGIN
    # An explicit stack instead of recursion: synthetic maps can be thousands deep.
    root_box = Box(root, 0, lines=wrap(root.text))
    stack = [(root_box, False)]
    while stack:
        box, children_placed = stack.pop()
        kids = children.get(box.node.pk, [])
        box.x = MARGIN + box.depth * (BOX_WIDTH + COLUMN_GAP)
        if not children_placed:
            boxes.append(box)
            box.children = [Box(kid, box.depth + 1, lines=wrap(kid.text)) for kid in kids]
            for child in box.children:
                child.edge = Edge(child, box)
                if child.node.relation == "undercuts":
                    child.edge.attacked = box.edge
                edges.append(child.edge)
            if box.children:
                stack.append((box, True))
                stack.extend((child, False) for child in reversed(box.children))
            else:
                box.y = next_row_y
                next_row_y += BOX_HEIGHT + ROW_GAP
        else:
            box.y = (box.children[0].y + box.children[-1].y) // 2
    width = MARGIN * 2 + (max(box.depth for box in boxes) + 1) * (BOX_WIDTH + COLUMN_GAP)
    return {"boxes": boxes, "edges": edges, "width": width, "height": next_row_y + MARGIN}
