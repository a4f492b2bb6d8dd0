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
# Upstream providers stop at 60 s per transcription request (MEASURED, see _stt_time); the speed at which
# each model's provider transcribes, in times the speed of speech, is ASSUMED (whisper-class models are
# commonly reported at 10 to 30 times).
UPSTREAM_TIMEOUT = 60.0
TRANSCRIBE_SPEED = {"openai/whisper-1": 20.0, "openai/gpt-4o-mini-transcribe": 20.0, "google/chirp-3": 10.0}
# The most audio one transcription request may carry, in the model list: the live list's field for it is
# not known (no capture shows one). The emulator lists each transcription model with max_audio_seconds
# (what its provider transcribes within the 60 s upstream budget: listed_seconds) and max_audio_bytes
# (STT_MAX_BYTES), named like a speech model's max_input_characters; the client reads them when there.
TRANSCRIPTION_LIMIT_FIELDS = ("max_audio_seconds", "max_audio_bytes")


def listed_seconds(model: str) -> float:
    """Seconds of audio ``model``'s provider transcribes within the upstream budget."""
    return UPSTREAM_TIMEOUT * TRANSCRIBE_SPEED.get(model, 10.0)
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

# --- measured on the live service ---------------------------------------------------------------------
# Live OpenRouter calls of 2026-09-27/28, recorded in eugene-plexus/specs,
# docs/acceptance/provider-accounts-measurement.md, section 4 ("For P2 and P4: music and images").
MEASURED = "eugene-plexus/specs docs/acceptance/provider-accounts-measurement.md (live calls, 2026-09-27/28)"

# Music: google/lyria-3-clip-preview and -pro-preview, chat models with audio out (input text and image).
# Priced per request: $0.04 a 30 s clip, $0.08 a song (OpenRouter's model pages, 2026-03-30).
MUSIC_MODELS: tuple[tuple[str, str, float], ...] = (
    ("google/lyria-3-clip-preview", "Google: Lyria 3 Clip Preview", 0.04),
    ("google/lyria-3-pro-preview", "Google: Lyria 3 Pro Preview", 0.08),
)
# Not streamed, it is refused, text-only requests too (MEASURED, section 4): "Audio output requires
# stream: true". modalities and audio are optional, and audio.format is ignored: the answer is MP3.
MUSIC_NEEDS_STREAM = "Audio output requires stream: true"
# The whole song comes in ONE SSE event: delta.audio.data only (no id, transcript, format or expires_at),
# an MP3 starting with an ID3 tag, 653-745 KB for a clip; finish_reason "stop" (MEASURED, section 4).
# Whether the lyrics share that event with the audio is not recorded: the emulator sends them together.
MUSIC_CLIP_SECONDS = 30.0
# Lyrics in delta.content: "<instrumental>" (2026-09-27) or timed lines "[4.0:6.0] SUN IS SHINING IN THE
# SKY" (2026-09-28) (MEASURED, section 4).
MUSIC_INSTRUMENTAL = "<instrumental>"
# A clip took 9-11 s to [DONE], its first frame at about 2.2 s (MEASURED, section 4); the emulator paces
# by these at realtime 1.
MUSIC_FIRST_FRAME_SECONDS = 2.0
MUSIC_TOTAL_SECONDS = 10.0

# gpt-audio's frames (openai/gpt-audio-mini, streamed pcm16; MEASURED, section 4, "Speech output through
# chat"): the first frame with delta.audio has its id and transcript only; later ones carry data too,
# plus expires_at; delta.content is ""; 19,200-byte pcm16 chunks (0.4 s), each decodable alone; usage
# with cost on a frame of its own after the last audio; first audio at 0.57 s.
SPEECH_FRAME_CONTENT = ""

# The speech endpoint (MEASURED, "Speech"; OpenRouter's docs repository, 2026-08): response_format mp3 or
# pcm only (wav, opus: 400, see SPEECH_FORMATS above). Two error shapes on one route: a request that fails
# validation gets {"success": false, "error": {"name": "ZodError", ...}}; everything else OpenRouter's
# {"error": {"message", "code"}}. What "..." holds was not recorded: the emulator writes a zod error as zod
# serialises one (its "issues", each with code, message and path).
SPEECH_VALIDATION_SHAPE = "zod"
# Some providers require an explicit voice (MEASURED: "An explicit voice is required for this TTS
# provider"), others take a default. Which providers was not recorded: the emulator asks it of Voxtral.
EXPLICIT_VOICE_MESSAGE = "An explicit voice is required for this TTS provider"
EXPLICIT_VOICE_MODELS = ("mistralai/voxtral-mini-tts-2603",)
# Some speech models answer 403, naming a provider requirement, until the account accepts it (MEASURED).
# The exact wording was not recorded; the emulator refuses so when a request carries
# "X-Emulator-Provider-Terms: unaccepted" (an account that has not accepted them).
PROVIDER_TERMS_MESSAGE = ("{provider} requires accepting its terms before use: accept them in your "
                          "OpenRouter settings (https://openrouter.ai/settings/privacy), then try again")
# GET /models without output_modalities lists the models that output text only (458 of 628, MEASURED, "The
# model list"); ?output_modalities=all lists every model.
MODELS_DEFAULT_OUTPUT = "text"
