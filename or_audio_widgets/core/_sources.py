"""Turning whatever a user holds into bytes or a file on disk: paths, URLs, bytes, file objects, numpy
arrays, pydub segments and ``IPython.display.Audio`` objects.

Types are recognised by duck typing and class names, so numpy, pydub and IPython are never imported here
(numpy only inside the function that already holds an array).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import AudioFormatError, AudioInputError
from ._probe import Media, Reader, wav_header
from ._sniff import HEAD_BYTES

Fetch = Callable[..., bytes]  # fetch(url, max_bytes=N) -> bytes


def load_source(source: Any, *, sample_rate: int | None, fetch: Fetch | None, fetch_limit: int) -> Media:
    """The content of ``source`` as a :class:`Media` (a file path, or bytes).

    Arrays and segments come back as WAV bytes. For a bare array, ``sample_rate`` is its rate, and
    ``rate_consumed`` tells the caller so; for anything else it asks for a resample.
    """
    if isinstance(source, (str, os.PathLike)):
        return _from_string(os.fspath(source), fetch, fetch_limit)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Media("audio bytes", data=bytes(source))
    if isinstance(source, tuple) and len(source) == 2 and isinstance(source[1], int):
        return _from_array(source[0], source[1])  # (array, rate), as soundfile.read returns it
    kind = type(source).__name__
    if hasattr(source, "dtype") and hasattr(source, "shape"):
        media = _from_array(source, sample_rate)
        media.rate_consumed = True
        return media
    if hasattr(source, "raw_data") and hasattr(source, "frame_rate"):
        return _from_segment(source)
    if kind == "Audio" and hasattr(source, "data") and hasattr(source, "url"):
        return _from_ipython_audio(source, fetch, fetch_limit)
    if hasattr(source, "read"):
        return _from_file_object(source)
    raise AudioInputError(
        f"cannot use a {kind} as audio: pass a path, an http(s) URL, bytes, a binary file object, a numpy "
        "array with sample_rate=, a pydub AudioSegment or an IPython.display.Audio."
    )


def _from_string(text: str, fetch: Fetch | None, fetch_limit: int) -> Media:
    lowered = text[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return Media(display_url(text), data=_download(text, fetch, fetch_limit))
    if lowered.startswith("data:"):
        return Media("data: URL", data=_data_url(text))
    if lowered.startswith("file://"):
        text = unquote(urlsplit(text).path)
    path = Path(text).expanduser()
    if not path.exists():
        raise AudioInputError(f"audio file not found: {text} (looked in {Path.cwd()}). Check the path.")
    if not path.is_file():
        raise AudioInputError(f"{text} is not a file. Pass the path of an audio file.")
    return Media(str(text), path=path.resolve())


def display_url(url: str) -> str:
    """A URL without its query string and fragment, which often carry access tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def _download(url: str, fetch: Fetch | None, limit: int) -> bytes:
    if fetch is None:  # the core does no HTTP: the client passes its downloader in
        raise AudioInputError(
            f"cannot download {display_url(url)} here: use or_audio_widgets.prepare_audio (which downloads "
            "with the client), or pass fetch=, a function fetch(url, max_bytes=N) -> bytes."
        )
    return bytes(fetch(url, max_bytes=limit))


def _data_url(text: str) -> bytes:
    header, _, payload = text.partition(",")
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=False)
        return unquote(payload).encode("latin-1")
    except (binascii.Error, ValueError) as exc:
        raise AudioInputError(f"the data: URL does not hold valid base64 ({exc}).") from exc


def _from_file_object(handle: Any) -> Media:
    name = getattr(handle, "name", None)
    label = name if isinstance(name, str) else "file object"
    data = handle.read()
    if isinstance(data, str):
        raise AudioInputError(f"{label} is open in text mode: open it with open(path, 'rb').")
    return Media(label, data=bytes(data))


def _from_ipython_audio(audio: Any, fetch: Fetch | None, fetch_limit: int) -> Media:
    if audio.data is not None:
        return Media("IPython Audio", data=bytes(audio.data))
    filename = getattr(audio, "filename", None)
    if filename:
        return _from_string(str(filename), fetch, fetch_limit)
    if audio.url:
        return _from_string(str(audio.url), fetch, fetch_limit)
    raise AudioInputError("the IPython.display.Audio holds no data, filename or url.")


def _from_segment(segment: Any) -> Media:
    raw = bytes(segment.raw_data)
    rate, channels, width = int(segment.frame_rate), int(segment.channels), int(segment.sample_width)
    wav = wav_header(len(raw), rate, channels, width) + raw
    return Media(f"AudioSegment ({rate} Hz)", data=wav, format="wav")


def _from_array(array: Any, sample_rate: int | None) -> Media:
    if not sample_rate:
        raise AudioInputError(
            "a numpy array needs its rate: prepare_audio(array, sample_rate=16000) or (array, 16000)."
        )
    import numpy as np  # the caller holds an array, so numpy is there

    samples = np.asarray(array)
    if samples.ndim == 2 and samples.shape[0] <= 8 < samples.shape[1]:
        samples = samples.T  # (channels, n), as librosa returns it, rather than (n, channels)
    if samples.ndim not in (1, 2) or samples.size == 0:
        raise AudioInputError(
            f"a numpy array of shape {samples.shape} is not audio: pass a non-empty 1-D array (mono) "
            "or (n, channels)."
        )
    pcm = _to_int16(samples, np)
    channels = 1 if pcm.ndim == 1 else int(pcm.shape[1])
    raw = np.ascontiguousarray(pcm).tobytes()
    wav = wav_header(len(raw), int(sample_rate), channels) + raw
    return Media(f"numpy array ({sample_rate} Hz)", data=wav, format="wav")


def _to_int16(samples: Any, np: Any) -> Any:
    kind, width = samples.dtype.kind, samples.dtype.itemsize
    if kind == "f":
        if not np.isfinite(samples).all():
            raise AudioInputError("the numpy array holds NaN or infinite samples; clean it first.")
        return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    if kind == "i" and width == 2:
        return samples.astype("<i2", copy=False)
    if kind == "i" and width == 4:
        return (samples >> 16).astype("<i2")
    if kind == "u" and width == 1:
        return ((samples.astype("<i2") - 128) << 8).astype("<i2")
    raise AudioFormatError(
        f"numpy arrays of {samples.dtype} are not supported: use float in [-1, 1] or int16."
    )


def media_head(media: Media) -> bytes:
    """The first bytes of the content (what sniffing looks at)."""
    if media.path is not None:
        with open(media.path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    return (media.data or b"")[:HEAD_BYTES]


def media_size(media: Media) -> int:
    """The content's size in bytes."""
    return media.path.stat().st_size if media.path is not None else len(media.data or b"")


def media_reader(media: Media) -> Reader:
    """``read(offset, length) -> bytes`` over the content, opening a file only for each read."""
    if media.path is None:
        data = media.data or b""
        return lambda offset, length: data[offset : offset + length]
    path = media.path

    def read(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    return read
