"""One way to feed a live player from a reply's stream of events (used by the player itself and the chat)."""

from __future__ import annotations

from typing import Any


def feed(stream: Any, player: Any) -> None:
    from ...core._events import AudioDelta, TextDelta, TranscriptDelta

    for event in stream:
        if isinstance(event, (TranscriptDelta, TextDelta)):
            player.append_transcript(event.text)
        elif isinstance(event, AudioDelta):
            player.append_pcm(event.data)
