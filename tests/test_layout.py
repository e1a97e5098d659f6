"""The package's layout: the public names, and imports that point down the data flow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import classifier

PACKAGE = Path(classifier.__file__).parent

PUBLIC = [
    "DOCUMENT_CATEGORIES",
    "SPAN_CATEGORIES",
    "Category",
    "ClassifierError",
    "CorpusError",
    "Flag",
    "InputError",
    "Model",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "Report",
    "UnknownCategoryError",
    "UntrustedModelError",
    "__version__",
    "get_category",
    "load",
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports (at any depth of the file)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                base = node.module
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    targets.add(child if child in modules else base)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        found[name] = {target for target in targets if target in modules and target != name}
    return found


def test_every_public_name_is_importable_from_the_package() -> None:
    assert sorted(classifier.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(classifier, name) is not None, name


def test_the_package_imports_have_no_cycle() -> None:
    graph = _imports()
    # Package __init__ modules re-export; importing a package's module imports the package first,
    # which is not an edge of its own.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_run_and_output_never_import_the_api_module() -> None:
    graph = _imports()
    for name, targets in graph.items():
        if name.startswith(("classifier.run", "classifier.output")):
            assert "classifier.api" not in targets, name
        if name.startswith("classifier.output"):
            assert not any(t.startswith(("classifier.model", "classifier.pipeline")) for t in targets), name


def test_importing_the_package_loads_no_run_evaluate_or_output_module() -> None:
    code = (
        "import sys, classifier\n"
        "print(' '.join(m for m in sys.modules if m.startswith("
        "('classifier.run', 'classifier.evaluate', 'classifier.output'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
