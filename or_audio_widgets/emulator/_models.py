"""The emulator's model catalogue: a handful of real OpenRouter models with their modalities today.

Chat models are here; the speech and transcription models are in ``_audio_models`` (and what could not be
checked live in ``_assumptions``). ``models_payload`` lists them all, filtered like ``GET /models``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from . import _assumptions as rules
from ._assumptions import MUSIC_MODELS

# The voices OpenAI's audio models accept (what the live API lists when it refuses an unknown one).
OPENAI_VOICES: tuple[str, ...] = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "nova",
    "onyx",
    "sage",
    "shimmer",
    "verse",
)


@dataclass(frozen=True)
class ModelInfo:
    """One model: its id, modalities and per-token prices (US dollars, as the catalogue lists them)."""

    id: str
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    prompt_price: float
    completion_price: float
    audio_price: float
    context_length: int
    request_price: float = 0.0  # US dollars per request (music is priced so)

    @property
    def speaks(self) -> bool:
        """Whether the model can answer with audio."""
        return "audio" in self.outputs

    @property
    def hears(self) -> bool:
        """Whether the model takes audio input."""
        return "audio" in self.inputs

    @property
    def music(self) -> bool:
        """Whether the model answers with music (a whole song) rather than speech."""
        return any(self.id == music_id for music_id, _, _ in MUSIC_MODELS)

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names the model accepts (empty when it cannot speak, or makes music)."""
        return OPENAI_VOICES if self.speaks and not self.music else ()

    @property
    def pcm16_only_when_streaming(self) -> bool:
        """OpenAI's audio models refuse any streamed format but pcm16 (a live rule the docs omit)."""
        return self.speaks and self.id.startswith("openai/")


_AUDIO_IO = (("text", "audio"), ("text", "audio"))
_AUDIO_IN = (("text", "audio"), ("text",))  # see _assumptions.AUDIO_IN_ONLY

MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("openai/gpt-4o-audio-preview", "OpenAI: GPT-4o Audio", *_AUDIO_IN, 2.5e-6, 1e-5, 4e-5, 128000),
    ModelInfo("openai/gpt-audio", "OpenAI: GPT Audio", *_AUDIO_IO, 2.5e-6, 1e-5, 3.2e-5, 128000),
    ModelInfo("openai/gpt-audio-mini", "OpenAI: GPT Audio Mini", *_AUDIO_IO, 6e-7, 2.4e-6, 6e-7, 128000),
    ModelInfo(
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        ("text", "image", "audio", "video"),
        ("text",),
        3e-7,
        2.5e-6,
        1e-6,
        1048576,
    ),
    ModelInfo(
        "mistralai/voxtral-small-24b-2507",
        "Mistral: Voxtral Small 24B 2507",
        ("text", "audio"),
        ("text",),
        1e-7,
        3e-7,
        1e-4,
        32000,
    ),
    ModelInfo("openai/gpt-4o", "OpenAI: GPT-4o", ("text", "image"), ("text",), 2.5e-6, 1e-5, 0.0, 128000),
    *(ModelInfo(music_id, name, ("text", "image"), ("text", "audio"), 0.0, 0.0, 0.0, 131072, price)
      for music_id, name, price in MUSIC_MODELS),
)

_BY_ID = {model.id: model for model in MODELS}


def find_model(model_id: object) -> ModelInfo | None:
    """The model with this id, or None (the caller answers 400 like the live API)."""
    return _BY_ID.get(model_id) if isinstance(model_id, str) else None


def _entry(model: ModelInfo) -> dict[str, Any]:
    modality = f"{'+'.join(model.inputs)}->{'+'.join(model.outputs)}"
    return {
        "id": model.id,
        "canonical_slug": model.id,
        "name": model.name,
        "created": 1750000000,
        "description": f"{model.name}, as listed by the offline emulator of OpenRouter's API.",
        "context_length": model.context_length,
        "architecture": {
            "modality": modality,
            "input_modalities": list(model.inputs),
            "output_modalities": list(model.outputs),
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": f"{model.prompt_price:.10f}".rstrip("0"),
            "completion": f"{model.completion_price:.10f}".rstrip("0"),
            "audio": f"{model.audio_price:.10f}".rstrip("0"),
            "request": f"{model.request_price:g}",
            "image": "0",
        },
        "top_provider": {
            "context_length": model.context_length,
            "max_completion_tokens": 16384,
            "is_moderated": model.id.startswith("openai/"),
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", "stop", "seed", "stream", "stream_options"],
        "default_parameters": None,
        "supported_voices": list(model.voices) or None,
        "links": {"details": f"https://openrouter.ai/{model.id}"},
    }


def _catalogue() -> list[dict[str, Any]]:
    from ._audio_models import SPEECH_CATALOGUE, TRANSCRIPTION_CATALOGUE, speech_entry, transcription_entry

    return ([_entry(model) for model in MODELS] + [speech_entry(m) for m in SPEECH_CATALOGUE]
            + [transcription_entry(m) for m in TRANSCRIPTION_CATALOGUE])


_CATALOGUE = _catalogue()


def models_payload(output_modalities: str | None = None, input_modalities: str | None = None
                   ) -> dict[str, Any]:
    """The body of ``GET /api/v1/models`` (a fresh copy each time, so callers may mutate it).

    ``output_modalities``/``input_modalities`` (comma-separated, as in the query string) keep the models
    that list any of them; ``all`` keeps everything. With no ``output_modalities`` the list holds the models
    that output text only, as the live service's does (``rules.MODELS_DEFAULT_OUTPUT``): speech and
    transcription models are left out.
    """
    outputs = output_modalities if output_modalities is not None else rules.MODELS_DEFAULT_OUTPUT
    kept = [m for m in _CATALOGUE
            if _matches(m, "output_modalities", outputs)
            and _matches(m, "input_modalities", input_modalities)]
    return {"data": copy.deepcopy(kept), "links": {"next": None}, "total_count": len(kept)}


def _matches(model: dict[str, Any], key: str, wanted: str | None) -> bool:
    if not wanted or wanted == "all":
        return True
    listed = model["architecture"][key]
    return any(value.strip() in listed for value in wanted.split(","))
