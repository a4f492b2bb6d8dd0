"""What each model serves, read from OpenRouter's model list: pure, no HTTP.

Five surfaces: chat audio out (``output_modalities`` has ``audio``), music (a chat model with audio out
that takes no voice and hears no audio: Lyria), chat audio in (``input_modalities`` has ``audio``), speech
(``speech``: ``POST /audio/speech``) and transcription (``transcription``:
``POST /audio/transcriptions``). A request a model cannot serve is refused before it is sent, with a
message naming models that can. When the list cannot be read, :data:`KNOWN` stands in to route requests
and to explain a refusal the server sends.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelCapabilityError, UnknownModelError

CHAT_OUT = "chat audio out"
CHAT_IN = "chat audio in"
SPEECH = "speech"
TRANSCRIPTION = "transcription"
MUSIC = "music"
SURFACES = (CHAT_OUT, CHAT_IN, SPEECH, TRANSCRIPTION, MUSIC)
# Music models by id when the list cannot be read (or lists one without its modalities): Google's Lyria 3
# clip and pro models are the only ones today (measured on the live service, Sept 2026).
MUSIC_PREFIX = "google/lyria-"

# Models OpenRouter's docs and model pages name for each surface (late 2026): used only when the model
# list cannot be read, to route a request and to explain a refusal.
KNOWN: dict[str, tuple[str, ...]] = {
    CHAT_OUT: ("openai/gpt-audio", "openai/gpt-audio-mini"),
    CHAT_IN: ("openai/gpt-audio", "openai/gpt-audio-mini", "openai/gpt-4o-audio-preview",
              "google/gemini-2.5-flash", "mistralai/voxtral-small-24b-2507"),
    SPEECH: ("openai/gpt-4o-mini-tts-2025-12-15", "elevenlabs/eleven-turbo-v2",
             "mistralai/voxtral-mini-tts-2603", "fish-audio/s1", "bytedance-seed/seed-audio-1-0"),
    TRANSCRIPTION: ("openai/whisper-1", "openai/whisper-large-v3", "openai/gpt-4o-mini-transcribe",
                    "google/chirp-3", "nvidia/parakeet-tdt-0.6b-v3", "assemblyai/universal-3-5-pro"),
    MUSIC: ("google/lyria-3-clip-preview", "google/lyria-3-pro-preview"),
}

# Chat models that refuse a request with neither audio in nor audio out ("This model requires that
# either input content or output modality contain audio", seen on openai/gpt-audio).
NEEDS_AUDIO = ("openai/gpt-audio", "openai/gpt-audio-mini")

# Characters one speech request may carry, by model id prefix; a catalogue entry's own
# ``max_input_characters`` wins. 4,096 is OpenAI's limit for its speech models.
SPEECH_INPUT_LIMITS: tuple[tuple[str, int], ...] = (("openai/", 4096),)
DEFAULT_SPEECH_INPUT_LIMIT = 4096

# Seconds of audio one transcription request may carry, per model: what its provider transcribes well
# within OpenRouter's 60 s upstream budget (measured), with room to spare (the speeds are ASSUMED). A
# catalogue entry's own ``max_audio_seconds`` wins; ``max_piece_seconds=`` wins over both.
TRANSCRIPTION_SECONDS: Mapping[str, float] = {"openai/whisper-1": 600.0,
                                              "openai/gpt-4o-mini-transcribe": 600.0,
                                              "google/chirp-3": 300.0}
DEFAULT_TRANSCRIPTION_SECONDS = 240.0


@dataclass(frozen=True)
class ModelEntry:
    """One model of the list and the surfaces it serves."""

    id: str
    name: str = ""
    surfaces: frozenset[str] = frozenset()
    voices: tuple[str, ...] = ()
    pricing: dict[str, str] = field(default_factory=dict)
    input_limit: int | None = None
    # the most audio one transcription request may carry, where the list says it (seconds, bytes)
    audio_seconds: float | None = None
    audio_bytes: int | None = None
    # False when the list said nothing of the model's modalities (no architecture, or nulls): it then
    # tells nothing about what the model serves, and refuses nothing
    described: bool = True

    def serves(self, surface: str) -> bool:
        """Whether the model serves ``surface`` (one of :data:`SURFACES`)."""
        return surface in self.surfaces

    @property
    def kind(self) -> str:
        """What the model is, in words: "speech", "transcription", "chat (audio in and out)", ..."""
        if SPEECH in self.surfaces:
            return SPEECH
        if TRANSCRIPTION in self.surfaces:
            return TRANSCRIPTION
        if MUSIC in self.surfaces:
            return MUSIC
        heard = [s for s in (CHAT_IN, CHAT_OUT) if s in self.surfaces]
        if len(heard) == 2:
            return "chat (audio in and out)"
        return {CHAT_IN: "chat (audio in)", CHAT_OUT: "chat (audio out)"}[heard[0]] if heard else "chat"


def entry_from(model: Mapping[str, Any]) -> ModelEntry:
    """A :class:`ModelEntry` from one item of ``GET /models`` (or of ``/audio/speech/models``)."""
    arch = model.get("architecture")
    arch = arch if isinstance(arch, Mapping) else {}
    inputs = _strings(arch.get("input_modalities"))
    outputs = _strings(arch.get("output_modalities"))
    surfaces: set[str] = set()
    if "speech" in outputs:
        surfaces.add(SPEECH)
    if "transcription" in outputs:
        surfaces.add(TRANSCRIPTION)
    voices = voice_names(model.get("supported_voices")) or voice_names(model.get("voices"))
    model_id = str(model.get("id", ""))
    if not surfaces:  # a chat model: what it hears and says
        surfaces |= {CHAT_IN} if "audio" in inputs else set()
        if "audio" in outputs:
            # a model that makes sound but takes no voice, and does not listen, makes music; the
            # listening test keeps a speaking model whose entry lists no voices a speaking model
            music = (not voices and "audio" not in inputs) or looks_like_music_model(model_id)
            surfaces.add(MUSIC if music else CHAT_OUT)
    pricing = model.get("pricing")
    seconds = _positive(model.get("max_audio_seconds"))
    return ModelEntry(
        id=model_id,
        name=str(model.get("name") or ""),
        surfaces=frozenset(surfaces),
        voices=voices,
        pricing={str(k): str(v) for k, v in pricing.items()} if isinstance(pricing, Mapping) else {},
        input_limit=_positive(model.get("max_input_characters"), whole=True),
        audio_seconds=float(seconds) if seconds is not None else None,
        audio_bytes=_positive(model.get("max_audio_bytes"), whole=True),
        described=bool(inputs or outputs),
    )


def _positive(value: Any, whole: bool = False) -> Any:
    """A limit the list gives: a positive finite number (an int when ``whole``; never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return None
    return value if 0 < value < math.inf else None


def voice_names(voices: Any) -> tuple[str, ...]:
    """Voice names from a list of names or of ``{"id"|"voice_id"|"name": ...}`` objects."""
    names: list[str] = []
    for voice in voices if isinstance(voices, list) else ():
        if isinstance(voice, Mapping):
            voice = voice.get("id") or voice.get("voice_id") or voice.get("name")
        if isinstance(voice, str) and voice and voice not in names:
            names.append(voice)
    return tuple(names)


def _strings(values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


class Catalogue:
    """The models of a list, by id, with the checks the client makes before sending.

    ``listed`` is False for the stand-in built from :data:`KNOWN` when the list could not be read: it
    routes requests and explains refusals, but refuses nothing itself.
    """

    def __init__(self, models: Iterable[Mapping[str, Any]], *, listed: bool = True) -> None:
        self.listed = listed
        self._entries: dict[str, ModelEntry] = {}
        for model in models:
            self.add(entry_from(model))

    @classmethod
    def known(cls) -> Catalogue:
        """The stand-in for an unreadable model list, from :data:`KNOWN`."""
        surfaces: dict[str, set[str]] = {}
        for surface, ids in KNOWN.items():
            for model_id in ids:
                surfaces.setdefault(model_id, set()).add(surface)
        catalogue = cls((), listed=False)
        for model_id, kinds in surfaces.items():
            catalogue.add(ModelEntry(model_id, surfaces=frozenset(kinds)))
        return catalogue

    def add(self, entry: ModelEntry) -> None:
        """Add ``entry``, merging voices and surfaces with an entry of the same id."""
        old = self._entries.get(entry.id)
        if old is not None:
            voices = old.voices + tuple(v for v in entry.voices if v not in old.voices)
            entry = ModelEntry(entry.id, entry.name or old.name, old.surfaces | entry.surfaces, voices,
                               {**old.pricing, **entry.pricing}, entry.input_limit or old.input_limit,
                               entry.audio_seconds or old.audio_seconds, entry.audio_bytes or old.audio_bytes,
                               old.described or entry.described)
        self._entries[entry.id] = entry

    def get(self, model: str) -> ModelEntry | None:
        """The entry of ``model`` (a ``:variant`` suffix such as ``:free`` ignored), or None."""
        return self._entries.get(model) or self._entries.get(model.split(":", 1)[0])

    def entries(self, surface: str | None = None) -> list[ModelEntry]:
        """Every entry, or those serving ``surface``, in list order."""
        return [e for e in self._entries.values() if surface is None or e.serves(surface)]

    def serving(self, surface: str) -> list[str]:
        """Ids of the models that serve ``surface``."""
        return [e.id for e in self.entries(surface)]

    def closest(self, model: str, surface: str | None = None, count: int = 3) -> tuple[str, ...]:
        """The listed ids nearest to ``model`` (a typo's likely meaning): those serving ``surface`` first."""
        name = model.split(":", 1)[0]
        for pool in ([e.id for e in self.entries(surface)] if surface else [], list(self._entries)):
            found = difflib.get_close_matches(name, pool, n=count, cutoff=0.6)
            if found:
                return tuple(found)
        return ()

    def require_known(self, model: str, surface: str | None = None) -> None:
        """Refuse (:class:`UnknownModelError`) an id a readable, non-empty list does not name, with the
        nearest ids. The stand-in of :data:`KNOWN` (an unreadable list) refuses nothing."""
        if self.listed and self._entries and self.get(model) is None:
            raise UnknownModelError(model, self.closest(model, surface))

    def require(self, model: str, surface: str) -> None:
        """Refuse (:class:`ModelCapabilityError`) when the list says ``model`` cannot serve ``surface``,
        or (:class:`UnknownModelError`) has no such model."""
        self.require_known(model, surface)
        entry = self.get(model)
        if self.listed and entry is not None and entry.described and not entry.serves(surface):
            raise ModelCapabilityError(refusal(model, surface, self))

    def require_voice(self, model: str, voice: str) -> None:
        """Refuse a voice the list does not give for ``model`` (when it lists voices at all)."""
        entry = self.get(model)
        if entry is None or not entry.voices or voice in entry.voices:
            return
        shown = ", ".join(entry.voices[:20]) + (", ..." if len(entry.voices) > 20 else "")
        raise ModelCapabilityError(f"{model} has no voice {voice!r}; its voices: {shown}.")


def require_some_audio(model: str, audio_in: bool, audio_out: bool) -> None:
    """Refuse a text-only request to a model that needs audio in or out (:data:`NEEDS_AUDIO`)."""
    if audio_in or audio_out or model.split(":", 1)[0] not in NEEDS_AUDIO:
        return
    raise ModelCapabilityError(
        f"{model} takes only requests with audio in or audio out (OpenRouter refuses a text-only one: "
        "'This model requires that either input content or output modality contain audio'). Ask for a "
        "spoken reply, send audio, or use a text model such as google/gemini-2.5-flash."
    )


_WANTS = {CHAT_OUT: "speak in chat", CHAT_IN: "take audio in chat", SPEECH: "read text aloud on the "
          "speech endpoint", TRANSCRIPTION: "transcribe on the transcription endpoint",
          MUSIC: "compose music"}
_WHO = {CHAT_OUT: "Models that speak", CHAT_IN: "Models that take audio in", SPEECH: "Speech models",
        TRANSCRIPTION: "Transcription models", MUSIC: "Music models"}
_INSTEAD = {
    MUSIC: "it is a music model: it composes a song (an MP3 and its lyrics) with compose()",
    SPEECH: "it is a speech model: it reads text aloud with say(), it does not listen",
    TRANSCRIPTION: "it is a transcription model: it writes speech down with transcribe(), it does not speak",
    CHAT_OUT: "it is a chat model that speaks: use speak() (%%oraudio) for a spoken reply",
    CHAT_IN: "it takes audio in on chat completions (transcribe() sends it audio there)",
}


def refusal(model: str, surface: str, catalogue: Catalogue | None = None) -> str:
    """Why ``model`` cannot serve ``surface``, what it is instead, and which models can."""
    catalogue = catalogue if catalogue is not None and catalogue.entries(surface) else Catalogue.known()
    entry = catalogue.get(model) or Catalogue.known().get(model)
    message = f"{model} cannot {_WANTS[surface]} on OpenRouter"
    if entry is not None:
        # what the model does that is nearest to what was asked: speaking for speech, listening otherwise
        chat = (CHAT_OUT, CHAT_IN) if surface == SPEECH else (CHAT_IN, CHAT_OUT)
        instead = [_INSTEAD[s] for s in (SPEECH, TRANSCRIPTION, MUSIC, *chat) if entry.serves(s)]
        if instead:
            message += f"; {instead[0]}"
    names = catalogue.serving(surface)[:8]
    message += f". {_WHO[surface]}: {', '.join(names)}." if names else "."
    if surface == CHAT_OUT:
        message += f" To read a text aloud word for word, use say() with {', '.join(KNOWN[SPEECH][:2])}."
    return message


def speech_input_limit(model: str, entry: ModelEntry | None = None) -> int:
    """Characters one speech request may carry for ``model``: the catalogue's figure, else the table."""
    if entry is not None and entry.input_limit:
        return entry.input_limit
    for prefix, limit in SPEECH_INPUT_LIMITS:
        if model.startswith(prefix):
            return limit
    return DEFAULT_SPEECH_INPUT_LIMIT


def transcription_seconds(model: str, entry: ModelEntry | None = None) -> float:
    """Seconds of audio one transcription request of ``model`` may carry: the catalogue's figure, else
    the table."""
    if entry is not None and entry.audio_seconds:
        return entry.audio_seconds
    return TRANSCRIPTION_SECONDS.get(model.split(":", 1)[0], DEFAULT_TRANSCRIPTION_SECONDS)


def looks_like_transcription_model(model: str) -> bool:
    """For routing when the list cannot be read: a known transcription model, or a name that says so."""
    name = model.split(":", 1)[0].lower()
    words = ("whisper", "transcribe", "chirp", "parakeet")
    return name in KNOWN[TRANSCRIPTION] or any(word in name for word in words)


def looks_like_music_model(model: str) -> bool:
    """For routing when the list cannot be read: a music model by its id (Google's Lyria)."""
    return model.split(":", 1)[0].lower().startswith(MUSIC_PREFIX)
