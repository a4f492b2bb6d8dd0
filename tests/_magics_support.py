"""Shared by the magics tests: a recording display publisher and small helpers (conftest's ``ip`` is the
shell)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from IPython.core.displaypub import DisplayPublisher

FAKE_KEY = "sk-or-v1-FAKEKEY0123456789abcdef"
_DATA_URI = re.compile(r"data:(audio/[\w.+-]+(?:;[\w=]+)*);base64,([A-Za-z0-9+/=]+)")


@dataclass
class Recorded:
    """What the shell would have sent to a front end."""

    messages: list[tuple[str, Any]] = field(default_factory=list)

    def displays(self) -> list[dict[str, Any]]:
        return [m for kind, m in self.messages if kind == "display"]

    def final(self) -> list[dict[str, Any]]:
        """The outputs left in the cell: what was displayed after the last clear_output."""
        last_clear = max((i for i, (kind, _) in enumerate(self.messages) if kind == "clear"), default=-1)
        return [m for kind, m in self.messages[last_clear + 1:] if kind == "display" and not m["update"]]

    def final_html(self) -> str:
        outputs = self.final()
        assert outputs, f"nothing displayed after the last clear: {self.messages!r:.500}"
        return "\n".join(o["data"].get("text/html", "") for o in outputs)

    def everything(self) -> str:
        return repr(self.messages)


class RecordingPublisher(DisplayPublisher):
    """A display publisher that keeps every message instead of sending it."""

    def __init__(self, recorded: Recorded) -> None:
        super().__init__()
        self.recorded = recorded

    def publish(  # type: ignore[override]
        self, data: dict[str, Any], metadata: Any = None, source: Any = None, *, transient: Any = None,
        update: bool = False, **kwargs: Any,
    ) -> None:
        self.recorded.messages.append(
            ("display", {"data": data, "transient": transient or {}, "update": update})
        )

    def clear_output(self, wait: bool = False) -> None:
        self.recorded.messages.append(("clear", wait))


def login(ip: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``%oraudio_login`` with FAKE_KEY typed at the getpass prompt; the emulator as OpenRouter."""
    monkeypatch.setenv("OPENROUTER_BASE_URL", emulator.base_url)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": FAKE_KEY)
    ip.run_line_magic("oraudio_login", "")


def magics(ip: Any) -> Any:
    return ip.magics_manager.registry["OrAudioMagics"]


def audio_uris(text: str) -> list[tuple[str, bytes]]:
    """(MIME type, decoded bytes) of every audio data URI in ``text``."""
    return [(mime, base64.b64decode(b64)) for mime, b64 in _DATA_URI.findall(text)]


def decoded_seconds(data: bytes) -> float:
    """Seconds of audio ffmpeg decodes from ``data`` (as 24 kHz mono pcm16), whatever its format."""
    from or_audio_widgets.core._ffmpeg import decode_to_pcm

    return len(decode_to_pcm(data, sample_rate=24000, channels=1)) / 48000


def last_body(emulator: Any) -> dict[str, Any]:
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert posts, "the emulator received no request"
    body: dict[str, Any] = posts[-1].json
    return body


def user_text(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if p.get("type") == "text")
