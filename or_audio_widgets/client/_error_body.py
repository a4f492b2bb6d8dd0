"""Reading an error response: OpenRouter's ``{"error": ...}`` body, or any page, as an APIError.

Pure functions, no I/O: the message the server gave (or a readable excerpt of an HTML page), the key
masked out of anything echoed back, a hint naming a working format when an input format is refused,
and a one-line reason for a transport failure.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from ..core._numbers import loads
from ..core._redact import mask_secrets, mask_value
from ..errors import APIError, error_class_for_status
from ._wire import sent_audio_formats

_EXCERPT_CHARS = 200
_DROP_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SUPPORTED = re.compile(r"supported values are:?([^.]*)")
_OTHER_FORMATS = re.compile(r"\b(wav|mp3|flac|opus)\b")


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
        data = loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be an error body
        return None, None, {}
    if not isinstance(data, dict):
        return None, None, {}
    error = data.get("error", data)
    if isinstance(error, str):
        return error, None, {}
    if not isinstance(error, dict):
        return None, None, {}
    message = error.get("message")
    if message is None and isinstance(error.get("issues"), list):  # the speech route's validation shape
        message = _issues(error["issues"])
    code = error.get("code")
    metadata = error.get("metadata")
    return (
        str(message) if message is not None else None,
        code if isinstance(code, (int, str)) else None,
        metadata if isinstance(metadata, dict) else {},
    )


def _issues(issues: list[Any]) -> str | None:
    """A validation error's issues (``{"success": false, "error": {"name": "ZodError", "issues": [...]}}``)
    as one line: "response_format: Invalid enum value ...; speed: ..."."""
    said = []
    for issue in issues[:5]:
        if not isinstance(issue, dict):
            continue
        path = ".".join(str(part) for part in issue.get("path") or [] if isinstance(part, (str, int)))
        text = str(issue.get("message") or issue.get("code") or "invalid")
        said.append(f"{path}: {text}" if path else text)
    return "; ".join(said) or None


def error_for_response(
    status: int, reason: str | None, body: bytes, *, scrub: str = "", request: Mapping[str, Any] | None = None
) -> APIError:
    """The APIError subclass for an error response, with the server's message or a readable excerpt.

    ``scrub`` (the API key) and any credentials are masked out of everything the server sent back, before
    it is cut to an excerpt. ``request`` (the body that was sent) lets a 400 that refuses an input audio
    format name a format that works, as its hint.
    """
    secrets = (scrub,) if scrub else ()
    message, code, metadata = parse_error_body(body)
    if message is None:
        shown = excerpt(mask_secrets(body.decode("utf-8", "replace"), secrets))
        label = mask_secrets(reason or "error", secrets)
        message = f"{label} (body: {shown})" if shown else f"{label} (empty body)"
    else:
        message = mask_secrets(message, secrets)
    metadata = mask_value(metadata, secrets)
    if isinstance(code, str):
        code = mask_secrets(code, secrets)
    raw = metadata.get("raw")
    if isinstance(raw, str) and raw and raw not in message:
        message = f"{message} ({excerpt(raw)})"
    hint = input_format_hint(status, message, metadata, request) or refusal_hint(status, message)
    cls = error_class_for_status(status)
    return cls(message, status=status, code=code, metadata=metadata, hint=hint)


_TERMS = re.compile(r"\b(terms|requirement|accept)", re.IGNORECASE)
_EXPLICIT_VOICE = re.compile(r"explicit voice", re.IGNORECASE)


def refusal_hint(status: int, message: str) -> str | None:
    """What to do about the speech providers' measured refusals, where the status's usual hint misleads:
    a 403 naming a provider requirement (not moderation), a 400 asking for an explicit voice."""
    if status == 403 and _TERMS.search(message):
        return ("This provider asks your account to accept its terms first: accept them in OpenRouter's "
                "settings (https://openrouter.ai/settings/privacy), or choose another model.")
    if status == 400 and _EXPLICIT_VOICE.search(message):
        return "Name a voice (voice=..., --voice); %oraudio_models shows the voices of each model."
    return None


# Words of a refusal about the *output* audio (voice, streamed format), which no input conversion fixes.
_OUTPUT_SIDE = re.compile(r"(?<!input_)audio\.(format|voice)|audio output|stream=true")


def input_format_hint(
    status: int, message: str, metadata: Mapping[str, Any], request: Mapping[str, Any] | None
) -> str | None:
    """For a 400 that refuses the format of an ``input_audio`` part: what to send instead, else None."""
    formats = sent_audio_formats(request) if status == 400 and request else []
    lowered = message.lower()
    if not formats or _OUTPUT_SIDE.search(lowered):
        return None
    named = metadata.get("format")
    sent = named if named in formats else next((f for f in formats if f in lowered), formats[0])
    if not any(word in lowered for word in (sent, "format", "unsupported", "mime")):
        return None  # e.g. invalid base64: nothing about the format
    from ..core._formats import format_refusal_hint  # lazy, like audio_part

    model = request.get("model") if request else None
    return format_refusal_hint(model if isinstance(model, str) else None, sent, message)


_ERRNO = re.compile(r"\[Errno [^\]]*\][^'\")]*")


def short_reason(exc: BaseException, secrets: str | tuple[str, ...] = ()) -> str:
    """A one-line reason for a transport failure, without urllib3's object reprs, secrets masked."""
    keep = (secrets,) if isinstance(secrets, str) else secrets
    text = mask_secrets(str(exc), keep)  # before the cut, so no piece of a secret survives it
    found = _ERRNO.search(text)
    reason = found.group(0).strip() if found else (text or type(exc).__name__)
    reason = " ".join(reason.split())
    return reason if len(reason) <= 200 else reason[:199] + "…"
