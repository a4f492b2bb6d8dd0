"""What the hands-free tests' fake microphone says: two sentences with a pause between them."""

from __future__ import annotations

import subprocess
from pathlib import Path

FIRST = "Hello there. This is the first thing I want to say."
SECOND = "And this is the second thing, after a pause."
# Seconds of silence between the sentences: longer than the end of turn (0.7 s), and long enough that the
# first reply (recognised, then spoken whole at realtime=0) has ended when the second sentence starts, even
# on a busy machine: 1.5 s was not, nor was 2.5 s once the replies said back what they heard.
PAUSE = 4.0
LEAD, TAIL = 0.5, 4.0  # silence before the first sentence and after the second


def talk_wav(folder: Path) -> Path:
    """A 48 kHz mono WAV: LEAD s of silence, FIRST, PAUSE s of silence, SECOND, TAIL s of silence."""
    parts = []
    for name, text in (("first", FIRST), ("second", SECOND)):
        raw = folder / f"{name}.wav"
        subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, capture_output=True)
        parts.append(raw)
    out = folder / "talk.wav"
    pad = "anullsrc=r=48000:cl=mono"
    mono = "aresample=48000,aformat=channel_layouts=mono"
    graph = (f"[0]{mono}[a];[1]{mono}[b];"
             f"[2]atrim=0:{LEAD}[s0];[3]atrim=0:{PAUSE}[s1];[4]atrim=0:{TAIL}[s2];"
             "[s0][a][s1][b][s2]concat=n=5:v=0:a=1")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(parts[0]), "-i", str(parts[1]),
         "-f", "lavfi", "-i", pad, "-f", "lavfi", "-i", pad, "-f", "lavfi", "-i", pad,
         "-filter_complex", graph, "-ac", "1", "-ar", "48000", "-c:a", "pcm_s16le", str(out)],
        check=True,
    )
    return out
