"""Audio sources turned into ``input_audio`` parts, before a request body is built.

The core prepares audio but does no HTTP; these wrappers hand it the client's downloader, so that a
URL among the sources is fetched (with a size limit, its query string never shown) like any other
source is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core._for_model import prepare_for_model as _prepare_for_model
from ..core._inputs import PreparedAudio
from ..core._inputs import prepare_audio as _prepare_audio


def download_source(url: str, *, max_bytes: int) -> bytes:
    """The body at an http(s) URL, refused past ``max_bytes`` (imports requests on first use)."""
    from ._transport import download as fetch

    return fetch(url, max_bytes=max_bytes)


def prepare_audio(source: Any, **options: Any) -> PreparedAudio:
    options.setdefault("fetch", download_source)
    return _prepare_audio(source, **options)


prepare_audio.__doc__ = _prepare_audio.__doc__


def prepare_for_model(source: Any, model: str | None, **options: Any) -> PreparedAudio:
    """:func:`prepare_audio` for ``model``, converted when the model is known not to take the format."""
    options.setdefault("fetch", download_source)
    return _prepare_for_model(source, model, **options)


def audio_part(source: Any, model: str | None = None) -> dict[str, Any]:
    """An ``input_audio`` content part for ``model``.

    A ready part (a dict, or a ``PreparedAudio`` made with the caller's own options) is sent as it is;
    any other source is prepared and converted to a format ``model`` is known to read (wav or mp3 for
    OpenAI's audio models).
    """
    if isinstance(source, Mapping):
        return dict(source)
    prepared = source if isinstance(source, PreparedAudio) else prepare_for_model(source, model)
    part: dict[str, Any] = prepared.part
    return part


def with_audio_parts(messages: Any, model: str | None) -> Any:
    """``messages`` with every audio source in a list content replaced by its ``input_audio`` part.

    A str, and messages whose content is a str, pass through unchanged; a text item stays a text part.
    """
    if isinstance(messages, str) or not isinstance(messages, Iterable):
        return messages
    resolved = []
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, (list, tuple)):
            message = {**message, "content": _parts(content, model)}
        resolved.append(message)
    return resolved


def _parts(items: Iterable[Any], model: str | None) -> list[Any]:
    return [item if isinstance(item, (str, Mapping)) else audio_part(item, model) for item in items]
