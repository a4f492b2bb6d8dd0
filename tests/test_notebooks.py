"""The demo notebooks run end to end under nbval, against the offline emulator, one test per notebook.

Each notebook runs in its own pytest subprocess with ``--nbval-lax``: every cell must run without an
error, and the outputs of cells tagged ``nbval-check-output`` must match the stored ones after the
sanitizers in ``notebooks/nbval_sanitize.cfg``. Each notebook runs twice: with no key, as Binder and
``make demo`` run it (``OR_AUDIO_OFFLINE=1``, the in-process emulator), and with a key and
``OPENROUTER_BASE_URL`` pointing at the test session's emulator, which is the path a real key takes, so the
notebooks are shown to run unchanged with one. A dead HTTP proxy for every non-loopback host makes any
accidental internet call fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
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
]
# Committed notebooks stay small: outputs are kept only where they teach, never large audio.
MAX_NOTEBOOK_BYTES = 60_000
# Strings that must never be committed: local paths and anything that looks like a key.
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


def _run_nbval(name: str, env: dict[str, str]) -> None:
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
        "--nbval-sanitize-with", str(SANITIZERS), "--nbval-cell-timeout=120",
        "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(ROOT), "-q",
        str(NOTEBOOK_DIR / name),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False
    )
    tail = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, f"nbval failed for {name}:\n{tail}"
    assert re.search(r"\b\d+ passed\b", result.stdout), tail
    assert not re.search(r"\b\d+ (failed|error|errors|skipped)\b", result.stdout), tail


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_offline(name: str) -> None:
    _run_nbval(name, _kernel_env(OR_AUDIO_OFFLINE="1"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_a_key(name: str, emulator: Any) -> None:
    key = "sk-or-v1-notebook-test-key"
    _run_nbval(name, _kernel_env(OPENROUTER_API_KEY=key, OPENROUTER_BASE_URL=emulator.base_url))


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
