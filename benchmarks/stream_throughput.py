"""Throughput and peak memory of reading a 10-minute pcm16 reply over loopback HTTP.

A ThreadingHTTPServer in this process streams a prebuilt body shaped like a real reply (24 kHz mono pcm16
in 19,200-byte chunks, transcript deltas ahead of the audio, ``: OPENROUTER PROCESSING`` comments,
choices-less chunks, a ``"choices": []`` usage chunk with cost, an ``expires_at``-only chunk, ``[DONE]``),
one HTTP chunk per event. Each contender runs in a fresh interpreter, so its VmHWM is its own:

- seed: the seed document's loop: requests ``iter_lines()``, collect the base64 strings, join, decode;
- floor: ``iter_content(chunk_size=None)``, split events, ``json.loads``, ``b64decode``, nothing more;
- openai: openai-python's streaming client, only when it is installed;
- package: ``iter_content(chunk_size=None)`` -> ``iter_events`` -> ``ReplyBuilder`` -> ``AudioReply``.

Run: ``.venv/bin/python benchmarks/stream_throughput.py [--seconds 600] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import random
import sys
import threading
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MB, emit, format_table, measure, median, run_contender

RATE, CHUNK = 24000, 19200
ID = "gen-bench-0001"
_audio_out: dict[str, Any] = {}  # the child's result, checked outside the timed part

# --- the stream ------------------------------------------------------------------------------------------


def _event(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def _chunk(delta: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": ID, "provider": "OpenAI", "model": "openai/gpt-4o-audio-preview",
                           "object": "chat.completion.chunk", "created": 1762000000}
    if delta is not None:
        obj["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
    obj.update(extra)
    return obj


def build_events(seconds: float) -> tuple[list[bytes], int]:
    """The events of the reply, and the crc32 of its pcm."""
    rng = random.Random(1234)
    chunks = int(seconds * RATE * 2) // CHUNK
    events = [b": OPENROUTER PROCESSING\n\n", _event(_chunk({"role": "assistant", "content": ""}))]
    crc = 0
    for i in range(chunks):
        if i % 100 == 0:
            events.append(b": OPENROUTER PROCESSING\n\n")
        if i % 10 == 5:
            events.append(_event(_chunk(None, usage=None, obfuscation="x" * 8)))
        events.append(_event(_chunk({"audio": {"transcript": f"word{i} "}})))
        pcm = rng.randbytes(CHUNK)
        crc = zlib.crc32(pcm, crc)
        events.append(_event(_chunk({"audio": {"id": "audio_1", "data": base64.b64encode(pcm).decode()}})))
    usage = {"prompt_tokens": 18, "completion_tokens": chunks * 8, "total_tokens": 18 + chunks * 8,
             "cost": 1.25}
    events.append(_event(_chunk(None, choices=[], usage=usage)))
    events.append(_event(_chunk({"audio": {"expires_at": 1762003600}})))
    events.append(b"data: [DONE]\n\n")
    return events, crc


def chunked_body(events: list[bytes]) -> bytes:
    """The events as an HTTP/1.1 chunked body, one HTTP chunk per event, as SSE servers send them."""
    return b"".join(b"%x\r\n%b\r\n" % (len(e), e) for e in events) + b"0\r\n\r\n"


def serve(body: bytes) -> ThreadingHTTPServer:
    """Start a loopback server answering every POST with ``body``; returns it (call shutdown())."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- contenders (run in a child process) ------------------------------------------------------------------

REQUEST = {"model": "openai/gpt-4o-audio-preview", "modalities": ["text", "audio"],
           "audio": {"voice": "alloy", "format": "pcm16"}, "stream": True,
           "messages": [{"role": "user", "content": "Talk for ten minutes."}]}


def seed(url: str) -> Callable[[], Any]:
    import requests

    session = requests.Session()

    def work() -> int:
        resp = session.post(url, json=REQUEST, stream=True)
        audio_chunks, transcript = [], []
        for line in resp.iter_lines():
            if not line.startswith(b"data: "):
                continue
            data = line[6:]
            if data == b"[DONE]":
                break
            chunk = json.loads(data)
            if not chunk.get("choices"):  # the seed crashes here on real streams; guarded so it finishes
                continue
            audio = chunk["choices"][0].get("delta", {}).get("audio") or {}
            if "data" in audio:
                audio_chunks.append(audio["data"])
            if "transcript" in audio:
                transcript.append(audio["transcript"])
        pcm = base64.b64decode("".join(audio_chunks))
        _audio_out["pcm"] = pcm
        return len(pcm)

    return work


def floor(url: str) -> Callable[[], Any]:
    import requests

    session = requests.Session()

    def work() -> int:
        resp = session.post(url, json=REQUEST, stream=True)
        buf, total = bytearray(), 0
        for piece in resp.iter_content(chunk_size=None):
            buf += piece
            start = 0
            while (end := buf.find(b"\n\n", start)) >= 0:
                line, start = buf[start:end], end + 2
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                choices = json.loads(line[6:]).get("choices")
                data = choices[0]["delta"].get("audio", {}).get("data") if choices else None
                if data:
                    total += len(base64.b64decode(data))
            del buf[:start]
        return total

    return work


def openai_client(url: str) -> Callable[[], Any]:
    import openai

    client = openai.OpenAI(api_key="bench", base_url=url.rsplit("/chat/completions", 1)[0])
    request = {k: v for k, v in REQUEST.items() if k != "stream"}

    def work() -> int:
        pcm = bytearray()  # each chunk's audio decoded as it arrives, as a streaming player would
        for chunk in client.chat.completions.create(**request, stream=True):
            if chunk.choices:
                audio = chunk.choices[0].delta.audio  # a typed ChoiceDeltaAudio in openai >= 1.40
                if audio is not None and audio.data:
                    pcm += base64.b64decode(audio.data)
        _audio_out["pcm"] = pcm
        return len(pcm)

    return work


def package(url: str) -> Callable[[], Any]:
    import requests

    from or_audio_widgets import AudioReply, iter_events

    session = requests.Session()

    def work() -> int:
        resp = session.post(url, json=REQUEST, stream=True)
        reply = AudioReply.from_events(iter_events(resp.iter_content(chunk_size=None)))
        _audio_out["reply"] = reply
        return len(reply.audio)

    return work


CONTENDERS: dict[str, Callable[[str], Callable[[], Any]]] = {
    "seed loop": seed, "raw floor": floor, "openai-python": openai_client, "this package": package,
}


def child(name: str, url: str) -> None:
    work = CONTENDERS[name](url)
    result = measure(work)
    if "reply" in _audio_out:
        reply = _audio_out["reply"]
        result["crc"] = zlib.crc32(reply.pcm)
        result["pcm_bytes"] = len(reply.pcm)
        result["complete"] = reply.complete and reply.audio[:4] == b"RIFF"
    elif "pcm" in _audio_out:
        result["crc"] = zlib.crc32(_audio_out["pcm"])
        result["pcm_bytes"] = len(_audio_out["pcm"])
    else:  # the floor keeps nothing to check but the length
        result["crc"] = None
        result["pcm_bytes"] = result["value"]
    emit(result)


def run(seconds: float, repeats: int) -> int:
    events, crc = build_events(seconds)
    body = chunked_body(events)
    pcm_size = int(seconds * RATE * 2) // CHUNK * CHUNK
    server = serve(body)
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/chat/completions"
    names = [n for n in CONTENDERS if n != "openai-python" or importlib.util.find_spec("openai")]
    results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    try:
        for rep in range(repeats):
            for name in names[rep % len(names):] + names[: rep % len(names)]:  # rotate the order
                result = run_contender([sys.executable, __file__, "--child", name, "--url", url])
                wrong = result["pcm_bytes"] != pcm_size or result["crc"] not in (None, crc)
                if wrong or result.get("complete") is False:
                    raise SystemExit(f"{name} decoded the wrong audio: {result}")
                results[name].append(result)
    finally:
        server.shutdown()
    print(f"{seconds / 60:g}-minute pcm16 reply: {pcm_size / MB:.1f} MB of pcm, {len(body) / MB:.1f} MB "
          f"on the wire, {len(events)} events; median of {repeats} runs, each in a fresh process")
    print(_table(results, pcm_size))
    if "openai-python" not in names:
        print("openai-python: not installed, not measured")
    return 0


def _table(results: dict[str, list[dict[str, Any]]], pcm_size: int) -> str:
    """Medians per contender. Ratios are medians of per-repetition ratios (the contenders of one
    repetition run back to back, so load from elsewhere on the machine mostly cancels out), for wall
    time and for the contender's own CPU time (which other processes barely disturb)."""
    rows = []
    for n, rs in results.items():
        wall, cpu = [r["seconds"] for r in rs], [r["cpu_seconds"] for r in rs]
        peak = median([r["peak_bytes"] for r in rs])
        rows.append([n, median(wall), median(cpu), pcm_size / MB / median(wall), peak / MB, peak / pcm_size,
                     f"{_ratio(results, n, 'raw floor', 'seconds'):.2f} / "
                     f"{_ratio(results, n, 'raw floor', 'cpu_seconds'):.2f}",
                     f"{1 / _ratio(results, n, 'seed loop', 'seconds'):.2f} / "
                     f"{1 / _ratio(results, n, 'seed loop', 'cpu_seconds'):.2f}"])
    headers = ["contender", "wall s", "cpu s", "MB/s (pcm, wall)", "peak MB", "peak / pcm",
               "time / floor (wall / cpu)", "speed-up vs seed (wall / cpu)"]
    return format_table(headers, rows)


def _ratio(results: dict[str, list[dict[str, Any]]], name: str, base: str, key: str) -> float:
    pairs = zip(results[name], results[base], strict=True)
    return median([mine[key] / theirs[key] for mine, theirs in pairs])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the reply (default 600)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per contender (default 5)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url)
        return 0
    return run(args.seconds, args.repeats)


if __name__ == "__main__":
    sys.exit(main())
