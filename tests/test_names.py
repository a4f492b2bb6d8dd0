"""Every public name the package's modules define at top level is defined once, so that a name says which
thing it is (no two ``Session`` classes, no two ``audio_models`` with different return types)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "or_audio_widgets"
# Names that are one thing under one name on purpose: entry points each module must define, and the
# client's wrappers that give the core's functions their downloader under the public name.
SAME_BY_DESIGN = {"main", "load_ipython_extension", "unload_ipython_extension", "prepare_audio",
                  "prepare_for_model"}


def top_level_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in names if not name.startswith("_")]


def collisions(files: dict[str, ast.Module]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = defaultdict(list)
    for path, tree in files.items():
        for name in top_level_names(tree):
            where[name].append(path)
    return {name: paths for name, paths in where.items() if len(paths) > 1 and name not in SAME_BY_DESIGN}


def test_public_names_are_defined_once() -> None:
    files = {str(path.relative_to(PACKAGE)): ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted(PACKAGE.rglob("*.py"))}
    assert collisions(files) == {}


def test_a_collision_is_found() -> None:
    files = {"client/_a.py": ast.parse("class Session: ...\n_private = 1\n"),
             "jupyter/_b.py": ast.parse("Session = object\n_private = 2\nmain = print\n"),
             "_c.py": ast.parse("def main() -> None: ...\n")}
    assert collisions(files) == {"Session": ["client/_a.py", "jupyter/_b.py"]}


def test_every_public_name_imports_from_the_top_and_has_a_docstring() -> None:
    import or_audio_widgets

    undocumented = [
        name for name in or_audio_widgets.__all__
        if name != "__version__" and not (getattr(or_audio_widgets, name).__doc__ or "").strip()
    ]
    assert not undocumented, f"public names without a docstring: {undocumented}"
    assert isinstance(or_audio_widgets.__version__, str)
