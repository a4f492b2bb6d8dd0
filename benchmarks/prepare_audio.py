"""prepare_audio on a 60-minute 16 kHz mono WAV (115 MB) against base64.b64encode of the whole file.

Each contender runs in a fresh interpreter (so its peak memory, VmHWM, is its own), three times,
interleaved; the table shows the median time and the largest peak. The targets from issue 4:
prepare_audio's peak memory at most 2.5x the file size, its time at most 1.5x that of b64encode.

    .venv/bin/python benchmarks/prepare_audio.py [--minutes 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import MB, emit, format_table, measure, median, run_contender  # the script's own folder

RATE = 16000
CONTENDERS = {
    "base64.b64encode(read_bytes())": "baseline: the whole file, then base64 bytes",
    "b64encode(...).decode('ascii')": "the same, as the str a JSON body needs",
    "prepare_audio(path)": "this package: checked, streamed, a ready part",
    "prepare_audio(unsized path)": "the same file with placeholder sizes (a recorder's): header rebuilt",
}


def make_wav(path: Path, minutes: float) -> int:
    """A 16-bit mono WAV of a 440 Hz tone, written one second at a time."""
    samples = (int(8000 * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(RATE))
    second = struct.pack(f"<{RATE}h", *samples)
    seconds = int(minutes * 60)
    size = seconds * len(second)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + size, b"WAVE", b"fmt ", 16, 1, 1, RATE,
                         RATE * 2, 2, 16, b"data", size)
    with open(path, "wb") as handle:
        handle.write(header)
        for _ in range(seconds):
            handle.write(second)
    return 44 + size


def _unsized_copy(path: Path) -> None:
    """The WAV as a writer that cannot seek back leaves it: RIFF and data sizes 0xFFFFFFFF."""
    unsized = path.with_name("unsized.wav")
    unsized.write_bytes(path.read_bytes())
    with open(unsized, "r+b") as handle:
        for offset in (4, 40):
            handle.seek(offset)
            handle.write(b"\xff\xff\xff\xff")


def child(name: str, path: Path) -> None:
    """Run one contender on ``path`` and emit its measurement."""
    import base64

    from or_audio_widgets import prepare_audio

    def work() -> Any:
        if name == "base64.b64encode(read_bytes())":
            return len(base64.b64encode(path.read_bytes()))
        if name == "b64encode(...).decode('ascii')":
            return len(base64.b64encode(path.read_bytes()).decode("ascii"))
        unsized = path.with_name("unsized.wav")
        prepared = prepare_audio(unsized if name == "prepare_audio(unsized path)" else path, max_bytes=None)
        return len(prepared.part["input_audio"]["data"])

    emit(measure(work))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, Path(args.path))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-prepare-") as tmp:
        path = Path(tmp) / "long.wav"
        size = make_wav(path, args.minutes)
        _unsized_copy(path)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
        for _ in range(args.runs):
            for name in CONTENDERS:
                cmd = [sys.executable, __file__, "--child", name, "--path", str(path)]
                runs[name].append(run_contender(cmd))
    return report(runs, size, args.minutes)


def report(runs: dict[str, list[dict[str, Any]]], size: int, minutes: float) -> int:
    base = median([r["seconds"] for r in runs["base64.b64encode(read_bytes())"]])
    rows = []
    for name, results in runs.items():
        seconds = median([r["seconds"] for r in results])
        peak = max(r["peak_bytes"] for r in results)
        rows.append([name, seconds, size / MB / seconds, peak / MB, peak / size, seconds / base,
                     CONTENDERS[name]])
    print(f"{minutes:g} min of 16 kHz mono WAV: {size / MB:.1f} MB; median of {len(results)} runs, "
          "peak = VmHWM above the interpreter's baseline")
    print(format_table(["contender", "seconds", "MB/s", "peak MB", "peak / file", "time / b64encode",
                        "what"], rows))
    ok = True
    for ours in rows[2:]:
        met = ours[4] <= 2.5 and ours[5] <= 1.5
        ok = ok and met
        print(f"{ours[0]}: peak {ours[4]:.2f}x the file (target <= 2.5x), time {ours[5]:.2f}x "
              f"b64encode (target <= 1.5x): {'met' if met else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
