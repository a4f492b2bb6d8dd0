"""Secrets kept out of what a server sends back in a stream: masked in error events, and wherever a text
echoes one, also when the echo is split across deltas.

A tail of a text delta that could be the start of a secret waits for the next delta of its kind (or for
the end of the stream) before it is shown; a secret completed there is masked whole. Only the secrets
given are looked for; with none, every event passes as it came.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ..core._events import AudioDelta, End, ErrorEvent, Event, TextDelta, TranscriptDelta, Usage
from ..core._redact import MASK, mask_secrets, mask_value

_Text = TranscriptDelta | TextDelta


class EchoGuard:
    """Screens the events of one stream for ``secrets`` (e.g. the API key)."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self._secrets = tuple(s for s in secrets if s)
        self._held: dict[type[_Text], str] = {}  # per kind of text: a tail that may begin a secret

    def screen(self, event: Event) -> Iterator[Event]:
        """What to pass on for ``event``: nothing yet, the event masked, or held text first at the end."""
        if isinstance(event, AudioDelta) or not self._secrets:  # the hot path: bytes, no text
            yield event
        elif isinstance(event, TranscriptDelta | TextDelta):
            text = _unechoed(self._held.pop(type(event), "") + event.text, self._secrets)
            keep = _secret_start(text, self._secrets)
            if keep:
                self._held[type(event)] = text[-keep:]
                text = text[:-keep]
            if text:
                yield dataclasses.replace(event, text=text)
        else:
            if isinstance(event, End | ErrorEvent):  # every word before the end, in order
                yield from self.flush()
            yield masked(event, self._secrets)

    def flush(self) -> list[Event]:
        """The text held back (it did not go on to a secret), as deltas of their kinds."""
        held, self._held = self._held, {}
        return [kind(text) for kind, text in held.items()]


def masked(event: Event, secrets: tuple[str, ...]) -> Event:
    """``event`` with what the server wrote in an error masked, and any secret it echoes elsewhere."""
    if isinstance(event, AudioDelta):
        return event
    if isinstance(event, ErrorEvent):
        code = mask_secrets(event.code, secrets) if isinstance(event.code, str) else event.code
        metadata = mask_value(event.metadata, secrets) if event.metadata is not None else None
        return dataclasses.replace(event, message=mask_secrets(event.message, secrets), code=code,
                                   metadata=metadata)
    if isinstance(event, Usage):
        return dataclasses.replace(event, usage=mask_value(event.usage, secrets)) if _echoes(
            repr(event.usage), secrets) else event
    changed = {f.name: _unechoed(value, secrets) for f in dataclasses.fields(event)
               if isinstance(value := getattr(event, f.name), str) and _echoes(value, secrets)}
    return dataclasses.replace(event, **changed) if changed else event  # type: ignore[arg-type]


def unechoed(value: Any, secrets: tuple[str, ...]) -> Any:
    """A JSON value as a server sent it (a transcription, a model list) with every echo of ``secrets`` in
    its strings, keys included, replaced by the mask; the rest as it came (a URL in a transcript stays)."""
    if not any(secrets):
        return value
    if isinstance(value, str):
        return _unechoed(value, secrets)
    if isinstance(value, dict):
        return {_unechoed(str(k), secrets): unechoed(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [unechoed(v, secrets) for v in value]
    return value


def _secret_start(text: str, secrets: tuple[str, ...]) -> int:
    """The length of the longest end of ``text`` that a secret begins with (0: none)."""
    longest = 0
    for secret in secrets:
        for size in range(min(len(text), len(secret) - 1), longest, -1):
            if text.endswith(secret[:size]):
                longest = size
                break
    return longest


def _echoes(text: str, secrets: tuple[str, ...]) -> bool:
    return any(secret and secret in text for secret in secrets)


def _unechoed(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK) if secret else text
    return text
