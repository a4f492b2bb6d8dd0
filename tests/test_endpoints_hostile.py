"""One hostile-server matrix over the three surfaces: chat (``speak``), speech (``say``) and transcription
(``transcribe``). Each server misbehaves the same way on each; every call ends by its deadline (+0.5 s),
keeps what arrived or raises one of the package's errors, and holds a 200 MB body in bounded memory."""

from __future__ import annotations

import json
import socket
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from _client_helpers import make_wav
from _hostile import KEY, SSE_HEAD, Handler, HostileServer, read_request, run_bounded, transcript, trickle

from or_audio_widgets import AudioReply, OpenRouterAudio
from or_audio_widgets.errors import OpenRouterAudioError, RequestTimeoutError

DEADLINE = 1.0
PCM = b"\x01\x00" * 2400  # 0.1 s of 24 kHz pcm16
WAV = make_wav(0.2)


class Surface:
    """How one endpoint answers well, and how the client calls it."""

    def __init__(self, head: bytes, first: bytes, call: Callable[[OpenRouterAudio], AudioReply]) -> None:
        self.head, self.first, self.call = head, first, call


SURFACES = {
    "chat": Surface(SSE_HEAD, transcript("kept"), lambda audio: audio.speak("hi")),
    "speech": Surface(b"HTTP/1.1 200 OK\r\nContent-Type: audio/pcm;rate=24000;channels=1\r\n", PCM,
                      lambda audio: audio.say("hi", model="acme/tts")),
    "transcription": Surface(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", b'{"text": "ke',
                             lambda audio: audio.transcribe(WAV, model="openai/whisper-1")),
}


def client(server: HostileServer) -> OpenRouterAudio:
    return OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False, deadline=DEADLINE)


def timed(server: HostileServer, surface: Surface) -> tuple[Any, float]:
    """(reply or raised error, seconds) of one call, which must end within the deadline + 0.5 s."""
    started = time.monotonic()
    try:
        outcome: Any = run_bounded(lambda: surface.call(client(server)), 10)
    except OpenRouterAudioError as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def kept(name: str, reply: AudioReply) -> None:
    """What arrived before the failure is in the reply."""
    if name == "chat":
        assert reply.transcript == "kept"
    else:
        assert bytes(reply.pcm).startswith(PCM)


@pytest.mark.parametrize("name", list(SURFACES))
@pytest.mark.parametrize("where", ["headers", "error body"])
def test_trickled_headers_and_error_bodies_end_by_the_deadline(name: str, where: str) -> None:
    error = b'{"error": {"message": "' + b"x" * 170 + b'"}}'
    handler = trickle(b"", SURFACES[name].head + b"\r\n") if where == "headers" else trickle(
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n", error)
    with HostileServer(handler) as server:
        outcome, seconds = timed(server, SURFACES[name])
    assert isinstance(outcome, RequestTimeoutError), outcome
    assert "deadline of 1 s" in str(outcome)
    assert seconds < DEADLINE + 0.5


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_trickled_body_ends_by_the_deadline_with_what_arrived(name: str) -> None:
    surface = SURFACES[name]
    rest = {"chat": b": ping\n" * 40, "speech": PCM, "transcription": b'pt"}' + b" " * 40}[name]
    with HostileServer(trickle(surface.head + b"Connection: close\r\n\r\n" + surface.first, rest)) as server:
        outcome, seconds = timed(server, surface)
    assert seconds < DEADLINE + 0.5
    if name == "transcription":  # a JSON document is read whole or not at all
        assert isinstance(outcome, RequestTimeoutError) and "deadline of 1 s" in str(outcome)
        return
    assert isinstance(outcome, AudioReply) and not outcome.complete
    assert outcome.error_kind == "timeout" and "deadline" in outcome.error
    kept(name, outcome)


def answered(head: bytes, body: bytes, length: int) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head + b"Content-Length: %d\r\n\r\n" % length + body)  # then the connection closes

    return handler


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_body_shorter_than_its_content_length_is_incomplete(name: str) -> None:
    surface = SURFACES[name]
    with HostileServer(answered(surface.head, surface.first, 4 * len(surface.first))) as server:
        outcome, _ = timed(server, surface)
    if name == "transcription":
        assert isinstance(outcome, OpenRouterAudioError) and "before its end" in str(outcome)
        return
    assert isinstance(outcome, AudioReply) and not outcome.complete, outcome
    assert outcome.error_kind == "connection"
    kept(name, outcome)


@pytest.mark.parametrize("name", list(SURFACES))
def test_an_empty_200_is_no_complete_reply(name: str) -> None:
    surface = SURFACES[name]
    with HostileServer(answered(surface.head, b"", 0)) as server:
        outcome, _ = timed(server, surface)
    if name == "transcription":
        assert isinstance(outcome, OpenRouterAudioError) and "did not answer with a transcription" in str(
            outcome)
        return
    assert isinstance(outcome, AudioReply) and not outcome.complete, outcome
    assert outcome.error


def huge(head: bytes, start: bytes) -> Handler:
    """A 200 MB body that is one line (SSE) or one document (JSON), sent as fast as the client reads."""
    block = b"A" * 65536

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(head + b"Connection: close\r\n\r\n" + start)
        for _ in range(200 * 16):
            conn.sendall(block)

    return handler


@pytest.mark.parametrize("name", ["chat", "transcription"])
def test_a_200_mb_line_or_document_is_read_in_bounded_memory(name: str) -> None:
    surface = SURFACES[name]
    start = surface.first + b"data: " if name == "chat" else b'{"text": "'
    with HostileServer(huge(surface.head, start)) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        tracemalloc.start()
        try:
            try:
                outcome: Any = run_bounded(lambda: surface.call(audio), 60)
            except OpenRouterAudioError as exc:
                outcome = exc
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.1f} MB"
    if name == "chat":
        assert isinstance(outcome, AudioReply) and outcome.error_kind == "protocol"
        kept(name, outcome)
    else:
        assert isinstance(outcome, OpenRouterAudioError) and "did not answer with a transcription" in str(
            outcome)


def echoing(head: bytes, body: Callable[[str], bytes]) -> Handler:
    def handler(conn: socket.socket) -> None:
        request, _ = read_request(conn)
        auth = next(line for line in request.split(b"\r\n") if line.lower().startswith(b"authorization"))
        data = body(auth.split(b" ", 2)[2].decode())
        conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(data) + data)

    return handler


def test_a_key_echoed_in_a_transcription_is_masked_everywhere() -> None:
    from _hostile import assert_no_secret

    def body(key: str) -> bytes:
        return json.dumps({"text": f"you said {key} twice: {key}",
                           "usage": {"seconds": 1, "cost": 0.001, "note": key, key: key}}).encode()

    with HostileServer(echoing(SURFACES["transcription"].head, body)) as server:
        reply = timed(server, SURFACES["transcription"])[0]
    assert isinstance(reply, AudioReply) and reply.text == "you said *** twice: ***"
    assert reply.cost == 0.001
    assert_no_secret(KEY, reply, reply.text, reply.usage)


NOT_FINITE = {
    "chat": SSE_HEAD + b"Connection: close\r\n\r\n" + transcript("kept")
    + b'data: {"choices": [], "usage": {"prompt_tokens": NaN, "cost": Infinity}}\n\ndata: [DONE]\n\n',
    "transcription": SURFACES["transcription"].head + b"Connection: close\r\n\r\n"
    + b'{"text": "kept", "usage": {"seconds": 1e999, "cost": -Infinity}}',
}


@pytest.mark.parametrize("name", list(NOT_FINITE))
def test_numbers_that_are_not_finite_are_not_taken_and_the_reply_shows(name: str) -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(NOT_FINITE[name])

    with HostileServer(handler) as server:
        reply = timed(server, SURFACES[name])[0]
    assert isinstance(reply, AudioReply) and reply.complete, reply
    assert reply.cost is None and None in reply.usage.values()
    assert "kept" in reply._repr_html_() and "Infinity" not in repr(reply)
