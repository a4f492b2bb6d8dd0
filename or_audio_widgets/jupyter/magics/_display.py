"""The streaming display of one reply: a status line and the words, growing while the reply arrives.

Bytes sent to the front end stay linear in the transcript: the words go out as plain-text stream output
(each piece once, escaped by being text), and only a short status line is re-sent, through a display handle.
Both are throttled, so however fast deltas come the front end gets at most ``TEXT_RATE + STATUS_RATE``
(15) messages a second. When the stream ends the live output is cleared and replaced by the static HTML
record (see :mod:`._saved`).
"""

from __future__ import annotations

import html
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from ...core._events import AudioDelta, End, ErrorEvent, KeepAlive, Started, TextDelta, TranscriptDelta
from ..widgets._feed import PlayerFeed

TEXT_RATE = 10.0  # text pieces per second at most
STATUS_RATE = 5.0  # status line updates per second at most


class LiveDisplay:
    """Shows one streaming reply; call :meth:`start`, :meth:`feed` per event, then :meth:`finish`.

    ``player`` is an optional live widget (``append_transcript`` / ``append_pcm``): when given, the words
    and the audio go to it instead of the text stream. ``music``: the reply is a music model's song (an MP3
    in one event, lyrics with timestamps): its decoder starts at once, and its words show as timed lines.
    """

    def __init__(
        self,
        model: str,
        *,
        notice: str | None = None,
        player: Any = None,
        clock: Callable[[], float] = time.monotonic,
        music: bool = False,
    ) -> None:
        self.model = model
        self.notice = notice
        self.player = player
        self._clock = clock
        self._t0 = clock()
        self._last_text = self._last_status = float("-inf")
        self._pending_text: list[str] = []
        # the one way audio reaches a live player (a song: its decoder started at once)
        self.audio = PlayerFeed(player, on_note=self._note, expect="mp3" if music else None)
        self.waiting_note = ""  # what is happening while nothing can play yet (e.g. a music model composing)
        self.playing_out = False  # all of it has arrived, and it plays on
        # a song's words are lyrics with stamps ("[4.0:6.0] SUN IS SHINING"): shown whole, as timed lines
        self._lyrics = music
        self._content = False  # any transcript, text or audio yet
        self._waiting = True  # only keep-alive comments since the last content
        self._status_shown = ""
        self._handle: Any = None
        self.updates = 0  # messages sent to the front end, for the benchmark and tests

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the status line (and the live player, when there is one)."""
        from IPython.display import display

        if self.player is not None:
            display(self.player)
        self._handle = display(self._status_bundle(), raw=True, display_id=True)
        self._status_shown = self._status_text()
        self.updates += 1

    def feed(self, event: object) -> None:
        """Take one event; send what is due (throttled)."""
        if isinstance(event, (TranscriptDelta, TextDelta)):
            self._pending_text.append(event.text)
            self._content, self._waiting = True, False
        elif isinstance(event, AudioDelta):
            # Audio goes to the player at once, never held for the text throttle: a chunk is already
            # 400 ms of sound, and a held chunk would wait for the next event, which a provider sending
            # in bursts may not send for seconds (the page would run dry).
            first = not self.audio.received
            self.audio.audio(event.data)
            self.updates += self.player is not None
            self._content, self._waiting = True, False
            if first:  # "waiting" gives way at once, not at the next tick (a song may be the only event)
                self._last_status = self._clock()
                self._send_status()
        elif isinstance(event, KeepAlive):
            self._waiting = True
        elif isinstance(event, Started) and event.model:
            self.model = event.model
        elif isinstance(event, (End, ErrorEvent)):
            self.audio.close()  # a compressed reply's last decoded pcm reaches the player first
            self.flush()
            return
        self._tick()

    def flush(self) -> None:
        """Send whatever is pending now, regardless of the rate limits."""
        self._send_text(final=True)
        self._send_status()

    def finish(self, bundle: dict[str, str]) -> None:
        """Replace the live output with the saved record ``bundle`` (a MIME bundle)."""
        from IPython.display import clear_output, display

        self.audio.close()
        self.flush()
        clear_output(wait=True)
        display(bundle, raw=True)
        self.updates += 2

    def discard(self) -> None:
        """Clear the live output (its place is taken by whatever is shown next, e.g. an error)."""
        from IPython.display import clear_output

        self._pending_text.clear()
        self.audio.abort()
        clear_output(wait=True)
        self.updates += 1

    def play_out(self, margin: float = 0.5, poll: float = 0.05) -> None:
        """Wait while the live player still has audio to play: the cell ends when its sound has played
        (Stop or Ctrl-C end it sooner), not when the last byte arrived. A reply paced at the speed of
        speech is already played out when its stream ends; a song that comes in one event, or a provider
        faster than speech, would otherwise be cut when the saved output takes the live player's place.
        ``margin`` covers the page's lead, which the kernel does not know exactly."""
        player = self.player
        started = getattr(player, "first_chunk_time", None)
        if player is None or started is None:
            return
        self.audio.close()  # a compressed reply: all of it decoded and sent, so its length is known
        end = started + self.audio_seconds + margin
        if end - time.time() > 1.0:  # worth saying: the words and a status line that says what happens
            self.playing_out = True
            self.flush()
        while time.time() < end and not player.stop_requested:
            time.sleep(poll)

    def stop_audio(self) -> None:
        """The reply was stopped or interrupted: decode nothing more for the live player."""
        self.audio.abort()

    # --- what is shown -----------------------------------------------------------------------------------

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio received so far (for a compressed reply: decoded for the live player so far)."""
        return self.audio.seconds

    def _status_text(self) -> str:
        parts = [self.model, f"{self._clock() - self._t0:.1f} s"]
        if self.audio.pcm_bytes:
            parts.append(f"{self.audio_seconds:.1f} s of audio received")
        elif self.audio.received:
            parts.append(f"{self.audio.received / 1e6:.1f} MB of {self.audio.kind or 'audio'} received")
        if self.playing_out:
            parts.append("all of it has arrived; playing (Stop ends it, the saved player follows)")
        elif self._waiting:
            parts.append(self.waiting_note or "waiting for the provider")
        if self.audio.note:
            parts.append(self.audio.note)
        if self.notice:
            parts.append(self.notice)
        return " · ".join(parts)

    def _status_bundle(self) -> dict[str, str]:
        text = self._status_text()
        style = "font-family:var(--jp-ui-font-family,sans-serif);font-size:90%;opacity:.75"
        body = f'<div class="oraudio-status" style="{style}">{html.escape(text)}</div>'
        return {"text/plain": text, "text/html": body}

    # --- throttled sending ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        now = self._clock()
        if now - self._last_text >= 1.0 / TEXT_RATE:
            self._last_text = now
            self._send_text()
        if now - self._last_status >= 1.0 / STATUS_RATE:
            self._last_status = now
            self._send_status()

    def _send_text(self, final: bool = False) -> None:
        if not self._pending_text:
            return
        text = "".join(self._pending_text)
        if self._lyrics:  # held until the end, then shown as "0:04  SUN IS SHINING", not as raw stamps
            if not final:
                return
            text = _timed_lines(text)
        self._pending_text.clear()
        if self.player is not None:
            self.player.append_transcript(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        self.updates += 1

    def _send_status(self) -> None:
        if self._handle is None:
            return
        text = self._status_text()
        if text == self._status_shown:
            return
        self._status_shown = text
        self._handle.update(self._status_bundle(), raw=True)
        self.updates += 1


    def _note(self, _note: str) -> None:
        self._send_status()


def _timed_lines(text: str) -> str:
    """A song's lyrics as lines with their start ("0:04  SUN IS SHINING"); the text as it came when it has
    no timed line (``<instrumental>`` reads "instrumental")."""
    from ...core._lyrics import parse_lyrics
    from ...core._timed import clock

    lyrics = parse_lyrics(text)
    if lyrics.instrumental:
        return "♪ instrumental (no lyrics)"
    if not lyrics.timed:
        return text
    return "\n".join(f"{clock(line.start)}  {line.text}" if line.start is not None else line.text
                     for line in lyrics.lines) + "\n"


def front_end_attached(shell: Any) -> bool:
    """Whether a front end that renders widgets is likely attached to this kernel.

    Jupyter Server sets ``JPY_SESSION_NAME`` for the kernels it starts (JupyterLab, Notebook 7), VS Code
    puts ``__vsc_ipynb_file__`` in the namespace, Colab has ``google.colab``. Headless runs (nbclient,
    nbconvert, papermill) have none, and a widget there would only leave its state in the saved file.
    """
    return bool(os.environ.get("JPY_SESSION_NAME")) or "__vsc_ipynb_file__" in shell.user_ns or (
        "google.colab" in sys.modules)
