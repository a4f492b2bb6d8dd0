"""What ``transcribe`` was given: one audio source or several."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from typing import Any


def audio_sources(audio: Any) -> list[Any]:
    """The sources in ``transcribe``'s argument: a list or tuple of sources, or one source.

    ``(array, rate)`` is one source, not two: a pair whose second item is an integer sample rate.
    """
    if isinstance(audio, tuple) and _is_array_with_rate(audio):
        return [(audio[0], int(audio[1]))]  # int(): numpy integers are rates too
    if isinstance(audio, (list, tuple)):
        return list(audio)
    return [audio]


def _is_array_with_rate(pair: tuple[Any, ...]) -> bool:
    if len(pair) != 2 or isinstance(pair[1], bool) or not isinstance(pair[1], numbers.Integral):
        return False
    return not isinstance(pair[0], (str, bytes, os.PathLike, Mapping))
