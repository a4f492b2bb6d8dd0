"""Shared by the client tests: a small WAV maker and the WAV checks, the emulator's fault headers and its
count of requests sent."""

from __future__ import annotations

import io
import math
import struct
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


def posts(emulator: Any) -> int:
    """How many requests carrying a body (POST) the emulator has received."""
    return sum(1 for r in emulator.requests if r.method == "POST")


def faulty(fault: str, seconds: float = 2.0) -> dict[str, str]:
    """Headers asking the emulator for ``fault`` on a reply ``seconds`` long."""
    return {"X-Emulator-Fault": fault, "X-Emulator-Seconds": str(seconds)}
