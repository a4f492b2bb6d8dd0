"""The SSE bodies the emulator sends, shaped like real OpenRouter captures.

A reply is a stream of :class:`Frame` s (each one or more complete SSE events, plus how much real time
it stands for), produced lazily; the server writes them paced or, at full speed, joined into large blocks.

A spoken reply's transcript comes as the live API sends it: small deltas, a word or part of one, between
the audio chunks and ahead of them (in the real gpt-4o-audio and gpt-audio captures the last transcript
delta comes after 50% to 88% of the audio chunks), so a reply cut short holds the words that had arrived.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._models import ModelInfo
from ._speech import BYTES_PER_SECOND, GRANULE
from ._track import AUDIO_CHUNK, audio_track

COMMENT = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
WORD_PACE = 0.03  # seconds of real time per streamed word
THINK_PACE = 0.3  # seconds of "thinking" (keep-alive comments) before the first chunk
THINK_COMMENTS = 3
TRANSCRIPT_LEAD = 2  # transcript deltas sent before the first audio chunk
TRANSCRIPT_ENDS_AT = 0.7  # share of the audio chunks sent before the last transcript delta
# a delta: up to 8 letters or digits (a word, or part of a long one), or a run of punctuation, with the
# spaces before it; then whatever spaces end the text
_TOKEN = re.compile(r"\s*\w{1,8}|\s*[^\w\s]+|\s+")


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


def tokens(text: str) -> list[str]:
    """Split into sub-word deltas, as a speaking model streams its transcript; they join back to ``text``."""
    return _TOKEN.findall(text) or [""]


def transcript_after(pieces: int, chunks: int) -> list[int]:
    """How many transcript deltas go out before the first of ``chunks`` audio chunks (index 0) and after
    each of them: a short lead, then spread so that the last comes after about 70% of the audio."""
    lead = min(TRANSCRIPT_LEAD, pieces)
    counts = [lead] + [0] * chunks
    if chunks == 0:
        counts[0] = pieces
        return counts
    # the share is kept within the captures' 50% to 88%; very short replies cannot reach it
    last = min(chunks, max(1, math.ceil(chunks * 0.5), min(math.floor(chunks * 0.88),
                                                             round(chunks * TRANSCRIPT_ENDS_AT))))
    rest, sent = pieces - lead, 0
    for index in range(1, last + 1):
        due = rest * index // last  # rounding down: the last delta comes after exactly chunk ``last``
        counts[index], sent = due - sent, due
    return counts


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


def _thinking() -> Iterator[Frame]:
    """A first keep-alive comment, then "thinking": more of them, paced, before the first chunk."""
    yield Frame(COMMENT)
    for _ in range(THINK_COMMENTS):
        yield Frame(COMMENT, "think", THINK_PACE / THINK_COMMENTS)


def speech_frames(
    ctx: Context, transcript: str, voice: str, seconds: float | None, prompt_tokens: int, padded: bool = False
) -> Iterator[Frame]:
    """The frames of a spoken reply, produced as they are sent (the audio is encoded on the way)."""
    yield from _thinking()
    track = audio_track(transcript, voice, seconds, padded)
    audio_id = f"audio_{ctx.id[-16:]}"
    yield Frame(chunk(ctx, {"role": "assistant", "content": ""}), "role")
    pieces = tokens(transcript)
    plan = transcript_after(len(pieces), math.ceil(track.pcm_bytes / AUDIO_CHUNK))
    said = iter(pieces)

    def say(count: int, pace: float) -> Iterator[Frame]:
        for piece in itertools.islice(said, count):
            yield Frame(chunk(ctx, {"audio": {"id": audio_id, "transcript": piece}}), "transcript", pace)

    yield from say(plan[0], WORD_PACE)
    note = {"speech": track.engine, "note": "offline emulator of OpenRouter's API, not a real model"}
    if track.engine == "tone":
        note["note"] += "; espeak-ng is not installed, so tones stand in for speech"
    yield Frame(chunk(ctx, None, usage=None, emulator=note), "meta")
    yield Frame(chunk(ctx, None, usage=None), "meta")
    # As gpt-audio sends them (``_assumptions``, gpt-audio's frames): content "", the audio's id, its data
    # and expires_at on every audio frame.
    head = json.dumps(ctx.head(), separators=(",", ":"))[:-1].encode()
    prefix = b"data: " + head + b',"choices":[{"index":0,"delta":{"content":"","audio":{"id":"'
    prefix += audio_id.encode() + b'","data":"'
    suffix = b'","expires_at":%d}},"finish_reason":null,' % (ctx.created + 3600)
    suffix += b'"native_finish_reason":null,"logprobs":null}]}\n\n'
    for index, payload in enumerate(track.payloads, 1):
        size = len(payload) // 4 * 3 - payload[-2:].count(b"=")
        yield Frame(prefix + payload + suffix, "audio", size / BYTES_PER_SECOND)
        # the words spoken next ride along with the audio: no time of their own
        yield from say(plan[index] if index < len(plan) else 0, 0.0)
    yield from say(len(pieces), 0.0)  # what is left: nothing, unless the chunks were fewer than planned
    spent = usage(ctx, prompt_tokens, len(pieces), math.ceil(track.pcm_bytes / GRANULE))
    yield Frame(sse({**ctx.head(), "choices": [], "usage": spent}))
    expires = {"index": 0, "delta": {"audio": {"id": audio_id, "expires_at": ctx.created + 3600}}}
    yield Frame(sse({**ctx.head(), "choices": [expires], "usage": None}), "end")
    yield Frame(DONE, "done")


def text_frames(ctx: Context, text: str, prompt_tokens: int) -> Iterator[Frame]:
    """The frames of a text reply: ``delta.content`` word by word, ``finish_reason: "stop"``, usage."""
    yield from _thinking()
    yield Frame(chunk(ctx, {"role": "assistant", "content": ""}), "role")
    pieces = words(text)
    for piece in pieces:
        yield Frame(chunk(ctx, {"role": "assistant", "content": piece}), "text", WORD_PACE)
    stop = ctx.head()
    stop["choices"] = [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": "stop",
            "native_finish_reason": "stop",
        }
    ]
    yield Frame(sse(stop), "end")
    spent = usage(ctx, prompt_tokens, len(pieces), 0)
    yield Frame(chunk(ctx, {"role": "assistant", "content": ""}, usage=spent))
    yield Frame(DONE, "done")
