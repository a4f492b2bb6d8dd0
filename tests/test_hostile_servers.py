"""The client against servers that misbehave on purpose: endless lines, trickled bytes, open connections,
compressed bodies in every framing, web pages in place of the stream. Nothing received is lost, the call
ends by its deadline, and every failure is one of the package's errors."""

from __future__ import annotations

import gzip
import socket
import zlib

import pytest
from _hostile import (
    KEY,
    SSE_HEAD,
    Handler,
    HostileServer,
    chunked,
    read_request,
    run_bounded,
    transcript,
    trickle,
    wait_closed,
)

from or_audio_widgets.client._client import OpenRouterAudio
from or_audio_widgets.core._sse import MAX_EVENT_BYTES
from or_audio_widgets.errors import APIConnectionError, OpenRouterAudioError, RequestTimeoutError

DONE = b"data: [DONE]\n\n"
BLOCK = b"A" * 65536


def client(server: HostileServer, **options: object) -> OpenRouterAudio:
    return OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False, **options)  # type: ignore[arg-type]


def endless_line(framing: str) -> Handler:
    """A server that sends a transcript, then one data line of 200 MB with no newline."""

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        if framing == "chunked":
            conn.sendall(SSE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(transcript("kept")))
            conn.sendall(b"%x\r\n" % (200 * 2**20) + b"data: ")  # one chunk of 200 MB, never finished
        else:
            conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + transcript("kept") + b"data: ")
        for _ in range(200 * 16):
            conn.sendall(BLOCK)

    return handler


@pytest.mark.parametrize("framing", ["chunked", "close-delimited"])
def test_an_endless_line_is_a_protocol_error_and_the_reply_is_kept(framing: str) -> None:
    with HostileServer(endless_line(framing)) as server:
        reply = run_bounded(lambda: client(server).speak("hi"), 30)
    assert reply.transcript == "kept"
    assert not reply.complete and reply.error_kind == "protocol"
    assert f"{MAX_EVENT_BYTES:,} bytes" in reply.error


def test_a_reply_returns_at_done_while_the_server_keeps_the_connection_open() -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(SSE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        conn.sendall(chunked(transcript("all of it")) + chunked(DONE))
        wait_closed(conn, 30)  # no final chunk, no close: a server that holds a finished reply

    with HostileServer(handler) as server:
        reply = run_bounded(lambda: client(server).speak("hi"), 10)
    assert reply.complete and reply.transcript == "all of it"


@pytest.mark.parametrize(
    "head, body",
    [
        (b"", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n",
         b'{"error": {"message": "' + b"x" * 170 + b'"}}'),
    ],
    ids=["headers", "error body"],
)
def test_the_deadline_bounds_trickled_headers_and_error_bodies(head: bytes, body: bytes) -> None:
    with HostileServer(trickle(head, body)) as server, pytest.raises(
        RequestTimeoutError, match="deadline of 1 s"
    ):
        run_bounded(lambda: client(server, deadline=1).speak("hi"), 10)


def test_reading_the_model_list_first_counts_against_the_same_deadline() -> None:
    """An audio request reads the model list before it is sent; a server that trickles that list's headers
    holds it for a small share of the call's deadline only: the request then goes out unchecked, and the
    one deadline ends the call."""
    head_trickle = trickle(b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    with HostileServer(head_trickle) as server, pytest.raises(RequestTimeoutError, match="deadline of 1 s"):
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, deadline=1)  # the model list is read
        try:
            run_bounded(lambda: audio.speak("hi"), 1.5)
        finally:
            assert server.connections == 2  # the model list's, then the chat request's


def compressed(framing: str, encoding: str) -> Handler:
    stream = transcript("squeezed") + DONE
    packed = gzip.compress(stream) if encoding == "gzip" else zlib.compress(stream)

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        head = SSE_HEAD + b"Content-Encoding: " + encoding.encode() + b"\r\n"
        if framing == "chunked":
            halves = (packed[: len(packed) // 2], packed[len(packed) // 2 :])
            body = b"".join(map(chunked, halves)) + b"0\r\n\r\n"
            conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + body)
        elif framing == "length":
            conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(packed) + packed)
        else:
            conn.sendall(head + b"Connection: close\r\n\r\n" + packed)

    return handler


@pytest.mark.parametrize("framing", ["chunked", "length", "close-delimited"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bodies_are_decoded_in_every_framing(framing: str, encoding: str) -> None:
    with HostileServer(compressed(framing, encoding)) as server:
        reply = run_bounded(lambda: client(server).speak("hi"), 10)
    assert reply.complete, reply.error
    assert reply.transcript == "squeezed"


def test_a_web_page_in_place_of_the_stream_is_reported_as_one() -> None:
    page = b"<html><title>Sign in to the hotel Wi-Fi</title><body>Accept the terms</body></html>"

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(page)
                     + page)

    with HostileServer(handler) as server, pytest.raises(APIConnectionError, match=r"web page.*portal"):
        run_bounded(lambda: client(server).speak("hi"), 10)


def test_json_nested_too_deeply_is_a_protocol_error_and_the_reply_is_kept() -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + transcript("before")
                     + b"data: " + b"[" * 200_000 + b"\n\n" + DONE)

    with HostileServer(handler) as server:
        reply = run_bounded(lambda: client(server).speak("hi"), 10)
    assert reply.transcript == "before"
    assert reply.error_kind == "protocol" and "nested too deeply" in reply.error


def test_an_emoji_split_between_two_deltas_arrives_whole() -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        # json.dumps writes U+1F600 as the two escapes \ud83d\ude00: split them between two events
        halves = (b'{"choices":[{"delta":{"audio":{"transcript":"smile \\ud83d"}}}]}',
                  b'{"choices":[{"delta":{"audio":{"transcript":"\\ude00 done"}}}]}')
        body = b"".join(b"data: " + half + b"\n\n" for half in halves) + DONE
        conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + body)

    with HostileServer(handler) as server:
        reply = run_bounded(lambda: client(server).speak("hi"), 10)
    assert reply.transcript == "smile \U0001f600 done"
    reply.transcript.encode("utf-8")  # no lone surrogate left


def test_last_reply_is_none_after_a_call_that_got_no_answer() -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + transcript("first") + DONE)

    with HostileServer(handler) as server:
        audio = client(server)
        assert audio.speak("hi").transcript == "first"
        assert audio.last_reply is not None
    with pytest.raises(OpenRouterAudioError):
        audio.speak("again")  # the server is gone: refused before any answer
    assert audio.last_reply is None


def test_models_from_a_hostile_server_fail_as_package_errors() -> None:
    bodies = iter([b"[" * 200_000, b"not json", b'{"data": 7}'])

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        body = next(bodies)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)

    with HostileServer(handler) as server:
        for _ in range(3):
            with pytest.raises(OpenRouterAudioError, match="did not answer with a model list"):
                run_bounded(lambda: client(server).models(refresh=True), 10)


def test_the_deadline_holds_through_an_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    with HostileServer(trickle(b"", b"HTTP/1.1 200 OK\r\n\r\n")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        audio = OpenRouterAudio(KEY, "http://api.example.invalid/api/v1", max_retries=0, deadline=1,
                               check_models=False)
        with pytest.raises(RequestTimeoutError, match="deadline"):
            run_bounded(lambda: audio.speak("hi"), 10)
        assert proxy.connections == 1
