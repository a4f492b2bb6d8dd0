"""Peak memory of sending a 60-minute 16 kHz mono WAV (115 MB) through ``transcribe()`` to the emulator.

Each contender runs in a fresh interpreter (its peak, VmHWM above the interpreter's baseline, is its
own) and does the whole job: ``prepare_audio(path, max_bytes=None)`` (the 154 MB of base64 any sender
must hold), then the request, read to its end:

- prepare_audio only: the floor, no request at all;
- requests.post(json=...): the body a plain client sends, serialised whole (str, then bytes);
- transcribe(): this package's client, which sends the base64 text in slices (``_wire.JsonBody``).

The emulator refuses bodies over 32 MB by default, so this script starts its own private emulator with
``start_emulator(max_body_bytes=...)`` raised to 1 GB. Target: transcribe() peaks at no more than about
1.6x the file size.

    .venv/bin/python benchmarks/request_memory.py [--minutes 60] [--runs 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import MB, emit, format_table, measure, median, run_contender  # the script's own folder
from prepare_audio import make_wav

MODEL = "google/gemini-2.5-flash"
PROMPT = "Transcribe this audio."
CONTENDERS = ("prepare_audio only", "requests.post(json=...)", "transcribe()")
TARGET = 1.6


def child(name: str, path: Path, base_url: str) -> None:
    """One contender, measured once: prepare the part, then (except the floor) send it."""
    import requests

    from or_audio_widgets import prepare_audio
    from or_audio_widgets.client._client import OpenRouterAudio

    client = OpenRouterAudio("offline", base_url)

    def work() -> Any:
        prepared = prepare_audio(path, max_bytes=None)
        if name == "prepare_audio only":
            return len(prepared.part["input_audio"]["data"])
        if name == "transcribe()":
            reply = client.transcribe(prepared, prompt=PROMPT, model=MODEL)
            assert reply.complete, reply.error
            return reply.text.splitlines()[-1]
        content = [{"type": "text", "text": PROMPT}, prepared.part]
        body = {"model": MODEL, "messages": [{"role": "user", "content": content}], "stream": True}
        with requests.post(f"{base_url}/chat/completions", json=body, stream=True, timeout=600,
                           headers={"Authorization": "Bearer offline"}) as response:
            response.raise_for_status()
            text = b"".join(response.iter_content(chunk_size=None))
        return len(text)

    emit(measure(work))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", nargs=3, metavar=("NAME", "PATH", "BASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2])
        return 0

    from or_audio_widgets.emulator import start_emulator

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
    with tempfile.TemporaryDirectory(prefix="bench-request-") as tmp, \
            start_emulator(port=0, max_requests=1, max_body_bytes=1 << 30) as emulator:
        path = Path(tmp) / "long.wav"
        size = make_wav(path, args.minutes)
        for _ in range(args.runs):  # interleaved, so a slow moment of the machine hits all alike
            for name in CONTENDERS:
                cmd = [sys.executable, __file__, "--child", name, str(path), emulator.base_url]
                runs[name].append(run_contender(cmd))
                emulator.clear_requests()  # the emulator keeps parsed bodies: drop the 154 MB one
    return report(runs, size, args.minutes)


def report(runs: dict[str, list[dict[str, Any]]], size: int, minutes: float) -> int:
    rows = []
    for name, results in runs.items():
        seconds = median([r["seconds"] for r in results])
        peak = max(r["peak_bytes"] for r in results)
        rows.append([name, seconds, peak / MB, peak / size])
    print(f"{minutes:g} min of 16 kHz mono WAV: {size / MB:.1f} MB; median time and largest peak of "
          f"{len(results)} fresh-process runs; peak = VmHWM above the interpreter's baseline")
    print(format_table(["contender", "seconds", "peak MB", "peak / file"], rows))
    ours = rows[-1][3]
    print(f"\ntranscribe(): peak {ours:.2f}x the file (target <= {TARGET}x); requests.post(json=...): "
          f"{rows[1][3]:.2f}x: {'met' if ours <= TARGET else 'NOT met'}")
    return 0 if ours <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
