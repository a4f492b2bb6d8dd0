"""%oraudio --transcribe of a recording longer than one request, and its --srt / --vtt subtitles."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
import srt
import webvtt
from _magics_support import Recorded
from IPython.core.error import UsageError

from or_audio_widgets.core._wav import pcm_to_wav


def _talk(rate: int = 16000) -> bytes:
    """610 s: a buzz, ten minutes of silence (pieces of digital silence are not sent), a buzz."""
    buzz = struct.pack(f"<{5 * rate}h", *((5000 if (i // 20) % 2 else -5000) for i in range(5 * rate)))
    return pcm_to_wav(buzz + bytes(2 * 600 * rate) + buzz, rate, 1)


def test_a_long_file_is_transcribed_whole_and_written_as_subtitles(ip: Any, rec: Recorded, online: Any,
                                                                    tmp_path: Path) -> None:
    clip = tmp_path / "lecture.wav"
    clip.write_bytes(_talk())  # over the 600 s the model list gives google/chirp-3 a request
    subs_to = f"--srt {tmp_path / 'l.srt'} --vtt {tmp_path / 'l.vtt'}"
    ip.run_line_magic("oraudio", f"--transcribe -m google/chirp-3 -i {clip} {subs_to}")
    posts = [r for r in online.requests if r.path.endswith("/audio/transcriptions")]
    assert len(posts) == 2  # in pieces, the silent ones not sent
    reply = ip.user_ns["_oraudio"]
    assert reply.complete and reply.segments[-1].end == pytest.approx(610, abs=0.05)
    subs = list(srt.parse((tmp_path / "l.srt").read_text(encoding="utf-8")))
    assert len(subs) == len(reply.segments) and subs[-1].end.total_seconds() == pytest.approx(610, abs=0.01)
    cues = webvtt.read(str(tmp_path / "l.vtt")).captions
    assert len(cues) == len(reply.segments)
    saved = rec.final_html()
    assert "timed lines written to" in saved and 'class="or-audio-follow"' in saved


def test_subtitles_need_a_transcription(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--srt and --vtt"):
        ip.run_cell_magic("oraudio", f"--srt {tmp_path / 'x.srt'}", "Hello")
