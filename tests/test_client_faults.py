"""OpenRouterAudio against the emulator's faults: retries, errors, broken streams, timeouts."""

from __future__ import annotations

import re
import socket
import threading
from typing import Any

import pytest
import requests
from _client_helpers import KEY, faulty, posts, wav_seconds

from or_audio_widgets import ErrorEvent, OpenRouterAudio
from or_audio_widgets.client import _retry
from or_audio_widgets.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    ModerationError,
    PayloadTooLargeError,
    ProviderError,
    RateLimitError,
)

SPEAKER = "openai/gpt-audio-mini"
AUDIO = {"voice": "alloy", "format": "wav"}


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str | None]]:
    """Record each wait the client asks for (and make it short): (attempt, Retry-After header)."""
    asked: list[tuple[int, str | None]] = []

    def short(attempt: int, retry_after: str | None) -> float:
        asked.append((attempt, retry_after))
        return 0.01

    monkeypatch.setattr(_retry, "retry_delay", short)
    return asked


# --- retried before the stream ----------------------------------------------------------------------


def test_429_honours_retry_after_then_succeeds(client: OpenRouterAudio, emulator: Any) -> None:
    # The real delay function: Retry-After 0.1 s from the emulator is what the client waits.
    reply = client.speak("again", headers=faulty("429;retry-after=0.1;times=1", 1.0))
    assert reply.complete and wav_seconds(reply.audio) == pytest.approx(1.0, abs=0.01)
    assert posts(emulator) == 2


def test_retry_after_is_passed_to_the_delay(
    client: OpenRouterAudio, emulator: Any, delays: list[Any]
) -> None:
    assert client.speak("again", headers=faulty("429;retry-after=0.1;times=2", 0.5)).complete
    assert delays == [(0, "0.1"), (1, "0.1")]
    assert posts(emulator) == 3


@pytest.mark.parametrize("fault", ["502;times=2", "503;times=1", "500;times=1", "408;times=1", "409;times=1"])
def test_transient_statuses_are_retried(
    client: OpenRouterAudio, emulator: Any, delays: list[Any], fault: str
) -> None:
    reply = client.speak("retry", headers=faulty(fault, 0.5))
    assert reply.complete
    assert posts(emulator) == 1 + int(fault.split("times=")[1])
    assert [attempt for attempt, _ in delays] == list(range(len(delays)))


def test_retries_stop_at_max_retries(emulator: Any, delays: list[Any]) -> None:
    emulator.clear_requests()
    client = OpenRouterAudio(KEY, emulator.base_url, max_retries=1)
    with pytest.raises(ProviderError) as caught:
        client.speak("down", headers=faulty("503"))
    assert caught.value.status == 503
    assert "No instances available" in caught.value.message
    assert caught.value.metadata["provider_name"] == "Offline Emulator"
    assert posts(emulator) == 2


def test_a_deadline_stops_the_retries(emulator: Any) -> None:
    emulator.clear_requests()
    client = OpenRouterAudio(KEY, emulator.base_url, deadline=0.3, max_retries=5)
    with pytest.raises(RateLimitError):
        client.speak("wait", headers=faulty("429;retry-after=5"))
    assert posts(emulator) == 1  # a 5 s wait would pass the 0.3 s deadline: no retry


def test_connection_refused_is_retried_then_reported(delays: list[Any]) -> None:
    client = OpenRouterAudio(KEY, "http://127.0.0.1:9/api/v1", max_retries=2)
    with pytest.raises(APIConnectionError, match="Connection refused") as caught:
        client.speak("nobody")
    assert len(delays) == 2
    assert "OPENROUTER_BASE_URL" in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None


# --- errors that no retry fixes ---------------------------------------------------------------------


def test_401_is_an_authentication_error_with_advice(
    emulator: Any, delays: list[Any], no_auth_session: requests.Session
) -> None:
    client = OpenRouterAudio(KEY, emulator.base_url, session=no_auth_session)
    with pytest.raises(AuthenticationError) as caught:
        client.speak("who")
    error = caught.value
    assert error.status == 401
    assert "No auth credentials found" in str(error)
    assert "OPENROUTER_API_KEY" in str(error)
    assert delays == []


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [("400", BadRequestError), ("402", InsufficientCreditsError), ("403", ModerationError),
     ("413", PayloadTooLargeError)],
)
def test_statuses_map_to_error_classes(
    client: OpenRouterAudio, emulator: Any, delays: list[Any], fault: str, error_class: type[Exception]
) -> None:
    with pytest.raises(error_class) as caught:
        client.open("x", model=SPEAKER, audio=AUDIO, headers=faulty(fault))
    assert caught.value.status == int(fault)  # type: ignore[attr-defined]
    assert delays == [] and posts(emulator) == 1


def test_a_body_over_the_server_limit_is_a_413(client: OpenRouterAudio) -> None:
    huge = "x" * (33 * 1024 * 1024)
    with pytest.raises(PayloadTooLargeError, match="too large") as caught:
        client.speak(huge)
    assert "compress" in str(caught.value)
    assert huge[:1000] not in str(caught.value)


def test_an_html_error_page_gives_a_readable_message(client: OpenRouterAudio, delays: list[Any]) -> None:
    with pytest.raises(ProviderError) as caught:
        client.speak("html", headers=faulty("html"))
    message = caught.value.message
    assert "Bad Gateway" in message
    assert "<" not in message and ">" not in message
    assert len(message) < 300


def test_the_server_message_and_metadata_are_kept(client: OpenRouterAudio) -> None:
    unchecked = OpenRouterAudio(KEY, client.base_url, check_models=False)  # let the server refuse these
    with pytest.raises(BadRequestError, match="is not a valid model ID"):
        unchecked.speak("hi", model="nobody/none")
    with pytest.raises(BadRequestError, match="Supported values are") as caught:
        unchecked.speak("hi", voice="robot")
    assert caught.value.metadata == {"provider_name": "OpenAI"}


# --- after output started: never retried, partial reply kept -----------------------------------------


_DONE_BODY = (
    b': OPENROUTER PROCESSING\n\n'
    b'data: {"id":"gen-1","model":"m","choices":[{"delta":{"content":"fine"}}]}\n\n'
    b"data: [DONE]\n\n"
)


def _serve_twice(listener: socket.socket, seen: list[bytes]) -> None:
    """First connection: 200 headers, then the connection closes before any body byte. Second: a reply."""
    for attempt in range(2):
        conn, _ = listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            head, _, rest = request.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            while len(rest) < length:
                rest += conn.recv(65536)
            seen.append(head)
            headers = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n")
            if attempt == 0:
                conn.sendall(headers)
                conn.shutdown(socket.SHUT_RDWR)
            else:
                conn.sendall(headers + b"%x\r\n%s\r\n0\r\n\r\n" % (len(_DONE_BODY), _DONE_BODY))


def test_a_body_that_fails_before_any_byte_is_sent_again(delays: list[Any]) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []
    server = threading.Thread(target=_serve_twice, args=(listener, seen), daemon=True)
    server.start()
    try:
        client = OpenRouterAudio(KEY, f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1")
        with client.open("again", model="m/x") as reply_stream:
            events = list(reply_stream)
        server.join(10)
    finally:
        listener.close()
    assert len(seen) == 2 and len(delays) == 1
    assert reply_stream.reply.complete and reply_stream.reply.text == "fine"
    assert not any(isinstance(e, ErrorEvent) for e in events)
