"""What a reply's audio is, from its first decoded bytes: headerless pcm, WAV, MP3, FLAC, Ogg, ...

The format that was asked for (or a ``Content-Type``) is a hint only: Lyria answers a request for pcm16
with an MP3, and a speech endpoint may send MP3 as ``application/octet-stream``. Headerless samples
have no magic number, so under a headerless hint the bytes are pcm unless they carry a container's
magic, a run of MPEG or ADTS frames whose lengths chain (a lone 0xFF sync in pcm16 near silence is
common; three chained frames by chance are not), or read as text (an HTML or JSON page where audio
should be). Under a compressed hint, bytes that are no known container are an error.
"""

from __future__ import annotations

from ._formats import FORMATS
from ._mp3 import frame_header, whole_frames
from ._sniff import sniff

#: The pseudo-format of bytes that are no audio this package reads: kept as they came, saved as .bin.
UNREADABLE = "bin"
# Bytes looked at before deciding; a reply's first delta is usually far longer (19,200 bytes for pcm16).
_MAGIC_BYTES = 12
_TEXT_BYTES = 32
_CHAIN = 3  # frames in a row that make a headerless stream an MP3 or ADTS stream
_CHAIN_BYTES = 8192  # enough for three frames at any MP3 bitrate or ADTS frame length in practice
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


def classify(head: bytes, hint: str, *, final: bool = False) -> str | None:
    """The format of audio starting with ``head`` ("pcm16", "wav", "mp3", "opus", ..., or
    :data:`UNREADABLE`), or None while more bytes are needed (never None when ``final``)."""
    if not head:
        return None if not final else UNREADABLE
    if len(head) < _MAGIC_BYTES and not final:
        return None
    headerless = FORMATS[hint].sample_width > 0 if hint in FORMATS else False
    found = sniff(head)
    if found is not None and head[0] == 0xFF:  # a frame sync only, no tag: check the frames chain
        chained = _chained(head, found.format)
        if chained is None and not final and len(head) < _CHAIN_BYTES:
            return None
        if not chained and headerless:
            found = None
    if found is not None:
        return _name(found.format, found.codec)
    if hint == "wav" or headerless:
        if _looks_like_text(head):
            return UNREADABLE if final or len(head) >= _TEXT_BYTES else None
        return "pcm16" if hint == "wav" else hint  # a server that says wav and sends bare samples
    return UNREADABLE


def describe_head(head: bytes) -> str:
    """What the first bytes look like, for an error message: hex, and the text they read as."""
    shown = head[:16]
    hexes = " ".join(f"{b:02x}" for b in shown)
    text = shown.decode("latin-1").translate({c: "." for c in range(256) if c not in _PRINTABLE})
    kind = " (they read as text, not audio)" if _looks_like_text(head) else ""
    return f"{hexes} ({text!r}){kind}"


def unreadable_message(head: bytes, hint: str) -> str:
    """The error of audio that is neither headerless samples nor a known container."""
    return (f"the reply's audio is neither {hint} samples nor an audio file this package knows: its first "
            f"bytes are {describe_head(head)}. Its bytes are kept as they came: save it as .bin to look "
            "at them.")


def _chained(head: bytes, fmt: str) -> bool | None:
    """Whether :data:`_CHAIN` frames follow one another from the start; None when ``head`` is too short
    to tell."""
    if fmt == "mp3":
        count, end = whole_frames(head, 0, _CHAIN)
        header = frame_header(head, end)
        if count >= _CHAIN:
            return True
        return None if header is not None and end + header.length > len(head) else False
    at = 0
    for _ in range(_CHAIN):  # ADTS: the 13-bit frame length of bytes 3-5 includes the header
        if len(head) < at + 7:
            return None
        if head[at] != 0xFF or head[at + 1] & 0xF6 != 0xF0:
            return False
        length = ((head[at + 3] & 3) << 11) | (head[at + 4] << 3) | (head[at + 5] >> 5)
        if length < 7:
            return False
        at += length
    return True


def _name(fmt: str, codec: str | None) -> str:
    if fmt == "ogg" and codec == "opus":
        return "opus"  # the package's name for Ogg Opus
    return fmt if fmt in FORMATS else UNREADABLE


def _looks_like_text(head: bytes) -> bool:
    sample = head[:_TEXT_BYTES]
    return bool(sample) and all(b in _PRINTABLE for b in sample)
