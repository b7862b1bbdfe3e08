"""The app uses libraries through their public interfaces only (house style, rule 11).

A private name (one starting with "_") of another package breaks without notice on an
upgrade. This reads the app's source: no import of a private name from outside `argmap`, and
no private attribute but the app's own and the model API Django documents with an
underscore (`_meta`, `_state`, `_default_manager`, `_base_manager`).
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "argmap"
TESTS = Path(__file__).resolve().parent
DJANGO_DOCUMENTED = {"_meta", "_state", "_default_manager", "_base_manager"}


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def trees(app: Path):
    for path in sorted(app.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path.relative_to(app.parent), ast.parse(path.read_text())


def own_names(app: Path) -> set[str]:
    """Private names the app defines: functions, classes, and attributes it assigns."""
    names = set()
    for _, tree in trees(app):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if private(name)}


def reaches(app: Path, also_allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Each use of another package's private name in the code under app."""
    allowed, found = own_names(app) | DJANGO_DOCUMENTED | set(also_allowed), []
    for path, tree in trees(app):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                outside = not node.module.startswith("argmap")
                dotted = [part for part in node.module.split(".") if private(part)]
                names = [alias.name for alias in node.names if private(alias.name)]
                if outside and (dotted or names):
                    found.append(f"{path}:{node.lineno} from {node.module} import {names}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if any(private(part) for part in alias.name.split(".")):
                        found.append(f"{path}:{node.lineno} import {alias.name}")
            elif (
                isinstance(node, ast.Attribute) and private(node.attr) and node.attr not in allowed
            ):
                found.append(f"{path}:{node.lineno} .{node.attr}")
    return found


def test_no_private_name_of_another_package_is_used():
    assert reaches(APP) == []


def test_the_tests_use_no_private_name_of_another_package_either():
    # The app's own private names are fair game for its tests (a seam they hold open).
    assert reaches(TESTS, also_allowed=own_names(APP)) == []


def test_the_check_sees_a_reach_into_a_private_api(tmp_path):
    # Seen to fail on broken input: the three reaches issue 21 named.
    (tmp_path / "argmap").mkdir()
    (tmp_path / "argmap" / "bad.py").write_text(
        "from cmarkgfm import _cmark\n"
        "from django.middleware.csrf import _unmask_cipher_token, get_token\n"
        "client = caches['x']._cache.get_client()\n"
        "own = self._mine = 1\n"
        "meta = model._meta\n"
    )
    found = " ".join(reaches(tmp_path / "argmap"))
    assert "_cmark" in found and "_unmask_cipher_token" in found and "._cache" in found
    assert "_mine" not in found and "_meta" not in found and "get_token" not in found
