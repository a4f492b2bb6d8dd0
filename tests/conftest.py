"""Shared fixtures: the offline emulator over real HTTP and clients of it, a real IPython shell with the
extension loaded, the real captures, and a network guard."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from _client_helpers import KEY

from or_audio_widgets import OpenRouterAudio

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


def in_ci() -> bool:
    """Whether the suite runs in CI (``CI`` set, as CI services do), where nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def real_streams() -> Path:
    """The folder of real captured responses (``../shared/fixtures/real-streams``, or ``OR_AUDIO_FIXTURES``).

    A clone without it skips the tests that replay them; in CI the folder must be there.
    """
    if FIXTURES.is_dir():
        return FIXTURES
    reason = f"real captures not found at {FIXTURES} (set OR_AUDIO_FIXTURES to their folder)"
    if in_ci():
        pytest.fail(f"{reason}; CI must run them", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: the run names each one and exits non-zero."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not in_ci() or reporter is None:
        return
    skipped = [r for r in reporter.stats.get("skipped", []) if not hasattr(r, "wasxfail")]
    if skipped:
        reporter.ensure_newline()
        reporter.write_sep("=", "skipped in CI, where every test must run", red=True)
        for report in skipped:
            reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
            reporter.write_line(f"{report.nodeid}: {reason}")
        if exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
def client(emulator: Any) -> Iterator[OpenRouterAudio]:
    """An OpenRouterAudio talking to the session emulator (which takes any non-empty key); the emulator's
    request log starts empty."""
    emulator.clear_requests()
    with OpenRouterAudio(KEY, emulator.base_url) as audio_client:
        yield audio_client


class NoAuthSession(requests.Session):
    """Drops the Authorization header, so the emulator answers 401 as the API does to a bad key."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        request.headers.pop("Authorization", None)
        return super().send(request, **kwargs)


@pytest.fixture
def no_auth_session() -> Iterator[requests.Session]:
    """A requests session whose requests reach the server without their key (see NoAuthSession)."""
    with NoAuthSession() as session:
        yield session


@pytest.fixture
def ip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The global test shell with the extension loaded and fresh defaults; cwd is a temporary folder."""
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "or_audio_widgets")
    magics = shell.magics_manager.registry["OrAudioMagics"]
    for name in magics.trait_names(config=True):
        magics.set_trait(name, magics.trait_defaults(name))
    monkeypatch.chdir(tmp_path)
    yield shell
    magics.close()
    for name in ("_oraudio", "answer"):
        shell.user_ns.pop(name, None)


@pytest.fixture
def rec(ip: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """What the shell displays, kept instead of sent (a ``_magics_support.Recorded``)."""
    from _magics_support import Recorded, RecordingPublisher

    recorded = Recorded()
    monkeypatch.setattr(ip, "display_pub", RecordingPublisher(recorded))
    return recorded


@pytest.fixture
def online(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The session emulator reached as if it were OpenRouter, with a fake key."""
    from _magics_support import FAKE_KEY

    monkeypatch.setenv("OPENROUTER_BASE_URL", emulator.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    emulator.clear_requests()
    return emulator


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave screenshots and outputs for people to look at."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
