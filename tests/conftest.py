"""Shared fixtures: the offline emulator over real HTTP, the real captures, and a network guard."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("OR_AUDIO_FIXTURES", ROOT.parent / "shared" / "fixtures" / "real-streams"))

_real_connect = socket.socket.connect


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX paths
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise OSError(f"tests may only connect to 127.0.0.1, not {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """No test opens a connection outside the loopback range."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without a key, a base URL or offline mode from the developer's shell."""
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "OR_AUDIO_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def real_streams() -> Path:
    """The folder of real captured responses (``../shared/fixtures/real-streams``)."""
    if not FIXTURES.is_dir():
        raise FileNotFoundError(f"real captures not found at {FIXTURES}; set OR_AUDIO_FIXTURES")
    return FIXTURES


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    """One offline emulator for the session, on a free port of 127.0.0.1."""
    from or_audio_widgets import start_emulator

    handle = start_emulator(port=0)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave screenshots and outputs for people to look at."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
