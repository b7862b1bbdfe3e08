"""The read API's shapes: what each resource is, as typed pydantic models, from which
django-ninja writes the OpenAPI 3.1 document (/api/v1/openapi.json).

Every error, whatever its status, has one shape: `Error`, loosely RFC 9457's problem
details (status, title, detail), with `errors` naming each bad parameter.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """A response shape: a plain pydantic model. ninja's own Schema wraps every object it
    validates, nested ones too, in a DjangoGetter that reads each field through getattr; the
    API hands it dicts, and that wrapping was half the time of a page of 100 nodes (16 of
    34 ms: 715 wrappers and 4,344 lookups a page)."""

    model_config = ConfigDict(from_attributes=True)


Kind = Literal["thesis", "claim", "evidence"]
Relation = Literal["supports", "opposes", "undercuts"]
Voice = Literal["asserts", "reports", "concedes"]
LinkKind = Literal["same_point", "contradicts"]
ExportFormat = Literal["argmap", "aif", "argdown", "webannotation"]


class ParameterError(Schema):
    parameter: str = Field(description="The parameter at fault, as the request named it.")
    location: Literal["path", "query", "header"]
    message: str


class Error(Schema):
    """Every error the API answers: 400, 404, 422, 429, 500, 503."""

    status: int = Field(description="The HTTP status, repeated.")
    title: str = Field(description="The status in words, e.g. 'Not Found'.")
    detail: str = Field(description="What went wrong, for a person to read.")
    errors: list[ParameterError] = Field(description="Each bad parameter; empty otherwise.")


class Counts(Schema):
    nodes: int
    supports: int
    opposes: int
    undercuts: int


class NodeRef(Schema):
    """A node named from elsewhere: enough to show it and to follow it."""

    key: str = Field(description="The node's id, stable within its map.")
    kind: Kind
    relation: Relation | None = Field(description="How it bears on its parent; null: thesis.")
    text: str
    url: str = Field(description="This node in the API.")
    html_url: str = Field(description="The node's page on the site.")


class SourceRef(Schema):
    slug: str
    title: str
    url: str = Field(description="This source in the API.")


class Strength(Schema):
    """A node's DF-QuAD strength under one perspective (argmap.evaluation; the README says how
    it is computed). Votes are counted, never listed: no one's own vote appears."""

    perspective: str = Field(description="everyone, curators, or source:<slug>.")
    strength: float = Field(description="σ, 0–1: how strong the node is, all said and done.")
    base: float = Field(description="τ, 0–1: its base score from acceptability votes.")
    weight: float = Field(description="ρ, 0–1: its link's weight from relevance votes.")
    relevance: float | None = Field(
        description="ρ*, 0–1: the link's weight after its undercuts; null for the thesis."
    )
    votes: int = Field(description="How many acceptability votes the base score counts.")
    relevance_votes: int


class ThesisStrength(Schema):
    perspective: str
    label: str = Field(description="The perspective in words.")
    strength: float = Field(description="The thesis's strength under this perspective.")
    converged: bool = Field(description="False when the computation did not settle.")


class Map(Schema):
    slug: str
    title: str
    question: str = Field(description="The question the debate answers.")
    definition: str = Field(
        description="The sense(s) in which the map reads its question; may be empty."
    )
    origin: Literal["curated", "aif", "argdown", "argmap", "generated"] = Field(
        description="Curated here, imported from a format (imported maps may lack anchors), "
        "or generated synthetically (for benchmarks)."
    )
    thesis: NodeRef | None
    counts: Counts
    # The map's structure token; the field keeps the older word "revision" for its clients.
    revision: str = Field(description="Changes whenever anything shown in the map changes.")
    url: str
    html_url: str
    nodes_url: str
    export_url: str = Field(description="The whole map in any export format (?format=).")


class MapDetail(Map):
    sources: list[SourceRef] = Field(description="The sources the map quotes.")
    thesis_strengths: list[ThesisStrength] = Field(
        description="The answer to the question as the votes stand (everyone's, the "
        "curators') and as each source the map quotes argues."
    )


class MapPage(Schema):
    items: list[Map]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class Anchor(Schema):
    """A node's quote of a source: exact words at code-point offsets, with context."""

    source: str = Field(description="The source's slug.")
    start: int = Field(description="Code-point offset of the first character, inclusive.")
    end: int = Field(description="Code-point offset after the last character, exclusive.")
    exact: str
    prefix: str
    suffix: str
    speaker: str
    voice: Voice
    comment: int | None = Field(description="The reader comment's number in its thread.")
    source_url: str
    reader_url: str = Field(description="The site's reader, with these words lit up.")


class CrossLink(Schema):
    kind: LinkKind
    node: str = Field(description="The other end's key.")


class Node(Schema):
    key: str
    kind: Kind
    text: str
    parent: str | None = Field(description="The parent's key; null for the thesis.")
    relation: Relation | None
    label: str = Field(description="A short name for a branch heading; may be empty.")
    heading: bool = Field(description="A branch heading the curators wrote (needs no anchor).")
    implicit: bool = Field(description="An unstated premise the curators wrote (no anchor).")
    scheme: str | None = Field(
        description="The argument scheme of its inference to its parent (Walton's), if named."
    )
    proposed_by: str | None = Field(
        description="Who proposed it, for a node the curators accepted from a reader's "
        "proposal: their username where they chose to be credited, else “a reader”; null for "
        "the curators' own nodes."
    )
    position: int = Field(description="Order among its siblings.")
    children: Counts = Field(description="Its children, counted by relation (nodes: all).")
    anchors: list[Anchor]
    links: list[CrossLink] = Field(description="Cross-links outside the tree.")
    strength: Strength = Field(description="Under the request's `perspective`.")
    url: str
    html_url: str


class NodePage(Schema):
    items: list[Node]
    next: str | None


class NodeDetail(Node):
    ancestors: list[NodeRef] = Field(description="From the thesis down to the parent.")
    child_nodes: list[Node] = Field(
        description="The first children in the curated order; the rest from children_url."
    )
    children_url: str = Field(description="Every child, a page at a time.")


class Section(Schema):
    position: int
    kind: Literal["body", "comment"]
    start: int
    end: int
    speaker: str
    comment: int | None = Field(description="A reader comment's number in its thread.")


class Source(Schema):
    slug: str
    file: str
    title: str
    title_by: Literal["text", "curators"]
    kind: str
    author: str | None
    publisher: str | None
    date: str | None = Field(description="As the text gives it.")
    tags: list[str]
    disclosure: str | None
    sha256: str = Field(description="SHA-256 of the text's UTF-8 bytes.")
    length: int = Field(description="The text's length in code points.")
    url: str
    html_url: str
    text_url: str = Field(description="The text itself, as text/plain; charset=utf-8.")
    anchors_url: str


class SourceDetail(Source):
    sections: list[Section]
    comments: list[int] = Field(description="The reader comments' numbers, in order.")


class SourcePage(Schema):
    items: list[Source]
    next: str | None


class SourceAnchor(Anchor):
    map: str
    node: str = Field(description="The key of the node this anchor grounds.")
    node_url: str


class SourceAnchorPage(Schema):
    items: list[SourceAnchor]
    next: str | None


class AnnotationPage(Schema):
    """A W3C AnnotationPage of public annotations: each item is exactly what the map's Web
    Annotation export holds (JSON-LD, http://www.w3.org/ns/anno.jsonld)."""

    context: str = Field(alias="@context")
    id: str
    type: Literal["AnnotationPage"]
    items: list[dict] = Field(description="W3C Web Annotations (JSON-LD).")
    next: str | None


class Snippet(Schema):
    text: str = Field(description="Words around the match.")
    highlights: list[list[int]] = Field(
        description="[start, end) offsets of the matched words within text."
    )


class NodeHit(NodeRef):
    map: str
    snippet: Snippet


class QuoteHit(Schema):
    map: str
    node: str
    source: str
    start: int
    end: int
    snippet: Snippet
    node_url: str


class SourceHit(SourceRef):
    snippet: Snippet


class SearchResults(Schema):
    query: str
    nodes: list[NodeHit]
    quotes: list[QuoteHit]
    sources: list[SourceHit]
    more: bool = Field(description="More matched than are ranked here.")
