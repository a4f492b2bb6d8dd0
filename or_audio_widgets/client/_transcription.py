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
from ..core._defaults import DEFAULT_LISTEN_MODEL, TRANSCRIPTION_MAX_BYTES
from ..core._events import Event, TextDelta
from ..core._formats import TRANSCRIPTION_FORMATS
from ..core._inputs import PreparedAudio, wav_fits
from ..core._numbers import server_cost
from ..core._redact import mask_secrets, mask_url, mask_value
from ..core._reply import AudioReply
from ..core._reply_parts import ReplyOrigin, ReplyOutcome
from ..errors import APIError, AudioInputError, ModelCapabilityError, OptionError
from ._audio_args import audio_sources
from ._deadline import seconds_left
from ._echoes import EchoGuard
from ._models_api import explain_refusal
from ._options import check_finite, check_options
from ._parts import audio_part, prepare_audio, prepare_for_model

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


def for_endpoint(source: Any, model: str) -> PreparedAudio:
    """``source`` as one of the endpoint's formats, within its size limit (refused before sending).

    A ready ``input_audio`` part (a dict) is read back as audio and checked like any other source.
    """
    if isinstance(source, Mapping) and isinstance(source.get("input_audio"), Mapping):
        ready = source["input_audio"]
        raw = {"format": ready.get("format"), "sample_rate": 24000} if str(ready.get("format")).startswith(
            "pcm") else {}
        source = binascii.a2b_base64(str(ready.get("data", "")))
        prepared = prepare_audio(source, max_bytes=TRANSCRIPTION_MAX_BYTES, **raw)
    else:
        prepared = prepare_for_model(source, model, max_bytes=TRANSCRIPTION_MAX_BYTES)
    if prepared.format in TRANSCRIPTION_FORMATS:
        return prepared
    fits = wav_fits(prepared.duration, prepared.sample_rate, prepared.channels, TRANSCRIPTION_MAX_BYTES)
    data = binascii.a2b_base64(prepared.part["input_audio"]["data"])
    raw = {"format": prepared.format, "sample_rate": prepared.sample_rate} if prepared.format.startswith(
        "pcm") else {}
    return prepare_audio(data, target="wav" if fits else "mp3", max_bytes=TRANSCRIPTION_MAX_BYTES, **raw)


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


class TranscriptionMixin:
    """``transcribe`` for :class:`OpenRouterAudio`."""

    transcription_model: str
    _call: Any
    _within: Any
    _http: Any
    catalogue: Callable[..., Catalogue]
    open: Callable[..., Any]

    def transcribe(self, audio: Any, *, model: str | None = None, language: str | None = None,
                   temperature: float | None = None, provider: Mapping[str, Any] | None = None,
                   prompt: str | None = None, via: str | None = None,
                   on_event: Callable[[Event], object] | None = None, **params: Any) -> AudioReply:
        """Write down what is said in ``audio``; the words are ``reply.text``.

        ``model`` defaults to the client's ``transcription_model`` (``openai/whisper-1``), or to
        ``google/gemini-2.5-flash`` when a ``prompt`` is given (it follows one). Transcription
        models use ``POST /audio/transcriptions`` (one source, one of its formats, at most 25 MB, all
        checked before sending; ``reply.usage`` has seconds or tokens, ``reply.cost`` the cost); chat
        models that take audio in get the audio with ``prompt`` on chat completions, where a list of
        sources goes in one message. ``via`` forces "transcriptions" or "chat". ``language`` is an
        ISO-639-1 code; ``temperature`` is 0 to 1.
        """
        if model is None:  # a prompt asks for a model that follows one: the listening chat model, as before
            model = self.transcription_model if prompt is None else DEFAULT_LISTEN_MODEL
        check_language(language)
        check_options(deadline=params.get("deadline"))
        check_finite({"temperature": temperature, **params})
        # one deadline for the model list and the request: the list's reading counts against it
        within = self._within(params.pop("deadline", None))
        catalogue = self.catalogue(within=within)
        if route(model, catalogue, via) == "chat":
            if language is not None:  # a chat model has no language field: the prompt says it
                prompt = f"{prompt or DEFAULT_PROMPT} The speech is in the language {language!r} (ISO-639-1)."
            if provider is not None:
                params["provider"] = dict(provider)
            return self._transcribe_chat(audio, model, prompt or DEFAULT_PROMPT, temperature, on_event,
                                         {**params, "deadline": _left(within)})
        if prompt is not None and prompt != DEFAULT_PROMPT:
            raise OptionError(f"{model} writes down what is said and takes no prompt; drop prompt=, or "
                             "pick a chat model that listens (e.g. google/gemini-2.5-flash) to follow one")
        sources = audio_sources(audio)
        if not sources:
            raise AudioInputError("transcribe() needs at least one audio source: a path, URL, bytes or array")
        if len(sources) != 1:
            raise AudioInputError(f"the transcription endpoint takes one audio source per request, not "
                             f"{len(sources)}; use transcribe_many() for several")
        prepared = for_endpoint(sources[0], model)  # bad or oversized audio fails here, before sending
        headers = params.pop("headers", None)
        body = transcription_body(model, prepared, language, temperature, provider, params)
        accept = {"Accept": "application/json", **(headers or {})}
        call = self._call("POST", "/audio/transcriptions", body, accept)
        call.deadline, call.seconds = within
        return self._post_transcription(call, model, catalogue)

    def _transcribe_chat(self, audio: Any, model: str, prompt: str, temperature: float | None,
                         on_event: Callable[[Event], object] | None, params: dict[str, Any]) -> AudioReply:
        sources = audio_sources(audio)
        if not sources:
            raise AudioInputError("transcribe() needs at least one audio source: a path, URL, bytes or array")
        if temperature is not None:
            params = {**params, "temperature": temperature}
        parts = [{"type": "text", "text": prompt}, *(audio_part(source, model) for source in sources)]
        with self.open([{"role": "user", "content": parts}], model=model, **params) as reply_stream:
            reply: AudioReply = reply_stream.collect(on_event)
            return reply

    def _post_transcription(self, call: Any, model: str, catalogue: Catalogue) -> AudioReply:
        """Send the request and read its JSON answer, all by the call's deadline; echoes of the key in
        the text or the usage are masked as in a chat reply."""
        try:
            status, payload, headers = self._http.get_json(call)
        except APIError as exc:
            raise explain_refusal(exc, model, TRANSCRIPTION, catalogue) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise APIError(f"POST {mask_url(call.url)} did not answer with a transcription "
                           '({"text": ...}); the server may not be OpenRouter: check the base URL',
                           status=status)
        secrets = self._http.secrets
        guard = EchoGuard(secrets)
        text = "".join(e.text for e in (*guard.screen(TextDelta(payload["text"])), *guard.flush())
                       if isinstance(e, TextDelta))
        raw_usage = payload.get("usage")
        usage = mask_value(raw_usage, secrets) if isinstance(raw_usage, dict) else None
        origin = ReplyOrigin(model=model, id=mask_secrets(str(headers.get("X-Generation-Id") or ""), secrets)
                             or None, usage=usage, cost=server_cost(usage))
        return AudioReply(text=text, origin=origin, outcome=ReplyOutcome(finish_reason="stop"))


def check_language(language: object) -> None:
    """Refuse, before sending, a ``language`` that is not an ISO-639-1 code such as "en" or "fr"."""
    if language is None or (isinstance(language, str) and len(language) == 2 and language.isascii()
                            and language.isalpha()):
        return
    raise OptionError(f"language must be an ISO-639-1 code of two letters, such as 'en' or 'fr', not "
                      f"{language!r}")


def _left(within: tuple[float | None, float | None]) -> float | None:
    """The seconds left of a call's deadline (for the chat request that follows the model list)."""
    return None if within[0] is None else seconds_left(within[0])
