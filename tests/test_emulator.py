"""The offline emulator over real HTTP: catalogue, stream shape, the live API's rules, recording, shutdown.

The helpers at the top are shared by the other ``test_emulator_*`` files; they speak plain http.client,
so these tests do not depend on the package's own client.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets.emulator import MAX_BODY_BYTES, EmulatorHandle, start_emulator

SPEAKER = "openai/gpt-4o-audio-preview"
XSS = "<img src=x onerror=alert(1)>"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    handle: EmulatorHandle,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    key: str | None = "test-key",
) -> Reply:
    """One request on a fresh connection; the whole response read."""
    conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=60)
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        conn.request(method, path, body=body, headers=sent)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def chat(
    handle: EmulatorHandle, payload: dict[str, Any], key: str | None = "test-key", **headers: str
) -> Reply:
    """POST /api/v1/chat/completions; keyword headers use underscores (X_Emulator_Fault)."""
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    return call(handle, "POST", "/api/v1/chat/completions", json.dumps(payload).encode(), sent, key)


def speech_request(text: str = "Hello there", voice: str = "alloy", **extra: Any) -> dict[str, Any]:
    body = {
        "model": SPEAKER,
        "modalities": ["text", "audio"],
        "audio": {"voice": voice, "format": "pcm16"},
        "stream": True,
        "messages": [{"role": "user", "content": text}],
    }
    body.update(extra)
    return body


def sse_events(body: bytes) -> list[tuple[str, Any]]:
    """("comment", text) / ("data", parsed JSON, or the raw text when it is not JSON) / ("done", None)."""
    text = body.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    out: list[tuple[str, Any]] = []
    for block in text.split("\n\n"):
        for line in block.split("\n"):
            if line.startswith(":"):
                out.append(("comment", line[1:].strip()))
            elif line == "data: [DONE]":
                out.append(("done", None))
            elif line.startswith("data: "):
                try:
                    out.append(("data", json.loads(line[6:])))
                except json.JSONDecodeError:
                    out.append(("data", line[6:]))
    return out


def data_chunks(events: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [value for kind, value in events if kind == "data" and isinstance(value, dict)]


def delta(chunk: dict[str, Any]) -> dict[str, Any]:
    choices = chunk.get("choices") or [{}]
    return choices[0].get("delta") or {}


def audio_of(events: list[tuple[str, Any]]) -> list[bytes]:
    return [
        base64.b64decode(d["audio"]["data"])
        for d in map(delta, data_chunks(events))
        if "data" in d.get("audio", {})
    ]


def transcript_of(events: list[tuple[str, Any]]) -> str:
    return "".join(
        d["audio"]["transcript"]
        for d in map(delta, data_chunks(events))
        if "transcript" in d.get("audio", {})
    )


def content_of(events: list[tuple[str, Any]]) -> str:
    return "".join(delta(c).get("content") or "" for c in data_chunks(events))


# --- catalogue ----------------------------------------------------------------------------------------


def test_models_lists_true_modalities_without_a_key(emulator: EmulatorHandle) -> None:
    reply = call(emulator, "GET", "/api/v1/models", key=None)
    assert reply.status == 200
    models = {m["id"]: m["architecture"] for m in reply.json()["data"]}
    speakers = {mid for mid, arch in models.items() if "audio" in arch["output_modalities"]}
    assert speakers == {"openai/gpt-4o-audio-preview", "openai/gpt-audio", "openai/gpt-audio-mini"}
    assert models["google/gemini-2.5-flash"]["input_modalities"] == ["text", "image", "audio", "video"]
    assert models["mistralai/voxtral-small-24b-2507"]["output_modalities"] == ["text"]
    assert "audio" not in models["openai/gpt-4o"]["input_modalities"]


# --- stream shape -------------------------------------------------------------------------------------


def test_speech_stream_has_the_shape_of_the_real_captures(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request("Say hello"))
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = sse_events(reply.body)
    assert events[0] == ("comment", "OPENROUTER PROCESSING")
    assert events[-1] == ("done", None)
    chunks = data_chunks(events)
    first = chunks[0]
    assert first["id"].startswith("gen-") and first["model"] == SPEAKER and first["provider"]
    assert delta(first) == {"role": "assistant", "content": ""}
    kinds = [
        "transcript"
        if "transcript" in delta(c).get("audio", {})
        else "audio"
        if "data" in delta(c).get("audio", {})
        else ""
        for c in chunks
    ]
    assert kinds.index("audio") > max(i for i, k in enumerate(kinds) if k == "transcript")
    assert any("choices" not in c for c in chunks)
    sizes = [len(a) for a in audio_of(events)]
    assert all(size == 19200 for size in sizes[:-1]) and sizes[-1] % 2400 == 0
    usage = [c for c in chunks if c.get("choices") == []]
    assert len(usage) == 1 and isinstance(usage[0]["usage"]["cost"], float)
    assert usage[0]["usage"]["completion_tokens_details"]["audio_tokens"] == sum(sizes) // 2400
    assert (
        set(delta(chunks[-1])["audio"]) <= {"id", "expires_at"} and "expires_at" in delta(chunks[-1])["audio"]
    )
    assert all((c.get("choices") or [{}])[0].get("finish_reason") is None for c in chunks)


def test_stream_matches_the_real_capture_field_for_field(
    emulator: EmulatorHandle, real_streams: Path
) -> None:
    real = data_chunks(
        sse_events((real_streams / "openai-dotnet_gpt-audio-1.5_stream_pcm16_hello.sse").read_bytes())
    )
    ours = data_chunks(sse_events(chat(emulator, speech_request("hello")).body))
    for chunks in (real, ours):
        assert delta(chunks[0])["role"] == "assistant"
        assert chunks[-2]["choices"] == [] and "usage" in chunks[-2]
        assert "expires_at" in delta(chunks[-1])["audio"]
        assert (
            len(
                base64.b64decode(
                    next(d["audio"]["data"] for d in map(delta, chunks) if "data" in d.get("audio", {}))
                )
            )
            == 19200
        )


def test_transcript_echoes_the_user_text_verbatim(emulator: EmulatorHandle) -> None:
    said = f'Read this: {XSS} — naïve café, 東京 "quoted"  two spaces'
    events = sse_events(chat(emulator, speech_request(said)).body)
    assert transcript_of(events) == f"Offline emulator speaking. You said: {said}"


def test_last_user_message_with_text_parts_is_echoed(emulator: EmulatorHandle) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}]},
    ]
    events = sse_events(chat(emulator, speech_request(messages=messages)).body)
    assert transcript_of(events) == "Offline emulator speaking. You said: second part"


def test_text_model_streams_content_deltas(emulator: EmulatorHandle) -> None:
    body = {"model": "openai/gpt-4o", "stream": True, "messages": [{"role": "user", "content": XSS}]}
    events = sse_events(chat(emulator, body).body)
    assert content_of(events) == f"Offline emulator reply. You said: {XSS}"
    chunks = data_chunks(events)
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"][0]["finish_reason"]] == ["stop"]
    assert chunks[-1]["usage"]["cost"] > 0 and events[-1] == ("done", None)


def test_text_reply_without_streaming_is_a_completion(emulator: EmulatorHandle) -> None:
    body = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    reply = chat(emulator, body)
    assert reply.status == 200
    payload = reply.json()
    assert payload["object"] == "chat.completion"
    assert payload["choices"][0]["message"]["content"] == "Offline emulator reply. You said: hi"


def test_seconds_header_makes_the_audio_exactly_that_long(emulator: EmulatorHandle) -> None:
    events = sse_events(chat(emulator, speech_request("short"), X_Emulator_Seconds="7.25").body)
    assert sum(len(a) for a in audio_of(events)) == int(7.25 * 24000) * 2
    assert transcript_of(events) == "Offline emulator speaking. You said: short"


@pytest.mark.parametrize("header", ["X-Emulator-Seconds", "X-Emulator-Realtime"])
def test_bad_control_headers_are_refused(emulator: EmulatorHandle, header: str) -> None:
    reply = chat(emulator, speech_request(), **{header.replace("-", "_"): "soon"})
    assert reply.status == 400 and header in reply.json()["error"]["message"]


# --- the live API's rules -----------------------------------------------------------------------------


def error_of(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert set(error) == {"code", "message", "metadata"} and error["code"] == status
    return error


def test_audio_output_requires_streaming(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(stream=False)), 400)
    assert error["message"] == "Audio output requires stream: true"


@pytest.mark.parametrize(
    "model", ["openai/gpt-4o-audio-preview", "openai/gpt-audio", "openai/gpt-audio-mini"]
)
@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_openai_models_stream_only_pcm16(emulator: EmulatorHandle, model: str, fmt: str) -> None:
    body = speech_request(model=model, audio={"voice": "alloy", "format": fmt})
    error = error_of(chat(emulator, body), 400)
    assert error["message"] == (
        f"'audio.format' does not support '{fmt}' when stream=true. Supported values are: 'pcm16'."
    )


def test_unknown_model_is_refused(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(model="acme/nonexistent")), 400)
    assert error["message"] == "acme/nonexistent is not a valid model ID"


def test_unknown_voice_is_refused(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(audio={"voice": "bob", "format": "pcm16"})), 400)
    assert "'bob'" in error["message"] and "'alloy'" in error["message"]


def test_audio_output_from_a_text_model_finds_no_endpoint(emulator: EmulatorHandle) -> None:
    error = error_of(chat(emulator, speech_request(model="google/gemini-2.5-flash")), 404)
    assert "output modalities" in error["message"]


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key_is_401(emulator: EmulatorHandle, key: str | None) -> None:
    error = error_of(chat(emulator, speech_request(), key=key), 401)
    assert error["message"] == "No auth credentials found"


def test_non_bearer_authorization_is_401(emulator: EmulatorHandle) -> None:
    reply = chat(emulator, speech_request(), key=None, Authorization="Basic dXNlcjpwYXNz")
    error_of(reply, 401)


def test_body_over_the_limit_is_413(emulator: EmulatorHandle) -> None:
    padding = "A" * (MAX_BODY_BYTES + 1024)
    body = json.dumps(speech_request(padding)).encode()
    error = error_of(call(emulator, "POST", "/api/v1/chat/completions", body), 413)
    assert "32 MB" in error["message"]
    # the connection's body was drained: the server still answers on the same port
    assert chat(emulator, speech_request()).status == 200


def test_invalid_json_and_unknown_paths(emulator: EmulatorHandle) -> None:
    assert error_of(call(emulator, "POST", "/api/v1/chat/completions", b"{not json"), 400)["message"]
    error_of(call(emulator, "POST", "/api/v1/completions", b"{}"), 404)
    error_of(call(emulator, "GET", "/api/v1/nothing"), 404)
    error_of(chat(emulator, {"model": SPEAKER, "messages": []}), 400)


# --- recording ----------------------------------------------------------------------------------------


def test_requests_are_recorded_without_the_key() -> None:
    with start_emulator() as handle:
        chat(handle, speech_request("recorded"), key="sk-or-secret-value", X_Title="tests")
        (recorded,) = handle.requests
        assert recorded.method == "POST" and recorded.path == "/api/v1/chat/completions"
        assert recorded.json["messages"][0]["content"] == "recorded"
        assert recorded.headers["X-Title"] == "tests"
        assert not any(name.lower() == "authorization" for name in recorded.headers)
        assert "sk-or-secret-value" not in repr(handle.requests)
        handle.clear_requests()
        assert handle.requests == []


# --- lifecycle ----------------------------------------------------------------------------------------


def _socket_fds() -> set[str]:
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                fds.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return fds


def test_stop_leaves_no_thread_or_socket_behind() -> None:
    threads, sockets = set(threading.enumerate()), _socket_fds()
    handle = start_emulator()
    assert handle.base_url == f"http://127.0.0.1:{handle.port}/api/v1"
    # an idle keep-alive connection, a paced stream in progress, and a finished request
    idle = http.client.HTTPConnection("127.0.0.1", handle.port)
    idle.request("GET", "/api/v1/models")
    idle.getresponse().read()
    busy = http.client.HTTPConnection("127.0.0.1", handle.port)
    busy.request(
        "POST",
        "/api/v1/chat/completions",
        json.dumps(speech_request()),
        {"Authorization": "Bearer k", "X-Emulator-Realtime": "0.01"},
    )
    busy.getresponse().read(10)
    chat(handle, speech_request())
    handle.stop()
    handle.stop()  # idempotent
    idle.close()
    busy.close()
    assert not handle.running
    assert set(threading.enumerate()) == threads
    assert _socket_fds() == sockets


def test_context_manager_stops_and_refuses_other_hosts() -> None:
    with start_emulator() as handle:
        assert call(handle, "GET", "/api/v1/models").status == 200
    assert not handle.running
    with pytest.raises(ValueError, match="loopback"):
        start_emulator(host="0.0.0.0")
    with pytest.raises(ValueError, match="realtime"):
        start_emulator(realtime=-1)


def test_first_byte_arrives_before_the_paced_reply_is_done() -> None:
    # At real-time pacing the headers and a keep-alive comment come at once, the audio later.
    with start_emulator(realtime=1.0) as handle:
        conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=30)
        conn.request(
            "POST", "/api/v1/chat/completions", json.dumps(speech_request()), {"Authorization": "Bearer k"}
        )
        resp = conn.getresponse()
        assert resp.status == 200
        first = resp.read1(65536)
        assert first.startswith(b": OPENROUTER PROCESSING")
        assert b"[DONE]" not in first
        conn.close()


def test_cli_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "or_audio_widgets", "emulator", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Offline emulator of OpenRouter's API at http://127.0.0.1:" in line
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/models")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()


def _connection_threads() -> int:
    return sum(t.name == "or-audio-emulator-conn" for t in threading.enumerate())


def test_realtime_header_paces_one_request_and_a_client_leaving_ends_it() -> None:
    with start_emulator() as handle:  # full speed by default
        conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=30)
        headers = {"Authorization": "Bearer k", "X-Emulator-Realtime": "1", "X-Emulator-Seconds": "60"}
        conn.request("POST", "/api/v1/chat/completions", json.dumps(speech_request()), headers)
        resp = conn.getresponse()
        received = b""
        while b'"data":"' not in received:
            received += resp.read1(65536)
        assert b"[DONE]" not in received  # a minute of audio at the speed of speech: far from the end
        conn.close()
        # the server notices the client has gone at its next write and frees the connection's thread
        for _ in range(200):
            if _connection_threads() == 0:
                break
            threading.Event().wait(0.05)
        assert _connection_threads() == 0
        assert chat(handle, speech_request()).status == 200
