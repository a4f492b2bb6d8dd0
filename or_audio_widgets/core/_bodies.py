"""A chat reply's body, streamed or not: the events of an SSE stream, or those of one ``chat.completion``
sent whole.

The client always asks for a stream (OpenRouter refuses audio output without one), but an OpenAI-compatible
server may answer with a single JSON document anyway (OpenAI's own API, or a proxy that buffers). Its
``message`` holds what the deltas would have carried (the transcript, the base64 audio, the text), so it is
read as one delta: the same events, complete when the document says why it finished. A body is taken for a
document when its first byte other than whitespace is ``{``, which no event stream starts with.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from ._events import Event, _ChunkReader, iter_events
from ._numbers import loads

# A whole reply is held before it is read: a ten-minute pcm16 reply is about 38 MB of base64.
WHOLE_BODY_LIMIT = 64 * 1024 * 1024


def iter_reply_events(chunks: Iterable[bytes]) -> Iterator[Event]:
    """The events of a chat reply's body, an event stream (as :func:`iter_events`) or one JSON document."""
    rest = iter(chunks)
    head = b""
    for chunk in rest:
        head += chunk
        if head.strip():
            break
    if head.lstrip()[:1] == b"{":
        yield from _whole(head, rest)
    else:
        yield from iter_events(itertools.chain((head,), rest))


def _whole(head: bytes, rest: Iterator[bytes]) -> Iterator[Event]:
    reader = _ChunkReader()
    reader.saw_bytes = True
    body = bytearray(head)
    for chunk in rest:
        body += chunk
        if len(body) > WHOLE_BODY_LIMIT:
            limit = WHOLE_BODY_LIMIT // (1024 * 1024)
            yield reader.protocol(f"the server sent one JSON document over {limit} MiB instead of a stream; "
                                  "it was not read")
            yield from reader.finish(truncated=True)
            return
    try:
        document = loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply to read
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        yield reader.protocol(f"the server sent a JSON document instead of a stream, and it cannot be read "
                              f"({reason}; starts {bytes(body[:60])!r})")
        yield from reader.finish(truncated=False)
        return
    del body  # the document holds it now
    out: list[Event] = []
    if isinstance(document, dict) and ("choices" in document or "error" in document):
        reader._chunk(_as_delta(document), out)
        reader.done = isinstance(document.get("choices"), list) and "error" not in document
    else:
        out.append(reader.protocol("the server sent a JSON document that is not a chat completion, instead "
                                   "of a stream"))
    yield from out
    yield from reader.finish(truncated=False)


def _as_delta(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each choice's ``message`` read as the ``delta`` of a stream's chunk."""
    choices = document.get("choices")
    if not isinstance(choices, list):
        return document
    read = [{**c, "delta": c.get("message")} if isinstance(c, dict) and "delta" not in c else c
            for c in choices]
    return {**document, "choices": read}
