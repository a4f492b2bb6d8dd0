"""Which input formats each model family takes, and help when a server refuses one.

OpenRouter lists nine input formats, but providers read fewer: OpenAI's audio models take only wav and
mp3. :func:`prepare_for_model` converts for a known model; :func:`format_refusal_hint` turns a
refusal into a sentence naming a format that works, for the client to add to its error.
"""

from __future__ import annotations

import binascii
from typing import Any

from ._inputs import ACCEPTED_FORMATS, DEFAULT_MAX_BYTES, RAW_FORMATS, PreparedAudio, prepare_audio, wav_fits

#: Formats each model family is documented to take, where that is narrower than the API's list
#: (OpenAI's audio models read only wav and mp3; Google's documentation lists these six).
MODEL_FORMATS: dict[str, frozenset[str]] = {
    "openai/": frozenset({"wav", "mp3"}),
    "google/": frozenset({"wav", "mp3", "aiff", "aac", "ogg", "flac"}),
}


def prepare_for_model(source: Any, model: str | None, **options: Any) -> PreparedAudio:
    """:func:`prepare_audio`, then a conversion when ``model`` is known not to take the format.

    For example a FLAC for an OpenAI audio model (which reads only wav and mp3) is sent as wav, or as
    mp3 when wav would be over ``max_bytes``. An explicit ``target=`` is respected as it is.
    """
    prepared = prepare_audio(source, **options)
    accepted = formats_for_model(model)
    if options.get("target") is not None or prepared.format in accepted:
        return prepared
    max_bytes = options.get("max_bytes", DEFAULT_MAX_BYTES)
    fits = wav_fits(prepared.duration, prepared.sample_rate, prepared.channels, max_bytes)
    target = "wav" if "wav" in accepted and (fits or "mp3" not in accepted) else sorted(accepted)[0]
    data = binascii.a2b_base64(prepared.part["input_audio"]["data"])
    raw = prepared.format in RAW_FORMATS
    again: dict[str, Any] = {k: v for k, v in options.items() if k in ("max_bytes", "max_seconds", "mono")}
    if raw:
        again.update(format=prepared.format, sample_rate=prepared.sample_rate)
    converted = prepare_audio(data, target=target, **again)
    return PreparedAudio(converted.part, converted.format, converted.duration, converted.sample_rate,
                         converted.channels, converted.size, prepared.source_name,
                         prepared.converted_from or prepared.format)


def formats_for_model(model: str | None) -> frozenset[str]:
    """The input formats ``model`` is documented to take (the API's list when none narrower is known)."""
    for prefix, formats in MODEL_FORMATS.items():
        if model and model.startswith(prefix):
            return formats
    return ACCEPTED_FORMATS


def format_refusal_hint(model: str | None, sent_format: str | None, message: str = "") -> str | None:
    """For a 400 that refuses an audio format: a sentence naming a format that works, else None.

    The client calls this with the server's message and the format it sent, and adds the result as the
    error's hint.
    """
    lowered = message.lower()
    if sent_format is None or not any(word in lowered for word in ("format", "audio", "mime", "unsupported")):
        return None
    works = sorted(formats_for_model(model) - {sent_format}) or ["wav"]
    suggestion = "wav" if "wav" in works else works[0]
    return (
        f"{model or 'The model'} refused {sent_format} audio. Formats it is known to take: "
        f"{', '.join(works)}. Convert it first: prepare_audio(source, target={suggestion!r})."
    )
