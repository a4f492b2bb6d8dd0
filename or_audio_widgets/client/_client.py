"""The OpenRouter audio client: OpenRouterAudio's public API and the messages it sends.

HTTP lives in ``_transport.py`` (the only module that imports requests). The key lives in a masked holder
and reaches the wire only through an auth hook at request time, so it is in no repr, log line or
exception text; a pickled client (for Dask or Ray executors) carries the holder, not the key as text.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from .._version import __version__
from ..core._catalogue import CHAT_IN, CHAT_OUT, MUSIC, require_some_audio
from ..core._defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_MUSIC_MODEL,
    DEFAULT_SPEAK_MODEL,
    DEFAULT_SPEECH_MODEL,
    DEFAULT_SPEECH_VOICE,
    DEFAULT_TRANSCRIBE_MODEL,
    DEFAULT_VOICE,
    MAX_RETRIES,
    READ_TIMEOUT,
    WIRE_FORMAT,
)
from ..core._events import Event
from ..core._redact import mask_url
from ..core._reply import AudioReply, ReplyBuilder
from ..errors import APIError, InvalidAPIKeyError, MissingAPIKeyError
from ._audio_args import audio_sources
from ._model_list import filter_models
from ._models_api import Deadline, ModelsMixin, check, explain_refusal
from ._offline import OFFLINE_KEY, OFFLINE_NOTICE, emulator_url, env_offline
from ._options import check_finite, check_options
from ._parts import audio_part, with_audio_parts
from ._replystream import ReplyStream
from ._speech import SpeechMixin
from ._transcription import TranscriptionMixin
from ._transport import Session, Transport, download
from ._wire import Call, MaskedKey, Messages, build_body, output_format, sent_audio_formats

__all__ = ["OpenRouterAudio", "ReplyStream", "audio_sources", "download", "filter_models"]


class OpenRouterAudio(ModelsMixin, SpeechMixin, TranscriptionMixin):
    """A client for OpenRouter's audio: chat audio out and in, speech (``say``) and transcription.

    ``api_key`` defaults to ``OPENROUTER_API_KEY`` and ``base_url`` to ``OPENROUTER_BASE_URL`` (else
    OpenRouter). With ``OR_AUDIO_OFFLINE=1`` and neither ``api_key`` nor ``base_url`` given, the client
    talks to the process's offline emulator (``offline`` is then True), even when ``OPENROUTER_API_KEY``
    is set: the switch wins over the environment, while a key or URL written in the code wins over it.

    ``timeout`` is the longest wait between two bytes of a reply; ``deadline`` (seconds) caps a whole
    call: connecting, headers, an error body and the stream (with a ``session=`` of your own, connecting
    and headers are bounded by ``timeout`` per wait only). ``extra_headers`` are sent with every request.
    ``speak_model`` (a speaking chat model, for :meth:`speak`), ``speech_model`` and ``speech_voice``
    (for :meth:`say`) and ``transcription_model`` (for :meth:`transcribe`) are the defaults of the calls
    that take a model.

    Before sending, the model list (``GET /models``, cached) is read to refuse what a model cannot serve,
    naming models that can; when it cannot be read the request goes out and the server decides.
    ``check_models=False`` skips that reading (for a gateway without ``/models``): the server decides.

    A client pickles (for Dask or Ray executors, see ``transcribe_many``): the copy gets a Session of
    its own (a ``session=`` given here is not pickled) and the key in its masked holder.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = READ_TIMEOUT,
        deadline: float | None = None,
        max_retries: int = MAX_RETRIES,
        app_name: str = "or-audio-widgets",
        app_url: str | None = None,
        session: Session | None = None,
        extra_headers: Mapping[str, str] | None = None,
        speak_model: str = DEFAULT_SPEAK_MODEL,
        speech_model: str = DEFAULT_SPEECH_MODEL,
        speech_voice: str = DEFAULT_SPEECH_VOICE,
        transcription_model: str = DEFAULT_TRANSCRIBE_MODEL,
        check_models: bool = True,
    ) -> None:
        # Offline only when the code names neither a key nor a URL: either one means "this service".
        self.offline = api_key is None and base_url is None and env_offline()
        if self.offline:
            api_key, base_url = OFFLINE_KEY, emulator_url()
        key = (api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY", "")).strip()
        if not key:
            raise MissingAPIKeyError()
        self._key = MaskedKey(key)
        del key, api_key  # only the masked holder keeps it: no frame of a traceback shows it
        problem = self._key.problem()
        if problem is not None:
            raise InvalidAPIKeyError(problem)
        check_options(timeout=timeout, deadline=deadline, max_retries=max_retries)
        self.base_url = (base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max_retries
        self._headers = {"User-Agent": f"or-audio-widgets/{__version__}", "X-Title": app_name}
        if app_url:
            self._headers["HTTP-Referer"] = app_url
        self._headers.update(extra_headers or {})
        self.speak_model, self.speech_model = speak_model, speech_model
        self.speech_voice, self.transcription_model = speech_voice, transcription_model
        self.check_models = check_models
        self._connect(session)

    def _connect(self, session: Session | None) -> None:
        self._http = Transport(self._key, session)
        self._models: tuple[float, list[dict[str, Any]]] | None = None
        self._catalogue = None
        self._models_lock = threading.Lock()
        self._catalogue_lock = threading.Lock()  # the catalogue is built once, however many threads ask
        self._last_stream: ReplyStream | None = None
        self._streams: weakref.WeakSet[ReplyStream] = weakref.WeakSet()  # for _cancel_all()

    def __repr__(self) -> str:
        # getattr: a traceback's locals show a client whose __init__ refused its arguments, too
        where = f"base_url={mask_url(getattr(self, 'base_url', ''))!r}"
        if getattr(self, "offline", False):
            return f"OpenRouterAudio({OFFLINE_NOTICE}, {where})"
        return f"OpenRouterAudio({where}, api_key=<hidden>)"

    def __getstate__(self) -> dict[str, Any]:
        # The Session, its sockets and the lock do not pickle; the key goes as its masked holder.
        kept = ("_key", "base_url", "offline", "timeout", "deadline", "max_retries", "_headers",
                "speak_model", "speech_model", "speech_voice", "transcription_model", "check_models")
        return {name: self.__dict__[name] for name in kept}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._connect(None)

    # --- public API -------------------------------------------------------------------------------------

    def open(
        self,
        messages: Messages,
        *,
        model: str,
        audio: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        wire_format: str = WIRE_FORMAT,
        deadline: float | None = None,
        **params: Any,
    ) -> ReplyStream:
        """Send a chat request and return its ReplyStream once the server has answered 200.

        ``audio`` (e.g. ``{"voice": "alloy", "format": "mp3"}``) asks for a spoken reply: the wire carries
        ``wire_format`` (pcm16) and the reply is built in ``audio["format"]`` locally. Errors before the
        stream raise APIError subclasses, after retries; ``headers`` are extra headers for this request.
        """
        self._last_stream = None  # from here on, last_reply is this call's reply or None
        fmt = output_format(audio)
        check_options(deadline=deadline)
        check_finite(params)
        messages = with_audio_parts(messages, model)  # bad audio fails here, before any network call
        body = build_body(model, messages, audio, params, wire_format=wire_format)
        audio_in = bool(sent_audio_formats(body))
        call = self._call("POST", "/chat/completions", body, headers, deadline)
        catalogue = self._check_chat(model, audio, audio_in, (call.deadline, call.seconds))
        try:
            connection = self._http.open_stream(call)
        except APIError as exc:
            if catalogue is None:
                raise
            raise explain_refusal(exc, model, CHAT_OUT if audio is not None else CHAT_IN, catalogue) from None
        builder = ReplyBuilder(format=fmt, wire_format=call.wire_format, model=model)
        self._last_stream = ReplyStream(connection, builder, deadline=call.deadline,
                                        secrets=self._http.secrets)
        self._streams.add(self._last_stream)
        return self._last_stream

    def _check_chat(self, model: str, audio: Mapping[str, Any] | None, audio_in: bool,
                    within: Deadline = None) -> Any:
        """Refuse, before sending, a chat request the model list says ``model`` cannot serve.

        A text-only request needs no model list (only the rule of models that need audio is checked).
        """
        audio_out = audio is not None
        require_some_audio(model, audio_in, audio_out)
        if not (audio_out or audio_in):
            return None
        catalogue = self.catalogue(within=within)
        if audio is not None:
            check(self._key, catalogue.require, model, CHAT_OUT)
            if isinstance(audio.get("voice"), str):
                check(self._key, catalogue.require_voice, model, audio["voice"])
        if audio_in:
            check(self._key, catalogue.require, model, CHAT_IN)
        return catalogue

    @property
    def last_reply(self) -> AudioReply | None:
        """The reply of the most recent call, partial while it runs; None when that call got no reply.

        After Ctrl-C in :meth:`speak`, :meth:`say` or :meth:`transcribe` this is what arrived, marked
        incomplete ("cancelled"), so nothing received is lost with the exception; after a Ctrl-C (or an
        error) before the server answered, it is None, never an earlier call's reply.
        """
        return None if self._last_stream is None else self._last_stream.reply

    def stream(
        self, messages: Messages, *, model: str, audio: Mapping[str, Any] | None = None, **params: Any
    ) -> Iterator[Event]:
        """The events of a reply as they arrive (see :meth:`open`); closing the iterator cancels.

        A generator: the request goes out on the first ``next()``, and errors before the stream raise there.
        """
        with self.open(messages, model=model, audio=audio, **params) as reply_stream:
            yield from reply_stream

    def speak(
        self,
        prompt: str,
        *,
        model: str | None = None,
        voice: str = DEFAULT_VOICE,
        format: str = "wav",
        system: str | None = None,
        inputs: Sequence[Any] = (),
        on_event: Callable[[Event], object] | None = None,
        **params: Any,
    ) -> AudioReply:
        """Ask a speaking chat model (``speak_model`` by default) for a spoken reply to ``prompt``.

        The model answers (it may not read ``prompt`` word for word: :meth:`say` does); the reply is an
        AudioReply in ``format``.

        ``inputs`` are audio sources (or ready ``input_audio`` dicts) sent along with the prompt;
        ``on_event`` sees each event as it arrives. A stream that breaks returns the partial reply,
        marked incomplete.
        """
        model = model or self.speak_model
        messages: list[dict[str, Any]] = []
        if system:
            messages.append({"role": "system", "content": system})
        parts = [audio_part(source, model) for source in inputs]
        content: Any = [{"type": "text", "text": prompt}, *parts] if parts else prompt
        messages.append({"role": "user", "content": content})
        audio = {"voice": voice, "format": format}
        with self.open(messages, model=model, audio=audio, **params) as reply_stream:
            return reply_stream.collect(on_event)

    def compose(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_MUSIC_MODEL,
        on_event: Callable[[Event], object] | None = None,
        **params: Any,
    ) -> AudioReply:
        """Ask a music model (Google's Lyria) for a song described by ``prompt``.

        The reply's audio is the MP3 the model made, kept as it came (``reply.save("song.mp3")``), and
        ``reply.lyrics`` its lyrics: timed lines, or instrumental. A clip takes about ten seconds and
        arrives whole, in one event; ``on_event`` sees each event as it arrives.
        """
        check(self._key, self.catalogue().require, model, MUSIC)
        # The music comes as an MP3 whatever audio.format says; modalities asks for it as documented.
        messages = [{"role": "user", "content": prompt}]
        with self.open(messages, model=model, modalities=["text", "audio"], **params) as reply_stream:
            return reply_stream.collect(on_event)

    def _cancel_all(self) -> None:
        """Cancel every call of this client in flight, from any thread (``transcribe_many``'s Ctrl-C):
        replies keep what arrived, calls still waiting for an answer fail as cancelled."""
        for stream in list(self._streams):
            stream.cancel()
        self._http.abort_all()

    def close(self) -> None:
        """Close the HTTP session (unless it was given by the caller)."""
        self._http.close()

    def __enter__(self) -> OpenRouterAudio:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- calls ------------------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, extra: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Call:
        headers = dict(self._headers)
        if body is not None:
            headers["Accept"] = "text/event-stream"  # every body asks for a stream (see build_body)
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        deadline_at, seconds = self._within(deadline)
        url = f"{self.base_url}{path}"
        return Call(method, url, body, headers, deadline_at, self.timeout, self.max_retries, seconds=seconds)

    def _within(self, deadline: float | None) -> tuple[float | None, float | None]:
        """A call's (time.monotonic() deadline, seconds as given), from ``deadline`` or the client's."""
        seconds = self.deadline if deadline is None else deadline
        return (None if seconds is None else time.monotonic() + seconds), seconds
