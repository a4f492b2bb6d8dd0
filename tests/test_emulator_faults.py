"""Every fault of ``X-Emulator-Fault``, as it looks on the wire."""

from __future__ import annotations

import base64
import http.client
import json
import socket

import pytest
from test_emulator import (
    audio_of,
    chat,
    content_of,
    data_chunks,
    delta,
    speech_request,
    sse_events,
    transcript_of,
)

from or_audio_widgets import EmulatorHandle, start_emulator


def _error(reply_status: int, body: bytes) -> dict:
    payload = json.loads(body)
    assert set(payload["error"]) == {"code", "message", "metadata"}
    assert payload["error"]["code"] == reply_status
    return payload["error"]


def test_429_carries_retry_after(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="429")
    assert reply.status == 429 and reply.headers["retry-after"] == "1"
    assert "Rate limit" in _error(429, reply.body)["message"]
    reply = chat(emulator, speech_request(), X_Emulator_Fault="429;retry-after=0.1")
    assert reply.headers["retry-after"] == "0.1"


@pytest.mark.parametrize("status", [402, 403, 408, 502, 503])
def test_status_faults_answer_with_an_openrouter_error_body(emulator: EmulatorHandle, status: int) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault=str(status))
    assert reply.status == status
    assert _error(status, reply.body)["metadata"]["injected"] is True


def test_times_fails_the_first_requests_then_succeeds_then_starts_again() -> None:
    with start_emulator() as handle:
        statuses = [chat(handle, speech_request(), X_Emulator_Fault="503;times=2").status for _ in range(4)]
        assert statuses == [503, 503, 200, 503]
        handle.clear_requests()  # also forgets the counts
        statuses = [chat(handle, speech_request(), X_Emulator_Fault="503;times=2").status for _ in range(3)]
        assert statuses == [503, 503, 200]


def test_html_error_page(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="html")
    assert reply.status == 502 and reply.headers["content-type"] == "text/html"
    assert reply.body.startswith(b"<html>")


def test_unknown_fault_is_a_400(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="gremlins")
    assert reply.status == 400 and "unknown fault 'gremlins'" in _error(400, reply.body)["message"]


def test_midstream_error_after_output_on_http_200(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="midstream-error")
    assert reply.status == 200
    events = sse_events(reply.body)
    assert events[-1] == ("done", None)
    errors = [c for c in data_chunks(events) if "error" in c]
    assert len(errors) == 1 and errors[0]["error"]["message"]
    assert errors[0] is data_chunks(events)[-1]
    assert len(audio_of(events)) == 2  # some output came first


def test_choice_error_ends_with_finish_reason_error(emulator: EmulatorHandle) -> None:
    events = sse_events(chat(emulator, speech_request(), X_Emulator_Fault="choice-error").body)
    last = data_chunks(events)[-1]
    assert "error" not in last
    assert last["choices"][0]["finish_reason"] == "error" and last["choices"][0]["error"]["message"]
    assert events[-1] == ("done", None) and audio_of(events)


def test_midstream_error_in_a_text_reply(emulator: EmulatorHandle) -> None:
    body = {"model": "openai/gpt-4o", "stream": True, "messages": [{"role": "user", "content": "a b c d"}]}
    events = sse_events(chat(emulator, body, X_Emulator_Fault="midstream-error").body)
    assert content_of(events) == "Offline emulator"
    assert "error" in data_chunks(events)[-1]


def _raw_post(handle: EmulatorHandle, fault: str, timeout: float = 30.0) -> socket.socket:
    """Send a request by hand, so the test sees the raw bytes (chunk framing included)."""
    body = json.dumps(speech_request()).encode()
    head = (
        f"POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Authorization: Bearer k\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nX-Emulator-Fault: {fault}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", handle.port), timeout=timeout)
    sock.sendall(head.encode() + body)
    return sock


def test_drop_closes_the_connection_mid_stream(emulator: EmulatorHandle) -> None:
    sock = _raw_post(emulator, "drop")
    received = bytearray()
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    assert b"[DONE]" not in received
    assert not received.endswith(b"0\r\n\r\n")  # no final chunk: the body is cut short
    assert received.count(b'"data":"') == 2
    # a client reading it sees a broken body, not a clean end
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/chat/completions",
        json.dumps(speech_request()),
        {"Authorization": "Bearer k", "X-Emulator-Fault": "drop"},
    )
    with pytest.raises(http.client.IncompleteRead):
        conn.getresponse().read()
    conn.close()


def test_stall_goes_quiet_then_finishes(emulator: EmulatorHandle) -> None:
    events = sse_events(chat(emulator, speech_request(), X_Emulator_Fault="stall;seconds=0.3").body)
    assert events[-1] == ("done", None)
    assert transcript_of(events).startswith("Offline emulator speaking.")


def test_stall_sends_nothing_for_a_reader_to_time_out_on(emulator: EmulatorHandle) -> None:
    sock = _raw_post(emulator, "stall;seconds=60", timeout=0.5)
    received = bytearray()
    with sock, pytest.raises(TimeoutError):
        while chunk := sock.recv(65536):
            received += chunk
    assert received.count(b'"data":"') == 1 and b"[DONE]" not in received


def test_stall_with_keepalive_comments(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="stall;seconds=0.5;keepalive=0.1")
    events = sse_events(reply.body)
    first_audio = next(
        i for i, (kind, v) in enumerate(events) if kind == "data" and "data" in delta(v).get("audio", {})
    )
    after = [kind for kind, _ in events[first_audio + 1 :]]
    assert after[:3] == ["comment", "comment", "comment"]
    assert events[-1] == ("done", None)


def test_malformed_json_is_one_extra_broken_event(emulator: EmulatorHandle) -> None:
    events = sse_events(chat(emulator, speech_request("keep going"), X_Emulator_Fault="malformed-json").body)
    broken = [v for kind, v in events if kind == "data" and isinstance(v, str)]
    assert len(broken) == 1 and broken[0].startswith("{")
    assert transcript_of(events) == "Offline emulator speaking. You said: keep going"


def test_padded_base64_pads_every_chunk_and_loses_nothing(emulator: EmulatorHandle) -> None:
    plain = sse_events(chat(emulator, speech_request("pad me")).body)
    padded = sse_events(chat(emulator, speech_request("pad me"), X_Emulator_Fault="padded-base64").body)
    strings = [delta(c)["audio"]["data"] for c in data_chunks(padded) if "data" in delta(c).get("audio", {})]
    assert all(s.endswith("=") for s in strings)
    assert all(len(base64.b64decode(s)) % 3 for s in strings[:-1])
    assert b"".join(base64.b64decode(s) for s in strings) == b"".join(audio_of(plain))


def test_crlf_line_endings(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="crlf")
    assert b"\r\n\r\n" in reply.body and b"\n" not in reply.body.replace(b"\r\n", b"")
    assert transcript_of(sse_events(reply.body)).endswith("Hello there")


def test_bom_first_and_combined_with_crlf(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="bom, crlf")
    assert reply.body.startswith(b"\xef\xbb\xbf: OPENROUTER PROCESSING\r\n\r\n")
    assert reply.body.count(b"\xef\xbb\xbf") == 1
    assert sse_events(reply.body)[-1] == ("done", None)


def test_empty_stream(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), X_Emulator_Fault="empty")
    assert reply.status == 200 and reply.body == b""


@pytest.mark.parametrize(("fault", "chunks"), [("midstream-error;after=0", 0), ("drop;after=5", 5)])
def test_after_sets_how_much_audio_comes_first(emulator: EmulatorHandle, fault: str, chunks: int) -> None:
    sock = _raw_post(emulator, fault)
    received = bytearray()
    with sock:
        while block := sock.recv(65536):
            received += block
    assert received.count(b'"data":"') == chunks


def test_fault_message_parameter(emulator: EmulatorHandle) -> None:
    events = sse_events(
        chat(emulator, speech_request(), X_Emulator_Fault="choice-error;message=quota gone").body
    )
    assert data_chunks(events)[-1]["choices"][0]["error"]["message"] == "quota gone"
