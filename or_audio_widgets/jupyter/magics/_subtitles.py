"""``--srt PATH`` / ``--vtt PATH`` of ``%oraudio --transcribe``: the transcript's timed lines as subtitles."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from ...core._atomic import write_atomic


def write_subtitles(reply: Any, subtitles: Mapping[str, Path], notice: str | None) -> str | None:
    """Write ``reply``'s subtitles to each path (``{"srt": path, "vtt": path}``); the notice to show,
    with a line per file written or not (the reply itself is shown either way)."""
    lines = [notice] if notice else []
    for kind, path in subtitles.items():
        data = (reply.to_srt() if kind == "srt" else reply.to_vtt()).encode("utf-8")

        def write(out: BinaryIO, data: bytes = data) -> None:
            out.write(data)

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, write)
        except OSError as exc:
            lines.append(f"could not write {path}: {exc}")
        else:
            lines.append(f"{len(reply.segments)} timed lines written to {path}")
    return "; ".join(lines) or None
