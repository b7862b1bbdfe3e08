"""The shape of an argmap/2 document as one typed model (pydantic, strict): which keys each
part has and of what type. docs/argmap-json.md describes it in words; `json_schema()` gives
it as JSON Schema. What the values mean (anchors match their sources, one thesis, no cycle,
a slug is free) is checked after, on the parsed document, by `load` and `check`.

Pure: no Django. Extra keys are ignored, as an older or richer exporter may write them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .problems import Problem

FORMAT = "argmap/2"
NonBlank = Annotated[str, Field(pattern=r"\S")]


class Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Side(Part):
    label: NonBlank
    nodes: list[str]


class Crux(Part):
    kind: Literal["agreed", "question"]
    text: NonBlank
    sides: Annotated[list[Side], Field(min_length=1)]


class MapInfo(Part):
    slug: str
    title: str
    question: str
    definition: NonBlank | None = None
    cruxes: list[Crux] = []


class SourceEntry(Part):
    slug: str
    file: str | None = None
    title: str
    title_by: str
    kind: str
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    tags: list[NonBlank]
    disclosure: NonBlank | None = None
    sha256: str


class AnchorEntry(Part):
    source: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    speaker: str
    voice: str
    comment: int | None = None


class NodeEntry(Part):
    id: str
    kind: str
    heading: bool
    implicit: bool = False
    label: str
    text: str
    parent: str | None
    relation: str | None
    scheme: str | None = None
    proposed_by: Annotated[str, Field(min_length=1, max_length=150)] | None = None
    anchors: list[AnchorEntry]


class LinkEntry(Part):
    type: str
    between: Annotated[list[str], Field(min_length=2, max_length=2)]


class ArgmapDocument(Part):
    format: Literal["argmap/2"]
    map: MapInfo
    sources: list[SourceEntry]
    nodes: Annotated[list[NodeEntry], Field(min_length=1)]
    links: list[LinkEntry] = []


CRUXES = TypeAdapter(list[Crux])


def json_schema() -> dict[str, Any]:
    """The model as JSON Schema (draft 2020-12), for tools outside Argmap."""
    return ArgmapDocument.model_json_schema()


def parse(data: Any) -> tuple[ArgmapDocument | None, list[Problem]]:
    """The document typed, or None and every problem with its shape, each named by where
    it is as the rest of Argmap names it (`node KEY anchor 2: start is not a whole number`)."""
    try:
        return ArgmapDocument.model_validate(data), []
    except ValidationError as error:
        problems = [_problem(data, item) for item in error.errors()]
        return None, list(dict.fromkeys(problems))  # one line per place and message


def crux_shape_problems(cruxes: Any) -> list[Problem]:
    """A map's cruxes checked by the same model (the fixtures and the database hold them as
    the document does)."""
    try:
        CRUXES.validate_python(cruxes)
    except ValidationError as error:
        data = {"map": {"cruxes": cruxes}}
        problems = [
            _problem(data, {**item, "loc": ("map", "cruxes", *item["loc"])})
            for item in error.errors()
        ]
        return list(dict.fromkeys(problems))
    return []


def _problem(data: Any, error: Any) -> Problem:
    loc = list(error["loc"])
    if not loc:
        return Problem("document", "is not a JSON object")
    if loc == ["format"]:
        found = data.get("format") if isinstance(data, dict) else None
        return Problem("format", f"is {found!r}; expected {FORMAT!r}")
    where, rest = _where(data, loc)
    field = ".".join(str(part) for part in rest if not isinstance(part, int))
    kind = error["type"]
    if kind == "missing":
        message = f"has no {field}" if field else "is missing"
    elif kind in ("too_short", "too_long") and field == "between":
        message = "between must name two nodes"
    elif kind == "too_short":
        message = f"{field or 'it'} must not be empty"
    elif kind == "int_type":
        message = f"{field} is not a whole number"
    elif kind == "string_pattern_mismatch":
        message = f"{field} must not be blank"
    elif kind in ("model_type", "dict_type"):
        message = f"{field} is not an object" if field else "is not an object"
    else:
        message = f"{field or 'it'} has the wrong type ({error['msg'].lower()})"
    return Problem(where, message)


def _where(data: Any, loc: list[Any]) -> tuple[str, list[Any]]:
    """The place a location names (`node KEY anchor 2`), and the field path left."""
    top = loc[0]
    if top == "nodes" and len(loc) > 1:
        node = _item(data, "nodes", loc[1])
        key = node.get("id") if isinstance(node, dict) else None
        where = f"node {key if isinstance(key, str) else '#' + str(loc[1] + 1)}"
        if len(loc) > 3 and loc[2] == "anchors":
            return f"{where} anchor {loc[3] + 1}", loc[4:]
        return where, loc[2:]
    if top == "sources" and len(loc) > 1:
        source = _item(data, "sources", loc[1])
        slug = source.get("slug") if isinstance(source, dict) else None
        return f"source {slug if isinstance(slug, str) else '#' + str(loc[1] + 1)}", loc[2:]
    if top == "links" and len(loc) > 1:
        return f"link #{loc[1] + 1}", loc[2:]
    if top == "map" and len(loc) > 3 and loc[1] == "cruxes":
        return f"crux {loc[2] + 1}", loc[3:]
    return str(top), loc[1:]


def _item(data: Any, key: str, index: Any) -> Any:
    items = data.get(key) if isinstance(data, dict) else None
    return items[index] if isinstance(items, list) and isinstance(index, int) else None
