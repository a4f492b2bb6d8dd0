"""The offline emulator over real HTTP: catalogue, stream shape, the live API's rules, recording, shutdown.

The helpers at the top are shared by the other ``test_emulator_*`` files; they speak plain http.client,
so these tests do not depend on the package's own client.
"""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets import EmulatorHandle

SPEAKER = "openai/gpt-audio-mini"
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
    # gpt-4o-audio-preview: audio in only; the Lyria models make music (measured: four audio-out models)
    assert speakers == {"openai/gpt-audio", "openai/gpt-audio-mini", "google/lyria-3-clip-preview",
                        "google/lyria-3-pro-preview"}
    assert models["openai/gpt-4o-audio-preview"]["input_modalities"] == ["text", "audio"]
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
    # the transcript runs ahead of the audio, interleaved with it, as in the real captures: the last
    # transcript delta after 50% to 88% of the audio chunks
    assert kinds.index("transcript") < kinds.index("audio")
    last_words = max(i for i, k in enumerate(kinds) if k == "transcript")
    audio_chunks = kinds.count("audio")
    assert audio_chunks >= 4 and 0.5 <= kinds[:last_words].count("audio") / audio_chunks <= 0.88
    pieces = [delta(c)["audio"]["transcript"] for c in chunks if "transcript" in delta(c).get("audio", {})]
    assert max(len(p.strip()) for p in pieces) <= 8  # word or sub-word sized, like a model's tokens
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


def test_speech_frames_follow_gpt_audio_as_measured(emulator: EmulatorHandle) -> None:
    # measured live (emulator/_assumptions.py, gpt-audio's frames): the first frame with delta.audio has
    # its id and transcript only; later ones carry data and expires_at; content is ""; usage on a frame
    # of its own after the last audio
    chunks = data_chunks(sse_events(chat(emulator, speech_request("Say hello")).body))
    with_audio = [(i, delta(c)) for i, c in enumerate(chunks) if "audio" in delta(c)]
    assert set(with_audio[0][1]["audio"]) == {"id", "transcript"}
    frames = [(i, d) for i, d in with_audio if "data" in d["audio"]]
    assert frames and all(set(d["audio"]) == {"id", "data", "expires_at"} and d["content"] == ""
                          for _, d in frames)
    assert all(len(base64.b64decode(d["audio"]["data"])) == 19200 for _, d in frames[:-1])
    usage = [i for i, c in enumerate(chunks) if c.get("choices") == [] and c.get("usage")]
    assert len(usage) == 1 and usage[0] > frames[-1][0] and "cost" in chunks[usage[0]]["usage"]


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
