"""One ``%%oraudio`` request from start to saved record: inputs, stream, live display, record, errors."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import APIError, OpenRouterAudioError, UnknownModelError
from .._saved import DEFAULT_EMBED_LIMIT, place_audio, saved_bundle
from .._session import ReadyClient
from .._stop_listener import hearing_stop
from ._display import LiveDisplay
from ._voices import check_voice, learn_voices

# What the status line says while a music model composes: nothing can play before the song arrives whole.
MUSIC_WAIT = ("composing: the song arrives whole, in one piece, and then plays at once (a 30 s clip usually "
              "takes about 10 s)")


class CellError(OpenRouterAudioError):
    """An error shown as a few plain lines in place of a traceback (IPython's ``_render_traceback_``).

    A subclass of the package's base error, so ``except OpenRouterAudioError`` around a magic catches it.
    """

    def __init__(self, title: str, message: str, *, notice: str | None = None) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message
        self.notice = notice

    def _render_traceback_(self) -> list[str]:
        # bold, not red: the front end already shows errors on a red-tinted background, where red text
        # reads poorly (2.7:1 in JupyterLab's light theme)
        lines = [f"\x1b[1m{self.title}\x1b[0m: {self.message}"]
        if self.notice:
            lines.append(f"({self.notice})")
        return lines


@dataclass
class Request:
    """What a cell asks for, after option parsing and ``{name}`` substitution."""

    prompt: str
    model: str
    audio: dict[str, str] | None  # None: a text reply
    sources: list[Any] = field(default_factory=list)
    system: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    embed: str = "auto"
    embed_limit: int = DEFAULT_EMBED_LIMIT
    save: Path | None = None
    autoplay: bool = False
    surface: str = "chat"  # or "speech" (/audio/speech), "transcription" (/audio/transcriptions), "music"
    out: str | None = None  # the --out variable: also the name of the downloaded file
    subtitles: dict[str, Path] = field(default_factory=dict)  # --srt/--vtt: {"srt": path, "vtt": path}

    def file_stem(self) -> str:
        """A readable name for this reply's file: the ``--out`` name, else the prompt's first words."""
        if self.out:
            return self.out
        words = re.findall(r"[A-Za-z0-9]+", self.prompt)[:6]
        return "-".join(words).lower()[:48] or "reply"


def error_from(exc: BaseException, notice: str | None = None) -> CellError:
    """The short error shown for ``exc``: OpenRouter's message and what to do."""
    if isinstance(exc, UnknownModelError):  # in a notebook, the list of ids is a magic away
        return CellError("Unknown model", exc.explain("%oraudio_models"), notice=notice)
    if isinstance(exc, APIError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return CellError(f"OpenRouter error{status}", f"{exc.message} — {exc.hint}", notice=notice)
    return CellError(type(exc).__name__, str(exc), notice=notice)


def cell_messages(request: Request) -> list[dict[str, Any]]:
    """The chat messages: an optional system message, then the prompt and every audio part.

    Each source is converted when the model is known not to read its format (wav or mp3 for OpenAI's).
    """
    from ...client._parts import prepare_for_model

    parts: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
    parts += [prepare_for_model(source, request.model).part for source in request.sources]
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages.append({"role": "user", "content": request.prompt if len(parts) == 1 else parts})
    return messages


def execute(
    request: Request, connection: ReadyClient, *, player: Any = None,
    store: Callable[[Any], None] | None = None,
) -> tuple[Any, bool]:
    """Stream the reply with a live display, then leave the saved record; return (reply, interrupted).

    Errors before any output raise :class:`CellError`; a broken or interrupted stream still leaves the
    partial reply's record, marked incomplete. ``store`` gets the reply as soon as it is received, before
    the saving and compressing that follow, so a Ctrl-C during those cannot lose it.
    """
    notice = connection.notice
    try:
        # bad audio fails here, before any network call; transcribe() checks its own source (one of any
        # length, which it reads in place: building chat messages would load it whole, capped at 20 MB)
        messages = cell_messages(request) if request.surface != "transcription" else []
    except OpenRouterAudioError as exc:
        raise error_from(exc, notice) from None
    refused = check_voice(connection.client, request.model, request.audio["voice"]) if request.audio else None
    if refused:
        raise CellError("Unknown voice", refused, notice=notice)
    music = request.surface == "music"
    live = LiveDisplay(request.model, notice=notice, player=player, music=music)
    if music:
        live.waiting_note = MUSIC_WAIT + _request_price(connection.client, request.model)
    try:
        if request.surface == "transcription":
            return _transcribe(request, connection, live, store)
        return _stream(request, connection, messages, live, store)
    finally:
        _close(player)


def _stream(
    request: Request, connection: ReadyClient, messages: list[dict[str, Any]], live: LiveDisplay,
    store: Callable[[Any], None] | None = None,
) -> tuple[Any, bool]:
    notice = connection.notice
    live.start()
    interrupted = False
    stream: Any = None
    try:
        stream = open_reply(request, connection.client, messages, live_player=live.player is not None)
        if live.player is not None:  # a speech provider may answer at another rate than 24 kHz
            live.player.use_layout(stream.reply.sample_rate, stream.reply.channels)
        with hearing_stop(live.player, stream.cancel):
            for event in stream:
                live.feed(event)
            live.play_out()  # a song that came whole plays to its end before the saved player takes over
    except KeyboardInterrupt:
        interrupted = True
        live.stop_audio()
        if stream is not None:
            stream.cancel()
    except OpenRouterAudioError as exc:
        if stream is None or not _has_output(stream):
            live.discard()
            if request.audio:
                learn_voices(connection.client, request.model, request.audio["voice"], exc)
            raise error_from(exc, notice) from None
    finally:
        if stream is not None:
            stream.close()
    if stream is None:
        live.discard()
        return None, True
    reply = stream.reply
    if store is not None:
        store(reply)  # first: what follows (encoding, saving) takes time and may be interrupted
    stopped = live.player is not None and live.player.stop_requested and not reply.complete
    finish(live, reply, request, notice, stopped=stopped and not interrupted)
    return reply, interrupted


def _transcribe(request: Request, connection: ReadyClient, live: LiveDisplay,
                store: Callable[[Any], None] | None = None) -> tuple[Any, bool]:
    live.start()
    try:
        reply = transcribe_cell(request, connection.client)
    except KeyboardInterrupt:
        live.discard()
        return None, True
    except OpenRouterAudioError as exc:
        live.discard()
        raise error_from(exc, connection.notice) from None
    if store is not None:
        store(reply)
    from ._subtitles import write_subtitles

    finish(live, reply, request, write_subtitles(reply, request.subtitles, connection.notice))
    return reply, False


def finish(live: LiveDisplay, reply: Any, request: Request, notice: str | None, *,
           stopped: bool = False) -> None:
    """Save the audio where asked, place it per the embed policy, and swap the live output for the record
    (``stopped``: the person pressed Stop, said calmly rather than as an error)."""
    save_path = request.save
    if save_path is not None and len(reply.pcm):
        try:
            save_path.parent.mkdir(parents=True, exist_ok=True)
            reply.save(save_path)
        except (OSError, OpenRouterAudioError) as exc:  # the reply itself must still be shown
            notice = f"{notice}; " if notice else ""
            notice += f"could not save {save_path}: {exc}"
            save_path = None
    placement = place_audio(reply, embed=request.embed, limit=request.embed_limit, save_path=save_path)
    live.finish(saved_bundle(reply, placement, autoplay=request.autoplay, notice=notice,
                             name=request.file_stem(), stopped=stopped))


def _request_price(client: Any, model: str) -> str:
    """" · $0.04 a request" for a model priced per request (a music model), from the cached list; "" when
    the list gives no such price or cannot be read."""
    try:
        entry = client.catalogue().get(model)
        price = float((entry.pricing if entry is not None else {}).get("request", 0))
    except (OpenRouterAudioError, ValueError):
        return ""
    return f" · ${price:.2f} a request" if price > 0 else ""


def _has_output(stream: Any) -> bool:
    reply = stream.reply
    return bool(reply.transcript or reply.text or reply.pcm)


def _close(player: Any) -> None:
    """Close the live widget so its state (and a second copy of the audio) stays out of the notebook."""
    if player is not None:
        # A widget that cannot close must not hide the reply.
        with contextlib.suppress(Exception):
            player.close()


def open_reply(request: Request, client: Any, messages: list[dict[str, Any]], live_player: bool) -> Any:
    """The ReplyStream of a chat, music or speech request (a live player needs pcm, so a speech reply's mp3
    is built here)."""
    if request.surface == "music":  # stream required; the answer is an MP3 whatever audio.format would say
        return client.open(messages, model=request.model, modalities=["text", "audio"], **request.params)
    if request.surface == "speech":
        audio = request.audio or {}
        return client.open_speech(request.prompt, model=request.model, voice=audio.get("voice"),
                                  format=audio.get("format", "wav"), wire="pcm" if live_player else None,
                                  **request.params)
    return client.open(messages, model=request.model, audio=request.audio, **request.params)


def transcribe_cell(request: Request, client: Any) -> Any:
    """The AudioReply of a transcription cell (the endpoint answers whole, not as a stream)."""
    return client.transcribe(request.sources[0], model=request.model, via="transcriptions", **request.params)
