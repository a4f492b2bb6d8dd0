"""Every Python block of the README runs, in order, in a real IPython shell against the offline emulator,
as a new user would run them under ``make demo``: ``OR_AUDIO_OFFLINE=1``, no key, in a fresh folder
holding the files the README names (real speech, from espeak-ng and ffmpeg).

A block preceded by ``<!-- readme-test: skip (reason) -->`` is left out; only blocks that need what no
test machine has (a Dask or Ray cluster) may be, and the test says which.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"(?:<!-- readme-test: skip \((?P<why>[^)]+)\) -->\n)?```python\n(?P<code>.*?)```", re.S)
# The README names these files; each is made as speech: (path, words).
_INPUTS = (("meeting.m4a", "Let us meet on Monday at ten."), ("question.wav", "What time is it?"),
           ("calls/first.m4a", "Hello, this is the first call."), ("calls/second.m4a", "And the second one."))
ALLOWED_SKIPS = {"needs a Dask cluster", "needs a Ray cluster"}

pytestmark = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                                reason="the README's input files are made with espeak-ng and ffmpeg")


def readme_blocks() -> list[tuple[str, str | None]]:
    """(code, why it is skipped or None) for every Python block of the README, in order."""
    return [(m["code"], m["why"]) for m in _BLOCK.finditer(README.read_text(encoding="utf-8"))]


def _speak(path: Path, words: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wav = subprocess.run(["espeak-ng", "--stdout", words], capture_output=True, check=True).stdout
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "wav", "-i", "pipe:0", "-ac", "1",
                    "-ar", "16000", str(path)], input=wav, check=True)


@pytest.fixture
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name, words in _INPUTS:
        _speak(tmp_path / name, words)
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")  # and conftest removed any key
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def shell(ip: Any, user_folder: Path) -> Iterator[Any]:
    """conftest's IPython shell, with the README's names cleaned out of it afterwards."""
    before = set(ip.user_ns)
    yield ip
    chat = ip.user_ns.get("chat")
    if chat is not None:
        chat.close()
    for name in set(ip.user_ns) - before:
        ip.user_ns.pop(name, None)
    from or_audio_widgets.jupyter._offline import stop_emulator

    stop_emulator()


def test_the_readme_has_blocks_and_skips_only_what_needs_a_cluster() -> None:
    blocks = readme_blocks()
    assert len(blocks) >= 8
    assert {why for _, why in blocks if why} <= ALLOWED_SKIPS
    assert sum(1 for _, why in blocks if why) <= len(ALLOWED_SKIPS)


def test_every_readme_block_runs_offline(shell: Any, user_folder: Path) -> None:
    ran = 0
    for number, (code, why) in enumerate(readme_blocks(), start=1):
        if why:
            continue
        result = shell.run_cell(code, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        assert error is None, f"README block {number} raised {error!r}:\n{code}"
        ran += 1
    ns = shell.user_ns
    assert ran >= 8
    assert (user_folder / "welcome.mp3").stat().st_size > 1000  # _oraudio.save("welcome.mp3")
    assert ns["client"].offline and ns["reply"].complete and ns["speech"].complete
    assert isinstance(ns["text"], str) and ns["text"]
    assert [r["status"] for r in ns["results"]] == ["ok", "ok"]
    assert "offline emulator" in ns["results"].summary
    assert ns["chat"].offline and len(ns["chat"].turns) == 4
