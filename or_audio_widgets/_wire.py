"""What goes on the wire and what comes back when it fails: pure functions, no I/O.

The client builds request bodies and reads error bodies through these, so the rules (audio output
always streamed, pcm16 on the wire, content parts) are testable without a server. Also here: the
masked holder of the API key, the state of one call across retries, and the model filter.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._defaults import OUTPUT_FORMATS, WIRE_FORMAT
from ._errors import APIError, AudioFormatError, error_class_for_status

Messages = str | Sequence[Mapping[str, Any]]

_EXCERPT_CHARS = 200
_DROP_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SUPPORTED = re.compile(r"supported values are:?([^.]*)")
_OTHER_FORMATS = re.compile(r"\b(wav|mp3|flac|opus)\b")


def audio_part(source: Any) -> dict[str, Any]:
    """An ``input_audio`` content part: a dict passes through, anything else goes through prepare_audio."""
    if isinstance(source, Mapping):
        return dict(source)
    from ._inputs import prepare_audio  # lazy: conversion pulls in ffmpeg helpers

    part: dict[str, Any] = prepare_audio(source).part
    return part


def content_parts(items: Iterable[Any]) -> list[dict[str, Any]]:
    """A list ``content``: str -> text part, dict -> as is, anything else -> an audio source."""
    parts: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            parts.append({"type": "text", "text": item})
        else:
            parts.append(audio_part(item))
    return parts


def build_messages(messages: Messages) -> list[dict[str, Any]]:
    """Normalise ``messages``: a str is one user message; list contents are turned into parts."""
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    built: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, Mapping) or "role" not in message:
            raise TypeError(f"each message must be a dict with a 'role', not {type(message).__name__}")
        entry = dict(message)
        content = entry.get("content")
        if isinstance(content, (list, tuple)):
            entry["content"] = content_parts(content)
        built.append(entry)
    if not built:
        raise ValueError("messages is empty: give at least one message")
    return built


def output_format(audio: Mapping[str, Any] | None) -> str:
    """The format the user wants the reply in; checked before any network call."""
    fmt = str((audio or {}).get("format") or "wav").lower()
    if fmt not in OUTPUT_FORMATS:
        raise AudioFormatError(f"audio format {fmt!r} is not one of {', '.join(OUTPUT_FORMATS)}.")
    return fmt


def build_body(
    model: str,
    messages: Messages,
    audio: Mapping[str, Any] | None,
    params: Mapping[str, Any],
    *,
    wire_format: str = WIRE_FORMAT,
) -> dict[str, Any]:
    """The JSON body of ``POST /chat/completions``.

    Always ``stream: true`` (audio output is refused otherwise, and the client reads everything as a
    stream); with ``audio``, ``modalities`` text+audio and the wire format in place of the user's format,
    which the reply builder produces locally.
    """
    if not model:
        raise ValueError("model is required, e.g. 'openai/gpt-4o-audio-preview'")
    body: dict[str, Any] = {"model": model, "messages": build_messages(messages), **params}
    body["stream"] = True
    if audio is not None:
        body["modalities"] = ["text", "audio"]
        body["audio"] = {**audio, "format": wire_format}
    return body


def wants_pcm16(status: int, error: APIError) -> bool:
    """Whether a 400 says that only pcm16 is accepted as a streamed format (OpenAI's audio models)."""
    if status != 400:
        return False
    text = f"{error.message} {json.dumps(error.metadata, default=str)}".lower()
    # "... Supported values are: 'pcm16'." names pcm16 alone; a list of every format is another error.
    listed = _SUPPORTED.search(text)
    if listed:
        return "pcm16" in listed.group(1) and not _OTHER_FORMATS.search(listed.group(1))
    return "pcm16" in text and "only" in text


def excerpt(body: bytes | str, limit: int = _EXCERPT_CHARS) -> str:
    """A short readable excerpt of a non-JSON body: scripts and tags dropped, entities decoded."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = _TAGS.sub(" ", _DROP_BLOCKS.sub(" ", text))
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_error_body(body: bytes) -> tuple[str | None, int | str | None, dict[str, Any]]:
    """OpenRouter's ``{"error": {"code", "message", "metadata"}}``: (message, code, metadata)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None, {}
    if not isinstance(data, dict):
        return None, None, {}
    error = data.get("error", data)
    if isinstance(error, str):
        return error, None, {}
    if not isinstance(error, dict):
        return None, None, {}
    message = error.get("message")
    code = error.get("code")
    metadata = error.get("metadata")
    return (
        str(message) if message is not None else None,
        code if isinstance(code, (int, str)) else None,
        metadata if isinstance(metadata, dict) else {},
    )


def error_for_response(status: int, reason: str | None, body: bytes, *, scrub: str = "") -> APIError:
    """The APIError subclass for an error response, with the server's message or a readable excerpt.

    ``scrub`` (the API key) is masked out of anything the server echoed back.
    """
    message, code, metadata = parse_error_body(body)
    if message is None:
        shown = excerpt(body)
        label = reason or "error"
        message = f"{label} (body: {shown})" if shown else f"{label} (empty body)"
    raw = metadata.get("raw")
    if isinstance(raw, str) and raw and raw not in message:
        message = f"{message} ({excerpt(raw)})"
    if scrub:
        message = message.replace(scrub, "***")
        metadata = json.loads(json.dumps(metadata, default=str).replace(scrub, "***"))
    cls = error_class_for_status(status)
    return cls(message, status=status, code=code, metadata=metadata)


class MaskedKey:
    """Holds the API key; its repr and str are masked, and it has no __dict__ for vars() to show."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "<api key hidden>"

    __str__ = __repr__


@dataclass
class Call:
    """One logical request, across its retries."""

    method: str
    url: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    deadline: float | None  # time.monotonic() value, or None
    retries: int = 0
    pcm16_fallback: bool = False

    @property
    def wire_format(self) -> str:
        audio = (self.body or {}).get("audio")
        return str(audio.get("format", WIRE_FORMAT)) if isinstance(audio, dict) else WIRE_FORMAT


def filter_models(
    models: Iterable[Mapping[str, Any]], input_modality: str | None, output_modality: str | None
) -> list[dict[str, Any]]:
    """The models whose architecture lists the wanted input and output modalities (None: any)."""
    return [
        dict(m) for m in models
        if _has_modality(m, "input_modalities", input_modality)
        and _has_modality(m, "output_modalities", output_modality)
    ]


def _has_modality(model: Mapping[str, Any], key: str, wanted: str | None) -> bool:
    if wanted is None:
        return True
    arch = model.get("architecture")
    values = arch.get(key) if isinstance(arch, dict) else None
    return isinstance(values, list) and wanted in values


_ERRNO = re.compile(r"\[Errno [^\]]*\][^'\")]*")


def short_reason(exc: BaseException, scrub: str = "") -> str:
    """A one-line reason for a transport failure, without urllib3's object reprs."""
    text = str(exc)
    found = _ERRNO.search(text)
    reason = found.group(0).strip() if found else (text or type(exc).__name__)
    reason = reason if len(reason) <= 200 else reason[:199] + "…"
    return reason.replace(scrub, "***") if scrub else reason
