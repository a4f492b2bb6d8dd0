"""The one way a reply's stream feeds a live player: the magic, ``LivePlayer.play`` and AudioChat all use it.

The first bytes of the audio decide what it is (``core._audio_kind``): pcm16 goes to the player as it comes;
a compressed reply (a music model's MP3, an MP3 from the speech endpoint) is decoded while it arrives
(``core._live_decode``) and its pcm goes to the player at the reply's own rate and channels, so it plays
before its last byte. The reply itself keeps the compressed bytes, whatever the live path does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...core._audio_kind import UNREADABLE, classify
from ...core._events import AudioDelta, End, ErrorEvent, TextDelta, TranscriptDelta
from ...core._live_decode import LiveDecoder, decodable, live_layout

# What a reply's audio is taken for when its first bytes name no container: the chat stream's wire format
# (and the speech endpoint's, as the client asks for it); the bytes decide everything else.
WIRE = "pcm16"


class PlayerFeed:
    """Routes audio (and, with :meth:`take`, words) of one reply to ``player`` (a LivePlayer, or None to
    only count what arrives).

    The bytes decide what the audio is (headerless bytes are :data:`WIRE`). ``on_note`` is told, once,
    when live playback cannot follow (no ffmpeg, unreadable bytes): the saved player still gets the reply.
    ``expect``: "mp3" when the reply is known to come as an MP3 (a music model's song), to start the
    decoder before it arrives.
    """

    def __init__(self, player: Any, on_note: Any = None, expect: str | None = None) -> None:
        self.player = player
        self.kind: str | None = None  # what the bytes turned out to be
        self.note: str | None = None
        self._on_note = on_note
        self._head = bytearray()  # the first bytes, held until they say what they are
        self._decoder: LiveDecoder | None = None
        # ``expect="mp3"`` (a music model): the decoder starts now, ready when the song arrives
        early = expect == "mp3" and player is not None
        # at 48 kHz where the player would send it compressed: Opus cannot carry a song's 44.1 kHz
        rate = self._live_rate(44100, 2) if early else None
        self._early = LiveDecoder("mp3", self._play, self._tell, rate=rate) if early else None
        if rate is not None and rate != 44100:
            # the player's encoder starts now too, for a song's usual channels (a mono one restarts it)
            player.use_layout(rate, 2)
        self.received = 0  # bytes of audio received (compressed or not)
        self.pcm_bytes = 0  # pcm16 given to the player (decoded, for a compressed reply)

    @property
    def seconds(self) -> float:
        """Seconds of audio the player has been given so far (0 while a compressed reply is decoded)."""
        if self.player is None:
            return self.pcm_bytes / 48000  # no player: the chat wire's pcm16 (24 kHz mono)
        return self.pcm_bytes / (2 * self.player.sample_rate * self.player.channels)

    def take(self, event: object) -> None:
        """One event of the reply's stream: words to the transcript, audio to :meth:`audio`."""
        if isinstance(event, (TranscriptDelta, TextDelta)):
            if self.player is not None:
                self.player.append_transcript(event.text)
        elif isinstance(event, AudioDelta):
            self.audio(event.data)
        elif isinstance(event, (End, ErrorEvent)):
            self.close()

    def audio(self, data: bytes) -> None:
        """The next decoded bytes of the reply's audio."""
        self.received += len(data)
        if self.kind is None:
            self._head += data
            kind = classify(bytes(self._head[:8192]), WIRE)
            if kind is None:
                return
            data = bytes(self._head)
            self._head = bytearray()
            self._begin(kind, data)
        self._send(data)

    def close(self) -> None:
        """The reply has ended: play what is still held, wait for the decoder's last pcm, and let the
        player send what its encoder holds (before whoever ends the cell or the turn lets go of the view,
        so the reply's last ~40 ms still play live on the compressed path)."""
        if self.kind is None and self._head:
            data = bytes(self._head)
            self._head = bytearray()
            self._begin(classify(data[:8192], WIRE, final=True) or UNREADABLE, data)
            self._send(data)
        if self._decoder is not None:
            decoder, self._decoder = self._decoder, None
            decoder.close()
        if self._early is not None:  # started for a song that did not come
            early, self._early = self._early, None
            early.abort()
        end_audio = getattr(self.player, "end_audio", None)
        if end_audio is not None:
            end_audio()

    def abort(self) -> None:
        """The reply was stopped: decode nothing more."""
        for decoder in (self._decoder, self._early):
            if decoder is not None:
                decoder.abort()
        self._decoder = self._early = None

    def _send(self, data: bytes) -> None:
        if self.kind == "pcm16":
            self._play(data)
        elif self._decoder is not None:
            self._decoder.push(data)

    def _play(self, pcm: bytes) -> None:
        self.pcm_bytes += len(pcm)
        if self.player is not None:
            self.player.append_pcm(pcm)

    def _begin(self, kind: str, head: bytes) -> None:
        self.kind = "pcm16" if kind in ("pcm16", "pcm") else kind
        if self.kind == "pcm16":
            return  # an early decoder, if any, is let go at close
        if self.player is None:
            return  # nothing plays live: the reply keeps the bytes for its saved player
        if not decodable(kind):
            self._tell(f"the reply's audio is {kind}, which cannot play live here; the saved player shows "
                       "what it is")
            return
        own, channels = live_layout(kind, head)
        if kind == "mp3" and self._early is not None:
            rate = self._early.rate or own
        else:
            rate = self._live_rate(own, channels)
        try:
            self.player.use_layout(rate, channels, source_rate=own)
        except RuntimeError as exc:
            self._tell(str(exc))
            return
        if kind == "mp3" and self._early is not None:
            self._decoder, self._early = self._early, None
            self._decoder.set_layout(rate, channels)
        else:
            self._decoder = LiveDecoder(kind, self._play, self._tell, layout=(rate, channels))

    def _live_rate(self, rate: int, channels: int) -> int:
        """The rate to decode at for this player (see ``LivePlayer.live_rate``): its own, or 48 kHz."""
        live_rate = getattr(self.player, "live_rate", None)
        return rate if live_rate is None else int(live_rate(rate, channels))

    def _tell(self, note: str) -> None:
        if self.note is None:
            self.note = note
            if self._on_note is not None:
                self._on_note(note)


def feed(stream: Iterable[object], player: Any) -> PlayerFeed:
    """Play a reply's ``stream`` of events in ``player`` as it arrives; return the feed (what it played)."""
    playing = PlayerFeed(player)
    try:
        for event in stream:
            playing.take(event)
    except BaseException:
        playing.abort()
        raise
    playing.close()
    return playing
