"""Reading a text aloud with ``POST /audio/speech``: what ``OpenRouterAudio.say`` and ``open_speech`` send.

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

from ..core._catalogue import SPEECH, speech_input_limit
from ..core._events import Event, Started, Usage
from ..core._reply import ReplyBuilder
from ..core._speech_audio import SpeechLayout, iter_audio_events, layout_from_content_type
from ..core._speech_text import check_speech_text, split_speech_text
from ..errors import APIError, OpenRouterAudioError
from ._calls import Calls
from ._connection import ResponseConnection
from ._models_api import ModelLists, check, explain_refusal
from ._replystream import CANCELLED, ReplyStream, StreamBroken
from ._requester import AUDIO, Requester
from ._wire import output_format

Sent = tuple[ResponseConnection, SpeechLayout, "str | None"]  # the body, its layout, X-Generation-Id
# The most audio one speech answer may bring: 46 minutes of 24 kHz mono pcm16, where the text of one request
# is a few minutes of speech. A server that never stops sending would otherwise fill the memory.
SPEECH_BODY_LIMIT = 128 * 2**20


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
            if received > SPEECH_BODY_LIMIT:
                connection.abort()
                raise StreamBroken("protocol", f"the speech endpoint's answer went on past "
                                   f"{SPEECH_BODY_LIMIT:,} bytes, far more audio than a request's text can "
                                   "make; what came first is kept")
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


class SpeechRequests:
    """Opens speech replies (``POST /audio/speech``) as ReplyStreams, over one client's request path and
    model lists."""

    def __init__(self, requester: Requester, lists: ModelLists, calls: Calls) -> None:
        self._requester = requester
        self._lists = lists
        self._calls = calls

    def open(self, text: str, *, model: str, voice: str, format: str, speed: float | None,
             provider: Mapping[str, Any] | None, wire: str | None, headers: Mapping[str, str] | None,
             deadline: float | None, params: dict[str, Any]) -> ReplyStream:
        """Send the (first) speech request and return its ReplyStream once the server answered 200.

        Every piece of a long text is sent by the same deadline, with the same headers.
        """
        self._calls.begin()
        text = check_speech_text(text)
        fmt = output_format({"format": format})
        within = self._requester.within(deadline)
        catalogue = self._lists.catalogue(within=within)
        key = self._requester.transport.key
        check(key, catalogue.require, model, SPEECH)
        check(key, catalogue.require_voice, model, voice)
        limit = speech_input_limit(model, catalogue.get(model))
        # the white space between pieces is not sent
        pieces = [piece.strip() for piece in split_speech_text(text, limit) if not piece.isspace()]
        # joined mp3 files are not one clean mp3: several pieces come as pcm and are encoded here
        asked = "mp3" if fmt == "mp3" and len(pieces) == 1 and wire != "pcm" else "pcm"

        def explain(error: APIError) -> APIError:
            return explain_refusal(error, model, SPEECH, catalogue)

        def send(piece: str) -> Sent:
            body = speech_body(model, piece, voice, asked, speed, provider, params)
            answer = self._requester.request("POST", "/audio/speech", accept=AUDIO, body=body,
                                             headers=headers, within=within, explain=explain)
            connection = answer.stream()
            try:
                layout = layout_from_content_type(answer.headers.get("Content-Type"))
            except OpenRouterAudioError:
                connection.abort()
                connection.close()
                raise
            return connection, layout, answer.headers.get("X-Generation-Id")

        first, layout, generation_id = send(pieces[0])
        chain = SpeechChain(first, layout, pieces, send)
        started = Started(generation_id, model, None)
        builder = ReplyBuilder(format=fmt, wire_format=layout.wire_format, sample_rate=layout.sample_rate,
                               channels=layout.channels, model=model)

        def decode(chunks: Iterable[bytes]) -> Iterator[Event]:
            return iter_audio_events(chunks, started, chain.usage, chain.said)

        return self._calls.opened(ReplyStream(chain, builder, deadline=within[0], decode=decode,
                                              secrets=self._requester.secrets))
