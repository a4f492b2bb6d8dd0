"""What goes on the wire: pure functions and small types, no I/O.

The client builds request bodies through these, so the rules (audio output always streamed, pcm16 on
the wire) are testable without a server. Also here: the masked
holder of the API key, the state of one call across retries, and :class:`JsonBody`, which sends a
body's base64 audio in slices instead of serialising it whole. Error bodies: ``_error_body.py``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core._defaults import WIRE_FORMAT
from ..core._formats import OUTPUT_FORMATS
from ..core._redact import mask_url
from ..errors import AudioFormatError

Messages = str | Sequence[Mapping[str, Any]]


def content_parts(items: Iterable[Any]) -> list[dict[str, Any]]:
    """A list ``content``: str -> text part, dict -> as is. Audio sources must already be parts
    (``_parts.with_audio_parts`` turns them into parts before the body is built)."""
    parts: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            parts.append({"type": "text", "text": item})
        elif isinstance(item, Mapping):
            parts.append(dict(item))
        else:
            raise TypeError(f"a content item must be a str or a part dict, not {type(item).__name__}")
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


def wire_format_of(body: Mapping[str, Any] | None) -> str:
    """The audio format a chat body asks of the wire (pcm16 once the server refused another one)."""
    audio = (body or {}).get("audio")
    return str(audio.get("format", WIRE_FORMAT)) if isinstance(audio, Mapping) else WIRE_FORMAT


def sent_audio_formats(body: Mapping[str, Any]) -> list[str]:
    """The ``input_audio`` formats in a request body, in order, each once."""
    found: list[str] = []
    for part in _audio_parts(body):
        fmt = part["input_audio"].get("format")
        if isinstance(fmt, str) and fmt.lower() not in found:
            found.append(fmt.lower())
    return found


def _audio_parts(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, Mapping) else None
        for part in content if isinstance(content, list) else ():
            if is_audio_part(part):
                yield part


def is_audio_part(part: Any) -> bool:
    """Whether ``part`` is an ``input_audio`` content part."""
    return (isinstance(part, Mapping) and part.get("type") == "input_audio"
            and isinstance(part.get("input_audio"), Mapping))


# --- the request body, sent in pieces ----------------------------------------------------------------

# Shorter base64 strings are serialised with the rest of the JSON; longer ones are sent in slices.
_INLINE_BELOW = 64 * 1024
_SLICE = 1 << 20  # characters of base64 per piece handed to the socket
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


class JsonBody:
    """A request body as JSON bytes, with each long base64 audio string sent in ASCII slices.

    ``json.dumps`` followed by ``.encode()`` would hold two more copies of every audio part (a 115 MB WAV
    is 154 MB of base64); here the JSON around the audio is serialised with a placeholder in its place,
    and the audio text is encoded a slice at a time while it is sent. ``len()`` is the exact byte size
    (requests sends it as Content-Length) and every ``iter()`` starts again from the first byte, so a
    retry sends the whole body again.
    """

    def __init__(self, body: Mapping[str, Any]) -> None:
        swapped, texts, token = _swap_audio(body)
        text = json.dumps(swapped, allow_nan=False)
        split = re.split(f'"{token}(\\d+)"', text) if texts else [text]
        if len(split) != 2 * len(texts) + 1:  # a placeholder vanished or doubled: send it plainly
            split, texts = [json.dumps(body, allow_nan=False)], []
        self._pieces: list[bytes | str] = []
        for index, piece in enumerate(split):
            if index % 2 == 0:
                self._pieces.append(piece.encode("ascii"))
            else:
                self._pieces += [b'"', texts[int(piece)], b'"']
        self._length = sum(len(piece) for piece in self._pieces)  # base64 text: 1 character = 1 byte

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            for start in range(0, len(piece), _SLICE):
                yield piece[start : start + _SLICE].encode("ascii")

    def __repr__(self) -> str:
        return f"<JsonBody {self._length} bytes>"


def _swap_audio(body: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], str]:
    """A shallow copy of ``body`` with each long audio string replaced by ``token<n>``; the strings."""
    token = f"or-audio-widgets-part-{secrets.token_hex(8)}-"
    texts: list[str] = []

    def swap(part: Any) -> Any:
        if not is_audio_part(part):
            return part
        data = part["input_audio"].get("data")
        if not isinstance(data, str) or len(data) < _INLINE_BELOW or not _plain_base64(data):
            return part
        texts.append(data)
        return {**part, "input_audio": {**part["input_audio"], "data": f"{token}{len(texts) - 1}"}}

    messages = body.get("messages")
    if not isinstance(messages, list):
        return dict(body), texts, token
    copied = [
        {**m, "content": [swap(p) for p in m["content"]]}
        if isinstance(m, Mapping) and isinstance(m.get("content"), list) else m
        for m in messages
    ]
    return {**body, "messages": copied}, texts, token


def _plain_base64(text: str) -> bool:
    """Whether ``text`` needs no JSON escaping: ASCII base64 characters only (checked a slice at a time)."""
    if not text.isascii():
        return False
    for start in range(0, len(text), _SLICE):
        if text[start : start + _SLICE].encode("ascii").translate(None, _BASE64_ALPHABET):
            return False
    return True


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot go in an HTTP header (naming the character, showing none of the key), or None.

    A key pasted with a newline, a zero-width space or a typographic quote would otherwise make the HTTP
    library fail with the whole ``Authorization`` header in its message.
    """
    for position, char in enumerate(key, 1):
        if not "!" <= char <= "~":  # visible ASCII: what a header value and every real key are made of
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            return (
                f"The API key has a character that cannot be sent in an HTTP header ({name} at position "
                f"{position} of {len(key)}). Copy the key again from https://openrouter.ai/keys, without "
                "quotes, spaces or line breaks, and set it again."
            )
    return None


class MaskedKey:
    """Holds the API key; its repr and str are masked, and it has no __dict__ for vars() to show.

    A pickle holds the key scrambled (not readable at a glance in a dump or a log; this is not
    encryption: a pickled client is as secret as the key).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def problem(self) -> str | None:
        """Why the key cannot be sent, or None (see :func:`key_problem`)."""
        return key_problem(self._value)

    def reveal(self) -> str:
        """The key itself, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "<api key hidden>"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return _unscramble, (_scramble(self._value.encode("utf-8")),)


_PAD = b"or-audio-widgets masked key"


def _scramble(data: bytes) -> bytes:
    return base64.b85encode(bytes(b ^ _PAD[i % len(_PAD)] for i, b in enumerate(data)))


def _unscramble(data: bytes) -> MaskedKey:
    raw = base64.b85decode(data)
    return MaskedKey(bytes(b ^ _PAD[i % len(_PAD)] for i, b in enumerate(raw)).decode("utf-8"))


@dataclass(repr=False)
class Call:
    """One logical request, across its retries."""

    method: str
    url: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    deadline: float | None  # time.monotonic() value, or None
    read_timeout: float
    max_retries: int
    retries: int = 0
    pcm16_fallback: bool = False
    seconds: float | None = None  # the deadline as the caller gave it, for messages
    _payload: JsonBody | None = field(default=None, repr=False)

    @property
    def wire_format(self) -> str:
        return wire_format_of(self.body)

    def __repr__(self) -> str:  # no credentials of the URL, no megabytes of audio in a traceback's locals
        return f"<Call {self.method} {mask_url(self.url)}, retry {self.retries} of {self.max_retries}>"

    def payload(self) -> JsonBody | None:
        """The body to send (built once, reused by retries); None for a request without one."""
        if self.body is not None and self._payload is None:
            self._payload = JsonBody(self.body)
        return self._payload

    def ask_for_pcm16(self) -> None:
        """Send the audio output format as pcm16 from now on (the reply is built locally anyway)."""
        self.pcm16_fallback = True
        audio = (self.body or {}).get("audio")
        if isinstance(audio, dict):
            audio["format"] = WIRE_FORMAT
            self._payload = None
