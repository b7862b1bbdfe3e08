"""The one hook another app registers with debates, without debates importing it.

The whole map's Web Annotation export (mapdoc, served by debates' download and written by
the export_map command) carries the sources' public passage annotations beside the curated
anchors: annotations registers their read here in AnnotationsConfig.ready(). Nothing else is
a hook: pages that show several apps are argmap.pages' views, which call each app, and what a
cached page shows of another app's state is a state region (fragments.register_state).
"""

from collections.abc import Callable
from typing import Any

# source slugs -> the public, shown passage annotations on them as plain dicts (id, source,
# start, end, exact, prefix, suffix, kind, body, visibility, is_hidden, created, modified),
# for the map's Web Annotation export.
published_passage_hooks: list[Callable[[list[str]], list[dict[str, Any]]]] = []


def published_passages(source_slugs: list[str]) -> list[dict[str, Any]]:
    passages: list[dict[str, Any]] = []
    for hook in published_passage_hooks:
        passages += hook(source_slugs)
    return passages
