"""The rules docs/architecture.md states for `debates/mapdoc/` hold in the code: callers use
its public face only, and its converters and problems stay pure (no Django, no models)."""

import ast
from pathlib import Path

from tests.test_architecture import imported

ROOT = Path(__file__).resolve().parents[3]
MAPDOC = "argmap.debates.mapdoc"
PURE_ALLOWED = (
    "argmap.debates.mapdoc.document",
    "argmap.debates.mapdoc.formats",
    "argmap.debates.mapdoc.problems",
    "argmap.debates.schemes",
)


def modules(root: Path):
    for path in sorted((root / "argmap").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(path.relative_to(root).with_suffix("").parts)
        yield dotted, path, ast.parse(path.read_text(encoding="utf-8"))


def reaches_inside(root: Path) -> list[str]:
    """Imports of a mapdoc module (not the package) from outside mapdoc."""
    found = []
    for dotted, path, tree in modules(root):
        if dotted.startswith(MAPDOC):
            continue
        for line, name in imported(dotted + ("" if path.name != "__init__.py" else ".x"), tree):
            if name.startswith(MAPDOC + ".") and not _is_public_name(root, name):
                found.append(f"{path.relative_to(root)}:{line} {name}")
    return sorted(set(found))


def _is_public_name(root: Path, name: str) -> bool:
    """`argmap.debates.mapdoc.X` where X is a name the package exports, not a module."""
    rest = name[len(MAPDOC) + 1 :]
    package = root / "argmap" / "debates" / "mapdoc"
    return (
        "." not in rest and not (package / f"{rest}.py").exists() and not (package / rest).is_dir()
    )


def impure(root: Path) -> list[str]:
    """What formats/ and problems.py import of Django or of Argmap beyond what they may."""
    found = []
    for dotted, path, tree in modules(root):
        if not (
            dotted.startswith(MAPDOC + ".formats")
            or dotted in (MAPDOC + ".problems", MAPDOC + ".document")
        ):
            continue
        for line, name in imported(dotted + ("" if path.name != "__init__.py" else ".x"), tree):
            top = name.split(".")[0]
            if top == "django" or (top == "argmap" and not name.startswith(PURE_ALLOWED)):
                found.append(f"{path.relative_to(root)}:{line} {name}")
    return sorted(set(found))


def test_callers_use_the_public_face_only():
    assert reaches_inside(ROOT) == []


def test_the_converters_and_problems_are_pure():
    assert impure(ROOT) == []


def test_the_checks_see_each_broken_rule(tmp_path):
    # Seen to fail on broken input: a view reaching into a module, a converter using Django.
    package = tmp_path / "argmap" / "debates"
    (package / "mapdoc" / "formats").mkdir(parents=True)
    (package / "mapdoc" / "check.py").write_text("")
    (package / "mapdoc" / "export.py").write_text("")
    (package / "views.py").write_text(
        "from .mapdoc import check\nfrom .mapdoc.export import chunks\nfrom . import mapdoc\n"
        "from .mapdoc import export_map\n"
    )
    (package / "mapdoc" / "formats" / "aif.py").write_text(
        "from django.db import models\nfrom ...models import Node\nfrom ..problems import Problem\n"
    )
    assert reaches_inside(tmp_path) == [
        "argmap/debates/views.py:1 argmap.debates.mapdoc.check",
        "argmap/debates/views.py:2 argmap.debates.mapdoc.export",
        "argmap/debates/views.py:2 argmap.debates.mapdoc.export.chunks",
    ]
    assert impure(tmp_path) == [
        "argmap/debates/mapdoc/formats/aif.py:1 django.db",
        "argmap/debates/mapdoc/formats/aif.py:1 django.db.models",
        "argmap/debates/mapdoc/formats/aif.py:2 argmap.debates.models",
        "argmap/debates/mapdoc/formats/aif.py:2 argmap.debates.models.Node",
    ]
