"""What the emulator keeps of the requests it receives, and how large a body it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The default limit (start_emulator's max_body_bytes): larger bodies get 413, as the live API refuses them.
MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """A request the emulator received. ``headers`` never include ``Authorization`` (nor cookies)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


def drop_uploads(body: Any) -> tuple[Any, int]:
    """``body`` with the base64 ``data`` of every ``input_audio`` replaced by a short note, and the number of
    characters dropped: what an emulator that keeps no uploads records (the kernel's offline one)."""
    dropped = 0

    def walk(value: Any) -> Any:
        nonlocal dropped
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {key: walk(item) for key, item in value.items()}
        audio = value.get("input_audio")
        if isinstance(audio, dict) and isinstance(audio.get("data"), str):
            dropped += len(audio["data"])
            out["input_audio"] = {**audio, "data": f"<{len(audio['data']):,} characters of base64, not kept>"}
        return out

    try:
        return walk(body), dropped
    except RecursionError:  # nested deeper than the walk can go: keep nothing of it
        return None, 0
