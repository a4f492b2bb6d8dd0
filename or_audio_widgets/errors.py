"""The package's exceptions: one base class, one subclass per thing a user can act on.

Every message ends with what to do. No exception ever carries the API key: the client builds them from
the server's body and its own words only.
"""

from __future__ import annotations

from typing import Any


class OpenRouterAudioError(Exception):
    """Base class of every error this package raises."""


# --- input and local processing --------------------------------------------------------------------


class AudioInputError(OpenRouterAudioError, ValueError):
    """Audio given to the package cannot be used: missing, empty, corrupt, too large, unknown format."""


class AudioFormatError(AudioInputError):
    """An audio format that is unknown, or that cannot be produced or read here."""


class FFmpegNotFoundError(OpenRouterAudioError, RuntimeError):
    """A conversion needs ffmpeg (or ffprobe) and none was found."""

    def __init__(self, program: str = "ffmpeg", purpose: str = "this conversion") -> None:
        self.program = program
        super().__init__(
            f"{program} is needed for {purpose} but was not found on PATH. Install it "
            f"(Debian/Ubuntu: 'apt-get install ffmpeg'; macOS: 'brew install ffmpeg'; conda: "
            f"'conda install -c conda-forge ffmpeg'), or 'pip install imageio-ffmpeg', or ask for "
            f"wav/pcm16, which need no ffmpeg."
        )


class StreamDecodeError(OpenRouterAudioError, ValueError):
    """A stream carried something that cannot be decoded (invalid base64, invalid JSON)."""


class ModelCapabilityError(OpenRouterAudioError, ValueError):
    """The model cannot serve what was asked of it (speak, listen, read aloud, transcribe, a voice).

    Raised before the request is sent when the model list says so; the message names models that can.
    """


class UnknownModelError(ModelCapabilityError):
    """The model list, read before sending, has no model of that id; nothing was sent.

    ``model`` is the id asked for, ``close`` the listed ids nearest to it (maybe none).
    """

    def __init__(self, model: str, close: tuple[str, ...] = (), listing: str = "client.catalogue()") -> None:
        self.model, self.close = model, tuple(close)
        super().__init__(self.explain(listing))

    def explain(self, listing: str) -> str:
        """The message, pointing at ``listing`` (``client.catalogue()``, ``%oraudio_models``) for the ids."""
        guess = f" Did you mean {' or '.join(self.close)}?" if self.close else ""
        return (f"{self.model!r} is not in OpenRouter's model list, so nothing was sent.{guess} "
                f"{listing} shows the audio models and their ids.")


class MissingAPIKeyError(OpenRouterAudioError, RuntimeError):
    """No API key was given and none is in the environment."""

    def __init__(self) -> None:
        super().__init__(
            "No OpenRouter API key. Set the OPENROUTER_API_KEY environment variable, pass "
            "api_key=... to OpenRouterAudio, or in a notebook run %oraudio_login. To work "
            "without a key, set OR_AUDIO_OFFLINE=1 (or run %oraudio_config --offline) to use the "
            "built-in offline emulator."
        )


class InvalidAPIKeyError(OpenRouterAudioError, ValueError):
    """The API key given cannot be sent (it holds a character no HTTP header may carry); the message
    names the character and its position, never the key."""


class OptionError(OpenRouterAudioError, ValueError):
    """An option value that cannot be used (not a finite number, out of range); the message says which."""


# --- errors reported by the API ----------------------------------------------------------------------


class APIError(OpenRouterAudioError):
    """The API answered with an error.

    ``status`` is the HTTP status (200 for an error reported inside a stream), ``code`` and ``metadata``
    come from OpenRouter's ``{"error": {...}}`` body, ``message`` is OpenRouter's own message.
    """

    hint = "See https://openrouter.ai/docs/api-reference/errors for what this status means."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        metadata: dict[str, Any] | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.metadata = metadata or {}
        if hint is not None:
            self.hint = hint
        prefix = f"HTTP {status}: " if status else ""
        super().__init__(f"{prefix}{message} {self.hint}".strip())


class BadRequestError(APIError):
    """400: the request was refused as malformed (a model, a parameter or an audio format)."""

    hint = "Check the model name, the parameters and the audio format the model accepts."


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""

    hint = (
        "The API key was refused: set a valid OPENROUTER_API_KEY (or run %oraudio_login); "
        "keys are at https://openrouter.ai/keys."
    )


class InsufficientCreditsError(APIError):
    """402: the account has no credits left for this request."""

    hint = "Add credits at https://openrouter.ai/credits, or choose a cheaper model."


class ModerationError(APIError):
    """403: the input was flagged by moderation or a guardrail."""

    hint = "The input was flagged by moderation; the metadata names the reasons. Rephrase the prompt."


class RequestTimeoutError(APIError):
    """408: the request (or the wait for the reply) timed out."""

    hint = "The request timed out; try again, raise the timeout, or send shorter audio."


class PayloadTooLargeError(APIError):
    """413: the request body, usually its audio, is too large."""

    hint = "The request is too large: send shorter audio, or compress it (target='mp3', mono=True)."


class RateLimitError(APIError):
    """429: too many requests; retried with backoff before this is raised."""

    hint = "Too many requests: wait a moment and try again, or lower the concurrency."


class ProviderError(APIError):
    """502 or 503: the model's provider is down, or no provider can serve the request."""

    hint = "The provider is unavailable right now: try again shortly, or pick another model."


class APIConnectionError(APIError):
    """The API could not be reached, or the connection broke before a reply began."""

    hint = "Could not reach the API: check the network and the base URL (OPENROUTER_BASE_URL)."


class CallCancelledError(APIConnectionError):
    """The call was cancelled (Ctrl-C in ``transcribe_many``, a Stop, ``cancel()``) before its answer."""

    hint = "It was cancelled on purpose, not by the network: nothing was received; run it again to redo it."


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: ModerationError,
    408: RequestTimeoutError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    502: ProviderError,
    503: ProviderError,
}


def error_class_for_status(status: int | None) -> type[APIError]:
    """The exception class for an HTTP status (or an error ``code`` inside a stream)."""
    if status is None:
        return APIError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ProviderError if status >= 500 else APIError
