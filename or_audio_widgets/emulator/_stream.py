"""The SSE bodies the emulator sends, shaped like real OpenRouter captures.

A reply is a list of :class:`Frame` s (each one or more complete SSE events, plus how much real time it
stands for); the server writes them paced or, at full speed, joined into large blocks.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ._models import ModelInfo
from ._speech import GRANULE, fit_to_seconds, synthesize

AUDIO_CHUNK = 19200  # bytes of pcm16 per audio delta, 400 ms, as in the real captures
# padded-base64 fault: sizes that are not multiples of 3, so every chunk's base64 ends in padding
_PADDED_CHUNKS = (19201, 19199)
COMMENT = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
WORD_PACE = 0.03  # seconds of real time per streamed word
THINK_PACE = 0.3  # seconds of "thinking" (keep-alive comments) before the first chunk


@dataclass(frozen=True)
class Frame:
    """Bytes to send and the real time they stand for; ``kind`` also marks stall/drop points."""

    data: bytes
    kind: str = "data"
    pace: float = 0.0
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Fields every chunk of one reply repeats."""

    model: ModelInfo
    id: str = field(default_factory=lambda: f"gen-{int(time.time())}-emu{secrets.token_hex(8)}")
    created: int = field(default_factory=lambda: int(time.time()))
    provider: str = "Offline Emulator"

    def head(self) -> dict[str, Any]:
        """The leading fields of a chunk, in the live API's order."""
        return {
            "id": self.id,
            "provider": self.provider,
            "model": self.model.id,
            "object": "chat.completion.chunk",
            "created": self.created,
        }


def sse(payload: dict[str, Any]) -> bytes:
    """One ``data:`` event; non-ASCII stays UTF-8, as the live API sends it."""
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def chunk(ctx: Context, delta: dict[str, Any] | None = None, **extra: Any) -> bytes:
    """A chunk with one choice carrying ``delta`` (or none when ``delta`` is None)."""
    payload = ctx.head()
    if delta is not None:
        choice = {"index": 0, "delta": delta, "finish_reason": None, "native_finish_reason": None}
        choice["logprobs"] = None
        payload["choices"] = [choice]
    payload.update(extra)
    return sse(payload)


def words(text: str) -> list[str]:
    """Split into deltas that join back to ``text`` exactly (each word keeps its leading space)."""
    pieces: list[str] = []
    for index, word in enumerate(text.split(" ")):
        piece = word if index == 0 else " " + word
        if pieces and not word:
            pieces[-1] += piece  # runs of spaces stay with the previous delta, never an empty delta
        else:
            pieces.append(piece)
    return [piece for piece in pieces if piece] or [""]


@functools.lru_cache(maxsize=4)
def audio_payloads(
    text: str, voice: str, seconds: float | None, padded: bool
) -> tuple[tuple[bytes, ...], str]:
    """Base64 audio deltas for a reply (cached: a 10-minute reply is built once) and the speech engine."""
    speech = synthesize(text, voice)
    pcm = speech.pcm if seconds is None else fit_to_seconds(speech.pcm, seconds)
    sizes = _PADDED_CHUNKS if padded else (AUDIO_CHUNK,)
    out: list[bytes] = []
    pos = 0
    while pos < len(pcm):
        size = sizes[len(out) % len(sizes)]
        if padded and (len(pcm) - pos) % 3 == 0 and len(pcm) - pos <= size:
            size = len(pcm) - pos - 1  # the tail too must carry padding: split off its last byte
        out.append(base64.b64encode(pcm[pos : pos + size]))
        pos += size
    return tuple(out), speech.engine


def usage(ctx: Context, prompt_tokens: int, text_tokens: int, audio_tokens: int) -> dict[str, Any]:
    """The usage object, with ``cost`` in US dollars as OpenRouter adds it."""
    model = ctx.model
    cost = prompt_tokens * model.prompt_price + text_tokens * model.completion_price
    cost += audio_tokens * model.audio_price
    completion = text_tokens + audio_tokens
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
        "cost": round(cost, 10),
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "cost_details": {"upstream_inference_cost": None},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": audio_tokens,
            "text_tokens": text_tokens,
        },
    }


def speech_frames(
    ctx: Context, transcript: str, voice: str, seconds: float | None, prompt_tokens: int, padded: bool = False
) -> tuple[list[Frame], str]:
    """The frames of a spoken reply and the engine that rendered it ("espeak-ng" or "tone")."""
    payloads, engine = audio_payloads(transcript, voice, seconds, padded)
    audio_id = f"audio_{ctx.id[-16:]}"
    frames = [Frame(COMMENT), Frame(COMMENT, "think", THINK_PACE)]
    frames.append(Frame(chunk(ctx, {"role": "assistant", "content": ""}), "role"))
    pieces = words(transcript)
    frames += [
        Frame(chunk(ctx, {"audio": {"id": audio_id, "transcript": w}}), "transcript", WORD_PACE)
        for w in pieces
    ]
    note = {"speech": engine, "note": "offline emulator of OpenRouter's API, not a real model"}
    if engine == "tone":
        note["note"] += "; espeak-ng is not installed, so tones stand in for speech"
    frames.append(Frame(chunk(ctx, None, usage=None, emulator=note), "meta"))
    frames.append(Frame(chunk(ctx, None, usage=None), "meta"))
    head = json.dumps(ctx.head(), separators=(",", ":"))[:-1].encode()
    prefix = head + b',"choices":[{"index":0,"delta":{"audio":{"id":"' + audio_id.encode() + b'","data":"'
    suffix = b'"}},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n'
    pcm_bytes = 0
    for payload in payloads:
        size = len(payload) // 4 * 3 - payload[-2:].count(b"=")
        pcm_bytes += size
        frames.append(Frame(b"data: " + prefix + payload + suffix, "audio", size / 48000))
    audio_tokens = math.ceil(pcm_bytes / GRANULE)
    frames.append(
        Frame(
            sse({**ctx.head(), "choices": [], "usage": usage(ctx, prompt_tokens, len(pieces), audio_tokens)})
        )
    )
    expires = {"index": 0, "delta": {"audio": {"id": audio_id, "expires_at": ctx.created + 3600}}}
    frames.append(Frame(sse({**ctx.head(), "choices": [expires], "usage": None}), "end"))
    frames.append(Frame(DONE, "done"))
    return frames, engine


def text_frames(ctx: Context, text: str, prompt_tokens: int) -> list[Frame]:
    """The frames of a text reply: ``delta.content`` word by word, ``finish_reason: "stop"``, usage."""
    frames = [Frame(COMMENT), Frame(COMMENT, "think", THINK_PACE)]
    frames.append(Frame(chunk(ctx, {"role": "assistant", "content": ""}), "role"))
    pieces = words(text)
    frames += [Frame(chunk(ctx, {"role": "assistant", "content": w}), "text", WORD_PACE) for w in pieces]
    stop = ctx.head()
    stop["choices"] = [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": "stop",
            "native_finish_reason": "stop",
        }
    ]
    frames.append(Frame(sse(stop), "end"))
    frames.append(
        Frame(
            chunk(ctx, {"role": "assistant", "content": ""}, usage=usage(ctx, prompt_tokens, len(pieces), 0))
        )
    )
    frames.append(Frame(DONE, "done"))
    return frames
