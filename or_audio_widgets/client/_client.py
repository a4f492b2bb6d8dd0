"""The OpenRouter audio client: OpenRouterAudio's public API and the messages it sends.

The client is made of parts it holds, each reached in one hop: the one request path (``_requester.py``:
every request of every surface goes through it, over ``_transport.py``, the only module that imports
requests), the model lists (``_models_api.py``), and a request object per surface (``_chat.py``,
``_speech.py``, ``_transcription.py``) that builds what its endpoint needs and hands it to that path.
The key lives in a masked holder and reaches the wire only through an auth hook at request time, so it is
in no repr, log line or exception text; a pickled client (for Dask or Ray executors) carries the holder,
not the key as text.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from .._version import __version__
from ..core._catalogue import MUSIC, Catalogue
from ..core._defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_LISTEN_MODEL,
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
from ..core._reply import AudioReply
from ..errors import InvalidAPIKeyError, MissingAPIKeyError
from ._audio_args import audio_sources
from ._calls import Calls
from ._chat import ChatRequests
from ._model_list import filter_models
from ._models_api import Deadline, ModelLists, check
from ._offline import OFFLINE_KEY, OFFLINE_NOTICE, emulator_url, env_offline
from ._options import check_options
from ._parts import audio_part
from ._replystream import ReplyStream
from ._requester import Requester, Setting, Settings
from ._speech import SpeechRequests
from ._transcription import Transcriptions
from ._transport import Session, download
from ._wire import MaskedKey, Messages

__all__ = ["OpenRouterAudio", "ReplyStream", "audio_sources", "download", "filter_models"]


class OpenRouterAudio:
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
        headers = {"User-Agent": f"or-audio-widgets/{__version__}", "X-Title": app_name}
        if app_url:
            headers["HTTP-Referer"] = app_url
        headers.update(extra_headers or {})
        self._settings = Settings(
            (base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"), headers,
            timeout, deadline, max_retries, check_models)
        self.speak_model, self.speech_model = speak_model, speech_model
        self.speech_voice, self.transcription_model = speech_voice, transcription_model
        self._connect(session)

    def _connect(self, session: Session | None) -> None:
        """The parts of the client, each holding what it uses: no part calls another through the client."""
        self._requester = Requester(self._key, self._settings, session)  # every request goes through it
        self._lists = ModelLists(self._requester)
        self._calls = Calls()  # last_reply, and the streams _cancel_all() cuts
        self._chat = ChatRequests(self._requester, self._lists, self._calls)
        self._speech = SpeechRequests(self._requester, self._lists, self._calls)
        self._transcriptions = Transcriptions(self._requester, self._lists, self._chat)

    # The settings every request reads, public attributes as before, held once: by the request path.
    base_url = Setting[str]()
    timeout = Setting[float]()
    deadline = Setting["float | None"]()
    max_retries = Setting[int]()
    check_models = Setting[bool]()

    def __repr__(self) -> str:
        # getattr: a traceback's locals show a client whose __init__ refused its arguments, too
        settings = getattr(self, "_settings", None)
        where = f"base_url={mask_url(settings.base_url if settings is not None else '')!r}"
        if getattr(self, "offline", False):
            return f"OpenRouterAudio({OFFLINE_NOTICE}, {where})"
        return f"OpenRouterAudio({where}, api_key=<hidden>)"

    def __getstate__(self) -> dict[str, Any]:
        # The Session, its sockets and the lock do not pickle; the key goes as its masked holder.
        kept = ("_key", "_settings", "offline", "speak_model", "speech_model", "speech_voice",
                "transcription_model")
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
        check_options(deadline=deadline)
        return self._chat.open(messages, model=model, audio=audio, headers=headers, wire_format=wire_format,
                               deadline=deadline, params=params)

    @property
    def last_reply(self) -> AudioReply | None:
        """The reply of the most recent call, partial while it runs; None when that call got no reply.

        After Ctrl-C in :meth:`speak`, :meth:`say` or :meth:`transcribe` this is what arrived, marked
        incomplete ("cancelled"), so nothing received is lost with the exception; after a Ctrl-C (or an
        error) before the server answered, it is None, never an earlier call's reply.
        """
        last = self._calls.last
        return None if last is None else last.reply

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
        check(self._key, self._lists.catalogue().require, model, MUSIC)
        # The music comes as an MP3 whatever audio.format says; modalities asks for it as documented.
        messages = [{"role": "user", "content": prompt}]
        with self.open(messages, model=model, modalities=["text", "audio"], **params) as reply_stream:
            return reply_stream.collect(on_event)

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
        return self._speech.open(text, model=model or self.speech_model, voice=voice or self.speech_voice,
                                 format=format, speed=speed, provider=provider, wire=wire, headers=headers,
                                 deadline=deadline, params=params)

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

        Audio longer than one request carries (over 25 MB, or longer than the model's piece,
        ``max_piece_seconds=``), from any source (a URL is downloaded first, an array or a file object read
        once), is cut at its pauses and sent in pieces, ``concurrency=8`` at once, each
        retried ``retries=1`` time, then stitched in order; a piece that still fails is marked in the text.
        ``journal=PATH`` keeps finished pieces so that a rerun sends only the rest; ``progress=False``
        hides the bar. ``timestamps="segment"`` or ``"word"`` fills ``reply.segments`` (times of the
        whole recording; ``reply.to_srt()``, ``reply.to_vtt()``).
        """
        if model is None:  # a prompt asks for a model that follows one: the listening chat model, as before
            model = self.transcription_model if prompt is None else DEFAULT_LISTEN_MODEL
        return self._transcriptions.transcribe(audio, model=model, language=language,
                                               temperature=temperature, provider=provider, prompt=prompt,
                                               via=via, on_event=on_event, params=params)

    def models(
        self, input_modality: str | None = None, output_modality: str | None = None, *, refresh: bool = False
    ) -> list[dict[str, Any]]:
        """Models from ``GET /models`` (cached for a while), filtered on input/output modality.

        ``output_modality="speech"`` or ``"transcription"`` lists the dedicated endpoints' models.
        """
        return self._lists.models(input_modality, output_modality, refresh=refresh)

    def catalogue(self, *, refresh: bool = False, within: Deadline = None) -> Catalogue:
        """What each model serves (chat audio out/in, speech, transcription) and its voices.

        Built from the cached model list and ``GET /audio/speech/models`` (for voices); the stand-in of
        known models, which refuses nothing, when the list cannot be read or ``check_models`` is False.
        ``within`` is the (deadline, seconds) of the call the list is read for: reading it counts against
        that call's deadline.
        """
        return self._lists.catalogue(refresh=refresh, within=within)

    def _cancel_all(self) -> None:
        """Cancel every call of this client in flight, from any thread (``transcribe_many``'s Ctrl-C):
        replies keep what arrived, calls still waiting for an answer fail as cancelled."""
        self._calls.cancel_all()
        self._requester.transport.abort_all()

    def close(self) -> None:
        """Close the HTTP session (unless it was given by the caller)."""
        self._requester.close()

    def __enter__(self) -> OpenRouterAudio:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
