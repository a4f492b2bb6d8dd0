"""The key, URL credentials and signed queries stay out of every error, reply, HTML and log record, against
servers that echo them back on purpose, and whatever fails underneath."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from _hostile import (
    KEY,
    SSE_HEAD,
    HostileServer,
    assert_no_secret,
    event,
    read_request,
    run_bounded,
)

from or_audio_widgets import TextDelta, TranscriptDelta
from or_audio_widgets.client._client import OpenRouterAudio
from or_audio_widgets.client._download import download
from or_audio_widgets.core._redact import mask_secrets
from or_audio_widgets.errors import (
    APIError,
    AudioInputError,
    InvalidAPIKeyError,
    OpenRouterAudioError,
    OptionError,
)

DONE = b"data: [DONE]\n\n"


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)
    return caplog.records


def answer(status: str, kind: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


def echo(conn: socket.socket, respond: object) -> None:
    head, _ = read_request(conn)
    auth = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"authorization"))
    seen = auth.split(b" ", 2)[2].decode()  # what the server received: the key, to echo back
    conn.sendall(respond(seen))  # type: ignore[operator]


def page_cutting_the_key(key: str) -> bytes:
    # the excerpt of an HTML page stops at 200 characters: put the key across that cut
    page = f"<html><body>{'x' * 180} {key} echoed</body></html>"
    return answer("502 Bad Gateway", "text/html", page.encode())


ECHOES = {
    "html page cut inside the key": page_cutting_the_key,
    "json error, key in message, code and metadata": lambda key: answer(
        "400 Bad Request", "application/json",
        json.dumps({"error": {"message": f"bad key {key}", "code": key,
                              "metadata": {"raw": key, key: 1}}}).encode()),
    "reason phrase": lambda key: answer(f"418 {key}", "text/plain", b""),
    "authorization header quoted back": lambda key: answer(
        "400 Bad Request", "text/plain", f"you sent Authorization: Bearer {key}".encode()),
}


@pytest.mark.parametrize("name", list(ECHOES))
def test_an_echoed_key_is_masked_in_errors(name: str, records: list[logging.LogRecord]) -> None:
    with HostileServer(lambda conn: echo(conn, ECHOES[name])) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        with pytest.raises(APIError) as caught:
            run_bounded(lambda: audio.speak("hi"), 10)
    assert_no_secret(KEY, caught.value, audio, records=records)


def test_an_echoed_key_is_masked_in_mid_stream_errors_the_reply_and_its_html(
    records: list[logging.LogRecord],
) -> None:
    def respond(key: str) -> bytes:
        error = {"message": f"provider saw {key}", "code": key, "metadata": {"echo": [key], key: key}}
        chunk = {"choices": [{"delta": {"audio": {"transcript": f" and {key}"}}, "finish_reason": "error"}],
                 "error": error}
        first = event({"id": key, "model": f"m-{key}", "provider": key,
                       "choices": [{"delta": {"audio": {"transcript": "spoken"}}}]})
        usage = event({"choices": [], "usage": {"note": key, "cost": 0.5}})
        return SSE_HEAD + b"Connection: close\r\n\r\n" + first + usage + event(chunk) + DONE

    with HostileServer(lambda conn: echo(conn, respond)) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        reply = run_bounded(lambda: audio.speak("hi"), 10)
    assert reply.transcript.startswith("spoken and ") and not reply.complete
    assert "provider saw" in reply.error
    assert reply.cost == 0.5
    assert_no_secret(KEY, reply, reply.error, reply.error_code, reply.model, reply.id, reply.provider,
                     reply.usage, audio.last_reply, records=records)


def delta(**fields: str) -> bytes:
    return event({"choices": [{"delta": fields}]})


@pytest.mark.parametrize("broken", [False, True], ids=["ended", "cut off"])
def test_a_key_echoed_across_several_deltas_is_masked_and_no_word_is_lost(broken: bool) -> None:
    def respond(key: str) -> bytes:
        thirds = [key[:9], key[9:30], key[30:]]  # the key in three transcript deltas, text deltas beside it
        body = delta(audio={"transcript": "You sent " + thirds[0]}) + delta(content="Yes")
        body += delta(audio={"transcript": thirds[1]}) + delta(audio={"transcript": thirds[2] + ", it is"})
        body += delta(content=" s") + delta(audio={"transcript": " s"})  # ends as a key would begin: held
        end = b"" if broken else DONE
        return SSE_HEAD + b"Connection: close\r\n\r\n" + body + end

    with HostileServer(lambda conn: echo(conn, respond)) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        stream = audio.open("hi", model="openai/gpt-audio-mini", audio={"voice": "alloy", "format": "wav"})
        events = run_bounded(lambda: list(stream), 10)
    said = "".join(e.text for e in events if isinstance(e, TranscriptDelta))
    typed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert said == stream.reply.transcript == "You sent ***, it is s"  # what streamed and what is kept
    assert typed == stream.reply.text == "Yes s"
    assert stream.reply.complete is not broken
    assert_no_secret(KEY, events, stream.reply)


def test_credentials_in_the_base_url_stay_out_of_errors_and_logs(records: list[logging.LogRecord]) -> None:
    audio = OpenRouterAudio(KEY, "http://proxyuser:proxy-secret-pw@127.0.0.1:9/api/v1?token=qs-secret",
                            max_retries=1)
    with pytest.raises(OpenRouterAudioError) as caught:
        audio.speak("hi")
    with pytest.raises(OpenRouterAudioError) as listed:
        audio.models()
    assert_no_secret(("proxy-secret-pw", "qs-secret", KEY), caught.value, listed.value, records=records)


@pytest.mark.parametrize("bad", ["\n", "\u200b", "\u201c", " ", "\x7f", "é"])
def test_a_key_that_cannot_go_in_a_header_is_refused_before_any_connection(bad: str) -> None:
    with HostileServer(lambda conn: None) as server:
        with pytest.raises(InvalidAPIKeyError, match="cannot be sent in an HTTP header") as caught:
            OpenRouterAudio(KEY[:20] + bad + KEY[20:], server.base_url)  # no local of the test holds it
        assert server.connections == 0
    assert_no_secret((KEY[:20], KEY[20:]), caught.value)


def test_a_key_refused_by_the_http_library_underneath_leaks_nothing(records: list[logging.LogRecord]) -> None:
    audio = OpenRouterAudio(KEY, "http://127.0.0.1:9/api/v1", max_retries=0)
    audio._key._value = KEY + "\n"  # as if it got past the check: http.client refuses the header itself
    with pytest.raises(OpenRouterAudioError) as caught:
        audio.speak("hi")
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_no_secret(KEY, caught.value, audio, records=records)


SIGNED = "http://user:hunter2secret@127.0.0.1:{port}/a.wav?X-Amz-Signature=deadbeefsignature#frag-token"


@pytest.mark.parametrize("status", [404, None], ids=["http error", "connection refused"])
def test_download_errors_show_no_credentials_query_or_fragment(status: int | None) -> None:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(answer("404 Not Found", "text/plain", b""))

    with HostileServer(handler) as server:
        port = server.port if status else 9
        with pytest.raises(AudioInputError) as caught:
            download(SIGNED.format(port=port), max_bytes=1000, timeout=2)
    assert_no_secret(("hunter2secret", "deadbeefsignature", "frag-token"), caught.value)
    assert "a.wav" in str(caught.value)


def test_the_masking_function_covers_every_form() -> None:
    text = (f"key {KEY}; Authorization: Bearer {KEY}; 'authorization': 'Bearer tok-123'; "
            f"http://u:p4ss@h/x?sig=abc#frag; with url: /v1/a?token=zzz) cut {KEY[:20]}")
    masked = mask_secrets(text, (KEY,))
    for secret in (KEY[:12], "tok-123", "p4ss", "sig=abc", "frag", "token=zzz"):
        assert secret not in masked
    assert "http://***@h/x?…" in masked


@pytest.mark.parametrize("options", [{"timeout": float("nan")}, {"deadline": float("inf")},
                                     {"max_retries": -1}, {"timeout": 0}])
def test_option_values_must_be_finite(options: dict[str, float]) -> None:
    with pytest.raises(OptionError):
        OpenRouterAudio(KEY, "http://127.0.0.1:9/api/v1", **options)  # type: ignore[arg-type]


def test_a_non_finite_parameter_is_refused_before_any_connection() -> None:
    with HostileServer(lambda conn: None) as server:
        audio = OpenRouterAudio(KEY, server.base_url)
        with pytest.raises(OptionError, match="temperature"):
            audio.speak("hi", temperature=float("nan"))
        with pytest.raises(OptionError, match="deadline"):
            audio.speak("hi", deadline=float("nan"))
        assert server.connections == 0


def test_a_short_placeholder_key_masks_no_ordinary_words() -> None:
    # the offline emulator's key is the word "offline": replies that say it must stay readable
    said = "Offline emulator speaking, offline"
    assert mask_secrets(said, ("offline",)) == said
