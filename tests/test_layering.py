"""The layers stay apart, as folders: core, client, emulator, jupyter.

Every import in every file counts, at any depth (inside functions too); only ``if TYPE_CHECKING:`` blocks
are left out, since they never run. Rules:

- ``core/`` imports nothing of the other layers, and none of requests, IPython, ipywidgets, anywidget;
- ``client/`` imports the core only, and is the only layer that imports requests (or urllib3);
- ``emulator/`` imports the core only;
- only ``jupyter/`` imports IPython, ipywidgets or anywidget;
- ``errors.py`` and ``_version.py`` are leaves any layer may import;
- no two files of the package import each other, directly or around a loop.

Inside ``jupyter/`` the kinds are folders too: ``widgets/`` (the live player, the recorder and the one
function that feeds a player), ``chat/`` (AudioChat) and ``magics/`` (``%%oraudio`` and its line magics),
around the shared kernel-session and output modules at ``jupyter/``'s top. The shared modules import no kind;
``widgets/`` imports only the shared modules; ``chat/`` and ``magics/`` may use the widgets but not each
other. The front doors (``jupyter/__init__.py``, ``jupyter/_widgets.py``) may import every kind.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "or_audio_widgets"
NAME = "or_audio_widgets"
HEAVY = ("IPython", "ipywidgets", "pydub", "requests", "anywidget")
FRONT_END = {"IPython", "ipywidgets", "anywidget"}
HTTP = {"requests", "urllib3"}
LAYERS = ("core", "client", "emulator", "jupyter")
LEAVES = {f"{NAME}.errors", f"{NAME}._version"}
# What each layer may import of the package, besides itself and the leaves.
ALLOWED = {"core": set(), "client": {"core"}, "emulator": {"core"}, "jupyter": {"core", "client", "emulator"}}
# Inside jupyter/: what each kind may import of the other kinds (every kind may import the shared modules).
KINDS = ("widgets", "chat", "magics")
KIND_ALLOWED = {"shared": set(), "widgets": set(), "chat": {"widgets"}, "magics": {"widgets"}}
FRONT_DOORS = {f"{NAME}.jupyter", f"{NAME}.jupyter._widgets"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_runtime(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run: like ast.walk, but skipping the body of ``if TYPE_CHECKING:``."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node):
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)


def imports_of(path: Path, tree: ast.AST | None = None) -> Iterator[tuple[str, int]]:
    """Absolute dotted names imported by the file at ``path`` (relative imports resolved)."""
    tree = tree if tree is not None else ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in _walk_runtime(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:  # `from . import _sse` imports a module; `from ._sse import x`, a name
                yield (f"{stem}.{alias.name}" if _is_module(f"{stem}.{alias.name}") else stem), node.lineno


def _is_module(dotted: str) -> bool:
    if not dotted.startswith(NAME):
        return False
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _owning_module(dotted: str) -> str:
    """The package module a dotted import lands in (``or_audio_widgets.core._sse.x`` -> ``..._sse``)."""
    while dotted != NAME and not _is_module(dotted):
        dotted = dotted.rpartition(".")[0]
    return dotted


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def kind_of(module: str) -> str | None:
    """``widgets``, ``chat``, ``magics`` or ``shared`` for a module of jupyter/ (None outside it)."""
    parts = module.split(".")
    if parts[1:2] != ["jupyter"]:
        return None
    return parts[2] if len(parts) > 3 and parts[2] in KINDS else "shared"


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layering_violations(files: dict[Path, ast.AST | None]) -> list[str]:
    bad = []
    for path, tree in files.items():
        me = module_name(path)
        layer = layer_of(me)
        for name, line in imports_of(path, tree):
            where = f"{path.relative_to(PACKAGE)}:{line} imports {name}"
            top = name.split(".")[0]
            if top in HTTP and layer != "client":
                bad.append(f"{where} (only client/ speaks HTTP)")
            if top in FRONT_END and layer != "jupyter":
                bad.append(f"{where} (only jupyter/ uses the front end)")
            if me in LEAVES and name.startswith(NAME):
                bad.append(f"{where} (errors.py and _version.py import nothing of the package)")
            if layer is None or not name.startswith(NAME + "."):
                continue
            target = layer_of(_owning_module(name))
            if _owning_module(name) not in LEAVES and target != layer and target not in ALLOWED[layer]:
                bad.append(f"{where} ({layer}/ may import only {sorted(ALLOWED[layer]) or 'itself'})")
            mine, theirs = kind_of(me), kind_of(_owning_module(name))
            crossing = mine and theirs and me not in FRONT_DOORS and theirs not in (mine, "shared")
            if crossing and theirs not in KIND_ALLOWED[str(mine)]:
                folder = "jupyter/" + ("" if mine == "shared" else f"{mine}/")
                allowed = sorted(KIND_ALLOWED[str(mine)]) or "none"
                bad.append(f"{where} ({folder} may import of the kinds: {allowed})")
    return bad


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in package_files():
        edges = graph.setdefault(module_name(path), set())
        for name, _ in imports_of(path):
            if name.startswith(NAME):
                target = _owning_module(name)
                if target != module_name(path):
                    edges.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop of ``graph`` as a list of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(graph.get(start, ())))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_every_layer_imports_only_what_it_may() -> None:
    bad = layering_violations(dict.fromkeys(package_files()))
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_folders_are_the_layers() -> None:
    for layer in LAYERS:
        assert (PACKAGE / layer / "__init__.py").is_file(), f"{layer}/ is missing"
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "_version.py", "errors.py"], loose
    for kind in KINDS:
        assert (PACKAGE / "jupyter" / kind / "__init__.py").is_file(), f"jupyter/{kind}/ is missing"


@pytest.mark.parametrize(
    ("file", "source", "complaint"),
    [
        ("core/_sse.py", "def f():\n    from ..client import _client\n", "core/ may import only"),
        ("core/_sse.py", "import requests.adapters\n", "only client/ speaks HTTP"),
        ("core/_wav.py", "def f():\n    import IPython.display\n", "only jupyter/ uses the front end"),
        ("emulator/_models.py", "from ..jupyter import _magics\n", "emulator/ may import only"),
        ("client/_retry.py", "from ..emulator import start_emulator\n", "client/ may import only"),
        ("errors.py", "from .core import _sse\n", "import nothing of the package"),
        ("jupyter/widgets/_player.py", "def f():\n    from ..chat import _history\n", "of the kinds"),
        ("jupyter/chat/_chat.py", "from ..magics import _run\n", "may import of the kinds"),
        ("jupyter/_session.py", "from .widgets import _player\n", "may import of the kinds"),
    ],
)
def test_the_checker_fails_on_an_upward_import(file: str, source: str, complaint: str) -> None:
    bad = layering_violations({PACKAGE / file: ast.parse(source)})
    assert bad and complaint in bad[0], bad


def test_the_checker_skips_type_checking_blocks_only() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import IPython\nelse:\n    import anywidget\n"  # noqa: E501
    names = [name for name, _ in imports_of(PACKAGE / "core/_sse.py", ast.parse(source))]
    assert sorted(names) == ["anywidget", "typing"]


def test_the_cycle_finder_finds_a_loop_through_a_function_import() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def heavy_modules_after(imports: str) -> list[str]:
    """Which heavy modules a fresh interpreter has loaded after ``import <imports>``."""
    code = f"import json, sys, {imports}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout)
    return loaded


def test_importing_the_package_pulls_in_nothing_heavy() -> None:
    assert heavy_modules_after(NAME) == []


def test_importing_every_core_module_pulls_in_nothing_heavy() -> None:
    core = [module_name(p) for p in sorted((PACKAGE / "core").glob("*.py"))]
    assert heavy_modules_after(", ".join(core)) == []
