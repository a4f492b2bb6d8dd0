"""Compressed audio decoded while it arrives, for live playback: ffmpeg reads the bytes from a pipe and its
pcm16 is handed on as soon as it comes out, so an MP3 that streams in chunks plays before its last byte and
one that comes in a single event plays as soon as its first frames are decoded.

Only the live player uses this: the reply itself keeps the compressed bytes as they came (see ``_reply``).
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
from collections.abc import Callable

from ._ffmpeg import find_ffmpeg
from ._formats import LIVE_DEMUXERS, encoder_of
from ._mp3 import mp3_layout

# A container whose layout the header does not tell without decoding is played at this one (live only).
FALLBACK_LAYOUT = (48000, 2)
# Decoded audio is handed on in pieces of at least this long (shorter ones would only be more messages for
# the page), except the first (the first sound waits for it) and the last.
_PIECE_SECONDS = 0.1


def decodable(fmt: str) -> bool:
    """Whether :class:`LiveDecoder` can play ``fmt`` (a compressed format ffmpeg reads from a pipe)."""
    return fmt in LIVE_DEMUXERS


def live_layout(fmt: str, head: bytes) -> tuple[int, int]:
    """The (sample rate, channels) the live decoder will hand out for audio of ``fmt`` starting ``head``:
    an MP3's own, from its frame headers; a fixed 48 kHz stereo for the others."""
    if fmt == "mp3":
        layout = mp3_layout(head)
        if layout is not None:
            return layout.sample_rate, layout.channels
    return FALLBACK_LAYOUT


class LiveDecoder:
    """Decodes ``fmt`` bytes given to :meth:`push` into pcm16, calling ``on_pcm`` from a thread of its own
    as the pieces come out. :meth:`close` waits for the last of them.

    ``layout`` (sample rate, channels) is what ffmpeg hands out. For an MP3 it may be left out and given
    with :meth:`set_layout` once the first bytes are there: ffmpeg then decodes at the MP3's own layout,
    so the decoder can be started before the reply arrives (a music model's song comes after seconds of
    composing: the process start, tens of milliseconds, is then not on the way to the first sound);
    ``rate`` then has it resample to that rate whatever the MP3's own (:attr:`rate`), keeping its channels.
    Bytes are written to ffmpeg from a thread too, so :meth:`push` never holds up the stream.

    ``on_error`` is told, once, why decoding stopped early (ffmpeg missing or refusing the bytes); the
    bytes already pushed are not lost to the reply, which keeps them whatever happens here.
    """

    def __init__(self, fmt: str, on_pcm: Callable[[bytes], None],
                 on_error: Callable[[str], None] | None = None,
                 layout: tuple[int, int] | None = None, rate: int | None = None) -> None:
        if fmt not in LIVE_DEMUXERS or (layout is None and fmt != "mp3"):
            raise ValueError(f"no live decoding for {fmt!r} audio" + ("" if layout else " without a layout"))
        self.sample_rate, self.channels = layout or (0, 0)
        self.rate = layout[0] if layout else rate  # the rate ffmpeg hands out, None: the MP3's own
        self._on_pcm = on_pcm
        self._on_error = on_error
        self._failed: str | None = None
        self._layout_known = threading.Event()
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.decoded_bytes = 0
        self._proc: subprocess.Popen[bytes] | None = None
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            self._fail("live playback of compressed audio needs ffmpeg (apt-get install ffmpeg, or pip "
                       "install imageio-ffmpeg); the saved player below still plays it")
            return
        # Little probing: the format is already known, and probing would hold the first sound back.
        args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-probesize", "32",
                "-analyzeduration", "0", "-f", LIVE_DEMUXERS[fmt], "-i", "pipe:0",
                *encoder_of("pcm16").args()]
        if layout is not None:
            args += ["-ar", str(self.sample_rate), "-ac", str(self.channels)]
            self._layout_known.set()
        elif rate is not None:
            args += ["-ar", str(rate)]
        self._proc = subprocess.Popen([*args, "pipe:1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
        self._errors = bytearray()
        works = (self._write, self._read, self._drain_stderr)
        self._threads = [threading.Thread(target=work, name=f"or-audio-decode{work.__name__}", daemon=True)
                         for work in works]
        for thread in self._threads:
            thread.start()

    @property
    def failed(self) -> str | None:
        """Why live decoding stopped early, or None."""
        return self._failed

    def set_layout(self, sample_rate: int, channels: int) -> None:
        """The layout ffmpeg hands out (an MP3's own: see ``live_layout``), when it was not given at start."""
        self.sample_rate, self.channels = sample_rate, channels
        self._layout_known.set()

    def push(self, data: bytes) -> None:
        """Give the decoder the next bytes of the reply (returns at once; ffmpeg takes them in its time)."""
        if self._proc is not None and not self._failed and data:
            self._queue.put(data)

    def close(self, timeout: float = 30.0) -> None:
        """No more bytes: wait (up to ``timeout`` s) for ffmpeg to hand out the rest, then let it go."""
        proc = self._proc
        if proc is None:
            return
        self._layout_known.set()  # nothing came at all: let the reader end
        self._queue.put(None)
        writer, reader, errors = self._threads
        writer.join(timeout)
        reader.join(timeout)
        try:
            proc.wait(timeout=max(0.1, timeout / 10))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors.join(1.0)
        if proc.returncode not in (0, None) and not self.decoded_bytes and self._failed is None:
            detail = bytes(self._errors).decode("utf-8", "replace").strip().splitlines()
            self._fail("the audio could not be decoded for live playback"
                       + (f" ({detail[-1][:200]})" if detail else ""))

    def abort(self) -> None:
        """Stop at once (the reply was stopped, or was no compressed audio after all): nothing more is
        handed on, and ffmpeg is let go."""
        self._failed = self._failed or "stopped"
        self._layout_known.set()
        self._queue.put(None)
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    # --- inside --------------------------------------------------------------------------------------------

    def _write(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        stdin = self._proc.stdin
        while True:
            data = self._queue.get()
            if data is None or self._failed:
                break
            try:
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._fail("the audio could not be decoded for live playback")
                break
        with contextlib.suppress(OSError, ValueError):
            stdin.close()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        pending = bytearray()
        piece = 0
        while True:
            chunk = os.read(fd, 1 << 16)  # what is there now, not a full buffer: pieces go out as they come
            if not chunk:
                break
            if not piece:
                self._layout_known.wait()
                frame = 2 * max(1, self.channels)
                piece = max(frame, int(_PIECE_SECONDS * self.sample_rate) * frame)
            pending += chunk
            # the first piece goes out as soon as there is one: it is what the first sound waits for
            if len(pending) >= piece or not self.decoded_bytes:
                self._hand_on(pending, 2 * self.channels)
        if pending and piece:
            self._hand_on(pending, 2 * self.channels, last=True)

    def _hand_on(self, pending: bytearray, frame: int, last: bool = False) -> None:
        cut = len(pending) if last else len(pending) - len(pending) % frame
        out = bytes(pending[:cut])
        del pending[:cut]
        if not out or self._failed == "stopped":
            return
        self.decoded_bytes += len(out)
        try:
            self._on_pcm(out)
        except Exception as exc:  # a player that has gone: stop decoding, the reply is unaffected
            self._fail(f"live playback stopped: {exc}")

    def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            if len(self._errors) < 4096:
                self._errors += line

    def _fail(self, reason: str) -> None:
        if self._failed is None:
            self._failed = reason
            if self._on_error is not None:
                self._on_error(reason)
