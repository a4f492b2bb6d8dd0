"""OpenRouter's audio API in Jupyter: streaming magics, live audio widgets and an offline emulator.

Importing the package is cheap: every public name is loaded on first use, so
``import or_audio_widgets`` pulls in neither requests, IPython, ipywidgets nor pydub.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    # streaming core (pure)
    "iter_events": "._events",
    "Started": "._events",
    "KeepAlive": "._events",
    "TranscriptDelta": "._events",
    "TextDelta": "._events",
    "ReasoningDelta": "._events",
    "AudioDelta": "._events",
    "Usage": "._events",
    "ErrorEvent": "._events",
    "End": "._events",
    "AudioReply": "._reply",
    "ReplyBuilder": "._reply",
    # audio in
    "prepare_audio": "._inputs",
    "PreparedAudio": "._inputs",
    "transcribe_many": "._batch",
    # transport
    "OpenRouterAudio": "._client",
    "ReplyStream": "._client",
    # emulator
    "start_emulator": ".emulator",
    "EmulatorHandle": ".emulator",
    # widgets
    "AudioChat": ".jupyter._widgets",
    "LivePlayer": ".jupyter._widgets",
    "Recorder": ".jupyter._widgets",
    # errors
    "OpenRouterAudioError": "._errors",
    "AudioFormatError": "._errors",
    "AudioInputError": "._errors",
    "FFmpegNotFoundError": "._errors",
    "StreamDecodeError": "._errors",
    "APIError": "._errors",
    "BadRequestError": "._errors",
    "AuthenticationError": "._errors",
    "InsufficientCreditsError": "._errors",
    "ModerationError": "._errors",
    "RequestTimeoutError": "._errors",
    "PayloadTooLargeError": "._errors",
    "RateLimitError": "._errors",
    "ProviderError": "._errors",
    "APIConnectionError": "._errors",
    "MissingAPIKeyError": "._errors",
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "AudioChat",
    "AudioDelta",
    "AudioFormatError",
    "AudioInputError",
    "AudioReply",
    "AuthenticationError",
    "BadRequestError",
    "EmulatorHandle",
    "End",
    "ErrorEvent",
    "FFmpegNotFoundError",
    "InsufficientCreditsError",
    "KeepAlive",
    "LivePlayer",
    "MissingAPIKeyError",
    "ModerationError",
    "OpenRouterAudio",
    "OpenRouterAudioError",
    "PayloadTooLargeError",
    "PreparedAudio",
    "ProviderError",
    "RateLimitError",
    "ReasoningDelta",
    "Recorder",
    "ReplyBuilder",
    "ReplyStream",
    "RequestTimeoutError",
    "Started",
    "StreamDecodeError",
    "TextDelta",
    "TranscriptDelta",
    "Usage",
    "__version__",
    "iter_events",
    "load_ipython_extension",
    "prepare_audio",
    "start_emulator",
    "transcribe_many",
    "unload_ipython_extension",
]

if TYPE_CHECKING:
    from ._batch import transcribe_many
    from ._client import OpenRouterAudio, ReplyStream
    from ._errors import (
        APIConnectionError,
        APIError,
        AudioFormatError,
        AudioInputError,
        AuthenticationError,
        BadRequestError,
        FFmpegNotFoundError,
        InsufficientCreditsError,
        MissingAPIKeyError,
        ModerationError,
        OpenRouterAudioError,
        PayloadTooLargeError,
        ProviderError,
        RateLimitError,
        RequestTimeoutError,
        StreamDecodeError,
    )
    from ._events import (
        AudioDelta,
        End,
        ErrorEvent,
        KeepAlive,
        ReasoningDelta,
        Started,
        TextDelta,
        TranscriptDelta,
        Usage,
        iter_events,
    )
    from ._inputs import PreparedAudio, prepare_audio
    from ._reply import AudioReply, ReplyBuilder
    from .emulator import EmulatorHandle, start_emulator
    from .jupyter._widgets import AudioChat, LivePlayer, Recorder


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'or_audio_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%oraudio`` magics; called by ``%load_ext or_audio_widgets``."""
    from .jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the offline emulator, if the magics started one."""
    from .jupyter import unload_ipython_extension as unload

    unload(ipython)
