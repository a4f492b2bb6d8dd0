"""How fast the offline emulator streams a 10-minute spoken reply, starts, answers and stops.

The emulator must never be what the other benchmarks measure: it should stream a 600-second reply at
>= 50 MB/s of PCM, and answer its first byte within 200 ms of being started. Each contender runs in a
fresh interpreter (its peak memory is its own) and reads the whole body with a plain reader:

- floor: a bare ThreadingHTTPServer writing the same body, prebuilt, in 1 MB chunks (what loopback HTTP
  and http.client can do here at best);
- emulator cold: a fresh emulator's first 600 s reply (espeak-ng, looping, base64 all included);
- emulator warm: the same request again (speech and base64 are cached per text, voice and seconds);
- emulator warm, requests: the warm reply read with requests' ``iter_content(chunk_size=None)``.

A second table times the lifecycle in fresh interpreters: ``start_emulator()`` to the first byte and
to the first audio of a cold reply, ``stop()``, and the threads left behind (0 expected).

Run: ``.venv/bin/python benchmarks/emulator_speed.py [--seconds 600] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MB, emit, format_table, measure, median, run_contender

from or_audio_widgets.emulator import start_emulator

BODY = json.dumps(
    {
        "model": "openai/gpt-audio-mini",
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "pcm16"},
        "stream": True,
        "messages": [{"role": "user", "content": "Tell me a long story."}],
    }
)
CONTENDERS = ("floor", "emulator cold", "emulator warm", "emulator warm, requests")


def _post(port: int, seconds: float) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": "Bearer offline", "X-Emulator-Seconds": str(seconds)}
    conn.request("POST", "/api/v1/chat/completions", BODY, headers)
    return conn.getresponse()


def read_all(port: int, seconds: float) -> dict[str, Any]:
    """Read a whole reply with http.client; bytes, time to the first byte and to the first audio."""
    start = time.perf_counter()
    resp = _post(port, seconds)
    first = resp.read1(1 << 20)
    ttfb = time.perf_counter() - start
    total, audio_at = len(first), 0.0
    while block := resp.read1(1 << 20):
        total += len(block)
        if not audio_at and b'"data":"' in block:
            audio_at = time.perf_counter() - start
    resp.close()
    return {"bytes": total, "ttfb": ttfb, "first_audio": audio_at}


def read_with_requests(port: int, seconds: float) -> dict[str, Any]:
    """The same with requests, the way the package's client reads a stream."""
    import requests

    start = time.perf_counter()
    headers = {"Authorization": "Bearer offline", "X-Emulator-Seconds": str(seconds)}
    url = f"http://127.0.0.1:{port}/api/v1/chat/completions"
    with requests.post(url, data=BODY, headers=headers, stream=True, timeout=120) as resp:
        ttfb, total = 0.0, 0
        for block in resp.iter_content(chunk_size=None):
            ttfb = ttfb or time.perf_counter() - start
            total += len(block)
    return {"bytes": total, "ttfb": ttfb}


def _serve_static(body: bytes) -> ThreadingHTTPServer:
    class Static(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            view = memoryview(body)
            for pos in range(0, len(body), 1 << 20):
                piece = view[pos : pos + (1 << 20)]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def child(name: str, seconds: float) -> None:
    """Prepare, then measure one read of the reply."""
    handle = start_emulator()
    work: Callable[[], dict[str, Any]]
    if name == "floor":
        resp = _post(handle.port, seconds)
        server = _serve_static(resp.read())
        handle.stop()
        port = server.server_address[1]
        work = lambda: read_all(port, seconds)  # noqa: E731
    elif name == "emulator cold":
        work = lambda: read_all(handle.port, seconds)  # noqa: E731
    else:
        read_all(handle.port, seconds)  # warm the caches
        reader = read_with_requests if name.endswith("requests") else read_all
        work = lambda: reader(handle.port, seconds)  # noqa: E731
    emit(measure(work))
    handle.stop()


def lifecycle(seconds: float) -> None:
    """start_emulator() to the first byte and first audio of a cold reply, then stop()."""
    start = time.perf_counter()
    handle = start_emulator()
    resp = _post(handle.port, seconds)
    resp.read1(1)
    first_byte = time.perf_counter() - start
    received = b""
    while b'"data":"' not in received:
        received = received[-16:] + resp.read1(1 << 16)
    first_audio = time.perf_counter() - start
    resp.read()
    start = time.perf_counter()
    handle.stop()
    stop = time.perf_counter() - start
    emit(
        {
            "first_byte": first_byte,
            "first_audio": first_audio,
            "stop": stop,
            "threads": threading.active_count(),
        }
    )


def parent(seconds: float, repeats: int) -> int:
    pcm_mb = seconds * 48000 / MB
    rows, speeds = [], {}
    for name in CONTENDERS:
        runs = [
            run_contender([sys.executable, __file__, "--child", name, "--seconds", str(seconds)])
            for _ in range(repeats)
        ]
        secs = median([r["seconds"] for r in runs])
        speeds[name] = pcm_mb / secs
        ttfb = median([r["value"]["ttfb"] for r in runs]) * 1000
        peak = median([r["peak_bytes"] for r in runs]) / MB
        body = runs[0]["value"]["bytes"] / MB
        audio = median([r["value"].get("first_audio") or r["value"]["ttfb"] for r in runs]) * 1000
        rows.append([name, secs, speeds[name], body / secs, ttfb, audio, peak])
    print(f"A {seconds:g}-second reply ({pcm_mb:.1f} MB of PCM), median of {repeats} fresh interpreters\n")
    print(
        format_table(
            ["contender", "seconds", "PCM MB/s", "wire MB/s", "first byte ms", "first audio ms", "peak MB"],
            rows,
        )
    )
    life: list[list[object]] = []
    for reply in (seconds, 2.0):
        command = [sys.executable, __file__, "--lifecycle", "--seconds", str(reply)]
        runs = [run_contender(command) for _ in range(repeats)]
        for key, what in (("first_byte", "first byte"), ("first_audio", "first audio")):
            life.append(
                [f"start_emulator() -> {what}, {reply:g} s reply", median([r[key] for r in runs]) * 1000]
            )
        life.append([f"stop() after the {reply:g} s reply", median([r["stop"] for r in runs]) * 1000])
        life.append([f"threads left after stop(), {reply:g} s reply", max(r["threads"] for r in runs) - 1])
    print()
    print(format_table(["lifecycle", "ms"], life))
    ok_speed = min(speeds["emulator cold"], speeds["emulator warm"]) >= 50
    first_byte_ms = float(str(life[0][1]))
    ok_start = first_byte_ms < 200
    verdict = f"emulator >= 50 MB/s of PCM: {'yes' if ok_speed else 'NO'}"
    print(f"\n{verdict}; first byte < 200 ms: {'yes' if ok_start else 'NO'}")
    return 0 if ok_speed and ok_start else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--lifecycle", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seconds)
        return 0
    if args.lifecycle:
        lifecycle(args.seconds)
        return 0
    return parent(args.seconds, args.repeats)


if __name__ == "__main__":
    sys.exit(main())
