"""Shared by the client tests: a small WAV maker and the WAV checks, the emulator's fault headers and its
count of requests sent."""

from __future__ import annotations

import base64
import io
import math
import signal
import struct
import threading
import wave
from typing import Any

KEY = "sk-or-v1-test-key"


def make_wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A mono 16-bit sine WAV."""
    frames = int(seconds * rate)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


def wav_seconds(data: bytes) -> float:
    """The duration of a WAV file, read by the standard library (so it is playable)."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        assert wav.getsampwidth() == 2
        return wav.getnframes() / wav.getframerate()


def audio_seconds(body: dict[str, Any]) -> float:
    """Seconds of audio in a chat request body's ``input_audio`` parts (WAV files)."""
    contents = [m["content"] for m in body["messages"] if isinstance(m["content"], list)]
    parts = [p for content in contents for p in content if p.get("type") == "input_audio"]
    return sum(wav_seconds(base64.b64decode(p["input_audio"]["data"])) for p in parts)


def posts(emulator: Any) -> int:
    """How many requests carrying a body (POST) the emulator has received."""
    return sum(1 for r in emulator.requests if r.method == "POST")


def faulty(fault: str, seconds: float = 2.0) -> dict[str, str]:
    """Headers asking the emulator for ``fault`` on a reply ``seconds`` long."""
    return {"X-Emulator-Fault": fault, "X-Emulator-Seconds": str(seconds)}


def hear_ctrl_c() -> None:
    """Make sure Ctrl-C raises KeyboardInterrupt here, as in a terminal or a kernel, however the test run
    was started: a run started in the background ignores SIGINT, and a library may have blocked it or put a
    handler of its own in place. Call it from the test itself (the main thread)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    signal.signal(signal.SIGINT, signal.default_int_handler)


def ctrl_c_after(seconds: float) -> threading.Timer:
    """Ctrl-C in ``seconds``, as a terminal or a kernel delivers it: SIGINT, sent to the main thread (where
    Python raises KeyboardInterrupt) so that no other thread of a busy process takes the signal instead.
    The timer is started; cancel it if the test ends first. The test calls :func:`hear_ctrl_c` first."""
    timer = threading.Timer(seconds, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    return timer
