"""What the emulator keeps of each request it receives (for tests and scripts to inspect)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """A request the emulator received. ``headers`` never include ``Authorization`` (nor cookies)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
