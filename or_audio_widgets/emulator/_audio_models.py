"""The emulator's speech and transcription models, and their entries in the model lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._assumptions import (
    SPEECH_INPUT_LIMIT,
    SPEECH_MODELS,
    STT_MAX_BYTES,
    TRANSCRIPTION_LIMIT_FIELDS,
    TRANSCRIPTION_MODELS,
    listed_seconds,
)


@dataclass(frozen=True)
class SpeechModel:
    """A text-to-speech model of ``POST /audio/speech``."""

    id: str
    name: str
    voices: tuple[str, ...]
    price_per_character: float


@dataclass(frozen=True)
class TranscriptionModel:
    """A speech-to-text model of ``POST /audio/transcriptions``; usage in "seconds" or "tokens"."""

    id: str
    name: str
    priced_by: str
    price: float


SPEECH_CATALOGUE: tuple[SpeechModel, ...] = tuple(SpeechModel(*row) for row in SPEECH_MODELS)
TRANSCRIPTION_CATALOGUE: tuple[TranscriptionModel, ...] = tuple(
    TranscriptionModel(*row) for row in TRANSCRIPTION_MODELS)
_SPEECH_BY_ID = {m.id: m for m in SPEECH_CATALOGUE}
_TRANSCRIPTION_BY_ID = {m.id: m for m in TRANSCRIPTION_CATALOGUE}


def find_speech_model(model_id: object) -> SpeechModel | None:
    """The speech model with this id, or None."""
    return _SPEECH_BY_ID.get(model_id) if isinstance(model_id, str) else None


def find_transcription_model(model_id: object) -> TranscriptionModel | None:
    """The transcription model with this id, or None."""
    return _TRANSCRIPTION_BY_ID.get(model_id) if isinstance(model_id, str) else None


def _price(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".") or "0"


def base_entry(model_id: str, name: str, inputs: list[str], outputs: list[str]) -> dict[str, Any]:
    """The fields every item of ``GET /models`` has (those OpenRouter's SDK requires among them)."""
    return {
        "id": model_id, "canonical_slug": model_id, "name": name, "created": 1750000000,
        "description": f"{name}, as listed by the offline emulator of OpenRouter's API.",
        "context_length": None,
        "architecture": {"modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}", "input_modalities": inputs,
                         "output_modalities": outputs, "tokenizer": "Other", "instruct_type": None},
        "pricing": {"prompt": "0", "completion": "0"},
        "top_provider": {"context_length": None, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None, "supported_parameters": [], "default_parameters": None,
        "supported_voices": None,
        "links": {"details": f"https://openrouter.ai/{model_id}"},
    }


def speech_entry(model: SpeechModel) -> dict[str, Any]:
    """The ``GET /models`` item of a speech model (priced per character, voices listed)."""
    entry = base_entry(model.id, model.name, ["text"], ["speech"])
    entry["pricing"] = {"prompt": _price(model.price_per_character), "completion": "0"}
    entry["supported_voices"] = list(model.voices)
    entry["supported_parameters"] = ["voice", "speed", "response_format"]
    entry["max_input_characters"] = SPEECH_INPUT_LIMIT
    return entry


def transcription_entry(model: TranscriptionModel) -> dict[str, Any]:
    """The ``GET /models`` item of a transcription model."""
    entry = base_entry(model.id, model.name, ["audio"], ["transcription"])
    if model.priced_by == "seconds":
        entry["pricing"] = {"prompt": "0", "completion": "0", "audio": _price(model.price)}
    else:
        entry["pricing"] = {"prompt": _price(model.price), "completion": _price(4 * model.price)}
    entry["supported_parameters"] = ["language", "temperature"]
    seconds_field, bytes_field = TRANSCRIPTION_LIMIT_FIELDS  # ASSUMED field names (see _assumptions)
    entry[seconds_field] = listed_seconds(model.id)  # what the provider transcribes in its 60 s
    entry[bytes_field] = STT_MAX_BYTES
    return entry


def speech_models_payload() -> dict[str, Any]:
    """The body of ``GET /audio/speech/models``: each speech model with its voices."""
    return {"data": [{**speech_entry(m), "voices": list(m.voices)} for m in SPEECH_CATALOGUE]}


def transcription_models_payload() -> dict[str, Any]:
    """The body of ``GET /audio/transcriptions/models``: each transcription model (a listing of its own,
    measured on the live service)."""
    return {"data": [transcription_entry(m) for m in TRANSCRIPTION_CATALOGUE]}
