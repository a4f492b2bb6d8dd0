"""The results file of ``transcribe_many``: a JSON Lines journal that survives crashes.

Each record is appended as one line, flushed and fsynced. A crash mid-write leaves a torn last line (cut
inside a record, or inside a UTF-8 character): opening the journal ends it with a newline, so it stays
aside as a line no reader takes, and the next record starts on a line of its own. Records are written as
UTF-8 when they can be, else with JSON's ASCII escapes: no text a model sends makes writing fail.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("or_audio_widgets.batch")


def open_journal(path: Path) -> int:
    """Create the journal (and its folder) if needed, end a torn last line; the bytes it set aside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab+") as handle:
        size = handle.tell()
        if not size:
            return 0
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return 0
        handle.seek(0)
        tail = handle.read().rsplit(b"\n", 1)[-1]
        handle.write(b"\n")  # the torn line stays, alone on its line, and is skipped when read
        handle.flush()
        os.fsync(handle.fileno())
    log.warning("%s: its last line was cut short by an interrupted write (%d bytes); it is set aside and "
                "that item will be done again", path, len(tail))
    return len(tail)


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one line, flushed and fsynced (a result paid for must survive a crash)."""
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        data = line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON's \\u escapes carry it as ASCII
        data = json.dumps(record, ensure_ascii=True, default=str).encode("ascii")
    with open(path, "ab") as handle:
        handle.write(data + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def load_done(path: Path | None) -> dict[str, dict[str, Any]]:
    """Records "ok" in the journal, by key (the last record of a key wins); unreadable lines are skipped."""
    if path is None or not path.exists():
        return {}
    latest: dict[str, dict[str, Any]] = {}
    with open(path, "rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # a torn line, or one cut inside a UTF-8 character
                continue
            if isinstance(record, dict) and "key" in record:
                latest[str(record["key"])] = record
    return {key: record for key, record in latest.items() if record.get("status") == "ok"}
