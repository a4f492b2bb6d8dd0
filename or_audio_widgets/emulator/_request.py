"""Checking a chat request the way the live API does, and planning the reply."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..core._formats import OUTPUT_FORMATS
from ._answer import answer_text
from ._assumptions import AUDIO_REQUIRED_MESSAGE, AUDIO_REQUIRED_MODELS, MUSIC_NEEDS_STREAM
from ._inputs import Heard, InputAudioError, describe, find_audio_parts
from ._models import ModelInfo, find_model

MAX_SECONDS = 3600.0  # X-Emulator-Seconds cap: an hour of pcm16 is 173 MB


class Headers(Protocol):
    """What request headers offer here (``email.message.Message`` and dicts both do)."""

    def get(self, name: str, default: None = None, /) -> str | None: ...


class APIFailure(Exception):
    """An error the emulator answers with, as ``{"error": {"code", "message", "metadata"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        metadata: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = dict(metadata) if metadata is not None else None
        self.headers = dict(headers or {})
        self.field = field  # set: a validation failure of that field, answered in the zod shape

    def body(self) -> dict[str, Any]:
        """The JSON error body: OpenRouter's usual one, or a validation failure's (see ``_assumptions``)."""
        if self.field is not None:
            issue = {"code": "custom", "message": self.message, "path": [self.field]}
            return {"success": False, "error": {"issues": [issue], "name": "ZodError"}}
        return {"error": {"code": self.status, "message": self.message, "metadata": self.metadata}}


@dataclass(frozen=True)
class Plan:
    """What to answer: a spoken reply (``voice`` set), a song (``music``: ``text`` is the prompt it is
    sung from) or a text reply, streamed or not."""

    model: ModelInfo
    text: str
    stream: bool
    voice: str | None = None
    seconds: float | None = None
    prompt_tokens: int = 1
    heard: tuple[Heard, ...] = field(default_factory=tuple)
    music: bool = False


def user_text(messages: list[Any]) -> str:
    """The text of the last user message (its text parts joined by spaces), verbatim."""
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            return " ".join(t for t in texts if isinstance(t, str))
    return ""


def header_number(headers: Headers, name: str, low: float, high: float) -> float | None:
    """A numeric control header, or None when absent; 400 when it is not a number in [low, high]."""
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise APIFailure(400, f"{name} must be a number from {low:g} to {high:g}, not {raw!r}")
    return value


def plan_reply(body: Any, headers: Headers) -> Plan:
    """Validate a parsed request body; :class:`APIFailure` for anything the live API refuses."""
    if not isinstance(body, dict):
        raise APIFailure(400, "Invalid request body: expected a JSON object")
    if not body.get("model"):
        raise APIFailure(400, "Missing required parameter: 'model'.")
    model = find_model(body.get("model"))
    if model is None:
        raise APIFailure(400, f"{body.get('model')} is not a valid model ID")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise APIFailure(400, 'Input required: specify "prompt" or "messages"')
    stream = body.get("stream") is True
    modalities = body.get("modalities") or ["text"]
    speaks = isinstance(modalities, list) and "audio" in modalities
    parts = find_audio_parts(messages)
    if speaks and not model.speaks:
        raise APIFailure(404, "No endpoints found that support the requested output modalities: text, audio")
    if parts and not model.hears:
        raise APIFailure(404, "No endpoints found that support input audio")
    if model.id in AUDIO_REQUIRED_MODELS and not (speaks or parts):
        raise APIFailure(400, AUDIO_REQUIRED_MESSAGE, {"provider_name": "OpenAI"})
    seconds = header_number(headers, "X-Emulator-Seconds", 0.05, MAX_SECONDS)
    if model.music:  # modalities and audio are optional, audio.format ignored; a stream is a must
        if not stream:
            raise APIFailure(400, MUSIC_NEEDS_STREAM)
        said = user_text(messages)
        return Plan(model, said, stream, None, seconds, max(1, len(said) // 4), music=True)
    voice = _check_audio_out(model, body, stream) if speaks else None
    heard = _hear(parts)
    said = user_text(messages)
    prompt_tokens = max(1, len(said) // 4) + sum(math.ceil(h.duration * 10) for h in heard)
    text = answer_text(said, heard, voice is not None)
    return Plan(model, text, stream, voice, seconds, prompt_tokens, heard)


def _check_audio_out(model: ModelInfo, body: dict[str, Any], stream: bool) -> str:
    audio = body.get("audio")
    audio = audio if isinstance(audio, dict) else {}
    if not stream:
        raise APIFailure(400, "Audio output requires stream: true")
    voice, fmt = audio.get("voice"), audio.get("format")
    provider = {"provider_name": "OpenAI"}
    if not isinstance(voice, str) or not voice:
        raise APIFailure(400, "Missing required parameter: 'audio.voice'.", provider)
    if voice not in model.voices:
        listed = ", ".join(f"'{v}'" for v in model.voices[:-1]) + f", and '{model.voices[-1]}'"
        raise APIFailure(400, f"Invalid value: '{voice}'. Supported values are: {listed}.", provider)
    if not isinstance(fmt, str) or not fmt:
        raise APIFailure(400, "Missing required parameter: 'audio.format'.", provider)
    if fmt not in OUTPUT_FORMATS:
        listed = ", ".join(f"'{f}'" for f in OUTPUT_FORMATS)
        raise APIFailure(400, f"Invalid value: '{fmt}'. Supported values are: {listed}.", provider)
    if model.pcm16_only_when_streaming and fmt != "pcm16":
        raise APIFailure(
            400,
            f"'audio.format' does not support '{fmt}' when stream=true. Supported values are: 'pcm16'.",
            provider,
        )
    return voice


def _hear(parts: list[Any]) -> tuple[Heard, ...]:
    heard = []
    for part in parts:
        try:
            heard.append(describe(part))
        except InputAudioError as exc:
            metadata = {"part": exc.where, "format": exc.audio_format}
            raise APIFailure(400, str(exc), metadata) from None
    return tuple(heard)
