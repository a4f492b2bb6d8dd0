"""LivePlayer: hear a reply while it streams, then keep a normal player of the whole file.

PCM goes to the page as binary buffers on custom messages (never base64, never a synced trait that
grows), each chunk once; the transcript goes as deltas tagged with their offset. The player keeps what it
sent, so a view that loads late (or a page reloaded while the kernel runs) asks for what it lacks and gets
it replayed. The page assembles the final WAV from the PCM it already has, so nothing is sent twice.
"""

from __future__ import annotations

import json
import pathlib
import threading
import time
import uuid
from typing import Any

import anywidget
import traitlets

_JS = pathlib.Path(__file__).parent / "js"


def _json_size(content: dict[str, Any]) -> int:
    return len(json.dumps(content, separators=(",", ":")))


class LivePlayer(anywidget.AnyWidget):
    """A streaming audio player: :meth:`append_pcm` and :meth:`append_transcript` while the reply arrives,
    then :meth:`finish` (the complete or partial reply) or :meth:`fail`.

    ``sample_rate`` is the rate of the pcm16 mono chunks (24 kHz for OpenRouter's audio output). Safe to
    feed from a background thread.
    """

    _esm = _JS / "player.js"
    _css = _JS / "widgets.css"

    sample_rate = traitlets.Int(24000, help="Sample rate of the pcm16 mono chunks").tag(sync=True)
    player_id = traitlets.Unicode(help="Names this player in the page: window.__orAudio.players[id]").tag(
        sync=True
    )

    def __init__(self, sample_rate: int = 24000, **kwargs: Any) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, not {sample_rate!r}")
        super().__init__(sample_rate=sample_rate, player_id=uuid.uuid4().hex, **kwargs)
        self._lock = threading.RLock()
        self._chunks: list[bytes] = []
        self._carry = b""  # an odd trailing byte waits for its sample's other half
        self._transcript: list[str] = []
        self._transcript_len = 0
        self._end: dict[str, Any] | None = None
        self.buffer_bytes = 0  # binary payload sent to the front end
        self.json_bytes = 0  # JSON content sent to the front end
        self.first_chunk_time: float | None = None  # time.time() when the first PCM reached this player
        self.on_msg(self._on_front_end)

    # --- feeding ---------------------------------------------------------------------------------------

    def append_pcm(self, data: bytes) -> None:
        """Queue ``data`` (raw pcm16 little-endian mono) for gapless playback in the page."""
        now = time.time()
        with self._lock:
            if self._end is not None:
                raise RuntimeError("this LivePlayer has finished; make a new one for another reply")
            data = self._carry + bytes(data)
            cut = len(data) - len(data) % 2
            data, self._carry = data[:cut], data[cut:]
            if not data:
                return
            if self.first_chunk_time is None:
                self.first_chunk_time = now
            seq = len(self._chunks)
            self._chunks.append(data)
            # ts: when the chunk reached the kernel (ms since the epoch), for the page's latency figure
            self._post({"t": "pcm", "seq": seq, "ts": round(now * 1000, 1)}, [data])

    def append_transcript(self, text: str) -> None:
        """Add ``text`` to the transcript shown beside the player (as text, never HTML)."""
        if not text:
            return
        with self._lock:
            at = self._transcript_len
            self._transcript.append(text)
            self._transcript_len += len(text)
            self._post({"t": "text", "at": at, "text": text})

    def finish(self, reply: Any) -> None:
        """End the stream with ``reply`` (an :class:`AudioReply`, complete or partial).

        The page then offers a normal ``<audio controls>`` of the assembled WAV (seek, download); an
        incomplete reply also shows its reason.
        """
        with self._lock:
            pcm = bytes(getattr(reply, "pcm", b"") or b"")
            sent = b"".join(self._chunks)
            if pcm and pcm != sent:
                # The reply's audio differs from what streamed (e.g. a repaired header): send it once.
                self._chunks = [pcm[: len(pcm) - len(pcm) % 2]]
                self._post({"t": "replace"}, list(self._chunks))
            end: dict[str, Any] = {
                "t": "finish",
                "chunks": len(self._chunks),
                "complete": bool(getattr(reply, "complete", True)),
                "reason": getattr(reply, "error", None),
                "duration": float(getattr(reply, "duration", 0.0) or 0.0),
            }
            words = getattr(reply, "transcript", "") or getattr(reply, "text", "") or ""
            if words != self.transcript:
                self._transcript, self._transcript_len = [words], len(words)
                end["transcript"] = words
            self._end = end
            self._post(end)

    def fail(self, reason: str) -> None:
        """Mark the reply incomplete with ``reason``; what arrived stays playable."""
        with self._lock:
            self._end = {"t": "fail", "chunks": len(self._chunks), "complete": False, "reason": str(reason)}
            self._post(self._end)

    # --- what was sent -----------------------------------------------------------------------------------

    @property
    def transcript(self) -> str:
        """The transcript so far."""
        with self._lock:
            return "".join(self._transcript)

    @property
    def pcm(self) -> bytes:
        """All PCM received so far."""
        with self._lock:
            return b"".join(self._chunks)

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` or :meth:`fail` was called."""
        return self._end is not None

    @property
    def traffic(self) -> dict[str, int]:
        """Bytes this player sent to the front end (binary and JSON) and the PCM they carried."""
        with self._lock:
            pcm = sum(len(c) for c in self._chunks)
            return {"pcm": pcm, "buffers": self.buffer_bytes, "json": self.json_bytes}

    def __repr__(self) -> str:
        state = "finished" if self._end else "streaming"
        seconds = len(self.pcm) / 2 / self.sample_rate
        return f"<LivePlayer {state} {seconds:.1f} s, {len(self.transcript)} transcript characters>"

    # --- front-end protocol --------------------------------------------------------------------------------

    def _post(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.json_bytes += _json_size(content)
        self.buffer_bytes += sum(len(b) for b in buffers or ())
        self.send(content, buffers=buffers)

    def _on_front_end(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("t")
        with self._lock:
            if kind == "ready":
                # Everything sent before this answer reaches the page first (messages keep their
                # order), so the page can tell from these counts whether anything was lost.
                self._post(
                    {
                        "t": "state",
                        "chunks": len(self._chunks),
                        "text_len": self._transcript_len,
                        "finished": self._end is not None,
                    }
                )
            elif kind == "need":
                self._replay(_int(content.get("from")), _int(content.get("text_from")))

    def _replay(self, first: int, text_from: int) -> None:
        if first < len(self._chunks):
            self._post({"t": "pcm", "seq": first, "replay": True}, self._chunks[first:])
        if text_from < self._transcript_len:
            self._post({"t": "text", "at": text_from, "text": self.transcript[text_from:]})
        if self._end is not None:
            self._post(self._end)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0
