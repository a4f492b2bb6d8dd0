"""A streaming base64 decoder: chunks of any length, padded or not, decoded as one stream.

Joining per-chunk base64 strings before decoding loses audio: ``b64decode("QQ==QkM=") == b"A"``. Here each
padded quantum ends a segment, and a chunk whose length is not a multiple of four leaves its last one to
three characters for the next chunk, so no byte is lost at a padding or chunk boundary.
"""

from __future__ import annotations

import binascii
import contextlib
import re
import sys

from ..errors import StreamDecodeError

_VALID = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BAD_CHAR = re.compile(r"[^A-Za-z0-9+/=]")
_SPACE = re.compile(r"[ \t\r\n]+")


if sys.version_info >= (3, 11):  # binascii's strict_mode arrived in Python 3.11

    def _decode_exact(text: str) -> bytes:
        """Decode a string whose length is a multiple of four, refusing anything but canonical base64."""
        return binascii.a2b_base64(text, strict_mode=True)

else:

    def _decode_exact(text: str) -> bytes:
        """Decode a string whose length is a multiple of four, refusing anything but canonical base64."""
        if not _VALID.fullmatch(text):
            raise binascii.Error("non-base64 character or misplaced padding")
        return binascii.a2b_base64(text)


class Base64DecodeError(StreamDecodeError):
    """Invalid base64 in a chunk. ``salvaged``: the bytes of the unfinished quantum that earlier chunks
    left (their characters were valid), which the caller keeps."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.salvaged = b""


def _final_quantum(text: str) -> bytes:
    """Decode what ends a stream: whole quanta and a last one of two or three characters, padded or not."""
    text = _SPACE.sub("", text).rstrip("=")
    if len(text) % 4 == 1:
        raise binascii.Error("a lone base64 character cannot encode a byte")
    return _decode_exact(text + "=" * (-len(text) % 4))


class Base64Stream:
    """Decode base64 arriving in pieces. ``feed`` returns the bytes completed so far; ``finish`` the rest.

    Invalid input raises :class:`Base64DecodeError` (a :class:`StreamDecodeError`) naming the chunk (its
    0-based index among the chunks fed) and quoting a short excerpt; the remainder carried from earlier
    chunks is decoded into its ``salvaged`` bytes, so later chunks start afresh and nothing valid is lost.
    """

    def __init__(self) -> None:
        self._carry = ""
        self._index = -1

    @property
    def chunks(self) -> int:
        """How many chunks were fed."""
        return self._index + 1

    def feed(self, chunk: str | bytes) -> bytes:
        """Decode one more chunk; characters that do not yet complete a quantum are carried."""
        self._index += 1
        text = chunk.decode("ascii", "replace") if isinstance(chunk, bytes) else chunk
        carry, self._carry = self._carry, ""
        if carry:
            text = carry + text
        try:
            return self._decode(text)
        except (binascii.Error, ValueError) as exc:
            cleaned = _SPACE.sub("", text)
            if cleaned != text:  # line-wrapped base64 (MIME style) is still base64
                try:
                    return self._decode(cleaned)
                except (binascii.Error, ValueError):
                    pass
            self._carry = ""
            error = self._error(text, exc)
        # The carried characters came with earlier, valid chunks: their bytes are not lost with this one.
        with contextlib.suppress(binascii.Error, ValueError):
            error.salvaged = _final_quantum(carry)
        raise error

    def finish(self) -> bytes:
        """End of stream: decode a final unpadded quantum (two or three characters) if one is carried."""
        text, self._carry = _SPACE.sub("", self._carry), ""
        if not text:
            return b""
        try:
            return _final_quantum(text)
        except (binascii.Error, ValueError) as exc:
            raise self._error(text, exc) from None

    def _decode(self, text: str) -> bytes:
        pad = text.find("=")
        if pad < 0:  # the common case: no padding anywhere
            usable = len(text) - len(text) % 4
            self._carry = text[usable:]
            return _decode_exact(text[:usable]) if usable else b""
        parts: list[bytes] = []
        start = 0
        while pad >= 0:
            quantum_end = pad - (pad - start) % 4 + 4
            if quantum_end > len(text):  # padding continues in the next chunk ("QQ=" then "=")
                head_end = quantum_end - 4
                parts.append(_decode_exact(text[start:head_end]))
                self._carry = text[head_end:]
                return b"".join(parts)
            parts.append(_decode_exact(text[start:quantum_end]))
            start = quantum_end
            pad = text.find("=", start)
        usable = len(text) - (len(text) - start) % 4
        parts.append(_decode_exact(text[start:usable]))
        self._carry = text[usable:]
        return b"".join(parts)

    def _error(self, text: str, exc: Exception) -> Base64DecodeError:
        bad = _BAD_CHAR.search(text)
        at = bad.start() if bad else 0
        excerpt = text[max(0, at - 8) : at + 12]
        where = f" at character {at}" if bad else ""
        return Base64DecodeError(
            f"invalid base64 in audio chunk {self._index}{where} (near {excerpt!r}, {len(text)} characters): "
            f"{exc}. The stream's audio is corrupt from here; the audio decoded before it is kept."
        )


def decode_chunks(chunks: list[str]) -> bytes:
    """Decode a list of base64 chunks as one stream (a convenience for tests and small inputs)."""
    stream = Base64Stream()
    parts = [stream.feed(chunk) for chunk in chunks]
    parts.append(stream.finish())
    return b"".join(parts)
