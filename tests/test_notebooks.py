"""The demo notebooks run end to end under nbval, against the emulator, one test per notebook.

nbval runs with ``--nbval-lax``: every cell must run without an error, and the outputs of cells tagged
``nbval-check-output`` must match the stored ones after the sanitizers in ``notebooks/nbval_sanitize.cfg``.
The notebooks run with a key and ``OPENROUTER_BASE_URL`` pointing at the test session's emulator, which is
the path a real key takes, so the notebooks are shown to run unchanged with one. The path with no key (the
in-process emulator, as Binder and ``make demo`` run them) is the one the Run All browser tests take, in
JupyterLab and in Notebook 7, and ``test_binder.py`` for the quickstart: running it here a third time bought
no confidence for its minute. A dead HTTP proxy for every non-loopback host makes any accidental internet
call fail.

nbval is one subprocess over all the notebooks (each notebook still gets a kernel of its own): a subprocess
costs seconds of imports before its first cell, so one per notebook cost more than the notebooks themselves.
Its JUnit report is read back into one test per notebook.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZERS = NOTEBOOK_DIR / "nbval_sanitize.cfg"
NOTEBOOKS = [
    "01-quickstart.ipynb",
    "02-audio-input.ipynb",
    "03-voices-and-formats.ipynb",
    "04-audio-chat-widget.ipynb",
    "05-batch-transcription.ipynb",
    "06-python-api.ipynb",
    "07-speech-and-transcription.ipynb",
    "08-long-recordings.ipynb",
    "09-music.ipynb",
]
# Committed notebooks stay small: outputs are kept only where they teach, never large audio.
MAX_NOTEBOOK_BYTES = 60_000
# Strings that must never be committed: local paths and anything that looks like a key.
# nbval colours its messages; the JUnit report keeps the escape codes, spelled as XML would.
ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")
FORBIDDEN = re.compile(r"/tmp/|/home/|/root/|/Users/|sk-or-|Bearer [A-Za-z0-9]")


def _kernel_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "OR_AUDIO_"))}
    env.update(
        settings,
        # Anything that tries to leave the machine through requests meets a closed port.
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def test_every_notebook_is_tested() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == NOTEBOOKS


def _run_nbval(env: dict[str, str], report: Path) -> dict[str, list[str]]:
    """Run every notebook under nbval; for each notebook, what went wrong in its cells (empty when nothing
    did). A notebook nbval never reached is absent."""
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        "--nbval-sanitize-with", str(SANITIZERS), "--nbval-cell-timeout=120",
        "-p", "no:cacheprovider", "-p", "no:xdist", "-o", "addopts=", "--rootdir", str(ROOT), "-q",
        f"--junitxml={report}", *(str(NOTEBOOK_DIR / name) for name in NOTEBOOKS),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    tail = (result.stdout + result.stderr)[-6000:]
    # 0: every cell passed; 1: some failed, which the per-notebook tests report. Anything else is nbval's.
    assert result.returncode in (0, 1) and report.exists(), f"nbval did not run:\n{tail}"
    found: dict[str, list[str]] = {}
    for case in ET.parse(report).iter("testcase"):  # noqa: S314 - the report nbval just wrote for us
        classname = case.get("classname", "")  # "notebooks.01-quickstart.ipynb"
        notebook = next((n for n in NOTEBOOKS if classname.endswith(f".{n}")), classname)
        problems = found.setdefault(notebook, [])
        for outcome in case:
            if outcome.tag in ("failure", "error", "skipped"):
                text = f"{case.get('name')} {outcome.tag}: {outcome.get('message', '')}\n{outcome.text or ''}"
                problems.append(ANSI.sub("", text)[-3000:])
    return found


def _check(results: dict[str, list[str]], name: str) -> None:
    assert name in results, f"nbval ran no cell of {name}"
    assert not results[name], f"nbval failed for {name}:\n" + "\n".join(results[name])


@pytest.fixture(scope="module")
def key_run(tmp_path_factory: pytest.TempPathFactory, emulator: Any) -> dict[str, list[str]]:
    report = tmp_path_factory.mktemp("nbval") / "key.xml"
    key = "sk-or-v1-notebook-test-key"
    return _run_nbval(_kernel_env(OPENROUTER_API_KEY=key, OPENROUTER_BASE_URL=emulator.base_url), report)


@pytest.mark.timeout(900)  # the first one waits for every notebook
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_a_key(name: str, key_run: dict[str, list[str]]) -> None:
    _check(key_run, name)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_clean(name: str) -> None:
    path = NOTEBOOK_DIR / name
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) <= MAX_NOTEBOOK_BYTES, f"{name} is {len(text.encode())} bytes"
    assert not FORBIDDEN.search(text), f"{name} holds {FORBIDDEN.search(text)!r}"
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        checked = "nbval-check-output" in tags or "NBVAL_CHECK_OUTPUT" in "".join(cell["source"])
        # Only checked cells keep outputs: everything else is stripped before committing.
        assert checked or not cell["outputs"], f"{name}: unchecked cell keeps outputs: {cell['source']!r}"
        if checked:
            assert cell["outputs"], f"{name}: checked cell has no stored output: {cell['source']!r}"
            assert cell["execution_count"], f"{name}: nbval needs the execution count of {cell['source']!r}"
            assert all(o.get("output_type") != "error" for o in cell["outputs"])
