"""Helpers for the widgets' Python-side tests: capture what a widget sends, play the page's messages."""

from __future__ import annotations

import math
import struct
from typing import Any


class Sent:
    """Captures what a widget sends to the front end (content, buffers)."""

    def __init__(self, widget: Any) -> None:
        self.messages: list[tuple[dict[str, Any], list[bytes]]] = []
        widget.send = self  # instance attribute: the widget's own code calls self.send(...)

    def __call__(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.messages.append((content, [bytes(b) for b in buffers or ()]))

    def kinds(self) -> list[str]:
        return [c["t"] for c, _ in self.messages]


def tone(seconds: float, rate: int = 24000) -> bytes:
    n = int(seconds * rate)
    return b"".join(struct.pack("<h", int(6000 * math.sin(i / 7))) for i in range(n))


def front_end(widget: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    """Deliver a custom message as if the page had sent it."""
    widget._handle_custom_msg(content, buffers or [])
