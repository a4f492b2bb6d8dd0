"""A recording opened for splitting: its pcm16 samples read in place, never loaded whole.

A 16-bit PCM WAV file is memory-mapped (an hour of it costs no heap); anything else is decoded once by
ffmpeg into a temporary 16 kHz mono WAV that is mapped the same way. A WAV header that lies about its
length (a placeholder size, or more data than the file holds) is read for what the file really holds.

Every kind of source ``transcribe()`` takes is first read once (:func:`read_source`): a URL is
downloaded within the download limit, a file object read, an array or a segment made a WAV, a ready
``input_audio`` part decoded (headerless pcm given its header), so that a long one is cut like a file and a
short one is prepared from the same bytes, never downloaded or read twice.
"""

from __future__ import annotations

import binascii
import io
import mmap
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core._defaults import TRANSCRIPTION_MAX_BYTES
from ..core._ffmpeg import run_ffmpeg
from ..core._formats import FORMATS, RAW_SAMPLE_RATE, encoder_of
from ..core._inputs import PreparedAudio
from ..core._sources import Fetch, load_source
from ..core._wav import is_placeholder_size, looks_like_wav, read_wav_info, wav_header
from ..errors import AudioInputError

DECODE_RATE = 16000  # what a decoded recording is made: speech models hear 16 kHz
# A URL is downloaded up to what prepare_audio allows a 25 MB request (8 times it: a WAV converted to MP3
# shrinks that much), long or short.
DOWNLOAD_LIMIT = 8 * TRANSCRIPTION_MAX_BYTES


@dataclass(frozen=True)
class Source:
    """A transcription source read once: ``whole`` is what a long recording is cut from (a file path or
    bytes), ``short`` what one request prepares when it is short: the source itself where reading it
    again costs nothing (a path), else its bytes under the source's name (for the messages)."""

    whole: Path | bytes | bytearray | memoryview
    short: Any


def read_source(source: Any, fetch: Fetch) -> Source:
    """``source`` (anything ``transcribe()`` takes) read once; ``fetch(url, max_bytes=N)`` downloads."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(source, source)
    if isinstance(source, PreparedAudio):
        data = part_audio(source.part["input_audio"], source.sample_rate, source.channels)
        return Source(data, source)
    if isinstance(source, Mapping) and isinstance(source.get("input_audio"), Mapping):
        data = part_audio(source["input_audio"], RAW_SAMPLE_RATE, 1)  # what the API assumes of pcm
        return Source(data, data)
    media = load_source(source, sample_rate=None, fetch=fetch, fetch_limit=DOWNLOAD_LIMIT)
    if media.path is not None:
        return Source(media.path, source)
    data = media.data or b""
    held = io.BytesIO(data)  # shares the bytes (no copy); read as a file object, named as the source
    held.name = media.name
    return Source(data, held)


def part_audio(part: Mapping[str, Any], rate: int, channels: int) -> bytes:
    """The audio of an ``input_audio`` part; headerless pcm16/pcm24 given a WAV header of ``rate``."""
    data = binascii.a2b_base64(str(part.get("data", "")))
    fmt = FORMATS.get(str(part.get("format")))
    if fmt is None or not fmt.sample_width:
        return data
    return wav_header(len(data), rate, channels, fmt.sample_width) + data


@dataclass
class Recording:
    """Interleaved pcm16 ``samples`` (memoryview of format "h"), their rate and channel count."""

    samples: memoryview
    rate: int
    channels: int
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def frames(self) -> int:
        """Sample frames (samples per channel)."""
        return len(self.samples) // self.channels

    @property
    def seconds(self) -> float:
        """Its length in seconds."""
        return self.frames / self.rate

    def close(self) -> None:
        """Let go of the mapping and any temporary file."""
        self.samples.release()
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()


def wav_seconds(data: Any, total: int) -> float | None:
    """The true length of 16-bit PCM WAV ``data`` (bytes or a map) of ``total`` bytes; None if it is
    none."""
    located = _locate(data, total)
    return None if located is None else located[1] / 2 / located[3] / located[2]


def _locate(data: Any, total: int) -> tuple[int, int, int, int] | None:
    """(offset, byte count, rate, channels) of the samples of a 16-bit PCM WAV, the count what is there."""
    if total < 12 or not looks_like_wav(bytes(data[:12])):
        return None
    try:
        info = read_wav_info(lambda offset, length: bytes(data[offset : offset + length]), total)
    except AudioInputError:
        return None
    if info is None or info.audio_format != 1 or info.sample_width != 2 or info.channels < 1:
        return None
    held = total - info.data_offset
    size = held if is_placeholder_size(info.data_size) else min(info.data_size, held)
    size -= size % (2 * info.channels)
    return info.data_offset, size, info.sample_rate, info.channels


def open_recording(source: Any) -> Recording:
    """``source`` (a path, or bytes) as a :class:`Recording`; close it when done."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source).cast("B")
        located = _locate(view, len(view))
        if located is not None:
            offset, size, rate, channels = located
            return Recording(view[offset : offset + size].cast("h"), rate, channels)
        return _decoded(bytes(view), None)
    if isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        path = Path(source)
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                raise AudioInputError(f"{path.name} is empty: there is nothing to transcribe")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        located = _locate(mapped, size)
        if located is None:
            mapped.close()
            return _decoded(None, path)
        offset, count, rate, channels = located
        whole = memoryview(mapped)
        sliced = whole[offset : offset + count]
        return Recording(sliced.cast("h"), rate, channels, [mapped.close, whole.release, sliced.release])
    raise AudioInputError("a recording longer than one request carries must be a file path or bytes; save "
                          "it to a file first")


def _decoded(data: bytes | None, path: Path | None) -> Recording:
    """Decode through ffmpeg into a temporary 16 kHz mono WAV, mapped."""
    fd, out = tempfile.mkstemp(prefix="or-audio-long-", suffix=".wav")
    os.close(fd)
    src = str(path) if path is not None else None
    try:
        if src is None:
            fd, src = tempfile.mkstemp(prefix="or-audio-long-in-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data or b"")
        as_wav = encoder_of("wav").args()
        run_ffmpeg(["-i", src, "-vn", "-ac", "1", "-ar", str(DECODE_RATE), *as_wav, "-y", out],
                   purpose="splitting a long recording", name=path.name if path else "audio")
    except BaseException:
        os.unlink(out)
        raise
    finally:
        if path is None and src is not None:
            os.unlink(src)
    recording = open_recording(out)
    recording._closers.insert(0, lambda: os.unlink(out))
    return recording


def check_local(source: Any) -> None:
    """Refuse, before anything is sent (the model list included), a path that names no file or an empty
    one: a recording of any length is read only later, piece by piece."""
    if not isinstance(source, (str, os.PathLike)):
        return
    text = os.fspath(source)
    if text[:8].lower().startswith(("http://", "https://", "data:", "file://")):
        return
    path = Path(text).expanduser()
    if not path.exists():
        raise AudioInputError(f"audio file not found: {text} (looked in {Path.cwd()}). Check the path.")
    if path.is_file() and path.stat().st_size == 0:
        raise AudioInputError(f"{path.name} is empty (0 bytes). Check that the recording or export worked.")
