"""Audio formats: which the API accepts as input, which each model family takes, and help when a server
refuses one.

OpenRouter lists nine input formats, but providers read fewer: OpenAI's audio models take only wav and
mp3. :func:`format_refusal_hint` turns a refusal into a sentence naming a format that works, for the
client to add to its error; ``_for_model.prepare_for_model`` converts for a known model.
"""

from __future__ import annotations

#: Input formats the API accepts in an ``input_audio`` part.
ACCEPTED_FORMATS = frozenset({"wav", "mp3", "aiff", "aac", "ogg", "flac", "m4a", "pcm16", "pcm24"})
#: Headerless input formats: 24 kHz mono little-endian samples, 16 or 24 bits.
RAW_FORMATS = ("pcm16", "pcm24")

#: Formats each model family is documented to take, where that is narrower than the API's list
#: (OpenAI's audio models read only wav and mp3; Google's documentation lists these six).
MODEL_FORMATS: dict[str, frozenset[str]] = {
    "openai/": frozenset({"wav", "mp3"}),
    "google/": frozenset({"wav", "mp3", "aiff", "aac", "ogg", "flac"}),
}


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
