"""W3C Web Annotation: a map's anchors and public passage annotations as JSON-LD.

Each anchor is an annotation whose target is its source, selected by a TextQuoteSelector and a
TextPositionSelector (code-point offsets, as the model requires), and whose body is the node.
Its motivation is `identifying` where the document makes the node's point in its own voice
(asserts, concedes) and `linking` where it only reports someone else's words (reports). A
second body, a TextualBody with purpose `describing`, says who speaks and in what voice.
Each public annotation is an annotation whose body is its text and whose target is its passage
(a source, selected as an anchor is) or its node; the map's export carries the passage
annotations on its sources, the read API (argmap/api) every public annotation, both through
`public_annotations`. They are served as an AnnotationCollection of AnnotationPages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from . import ArgmapDoc

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
EXTENSION = "annotations.jsonld"

MOTIVATION_OF_VOICE = {"asserts": "identifying", "concedes": "identifying", "reports": "linking"}
VOICE_WORDS = {
    "asserts": "{speaker} asserts these words as their own",
    "concedes": "{speaker} concedes this point",
    "reports": "the document reports these words; the speaker is {speaker}",
}
# Annotation kinds as the site names them, and the W3C motivation that says the same.
MOTIVATION_OF_KIND = {
    "comment": "commenting",
    "agree": "assessing",
    "disagree": "assessing",
    "question": "questioning",
    "source-needed": "questioning",
    "fallacy": "assessing",
}


@dataclass(frozen=True)
class Links:
    """Absolute IRIs for what the annotations name; the app builds them from its URLconf."""

    node: Callable[[str], str]
    source: Callable[[str], str]
    annotation: Callable[[int], str]
    # A node of any map, (map slug, node key) -> IRI: the target of an annotation on a node.
    node_in: Callable[[str, str], str] | None = None


def _target(source_iri: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "source": source_iri,
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": item["exact"],
                "prefix": item["prefix"],
                "suffix": item["suffix"],
            },
            {"type": "TextPositionSelector", "start": item["start"], "end": item["end"]},
        ],
    }


def anchor_count(doc: ArgmapDoc) -> int:
    return sum(len(node["anchors"]) for node in doc["nodes"])


def anchor_annotations(doc: ArgmapDoc, links: Links) -> Iterator[dict[str, Any]]:
    """One annotation per anchor, in reading order of the nodes."""
    for node in doc["nodes"]:
        for number, anchor in enumerate(node["anchors"], start=1):
            speaker = anchor["speaker"]
            if anchor["comment"] is not None:
                speaker = f"{speaker} (reader comment {anchor['comment']})"
            yield (
                {
                    "@context": CONTEXT,
                    "id": f"{links.node(node['id'])}#anchor-{number}",
                    "type": "Annotation",
                    "motivation": MOTIVATION_OF_VOICE[anchor["voice"]],
                    "body": [
                        {"id": links.node(node["id"]), "type": "Text", "format": "text/html"},
                        {
                            "type": "TextualBody",
                            "purpose": "describing",
                            "value": VOICE_WORDS[anchor["voice"]].format(speaker=speaker),
                            "format": "text/plain",
                        },
                    ],
                    "target": _target(links.source(anchor["source"]), anchor),
                }
            )


def public_annotations(items: Iterable[Mapping[str, Any]], links: Links) -> list[dict[str, Any]]:
    """Public, shown annotations (on a passage, or on a node), by id. Anything else given is
    left out here too, so a caller that forgets to filter still cannot publish a private one.

    An item is a plain dict (`Annotation.published_item`): id, kind, body, visibility,
    is_hidden, created, modified, author, and either source, start, end, exact, prefix and
    suffix (a passage) or map and node (a node's key)."""
    shown = [
        item
        for item in items
        if item.get("visibility") == "public" and item.get("is_hidden") is False
    ]
    return [_annotation(item, links) for item in sorted(shown, key=lambda item: item["id"])]


def _annotation(item: Mapping[str, Any], links: Links) -> dict[str, Any]:
    if item.get("source") is not None:
        target: Any = _target(links.source(item["source"]), item)
    elif links.node_in is not None:
        target = links.node_in(item["map"], item["node"])
    else:
        raise ValueError("an annotation on a node needs Links.node_in")
    return {
        "@context": CONTEXT,
        "id": links.annotation(item["id"]),
        "type": "Annotation",
        "motivation": MOTIVATION_OF_KIND[item["kind"]],
        "creator": {"type": "Person", "nickname": item["author"]},
        "created": item["created"],
        "modified": item["modified"],
        "body": {
            "type": "TextualBody",
            "value": item["body"],
            "format": "text/markdown",
            "purpose": MOTIVATION_OF_KIND[item["kind"]],
        },
        "target": target,
    }


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def page_iri(collection_iri: str, number: int) -> str:
    return f"{collection_iri}?page={number}"


def annotation_page(
    annotations: Iterable[dict[str, Any]],
    collection_iri: str,
    number: int,
    page_size: int,
    total: int | None = None,
) -> dict[str, Any]:
    """Page `number` (from 1) of the collection, standing alone (with its @context).

    `annotations` may be read lazily: give their `total`, and only the page is held."""
    if page_size < 1:
        raise ValueError("page size must be at least 1")
    if total is None:
        annotations = list(annotations)
        total = len(annotations)
    last = page_count(total, page_size)
    if not 1 <= number <= last:
        raise ValueError(f"page {number} does not exist; the collection has {last}")
    start = (number - 1) * page_size
    page: dict[str, Any] = {
        "@context": CONTEXT,
        "id": page_iri(collection_iri, number),
        "type": "AnnotationPage",
        "partOf": {"id": collection_iri, "total": total},
        "startIndex": start,
    }
    if number > 1:
        page["prev"] = page_iri(collection_iri, number - 1)
    if number < last:
        page["next"] = page_iri(collection_iri, number + 1)
    page["items"] = list(islice(annotations, start, start + page_size))
    return page


def annotation_collection(
    annotations: Iterable[dict[str, Any]],
    collection_iri: str,
    label: str,
    page_size: int,
    total: int | None = None,
) -> dict[str, Any]:
    """The collection with its first page embedded, as the W3C protocol serves it."""
    if total is None:
        annotations = list(annotations)
        total = len(annotations)
    first = annotation_page(annotations, collection_iri, 1, page_size, total)
    del first["@context"], first["partOf"]
    return {
        "@context": CONTEXT,
        "id": collection_iri,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "first": first,
        "last": page_iri(collection_iri, page_count(total, page_size)),
    }
