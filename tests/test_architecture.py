"""The layout rules docs/architecture.md states hold in the code (house style, rule 1).

Read from the source with ast, nothing imported: the apps depend on exactly the apps the
doc's diagram draws; no app imports another app's views; `argmap/lib/` has no models and
imports, names the tables of, or renders the templates of no app; and every model with a
table is defined in its app's `models.py`.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TEMPLATES = ROOT / "templates"


def modules(package: Path):
    """(app, dotted module name, tree) for every module of an app or lib (not migrations,
    not the config package's own modules)."""
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        if "migrations" in relative.parts or len(relative.parts) < 3:
            continue
        dotted = ".".join(relative.with_suffix("").parts)
        yield relative.parts[1], dotted, path, ast.parse(path.read_text(encoding="utf-8"))


def imported(dotted: str, tree: ast.AST):
    """(line, module) for each module an import names, relative ones made absolute; an
    imported name counts as a module too (`from argmap.core import views`)."""
    package = dotted.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[: len(package) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def dependencies(package: Path) -> dict[str, set[str]]:
    """Each app (and lib) of the package, with the apps it imports."""
    found: dict[str, set[str]] = {}
    for app, dotted, _, tree in modules(package):
        uses = found.setdefault(app, set())
        for _, name in imported(dotted, tree):
            parts = name.split(".")
            if (
                parts[0] == package.name
                and len(parts) > 1
                and parts[1] not in {app, "settings"}
                and (package / parts[1]).is_dir()
            ):
                uses.add(parts[1])
    return found


def drawn_dependencies(doc: str) -> dict[str, set[str]]:
    """The diagram under "Apps and the way they depend": `argmap/<app>/ … → a, b`."""
    block = doc.split("## Apps and the way they depend", 1)[1].split("```")[1]
    drawn = {}
    for line in block.splitlines():
        match = re.match(r"argmap/(\w+)/", line)
        if match:
            arrow = line.split("→", 1)[1] if "→" in line else ""
            drawn[match[1]] = {name.strip() for name in arrow.split(",") if name.strip()}
    return drawn


def view_reaches(package: Path) -> list[str]:
    """Each import of another app's views."""
    found = []
    for app, dotted, path, tree in modules(package):
        for line, name in imported(dotted, tree):
            parts = name.split(".")
            outside = len(parts) > 2 and parts[0] == package.name and parts[1] != app
            if outside and parts[2] == "views":
                found.append(f"{path.relative_to(package.parent)}:{line} {name}")
    return sorted(set(found))


def model_classes(tree: ast.AST):
    """Classes that subclass a model and are not abstract: (line, name)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {ast.unparse(base) for base in node.bases}
        if not bases & {"models.Model", "UpdateOnlyModel", "QuoteSelector"}:
            continue
        abstract = any(
            isinstance(item, ast.ClassDef)
            and item.name == "Meta"
            and "abstract = True" in ast.unparse(item)
            for item in node.body
        )
        if not abstract:
            yield node.lineno, node.name


def misplaced_models(package: Path) -> list[str]:
    """Models with a table defined anywhere but an app's models.py (or in lib at all)."""
    return [
        f"{path.relative_to(package.parent)}:{line} {name}"
        for app, _, path, tree in modules(package)
        for line, name in model_classes(tree)
        if path.name != "models.py" or app == "lib"
    ]


def lib_reaches(package: Path, apps: set[str]) -> list[str]:
    """What in lib/ belongs to an app: an import of one, a table name (`argmap_…`), or a
    template under an app's name (`accounts/….html`)."""
    found = []
    template = re.compile(rf"^({'|'.join(sorted(apps))})/[^ ]*\.html")
    for app, dotted, path, tree in modules(package):
        if app != "lib":
            continue
        where = path.relative_to(package.parent)
        for line, name in imported(dotted, tree):
            parts = name.split(".")
            if parts[0] == package.name and len(parts) > 1 and parts[1] in apps:
                found.append(f"{where}:{line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if template.match(text) or re.search(r"\bargmap_\w+", text):
                    found.append(f"{where}:{node.lineno} names {text[:60]!r}")
    return found


def apps_of(package: Path) -> set[str]:
    return {path.parent.name for path in package.glob("*/apps.py")}


def test_the_apps_depend_on_exactly_what_the_diagram_draws():
    package = ROOT / "argmap"
    drawn = drawn_dependencies(DOC.read_text(encoding="utf-8"))
    assert set(drawn) == apps_of(package) | {"lib"}, "every app has its line in the diagram"
    assert dependencies(package) == drawn


def test_no_app_imports_another_apps_views():
    assert view_reaches(ROOT / "argmap") == []


def test_lib_has_no_models_and_nothing_of_an_app():
    package = ROOT / "argmap"
    assert lib_reaches(package, apps_of(package)) == []
    assert not (package / "lib" / "models.py").exists()


def test_every_model_with_a_table_is_in_its_apps_models_module():
    assert misplaced_models(ROOT / "argmap") == []


def test_the_checks_see_each_broken_rule(tmp_path):
    # Seen to fail on broken input: the drifts issue 21 found, in a package of their own.
    package = tmp_path / "argmap"
    for app in ("core", "debates", "annotations", "lib"):
        (package / app).mkdir(parents=True)
        if app != "lib":
            (package / app / "apps.py").write_text("")
    (package / "annotations" / "views.py").write_text(
        "from argmap.core.views import render_error\nfrom ..debates import views\n"
    )
    (package / "debates" / "fragments.py").write_text(
        "from django.db import models\nfrom . import pages\n"
        "class MapRevision(models.Model):\n    pass\n"
        "class Base(models.Model):\n    class Meta:\n        abstract = True\n"
    )
    (package / "lib" / "ratelimit.py").write_text(
        "from django.shortcuts import render\n"
        "TABLE = 'argmap_rate_counter'\n"
        "def page(request):\n"
        "    from argmap.core.models import RateCounter\n"
        "    return render(request, 'accounts/rate_limited.html#notice')\n"
    )
    assert dependencies(package) == {
        "annotations": {"core", "debates"},
        "core": set(),
        "debates": set(),
        "lib": {"core"},
    }
    assert view_reaches(package) == [
        "argmap/annotations/views.py:1 argmap.core.views",
        "argmap/annotations/views.py:1 argmap.core.views.render_error",
        "argmap/annotations/views.py:2 argmap.debates.views",
    ]
    assert misplaced_models(package) == ["argmap/debates/fragments.py:3 MapRevision"]
    found = " ".join(lib_reaches(package, apps_of(package) | {"accounts"}))
    assert "imports argmap.core.models" in found
    assert "'argmap_rate_counter'" in found and "'accounts/rate_limited.html#notice'" in found
    drawn = drawn_dependencies(
        "## Apps and the way they depend\n\n```\nargmap/lib/  x  no app imports\n"
        "argmap/annotations/  y  → debates, lib\n```\n"
    )
    assert drawn == {"lib": set(), "annotations": {"debates", "lib"}}
