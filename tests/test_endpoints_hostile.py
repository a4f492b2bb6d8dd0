"""One hostile-server matrix over the three surfaces: chat (``speak``), speech (``say``) and transcription
(``transcribe``), and the model list where a case applies to it. Each server misbehaves the same way on each
(trickled headers and bodies, cut bodies, huge lines, error bodies and answers echoing the key, the end then
silence, gzip, redirects, a 503 then an answer): every call ends by its deadline (+0.5 s), keeps what arrived
or raises one of the package's typed errors, holds a 200 MB body in bounded memory, and never hands the key
back. They all go through the client's one request path: a case that passes on one passes on all."""

from __future__ import annotations

import gzip
import json
import socket
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from _client_helpers import make_wav
from _hostile import (
    KEY,
    SSE_HEAD,
    Handler,
    HostileServer,
    assert_no_secret,
    chunked,
    event,
    read_request,
    run_bounded,
    transcript,
    trickle,
    wait_closed,
)

from or_audio_widgets import AudioReply, OpenRouterAudio
from or_audio_widgets.client import _speech
from or_audio_widgets.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    OpenRouterAudioError,
    ProviderError,
    RequestTimeoutError,
)

DEADLINE = 1.0
DONE = b"data: [DONE]\n\n"
PCM = b"\x01\x00" * 2400  # 0.1 s of 24 kHz pcm16
WAV = make_wav(0.2)


class Surface:
    """How one endpoint answers well (``head``, the first bytes of its body, a ``whole`` good body and the
    ``check`` of what the client made of it), and how the client calls it."""

    def __init__(self, head: bytes, first: bytes, call: Callable[[OpenRouterAudio], Any], whole: bytes,
                 check: Callable[[Any], bool]) -> None:
        self.head, self.first, self.call, self.whole, self.check = head, first, call, whole, check


SURFACES = {
    "chat": Surface(SSE_HEAD, transcript("kept"), lambda audio: audio.speak("hi"),
                    transcript("kept") + DONE, lambda reply: reply.complete and reply.transcript == "kept"),
    "speech": Surface(b"HTTP/1.1 200 OK\r\nContent-Type: audio/pcm;rate=24000;channels=1\r\n", PCM,
                      lambda audio: audio.say("hi", model="acme/tts"), PCM,
                      lambda reply: reply.complete and bytes(reply.pcm) == PCM),
    "transcription": Surface(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", b'{"text": "ke',
                             lambda audio: audio.transcribe(WAV, model="openai/whisper-1"),
                             b'{"text": "kept"}', lambda reply: reply.complete and reply.text == "kept"),
}
# The model list read through the same path (for the cases where a list can misbehave the same way).
LIST = Surface(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", b'{"data": [',
               lambda audio: audio.models(refresh=True), b'{"data": [{"id": "acme/kept"}]}',
               lambda models: [m["id"] for m in models] == ["acme/kept"])
EVERY = {**SURFACES, "model list": LIST}


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
    """A 200 MB body that is one line (SSE), one document (JSON) or one HTTP chunk of audio, sent as fast as
    the client reads."""
    block = b"A" * 65536

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        if start == PCM:  # the speech endpoint's body: one chunk announced as 200 MB, never finished
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % (200 * 2**20) + start)
        else:
            conn.sendall(head + b"Connection: close\r\n\r\n" + start)
        for _ in range(200 * 16):
            conn.sendall(block)

    return handler


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_200_mb_line_or_body_is_read_in_bounded_memory(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    surface = SURFACES[name]
    start = {"chat": surface.first + b"data: ", "speech": PCM, "transcription": b'{"text": "'}[name]
    # the bound of one speech answer, made small here so that the test does not need 128 MB of memory
    monkeypatch.setattr(_speech, "SPEECH_BODY_LIMIT", 8 * 2**20)
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
    if name == "transcription":
        assert isinstance(outcome, OpenRouterAudioError) and "did not answer with a transcription" in str(
            outcome)
        return
    assert isinstance(outcome, AudioReply) and outcome.error_kind == "protocol", outcome
    kept(name, outcome)
    if name == "speech":
        assert "8,388,608 bytes" in outcome.error and len(outcome.pcm) <= 8 * 2**20


def usage(key: str) -> dict[str, Any]:
    return {"seconds": 1, "cost": 0.001, "note": key, key: key}


ECHOED = {  # what each surface's server says back with the key in it, on an answer it sends whole
    "chat": lambda key: event({"id": f"gen-{key}", "usage": usage(key),
                               "choices": [{"delta": {"audio": {"transcript": f"kept {key}"}}}]}) + DONE,
    "speech": lambda key: PCM,
    "transcription": lambda key: json.dumps({"text": f"kept {key} twice: {key}",
                                             "usage": usage(key)}).encode(),
    "model list": lambda key: json.dumps({"data": [{"id": "acme/kept", "name": key, key: key},
                                                   {"id": key}]}).encode(),
}


def echoing(head: bytes, body: Callable[[str], bytes], status: bytes = b"200 OK") -> Handler:
    """A server that sends the key it was sent back in the status line, a header and ``body(key)``."""

    def handler(conn: socket.socket) -> None:
        request, _ = read_request(conn)
        auth = next(line for line in request.split(b"\r\n") if line.lower().startswith(b"authorization"))
        key = auth.split(b" ", 2)[2]
        data = body(key.decode())
        rest = head.partition(b"\r\n")[2]  # the head's headers, under a status line of our own
        line = b"HTTP/1.1 " + status.replace(b"KEY", key) + b"\r\n"
        conn.sendall(line + rest + b"X-Generation-Id: gen-" + key + b"\r\nX-Echo: " + key
                     + b"\r\nContent-Length: %d\r\n\r\n" % len(data) + data)

    return handler


@pytest.mark.parametrize("name", list(EVERY))
def test_an_answer_that_echoes_the_key_is_masked_everywhere(name: str) -> None:
    surface = EVERY[name]
    with HostileServer(echoing(surface.head, ECHOED[name])) as server:
        outcome = timed(server, surface)[0]
    assert not isinstance(outcome, BaseException), outcome
    if name == "model list":
        assert [m["id"] for m in outcome] == ["acme/kept", "***"] and outcome[0]["name"] == "***"
        assert_no_secret(KEY, outcome)
        return
    assert outcome.complete, outcome.error
    assert_no_secret(KEY, outcome, outcome.id, outcome.usage, outcome.text, outcome.transcript)
    if name == "speech":
        assert outcome.id == "gen-***" and bytes(outcome.pcm) == PCM
    else:
        assert outcome.cost == 0.001 and (outcome.text or outcome.transcript).startswith("kept ***")


@pytest.mark.parametrize("name", list(EVERY))
@pytest.mark.parametrize("status, error", [(400, BadRequestError), (401, AuthenticationError),
                                           (503, ProviderError)], ids=["400", "401", "503"])
def test_an_error_body_that_echoes_the_key_is_masked_and_typed(name: str, status: int,
                                                                error: type[APIError]) -> None:
    def body(key: str) -> bytes:
        return json.dumps({"error": {"message": f"refused {key}", "code": key,
                                     "metadata": {"raw": f"upstream said {key}", key: key}}}).encode()

    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    with HostileServer(echoing(head, body, b"%d KEY" % status)) as server:
        outcome = timed(server, EVERY[name])[0]
    assert type(outcome) is error and outcome.status == status, outcome
    assert "refused ***" in str(outcome)
    assert_no_secret(KEY, outcome)


def then_silence(surface: Surface, name: str) -> Handler:
    """The whole answer, its end said (``[DONE]``, or the Content-Length reached), then the connection held
    open: the call must return with the answer, not wait for the server to close."""

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        if name == "chat":  # chunked, with no last chunk: only [DONE] says it ended
            conn.sendall(surface.head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(surface.whole))
        else:
            conn.sendall(surface.head + b"Content-Length: %d\r\n\r\n" % len(surface.whole) + surface.whole)
        wait_closed(conn, 30)

    return handler


@pytest.mark.parametrize("name", list(EVERY))
def test_the_end_then_silence_returns_the_whole_answer(name: str) -> None:
    surface = EVERY[name]
    with HostileServer(then_silence(surface, name)) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)  # no deadline
        outcome = run_bounded(lambda: surface.call(audio), 10)
    assert surface.check(outcome), outcome


def gzipped(surface: Surface, framing: str) -> Handler:
    packed = gzip.compress(surface.whole)

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        head = surface.head + b"Content-Encoding: gzip\r\n"
        if framing == "chunked":
            halves = (packed[: len(packed) // 2], packed[len(packed) // 2 :])
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(map(chunked, halves))
                         + b"0\r\n\r\n")
        else:
            conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(packed) + packed)

    return handler


@pytest.mark.parametrize("name", list(EVERY))
@pytest.mark.parametrize("framing", ["chunked", "length"])
def test_a_gzipped_answer_is_decoded(name: str, framing: str) -> None:
    with HostileServer(gzipped(EVERY[name], framing)) as server:
        outcome = timed(server, EVERY[name])[0]
    assert EVERY[name].check(outcome), outcome


@pytest.mark.parametrize("name", list(EVERY))
@pytest.mark.parametrize("status", [301, 307])
def test_a_redirect_is_not_followed_and_the_error_says_where_it_points(name: str, status: int) -> None:
    with HostileServer(lambda conn: None) as elsewhere:
        def handler(conn: socket.socket) -> None:
            request, _ = read_request(conn)
            key = next(line for line in request.split(b"\r\n")
                       if line.lower().startswith(b"authorization")).split(b" ", 2)[2]
            target = f"{elsewhere.base_url}/moved/{key.decode()}?token={key.decode()}".encode()
            conn.sendall(b"HTTP/1.1 %d Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % (status, target))

        with HostileServer(handler) as server:
            outcome = timed(server, EVERY[name])[0]
    assert type(outcome) is APIConnectionError and outcome.status == status, outcome
    assert f"redirect to {elsewhere.base_url}/moved/***?…" in str(outcome) and "base_url" in str(outcome)
    assert elsewhere.connections == 0  # neither the key nor the body went where the server said
    assert_no_secret(KEY, outcome)


def first_unavailable(surface: Surface) -> Handler:
    """A 503 with a short Retry-After on the first connection, the whole answer on the next."""
    count = iter(range(100))

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        if next(count) == 0:
            body = b'{"error": {"message": "no provider now", "code": 503}}'
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0.01\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
        else:
            conn.sendall(surface.head + b"Content-Length: %d\r\n\r\n" % len(surface.whole) + surface.whole)

    return handler


@pytest.mark.parametrize("name", list(EVERY))
@pytest.mark.parametrize("retries", [0, 1])
def test_the_same_retries_on_every_endpoint(name: str, retries: int) -> None:
    surface = EVERY[name]
    with HostileServer(first_unavailable(surface)) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=retries, check_models=False)
        try:
            outcome: Any = run_bounded(lambda: surface.call(audio), 10)
        except OpenRouterAudioError as exc:
            outcome = exc
        connections = server.connections
    if retries:
        assert surface.check(outcome), outcome
        assert connections == 2
    else:
        assert type(outcome) is ProviderError and "no provider now" in str(outcome), outcome
        assert connections == 1


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
