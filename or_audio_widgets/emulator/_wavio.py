"""Reading RIFF/WAVE bytes that were written to a pipe, where the size fields cannot be trusted."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class WavData:
    """The format of a WAV stream and its sample bytes."""

    sample_rate: int
    channels: int
    bits: int
    pcm: bytes


def parse_wav(data: bytes) -> WavData:
    """Parse WAV bytes; the data chunk runs to the end of the input.

    espeak-ng and ffmpeg writing to a pipe cannot seek back to fill in the sizes, so they leave
    placeholders (0x7fffffff, 0xffffffff); the last chunk is therefore taken as "everything that follows".
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE stream")
    pos = 12
    fmt: tuple[int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            _tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", data, body)
            fmt = (rate, channels, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise ValueError("WAV data chunk before its fmt chunk")
            end = body + size if body + size <= len(data) else len(data)
            return WavData(fmt[0], fmt[1], fmt[2], data[body:end])
        pos = body + size + (size & 1)
    raise ValueError("WAV stream without a data chunk")
