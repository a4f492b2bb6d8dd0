"""pcm16 compressed to Opus while it arrives, for a live player on a slow connection.

ffmpeg runs for the whole reply: pcm16 in on its stdin, Ogg Opus out on its stdout, one 20 ms packet a page,
each page written as soon as it is made (``-flush_packets 1``, ``-avioflags direct``: no buffer waits to
fill). The pages are read here (``_ogg``) into :class:`OpusBatch` es, each naming the pcm frames it
completes, so the page that decodes it knows exactly which decoded samples are the reply's audio (Opus
decodes ``pre_skip`` samples of warm-up first, and pads the last packet).

:func:`should_compress` is the rule a live player follows to choose between this and raw pcm16.
"""

from __future__ import annotations

import contextlib
import os
import queue
import struct
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ._ffmpeg import find_ffmpeg, raw_input_args
from ._formats import encoder_of
from ._ogg import NO_GRANULE, OggError, OggPage, OggReader

# Opus takes these input rates as they are; another would need resampling, and the page could then no
# longer give back exactly the frames that were sent.
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
OPUS_CLOCK = 48000  # Ogg Opus counts granule positions (and pre-skip) at 48 kHz whatever the input rate
# Bits per second and channel: speech at 32 kbit/s is hard to tell from the original, and is 1/12 of raw
# pcm16 at 24 kHz.
BITRATE_PER_CHANNEL = 32000
# Raw pcm16 goes while it takes at most this share of what the page's connection carries: below it a
# chunk crosses the link in under a quarter of the time it plays, a delay the player's lead absorbs.
RAW_SHARE = 0.25
# ffmpeg writes a page at a time; the pages of one chunk of pcm come out within a few milliseconds, and are
# gathered this long into one batch (one message to the page, not one per 20 ms packet) ...
GATHER_SECONDS = 0.008
# ... up to this much audio: pcm given faster than it plays (a song decoded here at once) comes out without
# a pause, and gathered whole its first sound would wait for the last packet.
GATHER_MAX_SECONDS = 0.5
# The first message holds less: the page plays once it has decoded it.
GATHER_FIRST_SECONDS = 0.1


def should_compress(mode: str, can_decode: bool, audio_bytes_per_s: float, link_bytes_per_s: float | None
                    ) -> bool:
    """Whether a live player sends Opus rather than raw pcm16.

    ``mode``: "never", "always" (when the page can decode it) or "auto": compress when the page can decode
    Opus, unless raw pcm16 (``audio_bytes_per_s``) takes at most :data:`RAW_SHARE` of the throughput the
    page measured (``link_bytes_per_s``). A link not measured yet (None) gets Opus: the wrong guess costs a
    few tens of milliseconds of encoding on a fast link, against gaps and a late first sound on a slow one.
    """
    if mode == "never" or not can_decode:
        return False
    if mode == "always" or link_bytes_per_s is None:
        return True
    return audio_bytes_per_s > RAW_SHARE * link_bytes_per_s


def can_encode(sample_rate: int, channels: int) -> bool:
    """Whether :class:`LiveEncoder` takes this layout (an Opus rate, mono or stereo, and ffmpeg at hand)."""
    return sample_rate in OPUS_RATES and channels in (1, 2) and find_ffmpeg() is not None


@dataclass(frozen=True)
class OpusBatch:
    """Opus packets that came out together, and the pcm frames (at the input rate, counted from the
    encoder's start) they complete: ``first`` up to ``upto``.

    Decoded, frame ``i`` is the decoder's 48 kHz sample ``pre_skip + i * 48000 / rate``; ``start48`` is
    the 48 kHz sample the first of these packets decodes first (a page that missed earlier packets starts
    counting there).
    """

    packets: tuple[bytes, ...]
    first: int
    upto: int
    start48: int
    pre_skip: int


class LiveEncoder:
    """Encodes pcm16 given to :meth:`push` into Opus, calling ``on_batch`` from a thread of its own as the
    packets come out; :meth:`close` waits for the last of them.

    ``on_error`` is told, once, why encoding stopped (ffmpeg missing, failing, or the bytes it wrote not
    Ogg); what was pushed is still the caller's to send another way.
    """

    def __init__(self, sample_rate: int, channels: int, on_batch: Callable[[OpusBatch], None],
                 on_error: Callable[[str], None] | None = None) -> None:
        if sample_rate not in OPUS_RATES or channels not in (1, 2):
            raise ValueError(f"Opus cannot carry {sample_rate} Hz with {channels} channels as they are")
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            raise FileNotFoundError("ffmpeg")
        self.sample_rate, self.channels = sample_rate, channels
        self._on_batch, self._on_error = on_batch, on_error
        self.failed: str | None = None
        self.pushed_frames = 0
        self._pre_skip: int | None = None
        self._sent_frames = 0
        self._granule = 0  # 48 kHz samples decoded through the last packet read
        self._held: list[bytes] = []  # packets completing no frame yet (the warm-up) go with the next
        self._held_from = 0  # the 48 kHz sample the first held packet decodes first
        # No probing: the format is known, and probing would hold the first packets back.
        args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-probesize", "32",
                "-analyzeduration", "0",
                *raw_input_args("pcm16", sample_rate, channels), "-i", "pipe:0",
                # Ogg pages of one packet each, not the registry's muxer default: read as they come
                *encoder_of("opus").args(channels, bitrate=BITRATE_PER_CHANNEL * channels)[:-2],
                "-application", "lowdelay",
                "-frame_duration", "20", "-page_duration", "20000", "-flush_packets", "1",
                "-avioflags", "direct", "-f", "ogg", "pipe:1"]
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL)
        self._stdin_lock = threading.Lock()
        self._batches: queue.SimpleQueue[OpusBatch | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._read, name="or-audio-encode", daemon=True),
                         threading.Thread(target=self._gather, name="or-audio-encode-send", daemon=True)]
        for thread in self._threads:
            thread.start()

    def push(self, pcm: bytes) -> None:
        """Encode ``pcm`` (whole frames of pcm16, interleaved)."""
        if self.failed or not pcm:
            return
        with self._stdin_lock:
            # counted first: the packets may come out before write() returns
            self.pushed_frames += len(pcm) // (2 * self.channels)
            stdin = self._proc.stdin
            assert stdin is not None
            try:
                stdin.write(pcm)
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._fail("the encoder stopped")

    def close(self, timeout: float = 10.0) -> None:
        """No more pcm: wait (up to ``timeout`` s) for the last packets, then let ffmpeg go."""
        with self._stdin_lock, contextlib.suppress(OSError, ValueError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        for thread in self._threads:
            thread.join(timeout)
        try:
            self._proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._let_go()
        if self._sent_frames < self.pushed_frames:
            self._fail("the encoder ended before its input")

    def abort(self) -> None:
        """Stop at once: nothing more is handed on."""
        self.failed = self.failed or "stopped"
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        reader = self._threads[0]  # it ends at the pipe's end, now (the other may wait for the caller)
        if reader is not threading.current_thread():
            reader.join(1.0)
        self._let_go()

    def _let_go(self) -> None:
        with self._stdin_lock:
            for pipe in (self._proc.stdin, self._proc.stdout):
                with contextlib.suppress(OSError, ValueError):
                    if pipe is not None:
                        pipe.close()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        reader = OggReader()
        while True:
            data = os.read(fd, 1 << 16)  # what is there now: packets go on as they come
            if not data or self.failed == "stopped":
                break
            try:
                pages = reader.feed(data)
            except OggError as exc:
                self._fail(f"the encoder wrote no Ogg ({exc})")
                break
            self._hand_on(pages)
        self._batches.put(None)

    def _gather(self) -> None:
        batch = self._batches.get()
        while batch is not None:  # what comes within GATHER_SECONDS joins it, up to ``_most`` frames
            try:
                more = self._batches.get(timeout=GATHER_SECONDS)
            except queue.Empty:
                self._send(batch)
                batch = self._batches.get()
                continue
            if more is None or more.upto - batch.first > self._most(batch.first):
                self._send(batch)
                batch = more
            else:
                batch = OpusBatch(batch.packets + more.packets, batch.first, more.upto, batch.start48,
                                  batch.pre_skip)

    def _send(self, batch: OpusBatch) -> None:
        if self.failed != "stopped":
            try:
                self._on_batch(batch)
            except Exception as exc:  # the player has gone: stop encoding, the reply is unaffected
                self._fail(f"live sending stopped: {exc}")

    def _hand_on(self, pages: list[OggPage]) -> None:
        """Packets read at once (up to seconds of them when pcm came faster than it plays) go on in batches
        of :data:`GATHER_MAX_SECONDS` at most, cut at page ends."""
        for page in pages:
            if not self._held:
                self._held_from = self._granule
            for packet in page.packets:
                if self._pre_skip is None:  # the identification header (RFC 7845, section 5.1)
                    if packet[:8] == b"OpusHead" and len(packet) >= 12:
                        self._pre_skip = struct.unpack_from("<H", packet, 10)[0]
                    continue
                if packet[:8] == b"OpusTags":
                    continue
                self._held.append(packet)
            if page.granule != NO_GRANULE and self._held:
                self._granule = page.granule
            if self._upto() - self._sent_frames >= self._most(self._sent_frames):
                self._put_held()
        self._put_held()

    def _most(self, first: int) -> int:
        """How many frames a batch starting at frame ``first`` may hold."""
        return int((GATHER_MAX_SECONDS if first else GATHER_FIRST_SECONDS) * self.sample_rate)

    def _upto(self) -> int:
        """The frames decoded so far past the warm-up, never more than were pushed (the last page's granule
        ends exactly at the input's end: RFC 7845, section 4.5)."""
        if self._pre_skip is None:
            return self._sent_frames
        decoded = (self._granule - self._pre_skip) * self.sample_rate // OPUS_CLOCK
        return max(self._sent_frames, min(decoded, self.pushed_frames))

    def _put_held(self) -> None:
        """The packets held go on as a batch, once they complete a frame (the warm-up's wait for more)."""
        upto = self._upto()
        if not self._held or upto == self._sent_frames:
            return
        batch = OpusBatch(tuple(self._held), self._sent_frames, upto, self._held_from, self._pre_skip or 0)
        self._held = []
        self._sent_frames = upto
        self._batches.put(batch)

    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
            if self._on_error is not None:
                self._on_error(reason)
