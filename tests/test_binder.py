"""binder/ works as Binder uses it: a fresh environment built from exactly those files runs the quickstart.

The slow test copies the repository as a clone would see it, makes a new virtual environment, installs
``binder/requirements.txt`` from the copy's root, runs ``binder/postBuild``, then executes
``notebooks/01-quickstart.ipynb`` with nbclient through ``binder/start`` with no key set, so the notebook
takes the offline emulator path. pip's own cache and configured indexes are reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _fresh_env import clean_env, copy_checkout, pip_cache_dir

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"

RUN_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient

notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=120, kernel_name="python3")
client.execute(cwd=sys.argv[3])
nbformat.write(notebook, sys.argv[2])
"""


def _run_start(*command: str, **extra: str) -> str:
    result = subprocess.run(
        ["bash", str(BINDER / "start"), *command],
        env=clean_env(**extra),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


SHOW = 'echo "offline=${OR_AUDIO_OFFLINE:-unset} pace=${OR_AUDIO_EMULATOR_REALTIME:-unset}"'


def test_start_turns_offline_mode_on_without_a_key() -> None:
    assert _run_start("sh", "-c", SHOW).strip() == "offline=1 pace=1"


def test_start_keeps_a_pace_that_is_already_set() -> None:
    assert _run_start("sh", "-c", SHOW, OR_AUDIO_EMULATOR_REALTIME="0").strip() == "offline=1 pace=0"


def test_start_leaves_offline_mode_off_with_a_key() -> None:
    out = _run_start("sh", "-c", SHOW, OPENROUTER_API_KEY="sk-test")
    assert out.strip() == "offline=unset pace=unset"


def test_start_passes_arguments_and_exit_status_through() -> None:
    result = subprocess.run(
        ["bash", str(BINDER / "start"), "sh", "-c", 'echo "$1 $2"; exit 3', "sh", "a b", "c"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode, result.stdout) == (3, "a b c\n")


def test_binder_files_name_the_audio_tools_and_the_project() -> None:
    apt = (BINDER / "apt.txt").read_text().split()
    assert {"ffmpeg", "espeak-ng"} <= set(apt)
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    assert any(ln.startswith(".") for ln in lines if ln and not ln.startswith("#"))
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK), f"binder/{script} must be executable"


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a cold pip cache makes the install the long part
def test_binder_environment_runs_the_quickstart(tmp_path: Path) -> None:
    repo, home, venv = tmp_path / "repo", tmp_path / "home", tmp_path / "venv"
    repo.mkdir()
    home.mkdir()
    copy_checkout(repo)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = clean_env(
        HOME=str(home),
        PIP_CACHE_DIR=pip_cache_dir(),
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # The notebook may only talk to the emulator on loopback.
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    pip_env = {k: v for k, v in env.items() if not k.endswith("_PROXY")}

    def run(command: list[str], environment: dict[str, str], timeout: float) -> None:
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=repo, env=environment, capture_output=True, text=True, timeout=timeout, check=False
        )
        print(f"{' '.join(command[:4])}: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]

    python = str(venv / "bin" / "python")
    # --no-compile: Python compiles what it imports anyway; byte-compiling all of JupyterLab up front is
    # most of the install's CPU time and tests nothing.
    run([python, "-m", "pip", "install", "--quiet", "--no-compile", "-r", "binder/requirements.txt"],
        pip_env, 900)  # fmt: skip
    run(["bash", "binder/postBuild"], env, 300)
    script = tmp_path / "run_notebook.py"
    script.write_text(RUN_NOTEBOOK)
    executed = tmp_path / "executed.ipynb"
    notebook = repo / "notebooks" / "01-quickstart.ipynb"
    run(["bash", "binder/start", python, str(script), str(notebook), str(executed), str(notebook.parent)],
        env, 300)  # fmt: skip

    cells = json.loads(executed.read_text())["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "<audio" in html, "the quickstart should leave an audio player behind"
    assert "offline" in html.lower(), "without a key the outputs must say they come from the emulator"
