"""Compressed audio decoded while it arrives, for live playback: ffmpeg reads the bytes from a pipe and its
pcm16 is handed on as soon as it comes out, so an MP3 that streams in chunks plays before its last byte and
one that comes in a single event plays as soon as its first frames are decoded.

Only the live player uses this: the reply itself keeps the compressed bytes as they came (see ``_reply``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable

from ._ffmpeg import find_ffmpeg
from ._mp3 import mp3_layout

# ffmpeg's demuxer for each compressed format the sniffing names (``_audio_kind.classify``).
_DEMUXERS = {"mp3": "mp3", "wav": "wav", "flac": "flac", "ogg": "ogg", "opus": "ogg", "vorbis": "ogg",
             "aac": "aac", "adts": "aac", "webm": "matroska", "m4a": "mov,mp4,m4a,3gp,3g2,mj2"}
# A container whose layout the header does not tell without decoding is played at this one (live only).
FALLBACK_LAYOUT = (48000, 2)
# Decoded audio is handed on in pieces of at least this long (a first piece sooner would only be a message
# more for the page), except the last.
_PIECE_SECONDS = 0.1


def decodable(fmt: str) -> bool:
    """Whether :class:`LiveDecoder` can play ``fmt`` (a compressed format ffmpeg reads from a pipe)."""
    return fmt in _DEMUXERS


def live_layout(fmt: str, head: bytes) -> tuple[int, int]:
    """The (sample rate, channels) the live decoder will hand out for audio of ``fmt`` starting ``head``:
    an MP3's own, from its frame headers; a fixed 48 kHz stereo for the others."""
    if fmt == "mp3":
        layout = mp3_layout(head)
        if layout is not None:
            return layout.sample_rate, layout.channels
    return FALLBACK_LAYOUT


class LiveDecoder:
    """Decodes ``fmt`` bytes given to :meth:`push` into pcm16 at ``layout``, calling ``on_pcm`` from a
    thread of its own as the pieces come out. :meth:`close` waits for the last of them.

    ``on_error`` is told, once, why decoding stopped early (ffmpeg missing or refusing the bytes); the
    bytes already pushed are not lost to the reply, which keeps them whatever happens here.
    """

    def __init__(self, fmt: str, layout: tuple[int, int], on_pcm: Callable[[bytes], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        if fmt not in _DEMUXERS:
            raise ValueError(f"no live decoding for {fmt!r} audio")
        self.sample_rate, self.channels = layout
        self._on_pcm = on_pcm
        self._on_error = on_error
        self._failed: str | None = None
        self.decoded_bytes = 0
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            self._proc: subprocess.Popen[bytes] | None = None
            self._fail("live playback of compressed audio needs ffmpeg (apt-get install ffmpeg, or pip "
                       "install imageio-ffmpeg); the saved player below still plays it")
            return
        # Little probing: the format is already known, and probing would hold the first sound back.
        args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-probesize", "32",
                "-analyzeduration", "0", "-f", _DEMUXERS[fmt].split(",")[0], "-i", "pipe:0",
                "-f", "s16le", "-ar", str(self.sample_rate), "-ac", str(self.channels), "pipe:1"]
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
        self._errors = bytearray()
        self._reader = threading.Thread(target=self._read, name="or-audio-live-decode", daemon=True)
        self._stderr = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        self._stderr.start()

    @property
    def failed(self) -> str | None:
        """Why live decoding stopped early, or None."""
        return self._failed

    def push(self, data: bytes) -> None:
        """Give the decoder the next bytes of the reply (blocks only while ffmpeg takes them in)."""
        proc = self._proc
        if proc is None or proc.stdin is None or self._failed or not data:
            return
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._fail("the audio could not be decoded for live playback")

    def close(self, timeout: float = 30.0) -> None:
        """No more bytes: wait (up to ``timeout`` s) for ffmpeg to hand out the rest, then let it go."""
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        self._reader.join(timeout)
        try:
            proc.wait(timeout=max(0.1, timeout / 10))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._stderr.join(1.0)
        if proc.returncode not in (0, None) and not self.decoded_bytes:
            detail = bytes(self._errors).decode("utf-8", "replace").strip().splitlines()
            self._fail("the audio could not be decoded for live playback"
                       + (f" ({detail[-1][:200]})" if detail else ""))

    def abort(self) -> None:
        """Stop at once (the reply was stopped or interrupted): nothing more is handed on."""
        self._failed = self._failed or "stopped"
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    # --- inside --------------------------------------------------------------------------------------------

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        frame = 2 * self.channels
        piece = max(frame, int(_PIECE_SECONDS * self.sample_rate) * frame)
        pending = bytearray()
        while True:
            chunk = os.read(fd, 1 << 16)  # what is there now, not a full buffer: pieces go out as they come
            if not chunk:
                break
            pending += chunk
            if len(pending) >= piece:
                self._hand_on(pending, frame)
        if pending:
            self._hand_on(pending, frame, last=True)

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
