"""The map as plain data: argmap/2 and the formats it converts to, in and out of the database.

This package is the one home of a map document (docs/argmap-json.md, docs/formats.md). Code
outside it imports only this module, its public face:

- **export**: `export_map` (the argmap/2 dict of a map or a branch, streamed from the
  database), `chunks` (it in any format, a piece at a time), `export_source`, and what a
  page needs to offer the downloads (`FORMATS`, `file_name`);
- **load**: `load_document` (an argmap/2 dict as a new map, in one transaction) and
  `import_text` (a file in any importable format, told from its content);
- **read**: `read` (a file's text into an argmap/2 dict, every problem listed);
- **check**: `problems_in_database` (what `check_map` reports) and `rules_applied`;
- **fixtures**: `checked_fixtures`, `fixture_paths`, `write_fixtures` and
  `stale_map_directories`, what `seed` and `export_seed` use (one file set per curated map);
- `Problem`, and `MapDocumentError`, the one error every reader and loader raises with every
  problem it found.

Inside, one concern a module: `problems.py` (Problem, the error, the cycle check),
`export.py` (the streamed export), `load.py` (shape, reading, writing), `check.py` (the
meaning checks), `fixtures.py`, and `formats/` (pure converters, no Django).
"""

from .check import problems_in_database, rules_applied
from .export import chunks, export_map, export_source, web_links
from .fixtures import (
    FIXTURE_DIR,
    MAP_FILES,
    SOURCES_FILE,
    checked_fixtures,
    fixture_paths,
    stale_map_directories,
    write_fixtures,
)
from .formats.registry import FORMATS, IMPORTABLE, file_name
from .formats.webannotation import CONTEXT as ANNOTATION_CONTEXT
from .formats.webannotation import public_annotations
from .load import UnknownFormat, import_text, load_document, load_json, read
from .problems import MapDocumentError, Problem

__all__ = [
    "ANNOTATION_CONTEXT",
    "FIXTURE_DIR",
    "FORMATS",
    "IMPORTABLE",
    "MAP_FILES",
    "MapDocumentError",
    "Problem",
    "SOURCES_FILE",
    "UnknownFormat",
    "checked_fixtures",
    "chunks",
    "export_map",
    "export_source",
    "file_name",
    "fixture_paths",
    "import_text",
    "load_document",
    "load_json",
    "problems_in_database",
    "public_annotations",
    "read",
    "rules_applied",
    "stale_map_directories",
    "web_links",
    "write_fixtures",
]
