"""The suite's own rules (tests/conftest.py): without the real captures their tests skip, naming the folder;
in CI (``CI`` set) a missing folder is an error and any skip fails the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

EXAMPLE = '''
import pytest


def test_needs_the_captures(real_streams):
    assert real_streams.is_dir()


def test_skips_for_a_reason():
    pytest.skip("no sound card here")


def test_runs():
    pass
'''


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small suite under this project's conftest.py."""
    folder = tmp_path_factory.mktemp("suite") / "tests"
    folder.mkdir()
    for name in ("conftest.py", "_client_helpers.py"):
        shutil.copy(TESTS / name, folder / name)
    (folder / "test_example.py").write_text(EXAMPLE)
    return folder


def run(suite: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "OR_AUDIO_FIXTURES")}
    # Without the plugins these tests do not use, each run starts in a fraction of the time.
    plugins = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:nbval", "-p", "no:hypothesispytest"]
    command = [sys.executable, "-m", "pytest", *plugins, "-o", "addopts=", "-rs",
               "--rootdir", str(suite.parent), *args, str(suite)]  # fmt: skip
    return subprocess.run(command, env={**base, **env}, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def test_outside_ci_missing_captures_skip_with_their_reason(suite: Path) -> None:
    result = run(suite, OR_AUDIO_FIXTURES=str(suite / "absent"))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 passed, 2 skipped" in result.stdout
    assert f"real captures not found at {suite / 'absent'}" in result.stdout


def test_in_ci_missing_captures_are_an_error(suite: Path) -> None:
    result = run(suite, "-k", "captures", OR_AUDIO_FIXTURES=str(suite / "absent"), CI="1")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "CI must run them" in result.stdout and "1 error" in result.stdout


def test_in_ci_a_skip_fails_the_run_and_is_named(suite: Path) -> None:
    result = run(suite, OR_AUDIO_FIXTURES=str(suite), CI="true")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "2 passed, 1 skipped" in result.stdout
    assert "skipped in CI" in result.stdout
    assert "test_example.py::test_skips_for_a_reason: Skipped: no sound card here" in result.stdout


def test_in_ci_with_the_captures_and_no_skip_the_run_passes(suite: Path) -> None:
    result = run(suite, "-k", "not skips", OR_AUDIO_FIXTURES=str(suite), CI="true")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 passed" in result.stdout
