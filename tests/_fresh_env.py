"""Fresh environments for the install tests (test_binder, test_wheel): a clone-like copy of the checkout, a
clean environment for subprocesses, and pip's own cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without the developer's key, emulator settings, virtualenv or Python paths; plus ``extra``.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENROUTER_", "OR_AUDIO_", "VIRTUAL_ENV", "JUPYTER_", "PYTHON"))
    }
    env.update(extra)
    return env


def copy_checkout(dest: Path) -> None:
    """Copy what a clone would hold: tracked files plus new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)


def pip_cache_dir() -> str:
    """pip's own cache, reused so that installing in a fresh venv does not download again."""
    return os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
