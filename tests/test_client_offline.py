"""``OR_AUDIO_OFFLINE=1`` reaches the plain client: ``OpenRouterAudio()`` and ``transcribe_many`` talk to the
process's one offline emulator (the magics' and AudioChat's), unless the code names a key or a URL."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _audio_samples import make_audio

from or_audio_widgets import OpenRouterAudio, transcribe_many
from or_audio_widgets.client import _offline
from or_audio_widgets.errors import MissingAPIKeyError
from or_audio_widgets.jupyter import _offline as kernel_offline

KEY = "sk-or-v1-OFFLINETESTKEY0123456789"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """OR_AUDIO_OFFLINE=1; the process's emulator is stopped afterwards and leaves no thread behind."""
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    before = set(threading.enumerate())  # the session's own emulator, when a test uses it, is older
    yield
    _offline.stop_emulator()
    left = [t.name for t in set(threading.enumerate()) - before if t.name.startswith("or-audio-emulator")]
    assert not left, left


def test_no_key_and_the_switch_talk_to_the_offline_emulator(offline: None) -> None:
    with OpenRouterAudio() as client:
        assert client.offline
        assert client.base_url.startswith("http://127.0.0.1:")
        assert "offline emulator" in repr(client)
        reply = client.say("Read exactly this.", voice="alloy")
    assert reply.complete and reply.duration > 0.3
    handle = _offline.current_emulator()
    assert handle is not None and handle.base_url == client.base_url
    assert [r.path for r in handle.requests][-1].endswith("/audio/speech")


def test_the_client_and_the_magics_share_one_emulator(offline: None) -> None:
    with OpenRouterAudio() as first, OpenRouterAudio() as second:
        assert first.base_url == second.base_url == kernel_offline.emulator_url()
    assert kernel_offline.current_emulator() is _offline.current_emulator()


def test_the_switch_wins_over_the_environments_key(offline: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://192.0.2.1/api/v1")
    with OpenRouterAudio() as client:
        assert client.offline and client.base_url.startswith("http://127.0.0.1:")


def test_a_key_or_url_written_in_the_code_wins_over_the_switch(offline: None, emulator: Any) -> None:
    with OpenRouterAudio(api_key=KEY) as client:
        assert not client.offline and client.base_url == "https://openrouter.ai/api/v1"
        assert "offline" not in repr(client)
    base = str(emulator.base_url)
    with OpenRouterAudio(KEY, base_url=base) as client:
        assert not client.offline and client.base_url == base
    with pytest.raises(MissingAPIKeyError):  # a URL alone still needs a key: the code chose that server
        OpenRouterAudio(base_url=base)
    assert _offline.current_emulator() is None  # nothing of the above started one


def test_without_the_switch_no_key_is_still_an_error() -> None:
    with pytest.raises(MissingAPIKeyError, match="OR_AUDIO_OFFLINE=1"):
        OpenRouterAudio()
    assert _offline.current_emulator() is None


def test_transcribe_many_runs_offline_and_says_so(offline: None, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = make_audio(tmp_path, "wav")
    results = transcribe_many([source], progress=True, results=tmp_path / "transcripts.jsonl")
    assert [r["status"] for r in results] == ["ok"]
    assert results.summary.endswith("(offline emulator).")
    assert "(offline emulator)" in capsys.readouterr().out


def test_the_emulator_stops_when_the_process_exits() -> None:
    code = (
        "import or_audio_widgets as o\n"
        "from or_audio_widgets.client import _offline\n"
        "client = o.OpenRouterAudio()\n"
        "handle = _offline.current_emulator()\n"
        "stop = handle.stop\n"
        "handle.stop = lambda *a, **k: (stop(*a, **k), print('stopped at exit', flush=True))\n"
        "print(client.offline, flush=True)\n"
    )
    env = {"OR_AUDIO_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "stopped", "at", "exit"]


def test_the_kernels_emulator_keeps_a_few_mb_and_no_uploads(offline: None) -> None:
    upload = bytes(range(256)) * 8192  # 2 MB of bytes: about 2.8 MB of base64 per request
    with OpenRouterAudio() as client:
        for _ in range(10):
            client.transcribe({"type": "input_audio", "input_audio": {
                "data": base64.b64encode(upload).decode(), "format": "pcm16"}}, via="transcriptions")
    handle = _offline.current_emulator()
    kept = handle.requests
    posted = [r for r in kept if r.path.endswith("/audio/transcriptions")]
    assert len(posted) == 10  # every request is still listed, without its upload
    assert all(r.json["input_audio"]["data"].endswith("characters of base64, not kept>") for r in posted)
    assert sum(len(json.dumps(r.json)) for r in kept) < 4 * 2**20
