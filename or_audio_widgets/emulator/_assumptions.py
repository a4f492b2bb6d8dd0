"""Everything the emulator says about OpenRouter's audio that could not be checked against the live API.

The facts come from OpenRouter's documentation, its model pages and its blog (late 2026); the ids, prices,
voices, limits and error wordings below are how the emulator plays them, not captures of the service.
Keep every such guess here, so that one place says what to verify when a key is at hand.
"""

from __future__ import annotations

from ..core import _formats

# --- model ids and what they serve --------------------------------------------------------------------
# Named by OpenRouter's docs/blog; the voice lists per speech model are guesses except OpenAI's.
SPEECH_MODELS: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    # (id, name, voices, US dollars per character)
    ("openai/gpt-4o-mini-tts-2025-12-15", "OpenAI: GPT-4o mini TTS",
     ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"),
     1.2e-5),
    ("elevenlabs/eleven-turbo-v2", "ElevenLabs: Eleven Turbo v2", ("rachel", "adam", "bella", "antoni"),
     5e-5),
    ("mistralai/voxtral-mini-tts-2603", "Mistral: Voxtral Mini TTS", ("alloy", "nova"), 1.6e-5),
)
TRANSCRIPTION_MODELS: tuple[tuple[str, str, str, float], ...] = (
    # (id, name, how usage is priced: "seconds" or "tokens", US dollars per second or per token)
    ("openai/whisper-1", "OpenAI: Whisper", "seconds", 0.0001),  # $0.006 a minute (OpenRouter's blog)
    ("openai/gpt-4o-mini-transcribe", "OpenAI: GPT-4o mini Transcribe", "tokens", 1.25e-6),
    ("google/chirp-3", "Google: Chirp 3", "seconds", 0.000267),
)
# openai/gpt-4o-audio-preview takes audio in but does not speak (its OpenRouter page says so).
AUDIO_IN_ONLY = ("openai/gpt-4o-audio-preview",)

# --- rules -------------------------------------------------------------------------------------------
# A gateway's test saw openai/gpt-audio refuse a request with no audio in or out; applied to -mini too.
AUDIO_REQUIRED_MODELS = ("openai/gpt-audio", "openai/gpt-audio-mini")
AUDIO_REQUIRED_MESSAGE = "This model requires that either input content or output modality contain audio"
SPEECH_INPUT_LIMIT = 4096  # characters per speech request (OpenAI's limit for its speech models)
STT_MAX_BYTES = 25 * 1000 * 1000  # whisper-1's file limit
STT_FORMATS = _formats.TRANSCRIPTION_FORMATS  # from the guide; what each provider reads varies
SPEECH_FORMATS = ("mp3", "pcm")  # response_format; pcm is the default
SPEECH_PCM_TYPE = f"{_formats.PCM_CONTENT_TYPE};rate=24000;channels=1"  # the Content-Type of a pcm answer


def speech_pcm_type(rate: int) -> str:
    """The Content-Type of a pcm answer at another rate, spelled as ``SPEECH_PCM_TYPE`` is."""
    return SPEECH_PCM_TYPE.replace("rate=24000", f"rate={rate}")
SPEECH_GENERATION_PREFIX = "gen-tts-"
TRANSCRIPTION_GENERATION_PREFIX = "gen-stt-"
# Wording of refusals on the dedicated endpoints (the status codes follow the docs' error table).
NOT_A_SPEECH_MODEL = "Model {model} does not support text-to-speech"
NOT_A_TRANSCRIPTION_MODEL = "Model {model} does not support transcription; use a speech-to-text model"
UNKNOWN_VOICE = "Invalid voice '{voice}' for {model}. Supported voices: {voices}"
