"""Reading a text aloud with ``POST /audio/speech``: ``OpenRouterAudio.say`` and ``open_speech``.

The endpoint answers with raw audio, played as it arrives: its bytes become the AudioDelta events a
chat stream yields, so the LivePlayer and the magic's live display take them unchanged. A text longer
than the model's input limit is split at sentence boundaries and sent as consecutive requests whose
audio is joined into one reply, with nothing added between them; cancelling stops the current request
and sends no more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..core._catalogue import SPEECH, Catalogue, speech_input_limit
from ..core._events import Event, Started, Usage
from ..core._reply import AudioReply, ReplyBuilder
from ..core._speech_audio import SpeechLayout, iter_audio_events, layout_from_content_type
from ..core._speech_text import check_speech_text, split_speech_text
from ..errors import APIError, OpenRouterAudioError
from ._models_api import check, explain_refusal
from ._replystream import CANCELLED, ReplyStream, StreamBroken
from ._transport import ResponseConnection
from ._wire import Call, output_format

_ACCEPT = {"Accept": "audio/*, application/json"}
Sent = tuple[ResponseConnection, SpeechLayout, "str | None"]  # the body, its layout, X-Generation-Id


def speech_body(model: str, text: str, voice: str, response_format: str, speed: float | None,
                provider: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of ``POST /audio/speech`` (OpenAI-compatible; ``speed`` only when given)."""
    body: dict[str, Any] = {**params, "model": model, "input": text, "voice": voice,
                            "response_format": response_format}
    if speed is not None:
        body["speed"] = speed
    if provider is not None:
        body["provider"] = dict(provider)
    return body


class SpeechChain:
    """The bodies of consecutive speech requests as one byte source (a ReplyStream ``Connection``).

    The first response is open already; each later piece is sent when the previous one has ended, and
    must describe its audio the same way. A refused or unreadable piece ends the reply incomplete, with
    everything received before it kept.
    """

    def __init__(self, first: ResponseConnection, layout: SpeechLayout, pieces: list[str],
                 send: Callable[[str], Sent]) -> None:
        self.layout = layout
        self._current = first
        self._pieces = pieces
        self._send = send
        self._lock = threading.Lock()
        self._aborted = False
        self.sent = 1

    def said(self) -> list[str]:
        """The pieces of text sent so far."""
        return self._pieces[: self.sent]

    def chunks(self) -> Iterator[bytes]:
        yield from self._audio_of(self._current, 1)
        for index, piece in enumerate(self._pieces[1:], 2):
            if self._aborted:
                raise StreamBroken(CANCELLED, "cancelled")
            connection = self._next(piece, index)
            with self._lock:
                self._current, self.sent = connection, index
                aborted = self._aborted
            if aborted:  # cancelled while this piece was being sent: it is not wanted either
                connection.abort()
                raise StreamBroken(CANCELLED, "cancelled")
            yield from self._audio_of(connection, index)

    def _audio_of(self, connection: ResponseConnection, index: int) -> Iterator[bytes]:
        """The bytes of one piece's answer; an answer with no audio in it (an empty 200, or less than one
        sample of pcm) ends the reply incomplete: a reply of 0 s is not what was asked for."""
        received = 0
        for chunk in connection.chunks():
            received += len(chunk)
            yield chunk
        smallest = 2 * self.layout.channels if self.layout.wire_format == "pcm16" else 1
        if received < smallest and not self._aborted:
            count = len(self._pieces)
            where = f"part {index} of {count} of the text" if count > 1 else "the text"
            raise StreamBroken("protocol", f"the speech endpoint answered 200 with no audio for {where} "
                               f"({received} bytes); try again, or another voice or model")

    def _next(self, piece: str, index: int) -> ResponseConnection:
        where = f"part {index} of {len(self._pieces)} of the text"
        try:
            connection, layout, _ = self._send(piece)
        except OpenRouterAudioError as exc:
            raise StreamBroken("api", f"{where} was refused: {exc}") from None
        if layout != self.layout:
            connection.abort()
            raise StreamBroken("protocol", f"{where} came as {layout}, not {self.layout} like the first")
        return connection

    def usage(self) -> Usage:
        """What was read aloud: characters and requests (the endpoint reports no cost in its body)."""
        characters = sum(len(piece) for piece in self._pieces[: self.sent])
        return Usage({"characters": characters, "requests": self.sent}, None)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            current = self._current
        current.abort()

    def close(self) -> None:
        self._current.close()


class SpeechMixin:
    """``say`` and ``open_speech`` for :class:`OpenRouterAudio`."""

    speech_model: str
    speech_voice: str
    _key: Any
    _last_stream: ReplyStream | None
    _call: Any
    _http: Any
    catalogue: Callable[..., Catalogue]

    def say(self, text: str, *, model: str | None = None, voice: str | None = None, format: str = "wav",
            speed: float | None = None, provider: Mapping[str, Any] | None = None,
            on_event: Callable[[Event], object] | None = None, **params: Any) -> AudioReply:
        """Read ``text`` aloud, word for word, with a speech model; the audio as an AudioReply.

        ``model`` and ``voice`` default to the client's ``speech_model`` and ``speech_voice``. mp3 is
        asked of the server when ``format="mp3"``; other formats are built here from its pcm. ``speed``
        is used by the models that support it; ``provider`` is OpenRouter's provider routing object.
        ``on_event`` sees each event (AudioDelta as the bytes arrive). A text over the model's input
        limit is read in consecutive requests joined into one reply. Ctrl-C keeps what arrived in
        ``last_reply``, marked incomplete.
        """
        with self.open_speech(text, model=model, voice=voice, format=format, speed=speed,
                              provider=provider, **params) as stream:
            return stream.collect(on_event)

    def open_speech(self, text: str, *, model: str | None = None, voice: str | None = None,
                    format: str = "wav", speed: float | None = None,
                    provider: Mapping[str, Any] | None = None, wire: str | None = None,
                    headers: Mapping[str, str] | None = None, deadline: float | None = None,
                    **params: Any) -> ReplyStream:
        """Send the (first) speech request and return its ReplyStream once the server answered 200.

        ``wire="pcm"`` asks for pcm even for an mp3 reply (what a live player needs). Everything a
        model cannot serve is refused before sending when the model list says so.
        """
        text = check_speech_text(text)
        fmt = output_format({"format": format})
        model, voice = model or self.speech_model, voice or self.speech_voice
        first_call = self._call("POST", "/audio/speech", None, {**_ACCEPT, **(headers or {})}, deadline)
        catalogue = self.catalogue(within=(first_call.deadline, first_call.seconds))
        check(self._key, catalogue.require, model, SPEECH)
        check(self._key, catalogue.require_voice, model, voice)
        limit = speech_input_limit(model, catalogue.get(model))
        # the white space between pieces is not sent
        pieces = [piece.strip() for piece in split_speech_text(text, limit) if not piece.isspace()]
        # joined mp3 files are not one clean mp3: several pieces come as pcm and are encoded here
        asked = "mp3" if fmt == "mp3" and len(pieces) == 1 and wire != "pcm" else "pcm"

        def send(piece: str) -> Sent:
            body = speech_body(model, piece, voice, asked, speed, provider, params)
            headers = {**first_call.headers, "Content-Type": "application/json"}
            call = Call("POST", first_call.url, body, headers, first_call.deadline, first_call.read_timeout,
                        first_call.max_retries, seconds=first_call.seconds)
            return self._send_speech(call, model, catalogue)

        first, layout, generation_id = send(pieces[0])
        chain = SpeechChain(first, layout, pieces, send)
        started = Started(generation_id, model, None)
        builder = ReplyBuilder(format=fmt, wire_format=layout.wire_format, sample_rate=layout.sample_rate,
                               channels=layout.channels, model=model)

        def decode(chunks: Iterable[bytes]) -> Iterator[Event]:
            return iter_audio_events(chunks, started, chain.usage, chain.said)

        self._last_stream = ReplyStream(chain, builder, deadline=first_call.deadline, decode=decode)
        return self._last_stream

    def _send_speech(self, call: Call, model: str, catalogue: Catalogue) -> Sent:
        try:
            response = self._http.send(call)
        except APIError as exc:
            raise explain_refusal(exc, model, SPEECH, catalogue) from None
        try:
            layout = layout_from_content_type(response.headers.get("Content-Type"))
        except OpenRouterAudioError:
            response.close()
            raise
        generation_id = response.headers.get("X-Generation-Id")
        return ResponseConnection(response, call.read_timeout), layout, generation_id
