"""Speech to text: ``OpenRouterAudio.transcribe`` over ``POST /audio/transcriptions`` or chat.

Transcription models (``openai/whisper-1``, the default) go to the dedicated endpoint, which writes
down what is said, word for word, and reports usage in seconds or tokens with the cost. Chat models that
take audio in are sent the audio with a prompt on ``/chat/completions``, as before. The model list
decides which; when it cannot be read, a model's name does.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from typing import Any

from ..core._catalogue import CHAT_IN, TRANSCRIPTION, Catalogue, looks_like_transcription_model, refusal
from ..core._defaults import TRANSCRIPTION_MAX_BYTES, WIRE_FORMAT
from ..core._events import Event
from ..core._formats import TRANSCRIPTION_FORMATS
from ..core._inputs import PreparedAudio, wav_fits
from ..core._numbers import server_cost
from ..core._reply import AudioReply
from ..core._reply_parts import ReplyOrigin, ReplyOutcome
from ..core._timed import segments_from_verbose
from ..errors import APIError, AudioInputError, ModelCapabilityError, OptionError
from ._audio_args import audio_sources
from ._chat import ChatRequests
from ._long_recording import check_local, read_source
from ._long_transcription import (
    one_piece_times,
    piece_limits,
    pop_long_options,
    too_long,
    transcribe_long,
    verbose_params,
)
from ._models_api import ModelLists, explain_refusal
from ._options import check_finite, check_options
from ._parts import audio_part, download_source, prepare_audio, prepare_for_model
from ._requester import JSON, Requester, Within

DEFAULT_PROMPT = "Transcribe this audio."
VIA = ("transcriptions", "chat")


def transcription_body(model: str, prepared: PreparedAudio, language: str | None,
                       temperature: float | None, provider: Mapping[str, Any] | None,
                       params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of ``POST /audio/transcriptions`` (base64 without a ``data:`` prefix)."""
    body: dict[str, Any] = {**params, "model": model, "input_audio": dict(prepared.part["input_audio"])}
    for name, value in (("language", language), ("temperature", temperature)):
        if value is not None:
            body[name] = value
    if provider is not None:
        body["provider"] = dict(provider)
    return body


def for_endpoint(source: Any, model: str, max_bytes: int = TRANSCRIPTION_MAX_BYTES) -> PreparedAudio:
    """``source`` as one of the endpoint's formats, within its size limit (refused before sending)."""
    prepared = prepare_for_model(source, model, max_bytes=max_bytes)
    if prepared.format in TRANSCRIPTION_FORMATS:
        return prepared
    fits = wav_fits(prepared.duration, prepared.sample_rate, prepared.channels, max_bytes)
    data = binascii.a2b_base64(prepared.part["input_audio"]["data"])
    raw = {"format": prepared.format, "sample_rate": prepared.sample_rate} if prepared.format.startswith(
        "pcm") else {}
    return prepare_audio(data, target="wav" if fits else "mp3", max_bytes=max_bytes, **raw)


def route(model: str, catalogue: Catalogue, via: str | None) -> str:
    """"transcriptions" or "chat" for ``model``; a clear refusal when it can do neither."""
    if via not in (None, *VIA):
        raise OptionError(f"via must be one of {', '.join(VIA)} (or None: the model decides), not {via!r}")
    if via == "transcriptions":
        catalogue.require(model, TRANSCRIPTION)  # the model names no secret: it is sent as it is anyway
        return via
    if via == "chat":
        return via
    catalogue.require_known(model, TRANSCRIPTION)  # a listed catalogue refuses an id it does not name
    entry = catalogue.get(model)
    if entry is None or not catalogue.listed or not entry.described:
        known = entry is not None and entry.serves(TRANSCRIPTION)
        return "transcriptions" if known or looks_like_transcription_model(model) else "chat"
    if entry.serves(TRANSCRIPTION):
        return "transcriptions"
    if entry.serves(CHAT_IN):
        return "chat"
    raise ModelCapabilityError(refusal(model, TRANSCRIPTION, catalogue))


class Transcriptions:
    """Transcribes over one client's request path: the dedicated endpoint, or a chat model that listens
    (through the client's :class:`ChatRequests`), as the model list says."""

    def __init__(self, requester: Requester, lists: ModelLists, chat: ChatRequests) -> None:
        self._requester = requester
        self._lists = lists
        self._chat = chat

    def transcribe(self, audio: Any, *, model: str, language: str | None, temperature: float | None,
                   provider: Mapping[str, Any] | None, prompt: str | None, via: str | None,
                   on_event: Callable[[Event], object] | None, params: dict[str, Any]) -> AudioReply:
        """Write down what is said in ``audio`` (see :meth:`OpenRouterAudio.transcribe`)."""
        check_local(audio)  # a missing or empty file is refused before the model list is read
        check_language(language)
        check_options(deadline=params.get("deadline"))
        check_finite({"temperature": temperature, **params})
        # one deadline for the model list and the request: the list's reading counts against it
        within = self._requester.within(params.pop("deadline", None))
        catalogue = self._lists.catalogue(within=within)
        if route(model, catalogue, via) == "chat":
            if language is not None:  # a chat model has no language field: the prompt says it
                prompt = f"{prompt or DEFAULT_PROMPT} The speech is in the language {language!r} (ISO-639-1)."
            if provider is not None:
                params["provider"] = dict(provider)
            return self._transcribe_chat(audio, model, prompt or DEFAULT_PROMPT, temperature, on_event,
                                         within, params)
        if prompt is not None and prompt != DEFAULT_PROMPT:
            raise OptionError(f"{model} writes down what is said and takes no prompt; drop prompt=, or "
                             "pick a chat model that listens (e.g. google/gemini-2.5-flash) to follow one")
        sources = audio_sources(audio)
        if not sources:
            raise AudioInputError("transcribe() needs at least one audio source: a path, URL, bytes or array")
        if len(sources) != 1:
            raise AudioInputError(f"the transcription endpoint takes one audio source per request, not "
                             f"{len(sources)}; use transcribe_many() for several")
        # read once, whatever it is: a URL downloaded, a file object read, an array made a WAV
        source = read_source(sources[0], download_source)
        # longer than one request carries (the model list says how much, else a table): in pieces
        long = pop_long_options(params)
        limits = piece_limits(model, catalogue.get(model), long.pop("max_piece_seconds", None))

        def send(prepared: PreparedAudio, extra: Mapping[str, Any], timestamps: str | None,
                 within: Within) -> AudioReply:
            call = {**params, **extra, **verbose_params(model, timestamps)}
            headers = call.pop("headers", None)
            body = transcription_body(model, prepared, language, temperature, provider, call)
            return one_piece_times(self._post(body, headers, within, model, catalogue), prepared.duration,
                                   timestamps)

        def piece(wav: bytes, **call: Any) -> AudioReply:
            """One piece of a long recording: it fits one request by construction; its own deadline."""
            call.pop("model")
            return send(for_endpoint(wav, model, limits.bytes), call, None, self._requester.within(None))

        def in_pieces() -> AudioReply:
            return transcribe_long(piece, source.whole, model=model, limits=limits,
                                   cancel=self._requester.transport.abort_all, **long)

        if too_long(source.whole, limits):
            return in_pieces()
        prepared = for_endpoint(source.short, model, limits.bytes)  # bad audio fails here, before sending
        if too_long(source.whole, limits, prepared.duration):
            return in_pieces()
        return send(prepared, {}, long.get("timestamps"), within)

    def _transcribe_chat(self, audio: Any, model: str, prompt: str, temperature: float | None,
                         on_event: Callable[[Event], object] | None, within: Within,
                         params: dict[str, Any]) -> AudioReply:
        sources = audio_sources(audio)
        if not sources:
            raise AudioInputError("transcribe() needs at least one audio source: a path, URL, bytes or array")
        if temperature is not None:
            params = {**params, "temperature": temperature}
        headers = params.pop("headers", None)
        parts = [{"type": "text", "text": prompt}, *(audio_part(source, model) for source in sources)]
        with self._chat.open([{"role": "user", "content": parts}], model=model, audio=None, headers=headers,
                             wire_format=WIRE_FORMAT, within=within, params=params) as reply_stream:
            reply: AudioReply = reply_stream.collect(on_event)
            return reply

    def _post(self, body: dict[str, Any], headers: Mapping[str, str] | None, within: Within, model: str,
              catalogue: Catalogue) -> AudioReply:
        """Send the request and read its JSON answer, all by the call's deadline (the request path
        masks echoes of the key in the text, the usage and the headers, as in a chat reply)."""
        def explain(error: APIError) -> APIError:
            return explain_refusal(error, model, TRANSCRIPTION, catalogue)

        answer = self._requester.request("POST", "/audio/transcriptions", accept=JSON, body=body,
                                         headers=headers, within=within, whole=True, explain=explain)
        payload = answer.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise APIError(f"POST {answer.url} did not answer with a transcription "
                           '({"text": ...}); the server may not be OpenRouter: check the base URL',
                           status=answer.status)
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else None
        origin = ReplyOrigin(model=model, id=answer.headers.get("X-Generation-Id") or None, usage=usage,
                             cost=server_cost(usage))
        timed = segments_from_verbose(payload, "words" if body.get("timestamp_granularities") == ["word"]
                                      else "segments")
        return AudioReply(text=payload["text"], origin=origin, outcome=ReplyOutcome(finish_reason="stop"),
                          segments=tuple(timed))


def check_language(language: object) -> None:
    """Refuse, before sending, a ``language`` that is not an ISO-639-1 code such as "en" or "fr"."""
    if language is None or (isinstance(language, str) and len(language) == 2 and language.isascii()
                            and language.isalpha()):
        return
    raise OptionError(f"language must be an ISO-639-1 code of two letters, such as 'en' or 'fr', not "
                      f"{language!r}")
