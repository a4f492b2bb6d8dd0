"""Streams the project writes itself in the shapes real servers send, one per real capture.

Each quirk listed in ``../shared/fixtures/real-streams/README.md`` appears in at least one of them, so a clone
without those captures still tests every one (``tests/test_stream_quirks.py``). The values (ids, words,
providers, sizes) are the project's own; only the shapes follow the facts the captures show.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

DONE = b"data: [DONE]\n\n"
PROCESSING = b": OPENROUTER PROCESSING\n\n"
RATE = 24_000
QUANTUM = 2_400  # bytes of 24 kHz mono pcm16 in 50 ms: every real audio chunk is a multiple of it


def data(obj: Any) -> bytes:
    """One SSE data event, compact JSON as the servers write it."""
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def expected_pcm(body: bytes) -> bytes:
    """The PCM that decoding each ``delta.audio.data`` on its own gives: a check independent of the
    package's decoders."""
    out = []
    for line in body.decode().splitlines():
        if not line.startswith("data: {"):
            continue
        for choice in json.loads(line[6:]).get("choices") or []:
            piece = ((choice.get("delta") or {}).get("audio") or {}).get("data")
            if piece:
                out.append(base64.b64decode(piece, validate=True))
    return b"".join(out)


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    """``body`` cut at each offset in ``cuts`` (taken modulo its length + 1), as a network might."""
    points = sorted({c % (len(body) + 1) for c in cuts})
    return [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]


def tone(n_bytes: int, hz: float = 330.0) -> bytes:
    """``n_bytes`` of 24 kHz mono little-endian pcm16: a quiet sine, never all zeros."""
    samples = n_bytes // 2
    wave = (int(6000 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(samples))
    return struct.pack(f"<{samples}h", *wave)


def _chunk(gen: str, model: str, provider: str | None, delta: dict[str, Any] | None, **extra: Any) -> bytes:
    obj: dict[str, Any] = {"id": gen}
    if provider is not None:
        obj["provider"] = provider
    obj.update(model=model, object="chat.completion.chunk", created=1_700_000_000)
    if delta is not None:
        finish = extra.pop("finish_reason", None)
        native = extra.pop("native_finish_reason", finish)
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native}
        obj["choices"] = [choice]
    obj.update(extra)
    return data(obj)


# --- the audio stream: OpenAI's shape for gpt-audio with pcm16 ------------------------------------------

AUDIO_ID = "chatcmpl-project-audio-0001"
AUDIO_TRANSCRIPT = "Good morning"
AUDIO_CHUNKS = [tone(8 * QUANTUM), tone(8 * QUANTUM, 440.0), tone(3 * QUANTUM, 550.0)]
AUDIO_TOKENS = sum(len(c) for c in AUDIO_CHUNKS) // QUANTUM
AUDIO_USAGE = {
    "prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52, "cost": 0.00125,
    "completion_tokens_details": {"audio_tokens": AUDIO_TOKENS, "text_tokens": 4},
}


def audio_stream() -> bytes:
    """Role-only first chunk, the whole transcript ahead of any audio, choices-less chunks carrying only
    ``obfuscation``, 24 kHz pcm16 in multiples of 2,400 bytes, a usage chunk with ``"choices": []`` and a
    cost, an ``expires_at``-only last chunk, no finish_reason anywhere, then ``[DONE]``; a comment first."""

    def chunk(delta: dict[str, Any] | None, **extra: Any) -> bytes:
        if delta is not None:
            extra["choices"] = [{"index": 0, "delta": delta}]
        return data({"id": AUDIO_ID, "object": "chat.completion.chunk", "created": 1_700_000_000,
                     "model": "gpt-audio", **extra})

    audio_id = "audio_project_0001"
    parts = [PROCESSING, chunk({"role": "assistant", "content": None, "refusal": None})]
    for word in ("Good", " mor", "ning"):
        parts.append(chunk({"audio": {"id": audio_id, "transcript": word}}))
        parts.append(chunk(None, obfuscation="x7Qz"))  # no "choices" key at all
    for pcm in AUDIO_CHUNKS:
        parts.append(chunk({"audio": {"id": audio_id, "data": base64.b64encode(pcm).decode()}}))
    parts.append(chunk(None, choices=[], usage=AUDIO_USAGE))
    parts.append(chunk({"audio": {"id": audio_id, "expires_at": 1_700_003_600}}))
    parts.append(DONE)
    return b"".join(parts)


# --- audio from a server that pads every chunk's base64 --------------------------------------------------

PADDED_CHUNKS = [tone(1000), tone(1402, 220.0), tone(998, 660.0)]  # lengths not multiples of 3: "==" / "="


def padded_audio_stream() -> bytes:
    """Each ``delta.audio.data`` is a complete, padded base64 string: joined before decoding, everything
    after the first padding would be lost."""
    parts = [_chunk("gen-project-padded", "openai/gpt-audio", "OpenAI", {"role": "assistant"})]
    for pcm in PADDED_CHUNKS:
        parts.append(_chunk("gen-project-padded", "openai/gpt-audio", "OpenAI",
                            {"audio": {"data": base64.b64encode(pcm).decode()}}))
    parts.append(_chunk("gen-project-padded", "openai/gpt-audio", "OpenAI", {}, finish_reason="stop"))
    parts.append(DONE)
    return b"".join(parts)


# --- OpenRouter: a top-level error mid-stream on HTTP 200 ----------------------------------------------

ERROR_COMMENTS = 17
ERROR_MESSAGE = "Token limit reached"
ERROR_THINKING = ["Let me", " think about the question"]
ERROR_USAGE = {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}


def midstream_error_stream() -> bytes:
    """Many keep-alive comments, reasoning with empty content, a ``length`` finish, then a chunk holding a
    top-level ``error`` (and the usage) after the reply had started, then ``[DONE]``."""
    gen, model, provider = "gen-project-error", "vendor/thinker", "Thinkers"
    parts = [PROCESSING] * ERROR_COMMENTS
    for words in ERROR_THINKING:
        parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": "", "reasoning": words}))
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": "", "reasoning": None},
                        finish_reason="length"))
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": ""},
                        error={"code": 400, "message": ERROR_MESSAGE}, usage=ERROR_USAGE))
    parts.append(DONE)
    return b"".join(parts)


# --- OpenRouter text: comments between events, provider and native_finish_reason, usage with cost -------

NATIVE_TEXT = ["Plain", " words", " only."]
NATIVE_COST = 0.0042


def native_options_stream() -> bytes:
    """Comment lines before and between data events, ``provider`` and ``native_finish_reason`` on every
    choice (``completed`` where finish_reason says ``stop``), and a trailing usage chunk with ``cost``."""
    gen, model, provider = "gen-project-native", "vendor/talker", "Talkers"
    parts = [PROCESSING, PROCESSING, _chunk(gen, model, provider, {"role": "assistant", "content": ""})]
    for words in NATIVE_TEXT:
        parts += [PROCESSING, _chunk(gen, model, provider, {"role": "assistant", "content": words})]
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": ""},
                        finish_reason="stop", native_finish_reason="completed"))
    usage = {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23, "cost": NATIVE_COST,
             "is_byok": False}
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": ""}, usage=usage))
    parts.append(DONE)
    return b"".join(parts)


# --- OpenRouter text, 2025 layout: usage in its own chunk after the finish ------------------------------

TRAILING_TEXT = ["Two", " short", " names."]


def trailing_usage_stream() -> bytes:
    """A text reply whose usage arrives in a separate chunk after the one with finish_reason, with
    finish_reason back to null there."""
    gen, model, provider = "gen-project-text", "vendor/writer", "Writers"
    parts = [_chunk(gen, model, provider, {"role": "assistant", "content": words}) for words in TRAILING_TEXT]
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": ""}, finish_reason="stop"))
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12, "cost": 0.0001}
    parts.append(_chunk(gen, model, provider, {"role": "assistant", "content": ""}, usage=usage))
    parts.append(DONE)
    return b"".join(parts)


# --- a non-streamed reply: the audio in message.audio ----------------------------------------------------

MESSAGE_PCM = tone(6 * QUANTUM, 250.0)
MESSAGE_TRANSCRIPT = "Hello from one message"


def non_streamed_audio_reply() -> bytes:
    """``chat.completion`` (not a stream) with ``message.audio``: pcm16 without a header, a transcript and
    an ``expires_at``, and ``finish_reason`` "stop"."""
    audio = {"id": "audio_project_0002", "data": base64.b64encode(MESSAGE_PCM).decode(),
             "expires_at": 1_700_003_600, "transcript": MESSAGE_TRANSCRIPT}
    message = {"role": "assistant", "content": None, "refusal": None, "audio": audio}
    body = {"id": "chatcmpl-project-message", "object": "chat.completion", "model": "gpt-audio",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 30, "total_tokens": 35}}
    return json.dumps(body).encode()


STREAMS = {
    "audio": audio_stream,
    "padded-audio": padded_audio_stream,
    "midstream-error": midstream_error_stream,
    "native-options": native_options_stream,
    "trailing-usage": trailing_usage_stream,
}
