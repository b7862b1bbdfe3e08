"""The source reader: the text cut at every quote, and what the reader page shows."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest

from .markup import Interval, boilerplate_intervals, markup_intervals, runs
from .models import Anchor, Section, Source
from .pages import reader_extras

# The stance of a reader's annotation on a passage (annotations' PassageAnnotation.stance).
NOTE = "note"


def passages(
    text: str,
    spans: Sequence[Any],
    sections: Sequence[Section],
    markup: Sequence[Interval] = (),
) -> list[dict[str, Any]]:
    """The text cut into sections, each cut into pieces at every span boundary.

    Each piece carries the spans that cover it, so overlapping spans render as
    nested coverage rather than broken markup. Spans need .start and .end.
    Each piece's runs are its text cut again where the markup's formatting changes.
    """
    bounds: list[tuple[int, int, Section | None]] = [(0, len(text), None)]
    if sections:
        bounds = [(s.start, s.end, s) for s in sections]
    result = []
    for section_start, section_end, section in bounds:
        opening: dict[int, list[Any]] = {}
        closing: dict[int, list[Any]] = {}
        for span in spans:
            if span.start < section_end and span.end > section_start:
                opening.setdefault(max(span.start, section_start), []).append(span)
                closing.setdefault(min(span.end, section_end), []).append(span)
        edges = sorted({section_start, section_end, *opening, *closing})
        active: list[Any] = []
        pieces = []
        for start, end in zip(edges, edges[1:], strict=False):
            for span in closing.get(start, ()):
                active.remove(span)
            starting = opening.get(start, [])
            active.extend(starting)
            # A reader's own annotation inside a curated quote neither recolours the quote
            # nor takes over its link: the quote leads, the annotation is marked as present.
            curated = [span for span in active if getattr(span, "stance", "") != NOTE]
            leading = curated or active
            stances = {getattr(span, "stance", "") for span in leading}
            stance = stances.pop() if len(stances) == 1 else "mixed" if stances else ""
            pieces.append(
                {
                    "text": text[start:end],
                    "runs": runs(text, start, end, markup),
                    "spans": list(active),
                    "starting": [span for span in starting if span.start == start],
                    # The innermost span is the one a click most likely means.
                    "primary": min(leading, key=lambda s: s.end - s.start, default=None),
                    "stance": stance,
                    "has_note": bool(curated) and len(curated) < len(active),
                }
            )
        result.append({"section": section, "pieces": pieces})
    return result


def coverage_percent(text: str, spans: Iterable[tuple[int, int]]) -> float:
    """The share of text that the given (start, end) spans quote, overlaps counted once."""
    covered, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return round(100 * covered / len(text), 1) if text else 0.0


def reader_context(request: HttpRequest, source: Source, form: Any = None) -> dict[str, Any]:
    """The reader: the text cut at every quote and at every span other apps add (pages.py)."""
    anchors = list(
        Anchor.objects.filter(source=source)
        .select_related("node__map")
        .with_comment_numbers()
        .order_by("start", "end")
    )
    sections = list(source.sections.all())
    drawn: dict[int, tuple[Any, list[Anchor]]] = {}  # node id -> (node, its quotes here)
    for anchor in anchors:
        drawn.setdefault(anchor.node_id, (anchor.node, []))[1].append(anchor)
    extras = reader_extras(request, source, form)
    markup = [*markup_intervals(source.text), *boilerplate_intervals(source.text, sections)]
    cut = passages(source.text, [*anchors, *extras.pop("spans")], sections, markup)
    return {
        "source": source,
        "article": [p for p in cut if not p["section"] or p["section"].kind == "body"],
        "comments": [p for p in cut if p["section"] and p["section"].kind == "comment"],
        "coverage": coverage_percent(source.text, ((a.start, a.end) for a in anchors)),
        "drawn": list(drawn.values()),
        "anchors": anchors,
        "has_boilerplate": any("md-boilerplate" in style for _, _, style in markup),
        **extras,
    }
