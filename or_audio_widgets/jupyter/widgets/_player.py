"""LivePlayer: hear a reply while it streams, then keep a normal player of the whole file.

PCM goes to the page as binary buffers on custom messages (never base64, never a synced trait that
grows), each chunk once; the transcript goes as deltas tagged with their offset, counted in UTF-16 code
units as the page counts them. The player keeps what it sent, so a view that loads late (or a page
reloaded while the kernel runs) asks for what it lacks and gets it replayed. The page assembles the final
WAV from the PCM it already has, so nothing is sent twice.

Where the page decodes Opus, the chunks go compressed unless the page measured a link fast enough for raw
pcm16 (``compress``; ``_player_link``): about 1/7 of the bytes; the page decodes them into the same pcm16
chunks, and the reply itself keeps its exact pcm. The player's code crosses the link once per page, not
with every reply (``PLAYER_LOADER``).

The page's Stop button comes back as a message: :meth:`LivePlayer.on_stop` callbacks run (they cancel the
stream), and the end of the reply is then shown as stopped, not as an error.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from ...core._live_encode import OPUS_CLOCK, OPUS_RATES
from .._js import CSS, FOLDER, PLAYER, module_source
from ._player_link import _LAST_PAGE, MODES, PageLink, default_mode

_PLACEHOLDER = "%OR_AUDIO_CODE%"
_SOURCE = module_source(PLAYER)
# The version of the player's code: a page keeps the module it imported under it (player.js, player_loader.js)
CODE_VERSION = hashlib.sha256(_SOURCE.encode("utf-8")).hexdigest()[:16]
PLAYER_MODULE = _SOURCE.replace(_PLACEHOLDER, CODE_VERSION)
# What players get once a page said it holds this version: under 2 kB instead of ~40 kB with every reply.
PLAYER_LOADER = "\n".join(
    line for line in (FOLDER / "player_loader.js").read_text(encoding="utf-8").splitlines()
    if not line.startswith("//")  # its comments are for readers of this package, not for every reply
).replace(_PLACEHOLDER, CODE_VERSION)


def _json_size(content: dict[str, Any]) -> int:
    return len(json.dumps(content, separators=(",", ":")))


def _utf16_units(text: str) -> int:
    """The length of ``text`` as JavaScript counts it (UTF-16 code units: 2 for an emoji)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _after_units(text: str, units: int) -> str:
    """``text`` from its ``units``-th UTF-16 code unit on."""
    return text.encode("utf-16-le", "surrogatepass")[2 * units :].decode("utf-16-le", "surrogatepass")


class LivePlayer(anywidget.AnyWidget):
    """A streaming audio player: :meth:`append_pcm` and :meth:`append_transcript` while the reply arrives,
    then :meth:`finish` (the complete or partial reply) or :meth:`fail`.

    ``sample_rate`` and ``channels`` describe the pcm16 chunks (24 kHz mono for OpenRouter's chat audio; a
    speech provider may send another rate: :meth:`use_layout`, which :meth:`play` calls). Safe to feed from
    a background thread.

    The page shows mute and volume while the reply streams, and a Stop button once :meth:`on_stop` has a
    callback that can stop the stream (e.g. ``player.on_stop(lambda _p: stream.cancel())``);
    :meth:`play` does all of it for a ReplyStream.
    """

    _esm = PLAYER_MODULE
    _css = CSS

    sample_rate = traitlets.Int(24000, help="Sample rate of the pcm16 chunks").tag(sync=True)
    channels = traitlets.Int(1, help="Interleaved channels of the pcm16 chunks").tag(sync=True)
    player_id = traitlets.Unicode(help="Names this player's debug record: window.__orAudio.players[id]").tag(
        sync=True
    )
    stoppable = traitlets.Bool(False, help="Show the Stop button (set by on_stop)").tag(sync=True)
    show_stop = traitlets.Bool(True, help="Show Stop when stoppable (off: the host shows its own)").tag(
        sync=True)
    file_name = traitlets.Unicode("reply", help="Name of the downloaded file, without its .wav suffix").tag(
        sync=True)
    stop_note = traitlets.Unicode("", help="Why Stop cannot be offered here (shown beside it, disabled)").tag(
        sync=True)
    opened_at = traitlets.Float(0.0, help=(
        "When the kernel opened this player (ms since the epoch): with the player's code in its first "
        "message, the page measures its link before any audio")).tag(sync=True)
    compress = traitlets.Enum(MODES, default_value="never", help=(
        "Send the audio as Opus: 'auto' (default: when the page can decode it, unless the page measured a "
        "link where raw pcm16 takes a quarter of its throughput or less), 'always' (when it can) or 'never' "
        "(OR_AUDIO_LIVE_COMPRESS sets the default)"))

    def __init__(self, sample_rate: int = 24000, channels: int = 1, **kwargs: Any) -> None:
        _check_layout(sample_rate, channels)
        if "file_name" in kwargs:
            from ...core._html import safe_name

            kwargs["file_name"] = safe_name(str(kwargs["file_name"]))
        if _LAST_PAGE.get("code") == CODE_VERSION:  # the page has the code: it need not cross the link again
            kwargs.setdefault("_esm", PLAYER_LOADER)
        super().__init__(sample_rate=sample_rate, channels=channels, player_id=uuid.uuid4().hex,
                         opened_at=round(time.time() * 1000, 1), **kwargs)
        self._lock = threading.RLock()
        self._chunks: list[bytes] = []  # the pcm each audio message carried, by sequence number
        self._pcm: list[bytes] = []  # every chunk appended (a compressed message may still be on its way)
        self._link = PageLink(self._lock, self._post_audio)
        self._carry = b""  # a trailing part of a frame waits for the rest of it
        self._resampled_from: int | None = None  # the own rate of audio fed at 48 kHz (``live_rate``)
        self._transcript: list[str] = []
        self._transcript_len = 0
        self._end: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._stop_callbacks: list[Callable[[LivePlayer], object]] = []
        self.buffer_bytes = 0  # binary payload sent to the front end
        self.json_bytes = 0  # JSON content sent to the front end
        self.first_chunk_time: float | None = None  # time.time() when the first PCM reached this player
        self.on_msg(self._on_front_end)

    @traitlets.default("compress")
    def _default_compress(self) -> str:
        return default_mode()

    # --- feeding ---------------------------------------------------------------------------------------

    def live_rate(self, sample_rate: int, channels: int) -> int:
        """The rate to feed this player audio decoded in the kernel at (a song's MP3 decoded as it arrives):
        ``sample_rate`` itself, or 48 kHz when it would go compressed but Opus cannot carry its own rate
        (44.1 kHz: a song's 5 MB of raw pcm16 for 30 s would otherwise fill a slow link)."""
        with self._lock:
            if sample_rate in OPUS_RATES or not self._link.wants_opus(self.compress, OPUS_CLOCK, channels):
                return sample_rate
            return OPUS_CLOCK

    def use_layout(self, sample_rate: int, channels: int = 1, source_rate: int | None = None) -> None:
        """Say what the chunks to come are (e.g. a speech reply's ``rate=`` and ``channels=``).

        Only before the first chunk: audio already playing cannot change its pitch (RuntimeError).
        ``source_rate``: the reply's own rate when its audio is decoded here at ``sample_rate`` (see
        :meth:`live_rate`): what streamed is then the page's file, not replaced by the reply's at the end.
        """
        _check_layout(sample_rate, channels)
        with self._lock:
            if (sample_rate, channels) != (self.sample_rate, self.channels):
                if self._pcm or self._carry:
                    raise RuntimeError(f"this LivePlayer already plays {self.sample_rate} Hz audio; "
                                       "call use_layout before the first append_pcm")
                self._link.abort()  # an encoder started early for the old layout
                self.sample_rate, self.channels = sample_rate, channels  # reaches the page before any chunk
                self._start_early()  # and one for the new layout, where it will be used
            self._resampled_from = source_rate if source_rate != sample_rate else None

    def append_pcm(self, data: bytes) -> None:
        """Queue ``data`` (raw pcm16 little-endian, ``channels`` interleaved) for gapless playback."""
        now = time.time()
        with self._lock:
            if self._end is not None:
                raise RuntimeError("this LivePlayer has finished; make a new one for another reply")
            data = self._carry + bytes(data)
            cut = len(data) - len(data) % (2 * self.channels)
            data, self._carry = data[:cut], data[cut:]
            if not data:
                return
            if self.first_chunk_time is None:
                self.first_chunk_time = now
            self._pcm.append(data)
            # ts: when the chunk reached the kernel (ms since the epoch), for the page's latency figure
            ts = round(now * 1000, 1)
            link = self._link
            if link.wants_opus(self.compress, self.sample_rate, self.channels) and link.start(
                    self.sample_rate, self.channels):
                link.push(data, ts)
            else:
                self._post_audio({"t": "pcm", "seq": 0, "ts": ts}, [data], data)

    def end_audio(self) -> None:
        """No more audio comes for this reply: what the encoder still holds (the compressed path's last
        ~40 ms) goes to the page now. Call it before the page can let go of the view (a saved output
        taking the live player's place): a page without a view of the player drops what arrives after.
        :meth:`finish`, :meth:`fail` and :meth:`close` do it too; audio appended later goes raw."""
        self._link.drain()

    def append_transcript(self, text: str) -> None:
        """Add ``text`` to the transcript shown beside the player (as text, never HTML)."""
        if not text:
            return
        with self._lock:
            at = self._transcript_len
            self._transcript.append(text)
            self._transcript_len += _utf16_units(text)
            # ts, as on the audio: the page measures its connection's jitter from every live message,
            # so the words that come before the first chunk already size the first sound's lead
            self._post({"t": "text", "at": at, "text": text, "ts": round(time.time() * 1000, 1)})

    def finish(self, reply: Any) -> None:
        """End the stream with ``reply`` (an :class:`AudioReply`, complete or partial).

        The page then offers a normal ``<audio controls>`` of the assembled WAV (seek, download); an
        incomplete reply also shows its reason.
        """
        self._link.drain()  # the compressed messages still on their way go first
        with self._lock:
            pcm = bytes(getattr(reply, "pcm", b"") or b"")
            sent = b"".join(self._chunks)
            now = self.sample_rate, self.channels
            layout = getattr(reply, "sample_rate", now[0]), getattr(reply, "channels", now[1])
            # a reply decoded here at 48 kHz (live_rate): what streamed is its file, at another rate
            resampled = layout == (self._resampled_from, now[1]) and bool(sent)
            if pcm and (pcm != sent or layout != now) and not resampled:
                # The reply's audio differs from what streamed (e.g. a repaired header, or fed at another
                # rate than the reply's): the file is made from the reply's, sent once.
                self.sample_rate, self.channels = layout
                self._chunks = [pcm[: len(pcm) - len(pcm) % (2 * self.channels)]]
                self._pcm = list(self._chunks)
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
                self._transcript, self._transcript_len = [words], _utf16_units(words)
                end["transcript"] = words
            self._end_with(end)

    def fail(self, reason: str) -> None:
        """Mark the reply incomplete with ``reason``; what arrived stays playable."""
        self._link.drain()
        with self._lock:
            chunks = len(self._chunks)
            self._end_with({"t": "fail", "chunks": chunks, "complete": False, "reason": str(reason)})

    def _end_with(self, end: dict[str, Any]) -> None:
        if self._stop.is_set() and not end["complete"]:
            end["stopped"] = True  # the person's own choice: the page says "stopped", not an error
        self._end = end
        self._post(end)

    def play(self, stream: Any) -> Any:
        """Play ``stream`` here as it arrives and return its reply, complete or cut short.

        ``stream`` is a ReplyStream: ``client.open(...)``, or ``client.open_speech(text, wire="pcm")`` for
        :meth:`~OpenRouterAudio.say`'s speech. The Stop button closes the connection and keeps what
        arrived, also when this runs on a notebook cell's main thread (the kernel hears the page while the
        cell streams, see ``_stop_listener``). Ctrl-C (Kernel > Interrupt) still interrupts; the partial
        reply then stays playable here, and in ``client.last_reply``.
        """
        from .._stop_listener import hearing_stop
        from ._feed import feed

        try:
            with stream, hearing_stop(self, stream.cancel):
                known = stream.reply  # the layout is known before any audio (a speech reply's Content-Type)
                self.use_layout(known.sample_rate, known.channels)
                feed(stream, self)
        finally:
            self.finish(stream.reply)  # whatever happened, what arrived becomes the player's file
        return stream.reply

    # --- stopping ----------------------------------------------------------------------------------------

    def on_stop(self, callback: Callable[[LivePlayer], object]) -> None:
        """Call ``callback(player)`` when the person presses Stop in the page (or :meth:`request_stop`).

        The callback should stop the stream (``ReplyStream.cancel()``) and leave the partial reply to
        :meth:`finish`. It runs at most once, and never after the reply has ended. Registering one shows
        the Stop button (unless :attr:`show_stop` is off: the host shows a Stop of its own).
        """
        self._stop_callbacks.append(callback)
        self.stoppable = True
        self.stop_note = ""

    def stop_unavailable(self, reason: str) -> None:
        """Say why this reply cannot be stopped from the page (e.g. "Stop needs ipykernel 7; use Kernel >
        Interrupt"): the page shows Stop disabled with ``reason``, rather than no Stop at all."""
        if not self.stoppable:
            self.stop_note = str(reason)

    def request_stop(self) -> bool:
        """Do what the page's Stop button does: run the :meth:`on_stop` callbacks, once.

        Returns False (and does nothing) when the reply has already ended or a stop was already asked.
        """
        with self._lock:
            if self._end is not None or self._stop.is_set():
                return False
            self._stop.set()
        for callback in list(self._stop_callbacks):
            callback(self)
        return True

    @property
    def stop_requested(self) -> bool:
        """Whether Stop was pressed (or :meth:`request_stop` called) before the reply ended."""
        return self._stop.is_set()

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
            return b"".join(self._pcm)

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` or :meth:`fail` was called."""
        return self._end is not None

    @property
    def traffic(self) -> dict[str, int]:
        """Bytes this player sent to the front end (binary and JSON) and the PCM they carried."""
        with self._lock:
            pcm = sum(len(c) for c in self._pcm)
            return {"pcm": pcm, "buffers": self.buffer_bytes, "json": self.json_bytes}

    @property
    def compressed(self) -> bool:
        """Whether this reply's audio goes to the page as Opus (see :attr:`compress`)."""
        return self._link.compressing

    def close(self) -> None:
        """Close the widget. Compressed audio still in the encoder goes first (too late to play when the
        page has already let go of the view: :meth:`end_audio` is for that)."""
        link = getattr(self, "_link", None)  # None: __init__ failed before it (the widget closes in __del__)
        if link is not None:
            if self.comm is not None:
                link.drain()
            link.abort()
        super().close()

    def __repr__(self) -> str:
        state = "finished" if self._end else "streaming"
        seconds = len(self.pcm) / 2 / self.channels / self.sample_rate
        return f"<LivePlayer {state} {seconds:.1f} s, {len(self.transcript)} transcript characters>"

    # --- front-end protocol --------------------------------------------------------------------------------

    def _post(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.json_bytes += _json_size(content)
        self.buffer_bytes += sum(len(b) for b in buffers or ())
        self.send(content, buffers=buffers)

    def _post_audio(self, content: dict[str, Any], buffers: list[bytes], pcm: bytes) -> None:
        """Send one audio message (raw or compressed) under the next sequence number, keeping its pcm for
        a replay. Called with the lock held."""
        content["seq"] = len(self._chunks)
        self._chunks.append(pcm)
        self._post(content, buffers)

    def _on_front_end(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("t")
        with self._lock:
            if kind in ("ready", "link"):
                self._link.hear(content)
                self._start_early()
            if kind == "ready" and content.get("code") == CODE_VERSION:
                _LAST_PAGE["code"] = CODE_VERSION
            elif kind == "code":  # the loader of a page that lacks the code (reloaded, another tab) asks
                self._post({"t": "code", "hash": CODE_VERSION}, [PLAYER_MODULE.encode("utf-8")])
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
        if kind == "stop":
            self.request_stop()  # outside the lock: the callbacks may wait for the streaming thread

    def _start_early(self) -> None:
        """A reply that will go compressed starts its encoder before its first chunk (ffmpeg's start, tens
        of milliseconds, is then not on the way to the first sound)."""
        if not self._pcm and self._end is None and self._link.wants_opus(self.compress, self.sample_rate,
                                                                        self.channels):
            self._link.start(self.sample_rate, self.channels)

    def _replay(self, first: int, text_from: int) -> None:
        if first < len(self._chunks):
            self._post({"t": "pcm", "seq": first, "replay": True}, self._chunks[first:])
        if text_from < self._transcript_len:
            self._post({"t": "text", "at": text_from, "text": _after_units(self.transcript, text_from)})
        if self._end is not None:
            self._post(self._end)


def _check_layout(sample_rate: Any, channels: Any) -> None:
    if not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive whole number of Hz, not {sample_rate!r}")
    if not isinstance(channels, int) or not 1 <= channels <= 8:
        raise ValueError(f"channels must be a whole number from 1 to 8, not {channels!r}")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0
