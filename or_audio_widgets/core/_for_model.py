"""Input audio for a given model: :func:`prepare_audio`, then a conversion when the model is known not to
take the format."""

from __future__ import annotations

import binascii
from typing import Any

from ._formats import RAW_FORMATS, formats_for_model
from ._inputs import DEFAULT_MAX_BYTES, PreparedAudio, prepare_audio, wav_fits


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
