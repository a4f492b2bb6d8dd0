"""What a LivePlayer knows of its page's connection, and the Opus it sends when that connection is slow.

The page says what it can decode (``codecs``: ["opus"] where WebCodecs' ``AudioDecoder`` takes Opus) and the
throughput it measured from the kernel's stamped messages (``bps``, bytes per second); ``core._live_encode``
has the rule. Once a reply goes compressed it stays so: every message after the switch carries the packets
of the pcm since the last one, with the frames they complete (``first``, ``upto``, counted from the
encoder's start), the 48 kHz sample the first packet decodes first (``g0``) and the encoder's warm-up
(``skip``), so the page keeps exactly the frames that were sent.

A new player starts with what the kernel's page last said (the players of a kernel are mostly shown in one
page): its codecs and the throughput it last measured, so the first chunk of a reply goes the right way
before its own page had time to answer. A page that cannot decode what came says so, and gets it again raw.
A link never measured goes compressed (where the page decodes Opus): sending raw pcm16 over a slow link
costs gaps and a late first sound, compressing over a fast one costs a few tens of milliseconds.

Each message's pcm is kept by sequence number like a raw chunk's: a replay (a late view, a reconnect) sends
raw pcm16, and so does a page that can no longer decode (its decoder failed).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ...core._live_encode import RAW_SHARE, LiveEncoder, OpusBatch, can_encode, should_compress

MODES = ("auto", "always", "never")
# Throughputs (bytes per second) near the line between raw pcm16 (24 kHz mono: 48,000 B/s) and Opus, from
# 1.5 times the audio's rate to where raw takes a quarter. A page's first figure comes from its first
# player's code, whose delay also counts the page starting its first widget (a local page measured 180 kB/s
# where the next player measured megabytes): a figure in this band is measured once more.
NEAR_THE_LINE = (1.5 * 48000, 48000 / RAW_SHARE)
# What the last page said, kernel-wide: what it decodes ("codecs"), the throughput it measured ("bps", each
# page's latest figure replacing the last: a page that moved to a slower link is measured again on its
# first raw chunk, and the rest of that reply goes compressed) and the player code it holds ("code").
_LAST_PAGE: dict[str, Any] = {}


def default_mode() -> str:
    """``OR_AUDIO_LIVE_COMPRESS`` (auto, always or never), else "auto"."""
    mode = os.environ.get("OR_AUDIO_LIVE_COMPRESS", "auto").strip().lower()
    return mode if mode in MODES else "auto"


class PageLink:
    """One player's view of its page's connection, and its encoder once the reply goes compressed.

    ``post(seq_content, buffers, pcm)`` sends one audio message and keeps ``pcm`` under its sequence number;
    it is called with the player's lock held, from the encoder's thread for compressed messages.
    """

    def __init__(self, lock: threading.RLock, post: Callable[[dict[str, Any], list[bytes], bytes], None]
                 ) -> None:
        self._lock = lock
        self._post = post
        self.codecs: frozenset[str] = _LAST_PAGE.get("codecs", frozenset())
        self.bps: float | None = _LAST_PAGE.get("bps")
        self._encoder: LiveEncoder | None = None
        self._unsent = bytearray()  # pcm given to the encoder whose packets have not gone yet
        self._marks: deque[tuple[int, float]] = deque()  # (encoder frames through a chunk, its ts)
        self._frame = 2
        self._ended = False  # drained: the reply's audio has all gone, anything later goes raw
        self._sent_opus = False

    @property
    def compressing(self) -> bool:
        """Whether the pcm now goes to the encoder, or went to it until the reply's audio ended."""
        return self._encoder is not None or self._sent_opus

    def hear(self, content: dict[str, Any]) -> None:
        """What the page said of itself in a "ready" or "link" message."""
        codecs = content.get("codecs")
        if isinstance(codecs, list):
            self.codecs = _LAST_PAGE["codecs"] = frozenset(c for c in codecs if isinstance(c, str))
            if "opus" not in self.codecs and self._encoder is not None:
                self._encoder.abort()  # the page cannot decode any more: what the encoder holds goes raw
                self._encoder = None
                self._sent_opus = False  # the page gets what it lacks again, raw
                self._flush_raw()
        bps = content.get("bps")
        if isinstance(bps, (int, float)) and bps > 0:
            self.bps = _LAST_PAGE["bps"] = float(bps)
            if NEAR_THE_LINE[0] <= bps < NEAR_THE_LINE[1] and not _LAST_PAGE.get("measured_again"):
                # The next player brings the code again: a second measurement, without the page's start
                _LAST_PAGE.pop("code", None)
                _LAST_PAGE["measured_again"] = True

    def wants_opus(self, mode: str, sample_rate: int, channels: int) -> bool:
        """Whether the chunks to come should go compressed (see ``should_compress``)."""
        if self._encoder is not None:
            return True
        if self._ended:
            return False
        can = "opus" in self.codecs and can_encode(sample_rate, channels)
        return should_compress(mode, can, 2.0 * sample_rate * channels, self.bps)

    def start(self, sample_rate: int, channels: int) -> bool:
        """Start the encoder (before the first chunk it may take, so its start is not on the way)."""
        if self._encoder is None:
            self._frame = 2 * channels
            try:
                self._encoder = LiveEncoder(sample_rate, channels, self._on_batch, self._on_error)
            except (OSError, ValueError):
                return False
        return True

    def push(self, pcm: bytes, ts: float) -> None:
        """Encode ``pcm`` (whole frames), which reached the kernel at ``ts`` (ms since the epoch)."""
        assert self._encoder is not None
        pushed = self._encoder.pushed_frames + len(pcm) // self._frame
        self._marks.append((pushed, ts))
        self._unsent += pcm
        self._encoder.push(pcm)

    def drain(self) -> None:
        """The reply's audio has ended: wait for the last packets (without the player's lock: they need
        it), then let the encoder go. Pcm that comes later goes raw."""
        encoder = self._encoder
        if encoder is not None:
            encoder.close()
        with self._lock:
            self._ended = True
            self._flush_raw()  # what an encoder that failed or ended early left
            if self._encoder is encoder:
                self._encoder = None

    def abort(self) -> None:
        """The player has gone: let ffmpeg go."""
        encoder, self._encoder = self._encoder, None
        if encoder is not None:
            encoder.abort()

    # --- inside --------------------------------------------------------------------------------------------

    def _on_batch(self, batch: OpusBatch) -> None:
        with self._lock:
            if self._encoder is None:
                return  # the page stopped decoding: the pcm went raw
            size = (batch.upto - batch.first) * self._frame
            pcm = bytes(self._unsent[:size])
            del self._unsent[:size]
            ts = self._ts_of(batch.upto - 1)
            content = {"t": "opus", "seq": 0, "ts": ts, "first": batch.first, "upto": batch.upto,
                       "g0": batch.start48, "skip": batch.pre_skip, "sizes": [len(p) for p in batch.packets]}
            self._post(content, [b"".join(batch.packets)], pcm)
            self._sent_opus = True

    def _ts_of(self, frame: int) -> float | None:
        """When the chunk holding ``frame`` reached the kernel: the page's delays count the encoding too.
        A batch is stamped with its last frame's chunk: its first frames (the encoder's tail of the chunk
        before) waited for that chunk, not for the network, and stamped with theirs every message looked
        a chunk late, a jitter the page's lead then paid for."""
        while self._marks and self._marks[0][0] <= frame:
            self._marks.popleft()
        return self._marks[0][1] if self._marks else None

    def _on_error(self, _reason: str) -> None:
        with self._lock:
            encoder, self._encoder = self._encoder, None
            if encoder is not None:
                encoder.abort()
            self._flush_raw()

    def _flush_raw(self) -> None:
        if self._unsent:
            pcm, self._unsent = bytes(self._unsent), bytearray()
            stamp = self._marks[-1][1] if self._marks else None
            self._marks.clear()
            self._post({"t": "pcm", "seq": 0, "ts": stamp}, [pcm], pcm)
