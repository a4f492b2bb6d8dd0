"""The layers stay apart: a pure core, HTTP only in _http.py, Jupyter only in or_audio_widgets/jupyter/."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "or_audio_widgets"
HEAVY = ("IPython", "ipywidgets", "pydub", "requests", "anywidget")
FRONT_END = {"IPython", "ipywidgets", "anywidget"}
# The one module that does HTTP (requests, urllib3); _client.py reaches it through that module.
HTTP_MODULE = "_http.py"
# Core modules that exist today; the glob below adds every later `_*.py` beside them.
CORE_FIXED = [
    "_sse", "_b64", "_events", "_wav", "_transcode", "_reply", "_replay", "_html", "_errors", "_ffmpeg",
]  # fmt: skip


def core_modules() -> list[Path]:
    found = {p.stem: p for p in PACKAGE.glob("_*.py") if p.name != HTTP_MODULE}
    missing = [name for name in CORE_FIXED if name not in found]
    assert not missing, f"core modules missing: {missing}"
    return sorted(found.values())


def top(name: str | None) -> str:
    return (name or "").split(".")[0]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Absolute imports run when the module is imported (not inside functions or TYPE_CHECKING blocks)."""
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            yield from ((top(alias.name), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield top(node.module), node.lineno
        elif isinstance(node, ast.If):
            todo += node.orelse if _is_type_checking(node) else node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                todo += handler.body
        elif isinstance(node, (ast.With, ast.ClassDef)):
            todo += node.body


def all_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((top(alias.name), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield top(node.module), node.lineno


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def heavy_modules_after(imports: str) -> list[str]:
    """Which heavy modules a fresh interpreter has loaded after ``import <imports>``."""
    code = f"import json, sys, {imports}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout)
    return loaded


def test_importing_the_package_pulls_in_nothing_heavy() -> None:
    assert heavy_modules_after("or_audio_widgets") == []


def test_importing_the_streaming_core_pulls_in_nothing_heavy() -> None:
    assert heavy_modules_after(", ".join(f"or_audio_widgets.{name}" for name in CORE_FIXED)) == []


def test_core_modules_import_no_http_jupyter_or_pydub_at_module_level() -> None:
    bad = [
        f"{path.name}:{line} imports {name}"
        for path in core_modules()
        for name, line in module_level_imports(parse(path))
        if name in {"requests", "pydub", *FRONT_END}
    ]
    assert not bad, "core modules must stay pure (import lazily inside functions):\n" + "\n".join(bad)


def test_only_the_http_module_uses_requests() -> None:
    bad = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if path.name != HTTP_MODULE or path.parent != PACKAGE
        for name, line in all_imports(parse(path))
        if name in ("requests", "urllib3")
    ]
    assert not bad, f"only or_audio_widgets/{HTTP_MODULE} may import requests or urllib3:\n" + "\n".join(bad)


def test_jupyter_front_end_imports_stay_in_the_jupyter_package() -> None:
    jupyter = PACKAGE / "jupyter"
    bad = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if jupyter not in path.parents
        for name, line in module_level_imports(parse(path))
        if name in FRONT_END
    ]
    assert not bad, "IPython/ipywidgets/anywidget only in or_audio_widgets/jupyter/:\n" + "\n".join(bad)


def test_the_checker_sees_what_it_should() -> None:
    tree = ast.parse(
        "import requests.adapters\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import IPython\n"
        "try:\n    import pydub\nexcept ImportError:\n    pass\n"
        "def f():\n    import anywidget\n"
        "from . import _sse\n"
    )
    assert sorted(name for name, _ in module_level_imports(tree)) == ["pydub", "requests", "typing"]
    assert "anywidget" in {name for name, _ in all_imports(tree)}
