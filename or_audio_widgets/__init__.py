"""OpenRouter's audio API in Jupyter: streaming magics, live audio widgets and an offline emulator.

Importing the package is cheap: every public name is loaded on first use, so
``import or_audio_widgets`` pulls in neither requests, IPython, ipywidgets nor pydub.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .client import _offline as _client_offline

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    # streaming core (pure)
    "iter_events": ".core._events",
    "Started": ".core._events",
    "KeepAlive": ".core._events",
    "TranscriptDelta": ".core._events",
    "TextDelta": ".core._events",
    "ReasoningDelta": ".core._events",
    "AudioDelta": ".core._events",
    "Usage": ".core._events",
    "ErrorEvent": ".core._events",
    "End": ".core._events",
    "AudioReply": ".core._reply",
    "ReplyBuilder": ".core._reply",
    "ReplyAudio": ".core._reply",
    "ReplyOrigin": ".core._reply",
    "ReplyOutcome": ".core._reply",
    "Lyrics": ".core._lyrics",
    "LyricLine": ".core._lyrics",
    # audio in
    "prepare_audio": ".client._parts",
    "PreparedAudio": ".core._inputs",
    "transcribe_many": ".client._batch",
    # transport
    "OpenRouterAudio": ".client._client",
    "ReplyStream": ".client._client",
    # emulator
    "start_emulator": ".emulator",
    "EmulatorHandle": ".emulator",
    # widgets
    "AudioChat": ".jupyter._widgets",
    "LivePlayer": ".jupyter._widgets",
    "Recorder": ".jupyter._widgets",
    # errors
    "OpenRouterAudioError": ".errors",
    "AudioFormatError": ".errors",
    "AudioInputError": ".errors",
    "FFmpegNotFoundError": ".errors",
    "StreamDecodeError": ".errors",
    "APIError": ".errors",
    "BadRequestError": ".errors",
    "AuthenticationError": ".errors",
    "InsufficientCreditsError": ".errors",
    "ModerationError": ".errors",
    "RequestTimeoutError": ".errors",
    "PayloadTooLargeError": ".errors",
    "RateLimitError": ".errors",
    "ProviderError": ".errors",
    "APIConnectionError": ".errors",
    "CallCancelledError": ".errors",
    "MissingAPIKeyError": ".errors",
    "ModelCapabilityError": ".errors",
    "UnknownModelError": ".errors",
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
    "CallCancelledError",
    "EmulatorHandle",
    "End",
    "ErrorEvent",
    "FFmpegNotFoundError",
    "InsufficientCreditsError",
    "KeepAlive",
    "LivePlayer",
    "LyricLine",
    "Lyrics",
    "MissingAPIKeyError",
    "ModelCapabilityError",
    "ModerationError",
    "OpenRouterAudio",
    "OpenRouterAudioError",
    "PayloadTooLargeError",
    "PreparedAudio",
    "ProviderError",
    "RateLimitError",
    "ReasoningDelta",
    "Recorder",
    "ReplyAudio",
    "ReplyBuilder",
    "ReplyOrigin",
    "ReplyOutcome",
    "ReplyStream",
    "RequestTimeoutError",
    "Started",
    "StreamDecodeError",
    "TextDelta",
    "TranscriptDelta",
    "UnknownModelError",
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
    from .client._batch import transcribe_many
    from .client._client import OpenRouterAudio, ReplyStream
    from .client._parts import prepare_audio
    from .core._events import (
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
    from .core._inputs import PreparedAudio
    from .core._lyrics import LyricLine, Lyrics
    from .core._reply import AudioReply, ReplyAudio, ReplyBuilder, ReplyOrigin, ReplyOutcome
    from .emulator import EmulatorHandle, start_emulator
    from .errors import (
        APIConnectionError,
        APIError,
        AudioFormatError,
        AudioInputError,
        AuthenticationError,
        BadRequestError,
        CallCancelledError,
        FFmpegNotFoundError,
        InsufficientCreditsError,
        MissingAPIKeyError,
        ModelCapabilityError,
        ModerationError,
        OpenRouterAudioError,
        PayloadTooLargeError,
        ProviderError,
        RateLimitError,
        RequestTimeoutError,
        StreamDecodeError,
        UnknownModelError,
    )
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


def _start_emulator(**options: Any) -> Any:
    """Start an offline emulator: the factory the client layer is given below."""
    from .emulator import start_emulator as start

    return start(**options)


# OR_AUDIO_OFFLINE=1 makes OpenRouterAudio() (and so transcribe_many, AudioChat, the magics) talk to the
# process's one offline emulator. The client may not import the emulator (the layers), so the package,
# which stands above the layers, hands it the factory; the emulator is imported only when one starts.
_client_offline.use_emulator_factory(_start_emulator)


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%oraudio`` magics; called by ``%load_ext or_audio_widgets``."""
    from .jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the offline emulator, if the magics started one."""
    from .jupyter import unload_ipython_extension as unload

    unload(ipython)
