"""transcribe() of a long recording against the emulator paced like the service: concurrency and memory.

The recording is synthesised: 6 s stretches of a speech-like buzz separated by 1 s pauses, 16 kHz mono
WAV (espeak-ng would take longer to speak an hour than the benchmark may run). The emulator runs in its
own process (its memory is not the client's), does not recognise words (X-Emulator-Recognise: off; the
client is measured, not this machine's recogniser) and holds each answer back as a provider transcribing
at ``SPEED`` times the speed of speech would (X-Emulator-Upstream-Speed).

Rows: the same pieces one after another (concurrency 1) and 8 at once, on the 60-minute recording; then
the client's peak memory at concurrency 8 for 10, 30 and 60 minutes: Python's allocations (tracemalloc;
the file is memory-mapped, not loaded) and the process's resident high-water mark above its baseline
(which counts the mapped file's pages as they are read). Run: ``python benchmarks/long_transcription.py``.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import MB, format_table, reset_peak, status_bytes

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.core._wav import wav_header

SPEED = 20.0  # times the speed of speech (ASSUMED, whisper-class): a 30 s piece takes 1.5 s
LATENCY = 0.5  # seconds each request waits before that (queue and network; ASSUMED)
RATE = 16000
# the piece the client plans at concurrency 8 for 16 kHz mono (8 MB of audio in flight): given to the
# one-after-another run too, so that both send the same pieces
PIECE = 8_000_000 / 8 / (2 * RATE)


def write_recording(path: Path, minutes: int) -> int:
    """A WAV of ``minutes`` of 6 s buzz + 1 s pause, written a stretch at a time; its size."""
    buzz = struct.pack(f"<{6 * RATE}h", *((5000 if (i // 20) % 2 else -5000) for i in range(6 * RATE)))
    stretch = buzz + bytes(2 * RATE)
    count = minutes * 60 // 7 + 1
    with open(path, "wb") as out:
        out.write(wav_header(len(stretch) * count, RATE, 1))
        for _ in range(count):
            out.write(stretch)
    return path.stat().st_size


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(client: OpenRouterAudio, path: Path, concurrency: int) -> tuple[float, int, int, int]:
    """Seconds, tracemalloc peak, resident high-water mark above the start, pieces."""
    headers = {"X-Emulator-Recognise": "off", "X-Emulator-Upstream-Speed": str(SPEED),
               "X-Emulator-Latency": str(LATENCY)}
    reset_peak()
    base = status_bytes("VmRSS")
    tracemalloc.start()
    began = time.perf_counter()
    reply = client.transcribe(path, concurrency=concurrency, headers=headers, progress=False,
                              max_piece_seconds=PIECE)
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert reply.complete, reply.error
    return seconds, peak, max(0, status_bytes("VmHWM") - base), int(reply.usage["pieces"])


def main() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "or_audio_widgets", "emulator", "--port", str(port),
                               "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)
        with tempfile.TemporaryDirectory() as folder, OpenRouterAudio(
                "sk-or-bench", f"http://127.0.0.1:{port}/api/v1") as client:
            sizes = {m: write_recording(Path(folder, f"{m}.wav"), m) for m in (10, 30, 60)}
            hour = Path(folder, "60.wav")
            serial = run(client, hour, 1)
            parallel = run(client, hour, 8)
            rows = [["60 min, one after another", f"{serial[0]:.1f}", serial[3], "1.0x"],
                    ["60 min, 8 at once", f"{parallel[0]:.1f}", parallel[3],
                     f"{serial[0] / parallel[0]:.1f}x"]]
            print(format_table(["run", "seconds", "pieces", "speed-up"], rows))
            mem_rows = []
            for minutes, size in sizes.items():
                _, peak, rss, pieces = run(client, Path(folder, f"{minutes}.wav"), 8)
                mem_rows.append([f"{minutes} min", f"{size / MB:.1f}", f"{peak / MB:.1f}",
                                 f"{peak / size:.2f}x", f"{rss / MB:.1f}", f"{rss / size:.2f}x", pieces])
            print(format_table(["recording", "file MB", "heap peak MB", "heap/file", "RSS peak MB",
                                "RSS/file", "pieces"], mem_rows))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
