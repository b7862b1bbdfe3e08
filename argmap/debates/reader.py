"""The source reader: the text cut at every quote, and what the reader page shows."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import F
from django.http import Http404, HttpRequest

from argmap.lib.numbers import whole_number

from .markup import Interval, boilerplate_intervals, markup_intervals, runs
from .models import Anchor, ArgumentMap, Section, Source

# The stance of a reader's annotation on a passage (the `notes` passages() is given).
NOTE = "note"


def passages(
    text: str,
    spans: Sequence[Any],
    sections: Sequence[Section],
    markup: Sequence[Interval] = (),
    window: tuple[int, int] | None = None,
    notes: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """The text (or the window of it) cut into sections, each cut into pieces at every
    boundary of a span (a curated anchor) or a note (a reader's passage).

    Each piece carries the spans that cover it, so overlapping spans render as
    nested coverage rather than broken markup. Spans and notes need .start and .end; a
    span's .stance colours it, a note's stance is NOTE (read here, not from the note: it is
    another app's row).
    Each piece's runs are its text cut again where the markup's formatting changes.
    A section the window cuts is clipped to it; each passage's start is its first offset.
    """
    noted = {id(note) for note in notes}

    def stance_of(span: Any) -> str:
        return NOTE if id(span) in noted else str(getattr(span, "stance", ""))

    spans = [*spans, *notes]
    low, high = window or (0, len(text))
    bounds: list[tuple[int, int, Section | None]] = [(low, high, None)]
    if sections:
        bounds = [
            (max(s.start, low), min(s.end, high), s)
            for s in sections
            if s.start < high and s.end > low
        ]
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
            curated = [span for span in active if stance_of(span) != NOTE]
            leading = curated or active
            stances = {stance_of(span) for span in leading}
            stance = stances.pop() if len(stances) == 1 else "mixed" if stances else ""
            pieces.append(
                {
                    "text": text[start:end],
                    "runs": runs(text, start, end, markup),
                    "spans": list(active),
                    # The quotes over the piece, as its data-anchors attribute lists them
                    # (built here: a template loop over every span of every piece is slow).
                    "anchor_ids": "".join(
                        f"{span.pk} " for span in active if stance_of(span) != NOTE
                    ),
                    "starting": [span for span in starting if span.start == start],
                    # The innermost span is the one a click most likely means.
                    "primary": min(leading, key=lambda s: s.end - s.start, default=None),
                    "stance": stance,
                    "has_note": bool(curated) and len(curated) < len(active),
                }
            )
        result.append({"section": section, "start": section_start, "pieces": pieces})
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


# A source quoted more often than this is read in parts of about PART_CHARS characters, each
# drawing QUOTES_PER_PAGE of the quotes over it at a time: a generated source of 60,000
# characters has 9,000 quotes at 10,000 nodes, 900,000 at a million. The seed sources
# (a hundred quotes or so) stay one page, as they always were.
PARTS_FROM = 500
PART_CHARS = 6000
QUOTES_PER_PAGE = 100


def parts(text: str, size: int) -> list[tuple[int, int]]:
    """The text cut into (start, end) parts of at most size characters, each ending after a
    paragraph break where one falls in its second half, else after a line break."""
    bounds, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            for mark in ("\n\n", "\n"):
                cut = text.rfind(mark, start + size // 2, end)
                if cut != -1:
                    end = cut + len(mark)
                    break
        bounds.append((start, end))
        start = end
    return bounds or [(0, 0)]


def _part_holding(bounds: Sequence[tuple[int, int]], offset: int | None) -> int:
    for index, (_, end) in enumerate(bounds):
        if offset is not None and offset < end:
            return index
    return len(bounds) - 1 if offset is not None else 0


def maps_quoting(source: Source) -> list[ArgumentMap]:
    """The maps that quote source, curated ones first: each map's quoted sources are found
    once per structure token (ArgumentMapQuerySet.with_source_ids), so after a write this costs
    milliseconds at a million nodes, not a scan of the source's quotes (3.3 s before)."""
    maps = ArgumentMap.objects.with_source_ids()
    quoting = [argmap for argmap in maps if source.pk in argmap.source_ids]
    return sorted(quoting, key=lambda argmap: (not argmap.is_curated, argmap.slug))


def shown_map(
    request: HttpRequest, maps: list[ArgumentMap], target: Anchor | None
) -> ArgumentMap | None:
    """The one map whose quotes the reader draws: the quote's asked for (?anchor=), else
    ?map=<slug> (404 for no such map), else the first that quotes the source."""
    if target is not None:
        return target.node.map
    slug = request.GET.get("map") or request.POST.get("map")
    if not slug:
        return maps[0] if maps else None
    for argmap in maps:
        if argmap.slug == slug:
            return argmap
    try:  # a map that does not quote this source: nothing drawn, and said so
        named: ArgumentMap = ArgumentMap.objects.get(slug=slug)
    except ArgumentMap.DoesNotExist:
        raise Http404("No such map.") from None
    return named


def reader_context(
    request: HttpRequest, source: Source, spans: Sequence[Any] = ()
) -> dict[str, Any]:
    """The reader: the text cut at every quote of one map (maps never mix: each counts and
    draws its own quotes) and at every span given (readers' passages, each with .start and
    .end: the reader page in annotations gives them); `spans` in the result are those drawn.

    A much-quoted source shows one part of its text (?part=, counting from 1) and one page
    of the quotes over it (?page=); ?anchor=<id> (Anchor.get_reader_url) opens the part
    holding that quote, with it drawn; ?map=<slug> chooses the map. Every offset stays one
    into the whole text.
    """
    target = None
    target_pk = whole_number(request.GET.get("anchor"))
    if target_pk is not None:
        target = (
            Anchor.objects.filter(source=source, pk=target_pk)
            .select_related("node__map")
            .with_comment_numbers()
            .first()
        )
    maps = maps_quoting(source)
    argmap = shown_map(request, maps, target)
    quoted = Anchor.objects.filter(source=source, node__map=argmap).order_by()
    in_parts = quoted[: PARTS_FROM + 1].count() > PARTS_FROM
    bounds = parts(source.text, PART_CHARS) if in_parts else [(0, len(source.text))]
    if target is not None:
        index, page = _part_holding(bounds, target.start), 1
    elif request.method == "POST" and whole_number(request.POST.get("start")) is not None:
        index, page = _part_holding(bounds, whole_number(request.POST.get("start"))), 1
    else:
        index = min(max((whole_number(request.GET.get("part")) or 1) - 1, 0), len(bounds) - 1)
        page = max(whole_number(request.GET.get("page")) or 1, 1)
    low, high = bounds[index]
    # Anchors over the part: those starting in it, and those starting up to the longest
    # anchor's length before it (both bounded ranges of the (source, start) index).
    reach = (
        quoted.annotate(length=F("end") - F("start"))
        .order_by("-length")
        .values_list("length", flat=True)[:1]
    )
    reach_chars = next(iter(reach), 0)
    over = (
        quoted.filter(start__gte=low - reach_chars, start__lt=high, end__gt=low)
        .select_related("node__map")
        .with_comment_numbers()
        .order_by("start", "end", "pk")
    )
    per_page = QUOTES_PER_PAGE if in_parts else PARTS_FROM  # a source in one piece: all
    offset = (page - 1) * per_page
    anchors = list(over[offset : offset + per_page + 1])
    more_anchors = len(anchors) > per_page
    anchors = anchors[:per_page]
    last_anchor = offset + len(anchors)
    if target is not None and all(anchor.pk != target.pk for anchor in anchors):
        anchors = sorted([*anchors, target], key=lambda a: (a.start, a.end, a.pk))
    sections = list(source.sections.all())
    drawn: dict[int, tuple[Any, list[Anchor]]] = {}  # node id -> (node, its anchors here)
    for anchor in anchors:
        drawn.setdefault(anchor.node_id, (anchor.node, []))[1].append(anchor)
    spans = [span for span in spans if span.start < high and span.end > low]
    markup = [*markup_intervals(source.text), *boilerplate_intervals(source.text, sections)]
    cut = passages(source.text, anchors, sections, markup, (low, high), notes=spans)
    return {
        "source": source,
        "shown_map": argmap,
        "quoting_maps": maps,
        "article": [p for p in cut if not p["section"] or p["section"].kind == "body"],
        "comments": [p for p in cut if p["section"] and p["section"].kind == "comment"],
        "coverage": None
        if in_parts
        else coverage_percent(source.text, ((a.start, a.end) for a in anchors)),
        "drawn": list(drawn.values()),
        "anchors": anchors,
        "has_boilerplate": any("md-boilerplate" in style for _, _, style in markup),
        "reading": {
            "in_parts": in_parts,
            "anchors_from": PARTS_FROM,
            "part": index + 1,
            "parts": range(1, len(bounds) + 1),
            "part_count": len(bounds),
            "page": page,
            "more_anchors": more_anchors,
            "first_anchor": offset + 1,
            "last_anchor": last_anchor,
            # Links between parts and pages keep the map shown, where there is a choice.
            "map_param": f"&map={argmap.slug}" if argmap and len(maps) > 1 else "",
        },
        "spans": spans,
    }
