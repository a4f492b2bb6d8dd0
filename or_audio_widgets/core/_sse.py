"""An incremental decoder of server-sent events over raw bytes, per the WHATWG HTML standard.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

Lines are split on bytes and decoded as UTF-8 only once complete, so a multibyte character, a CRLF or a
byte-order mark split across network chunks cannot corrupt an event. One event (its lines and what is
held of an unfinished line) is bounded in bytes, so a server that never sends a newline cannot fill the
memory: beyond the bound the decoder drops what it holds, stops, and says why in ``overflow``. Pure: no
I/O, no HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"
# A speech model's audio delta is a few kB to a few hundred kB, but a music model sends its whole song in
# one event: about 1 MB of base64 for a 30 s clip, several MB for a song of a few minutes (Lyria, measured
# live in Sept 2026). 24 MiB lets a 16 MB line through with room to spare, while a line that never ends
# is dropped at that size: what it held never passes 24 MiB (and the process stays under 64 MiB).
MAX_EVENT_BYTES = 24 * 1024 * 1024
_KEEP_BUFFER = 1 << 20  # a buffer larger than this is replaced rather than emptied in place


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """A dispatched event: its ``data`` (lines joined with LF), type, last event id and retry hint."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (``: text``); ``text`` is what follows the colon, one leading space removed."""

    text: str


SSEItem = ServerSentEvent | Comment


class SSEDecoder:
    """Feed bytes as they arrive; get back the events and comments they complete.

    >>> d = SSEDecoder()
    >>> d.feed(b"data: a\\r")
    []
    >>> d.feed(b"\\n\\r\\n")
    [ServerSentEvent(data='a', event='message', id=None, retry=None)]
    """

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self._event_bytes = 0  # bytes of the data lines held for the event being read
        self.overflow: str | None = None  # why the decoder stopped: an event outgrew max_event_bytes
        self._buf = bytearray()
        self._scan = 0  # bytes of _buf already searched for a line end
        self._bom_checked = False
        self._skip_lf = False  # the previous line ended with a CR that may be the first half of a CRLF
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    @property
    def pending(self) -> bool:
        """True when bytes of an unfinished line or event are held (they are dropped at the end)."""
        return bool(self._buf) or bool(self._data) or bool(self._event)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[SSEItem]:
        """Add bytes; return the events and comments completed by them, in order.

        When an event or a line outgrows ``max_event_bytes``, what it held is dropped, ``overflow`` says
        so, and later bytes are ignored (the events completed before it are returned as usual).
        """
        if not chunk or self.overflow is not None:
            return []
        buf = self._buf
        buf += chunk
        if self._skip_lf:
            self._skip_lf = False
            if buf[0] == 0x0A:  # LF completing a CRLF whose CR ended the previous chunk
                del buf[0]
        if not self._bom_checked and not self._strip_bom():
            return []
        out = self._drain()
        if len(self._buf) + self._event_bytes > self.max_event_bytes:
            self.flush()
            self.overflow = (
                f"an event of the stream grew past {self.max_event_bytes:,} bytes without ending: the server "
                "sent something that is not an event stream of this API, so reading stopped there"
            )
        return out

    def flush(self) -> list[SSEItem]:
        """End of stream: an unfinished line or event is discarded, as the standard says; returns []."""
        self._buf.clear()
        self._scan = 0
        self._event_bytes = 0
        self._data = []
        self._event = ""
        return []

    def _strip_bom(self) -> bool:
        """Drop one leading UTF-8 BOM; False while the bytes so far could still be the start of one."""
        buf = self._buf
        if len(buf) < len(_BOM) and _BOM.startswith(buf):
            return False
        if buf.startswith(_BOM):
            del buf[: len(_BOM)]
        self._bom_checked = True
        return True

    def _drain(self) -> list[SSEItem]:
        buf = self._buf
        out: list[SSEItem] = []
        start = 0
        scan = self._scan
        end = len(buf)
        with memoryview(buf) as view:  # slices of a view decode without an intermediate copy
            while True:
                lf = buf.find(b"\n", scan)
                cr = buf.find(b"\r", scan, lf if lf >= 0 else end)
                if cr >= 0:
                    brk, after = cr, cr + 1
                    if after < end:
                        if buf[after] == 0x0A:
                            after += 1
                    else:
                        self._skip_lf = True  # the LF of this CRLF may come with the next chunk
                elif lf >= 0:
                    brk, after = lf, lf + 1
                else:
                    break
                if buf.startswith(b"data:", start, brk):  # the hot path: decode the value only
                    value = start + 6 if buf.startswith(b" ", start + 5, brk) else start + 5
                    self._data.append(str(view[value:brk], "utf-8", "replace"))
                    self._event_bytes += brk - value
                else:
                    item = self._line(str(view[start:brk], "utf-8", "replace"))
                    if item is not None:
                        out.append(item)
                start = scan = after
        if start == len(buf) and len(buf) > _KEEP_BUFFER:
            self._buf = bytearray()  # let a megabytes-long line's buffer go now, not at the next resize
        elif start:
            del buf[:start]
        self._scan = len(self._buf)
        return out

    def _line(self, line: str) -> SSEItem | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            text = line[1:]
            return Comment(text[1:] if text.startswith(" ") else text)
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._event_bytes += len(value)
        elif field == "event":
            self._event = value
        elif field == "id":
            if "\0" not in value:  # the standard ignores ids containing NULL
                self._last_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None  # unknown fields are ignored

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event, self._event_bytes = [], "", 0
        if not data:  # a blank line with no data only resets the event type
            return None
        text = data[0] if len(data) == 1 else "\n".join(data)
        return ServerSentEvent(text, event or "message", self._last_id, self._retry)
