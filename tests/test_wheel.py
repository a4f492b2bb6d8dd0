"""The wheel is the package: it carries every file of it (the widgets' JavaScript and CSS too), and once
installed in a fresh virtual environment, away from the source tree, ``%load_ext or_audio_widgets`` and an
offline ``%%oraudio`` cell work from it.

The slow test builds the wheel from a clone-like copy of the checkout with ``pip wheel``, installs it with its
dependencies from pip's cache and configured indexes into a new venv (no system site-packages), and runs the
cell in a plain IPython shell there, from a folder outside the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from _fresh_env import ROOT, clean_env, copy_checkout, pip_cache_dir
from _magics_support import audio_uris, decoded_seconds

# Runs inside the fresh venv: load the extension, run one cell offline, write what a front end would show.
RUN_CELL = """
import json, sys
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

shown = []

class Keep(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if not update:
            shown.append(data)

    def clear_output(self, wait=False):
        shown.clear()

shell = InteractiveShell.instance()
shell.display_pub = Keep()
shell.run_line_magic("load_ext", "or_audio_widgets")
shell.run_cell_magic("oraudio", "", "Hello from the wheel")
import or_audio_widgets
html = "".join(d.get("text/html", "") for d in shown)
with open(sys.argv[1], "w") as out:
    json.dump({"file": or_audio_widgets.__file__, "html": html}, out)
"""


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                            check=False)  # fmt: skip
    print(f"{' '.join(command[:4])}: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return result.stdout


def _package_files(tree: Path) -> set[str]:
    return {str(p.relative_to(tree)) for p in (tree / "or_audio_widgets").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}  # fmt: skip


@pytest.mark.slow
@pytest.mark.timeout(600)  # a cold pip cache makes the install the long part
def test_the_wheel_installs_and_runs_an_offline_cell_away_from_the_source(tmp_path: Path) -> None:
    repo, dist, venv, elsewhere = (tmp_path / n for n in ("repo", "dist", "venv", "elsewhere"))
    for folder in (repo, elsewhere):
        folder.mkdir()
    copy_checkout(repo)
    env = clean_env(PIP_CACHE_DIR=pip_cache_dir(), HOME=str(tmp_path))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(repo)],
         repo, env, 300)  # fmt: skip
    [wheel] = dist.glob("or_audio_widgets-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        carried = {name for name in archive.namelist() if name.startswith("or_audio_widgets/")}
    assert _package_files(repo) <= carried, f"missing from the wheel: {_package_files(repo) - carried}"
    assert {"or_audio_widgets/jupyter/js/player.js", "or_audio_widgets/jupyter/js/widgets.css"} <= carried

    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    _run([python, "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)], elsewhere, env, 480)
    cell_env = clean_env(
        OR_AUDIO_OFFLINE="1", HOME=str(tmp_path),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # The cell may only talk to its own emulator on loopback.
        HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
    )
    result = tmp_path / "shown.json"
    _run([python, "-c", RUN_CELL, str(result)], elsewhere, cell_env, 120)
    shown = json.loads(result.read_text())

    installed = Path(shown["file"]).resolve()
    assert installed.is_relative_to(venv.resolve()) and not installed.is_relative_to(ROOT), installed
    assert "You said: Hello from the wheel" in shown["html"]
    assert "<audio" in shown["html"] and "controls" in shown["html"]
    (mime, data), *_ = audio_uris(shown["html"])
    assert mime == "audio/mpeg"  # --embed auto keeps a second or more as MP3 (ffmpeg is on PATH here)
    assert decoded_seconds(data) > 0.5
