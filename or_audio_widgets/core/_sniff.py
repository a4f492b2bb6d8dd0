"""Audio format detection from the first bytes of the content, never from a file name.

:func:`sniff` reads magic numbers; :func:`check_suffix` compares what was found with a file's suffix and
warns when they disagree, since a ``.mp3`` that is really a WAV is common and the content is what counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ._formats import kin_of_suffix

#: How many leading bytes :func:`sniff` looks at (an ID3 tag longer than this hides what follows it).
HEAD_BYTES = 4096

# ASF header object GUID 75B22630-668E-11CF-A6D9-00AA0062CE6C, as stored (little-endian fields).
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# ISO BMFF brands that mean "audio only" (Apple's M4A/M4B/M4P, Adobe's F4A/F4B).
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


@dataclass(frozen=True)
class Sniffed:
    """What the magic bytes say.

    ``format`` is the name used everywhere in this package (``"wav"``, ``"mp3"``, ``"flac"``, ``"ogg"``,
    ``"aiff"``, ``"aifc"``, ``"aac"``, ``"m4a"``, ``"mp4"``, ``"webm"``, ``"mkv"``, ``"wma"``, ``"caf"``,
    ``"amr"``, ``"au"``, ``"rf64"``, ``"riff"``); ``codec`` refines it where the container says
    (``"opus"``/``"vorbis"``/``"flac"``/``"speex"`` in Ogg; the RIFF form type for other RIFF files).
    """

    format: str
    codec: str | None = None


def sniff(head: bytes) -> Sniffed | None:
    """The audio format of content starting with ``head``, or None when no known magic matches."""
    head = bytes(head[:HEAD_BYTES])
    for check in (_riff, _id3, _ogg, _iff, _iso_bmff, _ebml, _simple, _frame_sync):
        found = check(head)
        if found is not None:
            return found
    return None


def _riff(head: bytes) -> Sniffed | None:
    if head[:4] in (b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return Sniffed("rf64")  # 64-bit WAV for files over 4 GB; not what the API calls "wav"
    if head[:4] != b"RIFF" or len(head) < 12:
        return None
    form = head[8:12]
    if form == b"WAVE":
        return Sniffed("wav")
    return Sniffed("riff", form.decode("latin-1").strip())


def _id3(head: bytes) -> Sniffed | None:
    if head[:3] != b"ID3" or len(head) < 10:
        return None
    # ID3v2 size: four 7-bit "syncsafe" bytes, plus a 10-byte footer when flag bit 4 is set.
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    end = 10 + size + (10 if head[5] & 0x10 else 0)
    rest = head[end:]
    if len(rest) >= 4:
        after = sniff(rest)
        if after is not None:
            return after  # ID3 also prefixes FLAC and ADTS AAC files
    return Sniffed("mp3")


def _ogg(head: bytes) -> Sniffed | None:
    if head[:4] != b"OggS":
        return None
    # The first page holds one packet, the codec's identification header, after the segment table.
    segments = head[26] if len(head) > 26 else 0
    packet = head[27 + segments : 27 + segments + 16]
    for magic, codec in ((b"OpusHead", "opus"), (b"\x01vorbis", "vorbis"), (b"\x7fFLAC", "flac"),
                         (b"Speex   ", "speex")):
        if packet.startswith(magic):
            return Sniffed("ogg", codec)
    return Sniffed("ogg")


def _iff(head: bytes) -> Sniffed | None:
    if head[:4] != b"FORM" or len(head) < 12:
        return None
    form = head[8:12]
    if form == b"AIFF":
        return Sniffed("aiff")
    if form == b"AIFC":
        return Sniffed("aifc")  # may be compressed; converted rather than sent as "aiff"
    return None


def _iso_bmff(head: bytes) -> Sniffed | None:
    if head[4:8] != b"ftyp" or len(head) < 12:
        return None
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    brands = {major} | {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if brands & _AUDIO_BRANDS:
        return Sniffed("m4a")
    if major.startswith(b"3g"):
        return Sniffed("mp4", "3gp")
    if major == b"qt  ":
        return Sniffed("mp4", "mov")
    return Sniffed("mp4")  # may carry video; converted to a format the API takes


def _ebml(head: bytes) -> Sniffed | None:
    if head[:4] != _EBML_MAGIC:
        return None
    # The DocType element (ID 0x4282) names the flavour; a one-byte size 0x80|n precedes the string.
    at = head.find(b"\x42\x82", 4, 64)
    if at >= 0 and head[at + 2] & 0x80:
        doctype = head[at + 3 : at + 3 + (head[at + 2] & 0x7F)]
        if doctype == b"webm":
            return Sniffed("webm")
    return Sniffed("mkv")


def _simple(head: bytes) -> Sniffed | None:
    if head.startswith(b"fLaC"):
        return Sniffed("flac")
    if head.startswith(_ASF_GUID):
        return Sniffed("wma")
    if head.startswith(b"caff"):
        return Sniffed("caf")
    if head.startswith(b"#!AMR"):
        return Sniffed("amr")
    if head.startswith(b".snd"):
        return Sniffed("au")
    return None


def _frame_sync(head: bytes) -> Sniffed | None:
    """ADTS AAC or an MPEG audio frame (MP3 without an ID3 tag), from the 11/12-bit sync word."""
    if len(head) < 4 or head[0] != 0xFF:
        return None
    b1, b2 = head[1], head[2]
    # ADTS: 12 sync bits, then ID, then layer "00"; sampling index 13..15 is reserved.
    if b1 & 0xF6 == 0xF0 and (b2 >> 2) & 0x0F < 13:
        return Sniffed("aac")
    # MPEG audio: 11 sync bits; version "01", layer "00", bitrate "1111", rate "11" are reserved.
    version, layer = (b1 >> 3) & 0x03, (b1 >> 1) & 0x03
    if b1 & 0xE0 == 0xE0 and version != 1 and layer != 0 and b2 >> 4 != 0x0F and (b2 >> 2) & 0x03 != 3:
        return Sniffed("mp3")
    return None


def check_suffix(name: str, found: str | None, *, stacklevel: int = 2) -> bool:
    """Warn (``UserWarning``) when ``name``'s suffix promises another format than the content's.

    Returns True when the suffix and the content agree or either is unknown. The content always wins.
    ``stacklevel`` is passed on to :func:`warnings.warn` (2: the caller of this function).
    """
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > max(name.rfind("/"), name.rfind("\\")) else ""
    expected = kin_of_suffix(suffix) if suffix else None
    if expected is None or found is None or found in expected:
        return True
    warnings.warn(
        f"{name}: the suffix {suffix!r} says {suffix[1:]} but the content is {found}; using {found}.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return False
