"""Ogg pages read as they arrive: the packets each page completes and the page's granule position.

A pure, incremental reader (RFC 3533): :meth:`OggReader.feed` takes bytes in pieces of any size and returns
the pages completed so far. A packet is the concatenation of its lacing segments; one that does not end on
its page (a last lacing value of 255) continues on the next. Checksums are not verified: the bytes come from
a local pipe, not from a lossy medium.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CAPTURE = b"OggS"
_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, type, granule, serial, sequence, crc, segments
NO_GRANULE = -1  # a page on which no packet ends


class OggError(ValueError):
    """The bytes are not an Ogg stream (no capture pattern where a page must start)."""


@dataclass(frozen=True)
class OggPage:
    """One page: the packets that end on it (a packet begun on an earlier page included, whole) and its
    granule position (for Opus, 48 kHz samples decoded through the last of them; ``NO_GRANULE`` when none
    ends here)."""

    packets: tuple[bytes, ...]
    granule: int
    serial: int
    sequence: int


class OggReader:
    """Turns Ogg bytes, fed in pieces of any size, into :class:`OggPage` s."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._partial = bytearray()  # a packet that continues on the next page

    def feed(self, data: bytes) -> list[OggPage]:
        """Add ``data``; return the pages it completes, in order."""
        self._buffer += data
        pages = []
        while (page := self._next_page()) is not None:
            pages.append(page)
        return pages

    @property
    def pending(self) -> int:
        """Bytes held that do not make a whole page yet."""
        return len(self._buffer)

    def _next_page(self) -> OggPage | None:
        buffer = self._buffer
        if len(buffer) < _HEADER.size:
            if buffer and not CAPTURE.startswith(bytes(buffer[:4])):
                raise OggError("not an Ogg stream")
            return None
        capture, _version, _kind, granule, serial, sequence, _crc, count = _HEADER.unpack_from(buffer)
        if capture != CAPTURE:
            raise OggError("not an Ogg stream")
        lacing = buffer[_HEADER.size : _HEADER.size + count]
        if len(lacing) < count:
            return None
        start = _HEADER.size + count
        end = start + sum(lacing)
        if len(buffer) < end:
            return None
        packets = []
        at = start
        for value in lacing:
            self._partial += buffer[at : at + value]
            at += value
            if value < 255:  # a lacing value under 255 ends the packet
                packets.append(bytes(self._partial))
                self._partial.clear()
        del buffer[:end]
        return OggPage(tuple(packets), granule, serial, sequence)
