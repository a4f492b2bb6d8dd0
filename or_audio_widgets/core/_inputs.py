"""Audio in: any source becomes a checked ``input_audio`` content part, converted when the API would not
take it as it is.

Everything that can be wrong with the input (missing, empty, corrupt, too long, too large) is raised here,
before any request is made.
"""

from __future__ import annotations

import binascii
import struct
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import AudioFormatError, AudioInputError
from ._formats import ACCEPTED_FORMATS, FORMATS, RAW_FORMATS, RAW_SAMPLE_RATE, canonical_name, encoder_of
from ._probe import AudioInfo, Media, convert, ffmpeg_info, plain_wav, wav_info
from ._sniff import check_suffix, sniff
from ._sources import Fetch, load_source, media_head, media_reader, media_size

#: Largest audio (in bytes, before base64) that :func:`prepare_audio` sends by default: 20 MB, about
#: 10 minutes of 16 kHz stereo WAV or 40 minutes of 64 kb/s MP3; 26.7 MB once in base64. Requests far
#: larger are refused with 413 by OpenRouter or its providers (their limits are not published and vary),
#: so the check happens here, before the upload; pass ``max_bytes=`` to move it.
DEFAULT_MAX_BYTES = 20_000_000


#: Headerless pcm16/pcm24 carry no rate; the API reads them as 24 kHz mono, so other rates go as WAV.
PCM_RATE = RAW_SAMPLE_RATE
# Base64 turns every 3 bytes into 4 characters: blocks of a multiple of 3 encode without padding.
_BLOCK = 3 * 64 * 1024


@dataclass(frozen=True, repr=False)
class PreparedAudio:
    """A ready ``input_audio`` content part and what is in it.

    ``part`` is ``{"type": "input_audio", "input_audio": {"data": <base64>, "format": format}}``;
    ``size`` is the audio's size in bytes before base64; ``source_name`` names the source in messages.
    ``converted_from`` is the source's own format when it was converted, else None.
    """

    part: dict[str, Any]
    format: str
    duration: float
    sample_rate: int
    channels: int
    size: int
    source_name: str
    converted_from: str | None = field(default=None)

    def __repr__(self) -> str:  # never print megabytes of base64
        via = f", converted from {self.converted_from}" if self.converted_from else ""
        return (f"PreparedAudio({self.source_name!r}: {self.format}, {self.duration:.3f} s, "
                f"{self.sample_rate} Hz, {self.channels} ch, {self.size} bytes{via})")


def prepare_audio(
    source: Any,
    *,
    format: str | None = None,
    target: str | None = None,
    sample_rate: int | None = None,
    mono: bool = False,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_seconds: float | None = None,
    fetch: Fetch | None = None,
) -> PreparedAudio:
    """Turn ``source`` into a checked ``input_audio`` part, converting it when needed.

    ``source``: a path (str or Path), an http(s) URL (downloaded with ``fetch(url, max_bytes=N)``, by
    default the client's downloader), a ``data:`` URL, bytes, a binary file object, a numpy array (float
    in [-1, 1] or int16; 1-D or (n, channels)) with ``sample_rate=`` or as an ``(array, rate)`` tuple, a
    pydub ``AudioSegment``, or an ``IPython.display.Audio``.

    The format is read from the content, never from a suffix (a suffix that disagrees gives a warning).
    ``format=`` declares headerless ``"pcm16"``/``"pcm24"`` (mono, little-endian; ``sample_rate=`` is then
    its rate). Formats the API does not take (webm, opus in webm, wma, mp4 video, ...) are converted to
    wav, or to mp3 when wav would be over ``max_bytes``. ``target=``, ``mono=True`` and ``sample_rate=``
    (for a source that has a rate of its own) convert on request.

    Raises :class:`AudioInputError` for a missing, empty, corrupt or undecodable source, and for one
    over ``max_seconds`` or (after conversion) over ``max_bytes`` (None lifts the limit).
    """
    if isinstance(source, PreparedAudio):
        return source
    fetch_limit = 8 * max_bytes if max_bytes else 1 << 40
    media = load_source(source, sample_rate=sample_rate, fetch=fetch, fetch_limit=fetch_limit)
    if media.rate_consumed:
        sample_rate = None  # it described the array; nothing to resample
    declared = canonical_name(format) if format else None
    if declared in RAW_FORMATS:
        if not sample_rate:
            raise AudioInputError(f"{media.name}: {declared} has no header, so pass its sample_rate=.")
        media.raw_rate, sample_rate = sample_rate, None
    head = media_head(media)
    if not head:
        raise AudioInputError(f"{media.name} is empty (0 bytes). Check that the recording or export worked.")
    media.format = _identify(media, head, declared)
    as_is = target is None and not mono and not sample_rate and media.format in ACCEPTED_FORMATS - {"wav"}
    if as_is and max_bytes is not None and media_size(media) > max_bytes:
        raise AudioInputError(_too_large(media.name, media.format or "", None, media_size(media), max_bytes))
    info = _info(media)  # decodes a compressed file once: refuse one too large before that
    _check_seconds(media.name, info, max_seconds)
    out_format = _choose_target(media, info, target, sample_rate, mono, max_bytes)
    if out_format is None:
        return _finish(media, media.format, info, max_bytes, converted_from=None)
    return _convert(media, info, out_format, sample_rate, mono, max_bytes)


def _convert(media: Media, info: AudioInfo, out_format: str, sample_rate: int | None, mono: bool,
             max_bytes: int | None) -> PreparedAudio:
    channels = 1 if mono else None
    if out_format in RAW_FORMATS:
        channels, sample_rate = 1, PCM_RATE  # what the API assumes of headerless audio
    data = convert(media, out_format, sample_rate=sample_rate, channels=channels)
    out = Media(media.name, data=data, format=out_format, raw_rate=sample_rate or info.sample_rate)
    out_info = _info(out)
    return _finish(out, out_format, out_info, max_bytes, converted_from=media.format)


def _identify(media: Media, head: bytes, declared: str | None) -> str | None:
    """The content's format; None when unknown (ffmpeg may still read it)."""
    found = sniff(head)
    if declared in RAW_FORMATS:
        if found is not None and found.format in ("wav", "aiff"):
            raise AudioFormatError(
                f"{media.name} was declared {declared} but has a {found.format} header; drop format=."
            )
        return declared
    if media.path is not None or "://" in media.name:
        check_suffix(media.name, found.format if found else None, stacklevel=4)  # the caller's line
    if found is None:
        return declared
    if found.format == "ogg" and found.codec not in (None, "vorbis", "opus", "flac"):
        return f"ogg-{found.codec}"  # Speex in Ogg: converted
    if declared and declared != found.format:
        warnings.warn(f"{media.name}: format={declared!r} was given but the content is {found.format}; "
                      f"using {found.format}.", UserWarning, stacklevel=3)
    return found.format


def _info(media: Media) -> AudioInfo:
    if media.format in RAW_FORMATS:
        width = FORMATS[media.format].sample_width
        size = media_size(media)
        rate = media.raw_rate or 0
        if size % width:
            raise AudioInputError(f"{media.name}: {size} bytes is not whole {media.format} samples.")
        return AudioInfo(size / width / rate, rate, 1)
    if media.format == "wav":
        return wav_info(media_reader(media), media_size(media), media.name)
    try:
        return ffmpeg_info(media)
    except AudioInputError as exc:
        if media.format is not None:
            raise
        raise AudioInputError(
            f"{media.name} is in no audio format ffmpeg recognises (corrupt, truncated or not audio). If "
            "it is raw samples, say so: format='pcm16', sample_rate=..."
        ) from exc


def _check_seconds(name: str, info: AudioInfo, max_seconds: float | None) -> None:
    if info.duration <= 0:
        raise AudioInputError(f"{name} contains no audio (0 s). Check that the recording or export worked.")
    if max_seconds is not None and info.duration > max_seconds:
        raise AudioInputError(
            f"{name} lasts {info.duration:.1f} s, over the limit of max_seconds={max_seconds:g}. Trim it "
            f"(e.g. ffmpeg -i in -t {max_seconds:g} out.wav) or send it in parts."
        )


def _choose_target(media: Media, info: AudioInfo, target: str | None, sample_rate: int | None, mono: bool,
                   max_bytes: int | None) -> str | None:
    """The format to convert to, or None to send the content as it is."""
    current = media.format
    if target is not None:
        target = canonical_name(target)
        if target not in ACCEPTED_FORMATS:
            raise AudioFormatError(f"target={target!r} is not a format the API accepts: "
                                   f"{', '.join(sorted(ACCEPTED_FORMATS))}.")
    wants_change = (mono and info.channels > 1) or (sample_rate and sample_rate != info.sample_rate)
    acceptable = current in ACCEPTED_FORMATS and (current != "wav" or plain_wav(info))
    if current in RAW_FORMATS and info.sample_rate != PCM_RATE:
        acceptable = False
    if target in (None, current) and acceptable and not wants_change:
        return None
    if target is not None:
        return target
    if acceptable and current is not None:
        return current  # resample or downmix, keeping the format
    channels = 1 if mono else info.channels
    return "wav" if wav_fits(info.duration, sample_rate or info.sample_rate, channels, max_bytes) else "mp3"


def wav_fits(duration: float, sample_rate: int, channels: int, max_bytes: int | None) -> bool:
    """Whether this audio as 16-bit WAV (44-byte header) stays within ``max_bytes`` (None: no limit)."""
    return max_bytes is None or duration * sample_rate * channels * 2 + 44 <= max_bytes


def _finish(media: Media, fmt: str | None, info: AudioInfo, max_bytes: int | None,
            converted_from: str | None) -> PreparedAudio:
    assert fmt is not None
    size = media_size(media) if not info.needs_header else 44 + (info.data_size or 0)
    if max_bytes is not None and size > max_bytes:
        raise AudioInputError(_too_large(media.name, fmt, info, size, max_bytes))
    data = _encode(media, info)
    part = {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
    return PreparedAudio(part, fmt, info.duration, info.sample_rate, info.channels, size, media.name,
                         converted_from)


def _size_text(size: float) -> str:
    """A byte count people can read: '20 MB', '1.5 MB', '48 kB', '512 bytes'."""
    if size >= 1e6:
        return f"{size / 1e6:.3g} MB"
    if size >= 1e3:
        return f"{size / 1e3:.3g} kB"
    return f"{size:.0f} bytes"


def _too_large(name: str, fmt: str, info: AudioInfo | None, size: int, max_bytes: int) -> str:
    length = f" ({info.duration:.1f} s)" if info else ""
    mono_mp3 = encoder_of("mp3").bitrate(1) or 0
    mp3 = f" (about {_size_text(info.duration * mono_mp3 / 8)})" if info else ""
    return (
        f"{name} is {_size_text(size)} as {fmt}{length}, over the limit of max_bytes="
        f"{_size_text(max_bytes)}. Make it smaller: prepare_audio(..., target='mp3', mono=True){mp3}, "
        "sample_rate=16000 for speech, or trim it into parts; or raise max_bytes."
    )


def _encode(media: Media, info: AudioInfo) -> str:
    if info.needs_header:
        return _b64_blocks(_headed_blocks(media, info))
    if media.path is not None:
        with open(media.path, "rb", buffering=0) as handle:
            return _b64_blocks(_file_blocks(handle))
    view = memoryview(media.data or b"")
    return _b64_blocks(view[start : start + _BLOCK] for start in range(0, len(view), _BLOCK))


def _headed_blocks(media: Media, info: AudioInfo) -> Iterator[bytes | bytearray]:
    """The samples behind a header that states their real length (the file's are placeholders), in
    blocks of ``_BLOCK`` bytes: one block in memory at a time, never a second copy of the whole."""
    read = media_reader(media)
    at = info.data_offset or 0
    size = info.data_size or 0
    end = at + size
    # the file's own header with true sizes: its format (24/32-bit, float, extensible) is kept as it is
    block = bytearray(read(0, at))
    struct.pack_into("<I", block, 4, at - 8 + size)
    struct.pack_into("<I", block, at - 4, size)
    while True:
        take = min(_BLOCK - len(block), end - at)
        block += read(at, take)
        at += take
        yield block
        if at >= end:
            return
        block = bytearray()


def _file_blocks(handle: BinaryIO) -> Iterator[memoryview]:
    """A file in blocks of ``_BLOCK`` bytes, read into one reused buffer: never the whole file."""
    view = memoryview(bytearray(_BLOCK))
    while filled := _fill(handle, view):
        yield view[:filled]


def _fill(handle: BinaryIO, view: memoryview) -> int:
    """Read until ``view`` is full or the file ends: only the last block may miss a multiple of 3."""
    filled = 0
    while filled < len(view):
        got = handle.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def _b64_blocks(blocks: Iterable[bytes | bytearray | memoryview]) -> str:
    """Base64 of consecutive blocks, each a multiple of 3 bytes long but the last."""
    text = ""
    for block in blocks:
        # CPython extends a str in place when it holds the only reference (a documented detail of `+=`),
        # so the text grows by realloc instead of being copied once per block.
        text += binascii.b2a_base64(block, newline=False).decode("ascii")
    return text
