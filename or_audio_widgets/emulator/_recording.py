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
