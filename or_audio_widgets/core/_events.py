"""Typed events of a streamed chat completion, and the interpreter from raw bytes to them.

``iter_events(chunks)`` reads any iterable of byte chunks (an HTTP body, a file, a list) and yields
:data:`Event` objects. It accepts every quirk of real streams: comment lines, chunks without ``choices``,
``"choices": []`` usage chunks, a role-only first chunk, an ``expires_at``-only last chunk, no
``finish_reason``. Bad content never raises: it becomes an :class:`ErrorEvent` with ``kind="protocol"``,
and :class:`End` is always the last event. A chunk reports at most one error: a top-level ``error`` (what
OpenRouter sends mid-stream, with ``finish_reason: "error"``) wins over ``choices[0].error``, which wins
over a bare ``finish_reason: "error"``. An event too large (see ``_sse.MAX_EVENT_BYTES``), invalid or
too deeply nested JSON are protocol errors; emoji split between deltas are joined (``_surrogates``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import StreamDecodeError
from ._b64 import Base64DecodeError, Base64Stream
from ._numbers import loads, server_cost
from ._sse import Comment, SSEDecoder, SSEItem
from ._surrogates import SurrogateJoiner


@dataclass(frozen=True, slots=True)
class Started:
    """The reply began: generation id, model and provider from the first chunk that names them."""

    id: str | None
    model: str | None
    provider: str | None


@dataclass(frozen=True, slots=True)
class KeepAlive:
    """An SSE comment such as ``: OPENROUTER PROCESSING``; ``comment`` is the text after ``": "``."""

    comment: str


@dataclass(frozen=True, slots=True)
class TranscriptDelta:
    """More of the spoken words (``choices[0].delta.audio.transcript``)."""

    text: str


@dataclass(frozen=True, slots=True)
class TextDelta:
    """More of a text reply (``choices[0].delta.content``)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """More of the model's reasoning (``choices[0].delta.reasoning``, else the text of
    ``delta.reasoning_details``): thinking shown apart from the reply, not part of it."""

    text: str


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """Decoded bytes of ``choices[0].delta.audio.data`` (never empty)."""

    data: bytes

    def __repr__(self) -> str:  # a repr of megabytes of audio helps nobody
        return f"AudioDelta(<{len(self.data)} bytes>)"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage as the server reported it, and its ``cost`` in credits when given."""

    usage: dict[str, Any]
    cost: float | None


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Something went wrong. ``kind``: "api" (reported by the server), "protocol" (undecodable stream),
    "connection", "cancelled" or "timeout"."""

    message: str
    code: int | str | None = None
    metadata: dict[str, Any] | None = None
    kind: str = "api"


@dataclass(frozen=True, slots=True)
class End:
    """Always the last event. ``done`` is True when ``data: [DONE]`` arrived."""

    finish_reason: str | None
    done: bool


Event = (
    Started | KeepAlive | TranscriptDelta | TextDelta | ReasoningDelta | AudioDelta | Usage | ErrorEvent | End
)


def iter_events(chunks: Iterable[bytes]) -> Iterator[Event]:
    """Yield typed events from a stream's body given as byte chunks of any size.

    Never raises for bad stream content; exceptions raised by ``chunks`` itself propagate. Reading stops
    at ``data: [DONE]``.
    """
    decoder = SSEDecoder()
    reader = _ChunkReader()
    out: list[Event] = []  # one list reused for every chunk: fewer objects on the hot path
    for chunk in chunks:
        if not chunk:
            continue
        reader.saw_bytes = True
        items = decoder.feed(chunk)
        items.reverse()
        while items:  # popped, not iterated: handle() can let an event's text go once it is parsed
            reader.handle(items.pop(), out)
            yield from out
            out.clear()
            if reader.done:
                yield from reader.finish(truncated=False)
                return
        if decoder.overflow is not None:  # stop reading: the rest cannot be events of this API
            yield reader.protocol(decoder.overflow)
            yield from reader.finish(truncated=True)
            return
    truncated = decoder.pending
    decoder.flush()
    yield from reader.finish(truncated=truncated)


class _ChunkReader:
    """Turns decoded SSE items into events; keeps the state a stream needs (base64 carry, event count,
    finish reason)."""

    def __init__(self) -> None:
        self.done = False
        self.saw_bytes = False
        self._started = False
        self._errored = False
        self._events = 0
        self._finish_reason: str | None = None
        self._audio = Base64Stream()
        self._texts = {kind: SurrogateJoiner() for kind in (TranscriptDelta, TextDelta, ReasoningDelta)}

    def handle(self, item: SSEItem, out: list[Event]) -> None:
        """Append the events that one SSE item carries to ``out``."""
        if isinstance(item, Comment):
            out.append(KeepAlive(item.text))
            return
        self._events += 1
        data = item.data
        if data == "[DONE]":
            self.done = True
            return
        try:
            chunk = loads(data)
            if isinstance(chunk, dict):
                # A music model's whole song is one event: drop its text before its audio is decoded, so
                # the parsed copy and the decoded bytes are all that is held of it meanwhile.
                del item, data
                self._chunk(chunk, out)
                return
            message = f"event {self._events} is not a JSON object (starts {data[:60]!r})"
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to read or show
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            message = f"invalid JSON in event {self._events} ({reason}; starts {data[:60]!r})"
        out.append(self.protocol(message))

    def finish(self, *, truncated: bool) -> list[Event]:
        """The events that end the stream: a last piece of audio, a missing-[DONE] error, End."""
        out: list[Event] = []
        for kind, joiner in self._texts.items():
            if held := joiner.flush():  # half of a character that never got its other half
                out.append(kind(held))
        try:
            tail = self._audio.finish()
        except StreamDecodeError as exc:
            out.append(self.protocol(str(exc)))
        else:
            if tail:
                out.append(AudioDelta(tail))
        if not self.done and not self._errored:
            if not self.saw_bytes:
                out.append(self.protocol("the stream was empty: the server sent no data at all"))
            else:
                cut = " in the middle of an event" if truncated else ""
                out.append(self.protocol(
                    f"the stream ended{cut} without 'data: [DONE]': the connection may have dropped, "
                    "so the reply may be cut short"
                ))
        out.append(End(self._finish_reason, self.done))
        return out

    def protocol(self, message: str) -> ErrorEvent:
        """A protocol error (the stream cannot be read as this API's events); it counts as the error."""
        self._errored = True
        return ErrorEvent(message, kind="protocol")

    def _chunk(self, chunk: dict[str, Any], out: list[Event]) -> None:
        if not self._started and (chunk.get("id") or chunk.get("model")):
            self._started = True
            out.append(Started(_str(chunk.get("id")), _str(chunk.get("model")), _str(chunk.get("provider"))))
        error = chunk.get("error")
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            self._choice(choices[0], out, reported=error is not None)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            out.append(Usage(usage, server_cost(usage)))
        if error is not None:
            out.append(self._api_error(error))

    def _choice(self, choice: dict[str, Any], out: list[Event], *, reported: bool) -> None:
        """``reported``: the chunk carries a top-level error, which then is the one error of the chunk
        (OpenRouter's mid-stream shape pairs it with ``finish_reason: "error"``)."""
        delta = choice.get("delta")
        if isinstance(delta, dict):
            self._delta(delta, out)
        reason = choice.get("finish_reason")
        if isinstance(reason, str):
            self._finish_reason = reason
        if reported:
            return
        if choice.get("error") is not None:
            out.append(self._api_error(choice["error"]))
        elif reason == "error":
            message = "the provider ended the reply with finish_reason 'error'"
            out.append(self._api_error({"message": message}))

    def _delta(self, delta: dict[str, Any], out: list[Event]) -> None:
        reasoning = delta.get("reasoning")
        if not (isinstance(reasoning, str) and reasoning):
            # some providers send only the structured form; when both come they say the same words
            reasoning = _reasoning_text(delta.get("reasoning_details"))
        if reasoning:
            self._text(ReasoningDelta, reasoning, out)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text(TextDelta, content, out)
        audio = delta.get("audio")
        if isinstance(audio, dict):
            self._audio_delta(audio, out)

    def _audio_delta(self, audio: dict[str, Any], out: list[Event]) -> None:
        transcript = audio.get("transcript")
        if isinstance(transcript, str) and transcript:
            self._text(TranscriptDelta, transcript, out)
        data = audio.get("data")
        if isinstance(data, str) and data:
            try:
                decoded = self._audio.feed(data)
            except Base64DecodeError as exc:
                if exc.salvaged:  # what earlier chunks left unfinished arrived before the bad chunk
                    out.append(AudioDelta(exc.salvaged))
                out.append(self.protocol(str(exc)))
                return
            if decoded:
                out.append(AudioDelta(decoded))

    def _text(self, kind: type[TranscriptDelta | TextDelta | ReasoningDelta], text: str, out: list[Event]
              ) -> None:
        if joined := self._texts[kind].feed(text):
            out.append(kind(joined))

    def _api_error(self, error: Any) -> ErrorEvent:
        self._errored = True
        if not isinstance(error, dict):
            return ErrorEvent(f"the server reported an error: {error!r}"[:500])
        message = error.get("message")
        metadata = error.get("metadata")
        code = error.get("code")
        return ErrorEvent(
            str(message) if message else "the server reported an error without a message",
            code if isinstance(code, (int, str)) and not isinstance(code, bool) else None,
            metadata if isinstance(metadata, dict) else None,
            "api",
        )


def _reasoning_text(details: Any) -> str:
    """The readable text of ``reasoning_details`` items (``reasoning.text`` and ``reasoning.summary``;
    ``reasoning.encrypted`` carries none)."""
    if not isinstance(details, list):
        return ""
    pieces = []
    for item in details:
        if isinstance(item, dict):
            text = item.get("text") if item.get("type") != "reasoning.summary" else item.get("summary")
            if isinstance(text, str):
                pieces.append(text)
    return "".join(pieces)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
