"""The emulator answers every malformed request with a 4xx and keeps serving; what it records is bounded
in bytes."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from or_audio_widgets import start_emulator
from or_audio_widgets.emulator._server import EmulatorHandle

MODEL = "openai/gpt-4o-audio-preview"
BODY = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()


@pytest.fixture
def handle() -> Iterator[EmulatorHandle]:
    with start_emulator(port=0, max_recorded_bytes=3000) as running:
        yield running


def exchange(handle: EmulatorHandle, raw: bytes) -> int:
    """The status of the answer to ``raw`` (0: the connection closed without one)."""
    with socket.create_connection((handle.host, handle.port), timeout=5) as sock:
        sock.sendall(raw)
        head = b""
        while b"\r\n" not in head:
            got = sock.recv(1024)
            if not got:
                return 0
            head += got
    return int(head.split(b" ", 2)[1])


def post(headers: bytes, body: bytes = BODY, length: bytes | None = None) -> bytes:
    size = str(len(body)).encode() if length is None else length
    return (b"POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
            b"Content-Length: " + size + b"\r\n" + headers + b"\r\n" + body)


MALFORMED = {
    "non-ASCII digits in Content-Length": post(b"", length="\u00b2".encode()),
    "Arabic-Indic digits in Content-Length": post(b"", length="\u0663".encode()),
    "JSON nested too deeply": post(b"", b"[" * 100_000),
    "body not UTF-8": post(b"", b"\xff\xfe\xfd"),
    "fault count not a number": post(b"X-Emulator-Fault: 429;times=x\r\n"),
    "fault delay NaN": post(b"X-Emulator-Fault: drop;after=nan\r\n"),
    "fault seconds infinite": post(b"X-Emulator-Fault: stall;seconds=inf\r\n"),
    "fault parameter without a value": post(b"X-Emulator-Fault: stall;seconds\r\n"),
    "model not a string": post(b"", json.dumps({"model": ["x"], "messages": [{"role": "user"}]}).encode()),
    "audio settings of odd shapes": post(b"", json.dumps(
        {"model": MODEL, "stream": True, "modalities": ["text", "audio"], "audio": [1],
         "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": "x"}]}]}).encode()),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_request_gets_a_4xx_and_the_server_goes_on(handle: EmulatorHandle, name: str) -> None:
    assert 400 <= exchange(handle, MALFORMED[name]) < 500
    assert exchange(handle, post(b"")) == 200  # still serving
    assert handle.running


def test_what_is_recorded_is_bounded_in_bytes(handle: EmulatorHandle) -> None:
    padded = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "x" * 1000}]}).encode()
    for _ in range(6):
        assert exchange(handle, post(b"", padded)) == 200
    kept = handle.requests
    assert 1 <= len(kept) <= 3000 // len(padded)
    handle.clear_requests()
    assert handle.requests == []
    huge = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "y" * 5000}]}).encode()
    exchange(handle, post(b"", huge))
    assert len(handle.requests) == 1  # the newest is kept, even alone over the bound
