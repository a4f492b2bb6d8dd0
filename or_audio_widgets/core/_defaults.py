"""Defaults shared by the client, the magics and the widgets."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
# The speaking chat model (OpenRouter lists openai/gpt-4o-audio-preview as audio-in only today).
DEFAULT_SPEAK_MODEL = "openai/gpt-audio-mini"
DEFAULT_LISTEN_MODEL = "google/gemini-2.5-flash"
DEFAULT_VOICE = "alloy"
DEFAULT_FORMAT = "wav"
# The dedicated endpoints: POST /audio/speech reads text aloud, POST /audio/transcriptions writes speech down.
DEFAULT_SPEECH_MODEL = "openai/gpt-4o-mini-tts-2025-12-15"
DEFAULT_SPEECH_VOICE = "alloy"
DEFAULT_TRANSCRIBE_MODEL = "openai/whisper-1"
# Music: a chat model that answers with a whole song (an MP3) and its lyrics; the clip model is the cheaper.
DEFAULT_MUSIC_MODEL = "google/lyria-3-clip-preview"

# The only streamed audio format OpenAI's audio models accept; other formats are built locally.
WIRE_FORMAT = "pcm16"

# Seconds to wait for the connection, and between two bytes of a reply (keep-alive comments reset it).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0

MAX_RETRIES = 2
# Backoff: BACKOFF_BASE * 2**attempt, at most BACKOFF_MAX, with full jitter; Retry-After at most this.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_CAP = 20.0

# How long the list of models is reused before GET /models is asked again.
MODELS_TTL = 600.0

# POST /audio/transcriptions: the formats it takes, and the file size OpenAI's whisper-1 accepts (25 MB).
TRANSCRIPTION_MAX_BYTES = 25_000_000
