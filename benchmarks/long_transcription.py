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
from or_audio_widgets.core._pauses import loudness_windows, plan_pieces
from or_audio_widgets.core._wav import pcm_to_wav, wav_header

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


TALK = ("Welcome to the lecture on rivers and the sea.", "Rain falls on the hills in the spring.",
        "The water runs down to the valley.", "Small streams join to make a river.",
        "The river carries sand and stones.", "Near the coast the river grows wide and slow.",
        "Birds wait on the banks for fish.", "Boats carry goods from the port to the town.",
        "In summer the water is low and warm.", "In winter the river may freeze at the edges.",
        "People have built their homes by rivers for thousands of years.",
        "Thank you for listening to this short talk.")


def wer(reference: str, heard: str) -> float:
    """Word error rate in percent: word edits (substitutions, insertions, deletions) per reference word."""
    ref = [w.strip(".,").lower() for w in reference.split()]
    hyp = [w.strip(".,").lower() for w in heard.replace("[offline emulator]", " ").split()]
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (word != other))
    return 100.0 * row[-1] / max(1, len(ref))


def _talk(client: OpenRouterAudio, gap: float) -> tuple[bytes, list[tuple[float, float, str]]]:
    """The talk at 24 kHz, sentences ``gap`` seconds apart (0: their own silences trimmed too, so the
    cuts must fall in speech); each sentence's span."""
    rate = 24000
    pcm, spans = bytearray(), []
    for sentence in TALK:
        spoken = client.say(sentence)
        assert spoken.sample_rate == rate and spoken.channels == 1
        samples = memoryview(bytes(spoken.pcm)).cast("h")
        loud = [i for i in range(0, len(samples), 24) if abs(samples[i]) > 300]
        body = samples[loud[0] : loud[-1] + 1] if gap == 0 and loud else samples
        start = len(pcm) / 2 / rate
        pcm += body.cast("B")
        spans.append((start, len(pcm) / 2 / rate, sentence))
        pcm += bytes(2 * round(gap * rate))
    return bytes(pcm), spans


def boundaries(client: OpenRouterAudio, gap: float, model: str, timestamps: str) -> list[object]:
    """WER of the talk transcribed whole (in pieces of at most 15 s, stitched) and the mean WER of the
    same pieces transcribed alone (each against the sentences whose middle it holds)."""
    rate = 24000
    pcm, spans = _talk(client, gap)
    whole = client.transcribe(pcm_to_wav(pcm, rate, 1), model=model, max_piece_seconds=15, progress=False,
                              timestamps=timestamps)
    samples = memoryview(pcm).cast("h")
    # the client's own plan for this recording (15 s pieces, 2 s overlaps)
    pieces = plan_pieces(loudness_windows(samples, 1, rate), rate, len(samples), 15.0, 2.0)
    alone = []
    for piece in pieces:
        a, b = piece.start / rate, piece.end / rate
        said = " ".join(t for x, y, t in spans if a <= (x + y) / 2 < b)
        heard = client.transcribe(pcm_to_wav(pcm[piece.start * 2 : piece.end * 2], rate, 1), model=model).text
        alone.append(wer(said, heard))
        if "-v" in sys.argv:
            print(f"{a:.2f}-{b:.2f} said={said!r} heard={heard!r}")
    if "-v" in sys.argv:
        print(f"whole: {whole.text!r}")
    stitched, mean = wer(" ".join(TALK), whole.text), sum(alone) / max(1, len(alone))
    cuts = "in pauses" if not any(p.overlap for p in pieces) else "forced, overlapping"
    return [f"{len(pcm) / 2 / rate:.0f} s, {len(pieces)} pieces, cuts {cuts}", f"{model} ({timestamps})",
            f"{stitched:.1f}", f"{mean:.1f}", f"{stitched - mean:+.1f}"]


def main() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "or_audio_widgets", "emulator", "--port", str(port),
                               "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)
        with tempfile.TemporaryDirectory() as folder, OpenRouterAudio(
                "sk-or-bench", f"http://127.0.0.1:{port}/api/v1") as client:
            rows = [boundaries(client, 0.8, "google/chirp-3", "segment"),
                    boundaries(client, 0.0, "google/chirp-3", "segment"),
                    boundaries(client, 0.0, "openai/whisper-1", "word")]
            print(format_table(["talk", "model (times)", "stitched WER %", "pieces alone WER % (mean)",
                                "difference"], rows))
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
