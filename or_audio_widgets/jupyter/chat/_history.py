"""What a chat request carries of the conversation: earlier recordings as their transcripts, the newest as
audio.

Sending every earlier recording again with each request makes a conversation of N spoken turns send
N(N+1)/2 recordings, and chat models bill audio input by the token. Instead each user recording is
transcribed once, in the background while its reply streams, and later requests carry it as that text;
only the newest ``keep_audio`` recordings go as audio. A recording whose transcript failed, or has not
arrived in time, still goes as audio: nothing the user said is dropped to save money.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from ._conversation import Turn

Transcribe = Callable[[bytes], str]  # a recording's bytes -> what was said

#: How long a request waits for an earlier recording's transcript before sending it as audio instead.
TRANSCRIPT_WAIT = 15.0


class Transcriber:
    """Transcribes each user turn's recordings once, one at a time, in a background thread."""

    def __init__(self, transcribe: Transcribe) -> None:
        self._transcribe = transcribe
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="or-audio-transcribe")
        self._pending: dict[int, Future[str]] = {}

    def start(self, turn: Turn) -> Future[str] | None:
        """Begin transcribing ``turn``'s audio (nothing to do for a turn without audio, or one done);
        returns the transcription's future when one was started."""
        if turn.role != "user" or not turn.parts or turn.heard is not None or id(turn) in self._pending:
            return None
        future = self._pool.submit(self._run, turn)
        self._pending[id(turn)] = future
        return future

    def _run(self, turn: Turn) -> str:
        heard = " ".join(filter(None, (self._transcribe(_part_bytes(part)).strip() for part in turn.parts)))
        turn.heard = heard
        return heard

    def wait(self, turn: Turn, timeout: float) -> str | None:
        """``turn``'s transcript, waiting up to ``timeout`` seconds; None when it failed or is late."""
        if turn.heard is not None:
            return turn.heard
        future = self._pending.get(id(turn))
        if future is None:
            return None
        try:
            return future.result(timeout)
        except FutureTimeout:
            return None
        except Exception as exc:  # any failure of the transcription: the turn goes as audio, and says why
            turn.heard_error = f"{type(exc).__name__}: {exc}"
            return None

    def close(self) -> None:
        """Stop taking work; transcriptions already running finish in their thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def history_messages(
    turns: Sequence[Turn], *, keep_audio: int = 1, transcriber: Transcriber | None = None,
    wait: float = TRANSCRIPT_WAIT,
) -> list[dict[str, Any]]:
    """The chat messages for ``turns``: the newest ``keep_audio`` recordings as audio, earlier ones as
    their transcripts (or as audio when no transcript is to be had)."""
    spoken = [id(turn) for turn in turns if turn.role == "user" and turn.parts]
    as_text = set(spoken[: max(len(spoken) - keep_audio, 0)])
    messages = []
    for turn in turns:
        heard = None
        if id(turn) in as_text and transcriber is not None:
            heard = transcriber.wait(turn, wait)
        if heard is None:
            messages.append(turn.message())
        else:
            messages.append({"role": "user", "content": "\n".join(filter(None, (turn.text, heard)))})
    return messages


def _part_bytes(part: dict[str, Any]) -> bytes:
    """The audio of an ``input_audio`` part, as the bytes of its file."""
    try:
        return base64.b64decode(part["input_audio"]["data"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError("not an input_audio part with base64 data") from exc
