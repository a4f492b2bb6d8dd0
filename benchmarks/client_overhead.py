"""What the client adds on top of the streaming core: ``speak()`` on a 60-second reply, full speed.

The emulator runs in this (parent) process at full speed; each contender runs in a fresh interpreter so
its peak memory is its own, and reads the same reply (the emulator caches speech per text, voice and
length, and a warm-up request fills that cache before anything is timed):

- requests read: ``requests`` with ``iter_content(chunk_size=None)``, bytes read and dropped (the floor
  of any client here);
- core alone: the body fetched once before timing, in the chunks the network delivered them, then
  ``iter_events`` + ``ReplyBuilder(format="wav")`` + ``build().audio`` over those same bytes;
- speak(): ``OpenRouterAudio.speak(...)``, the whole call: request, stream, events, WAV.

Each child runs its work once untimed (lazy imports, first connection), then once measured.
Must reach: speak() within 1.5x of the core alone.

Run: ``.venv/bin/python benchmarks/client_overhead.py [--seconds 60] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MB, emit, format_table, measure, median, run_contender

MODEL = "openai/gpt-audio-mini"
PROMPT = "Tell me a long story about the sea."
CONTENDERS = ("requests read", "core alone", "speak()")
LIMIT = 1.5


def _body() -> dict[str, Any]:
    return {
        "model": MODEL,
        "stream": True,
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "pcm16"},
        "messages": [{"role": "user", "content": PROMPT}],
    }


def _headers(seconds: float) -> dict[str, str]:
    return {"Authorization": "Bearer offline", "X-Emulator-Seconds": f"{seconds:g}"}


def _fetch_chunks(base_url: str, seconds: float) -> list[bytes]:
    import requests

    with requests.post(f"{base_url}/chat/completions", json=_body(), headers=_headers(seconds),
                       stream=True, timeout=120) as response:
        response.raise_for_status()
        return list(response.iter_content(chunk_size=None))


def child(name: str, base_url: str, seconds: float) -> None:
    """One contender, measured once."""
    if name == "requests read":
        import requests

        def work() -> int:
            total = 0
            with requests.post(f"{base_url}/chat/completions", json=_body(), headers=_headers(seconds),
                               stream=True, timeout=120) as response:
                for chunk in response.iter_content(chunk_size=None):
                    total += len(chunk)
            return total

    elif name == "core alone":
        from or_audio_widgets.core._events import iter_events
        from or_audio_widgets.core._reply import ReplyBuilder

        chunks = _fetch_chunks(base_url, seconds)

        def work() -> int:
            builder = ReplyBuilder(format="wav", model=MODEL)
            for event in iter_events(chunks):
                builder.feed(event)
            return len(builder.build().audio)

    else:
        from or_audio_widgets.client._client import OpenRouterAudio

        client = OpenRouterAudio("offline", base_url)

        def work() -> int:
            reply = client.speak(PROMPT, model=MODEL, headers={"X-Emulator-Seconds": f"{seconds:g}"})
            assert reply.complete, reply.error
            return len(reply.audio)

    work()  # once untimed: lazy imports and first-call costs are not what is compared
    emit(measure(work))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the spoken reply")
    parser.add_argument("--repeats", type=int, default=5, help="runs per contender (median kept)")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "BASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.seconds)
        return 0

    from or_audio_widgets.emulator import start_emulator

    pcm_mb = args.seconds * 24000 * 2 / MB
    with start_emulator(port=0) as emulator:
        _fetch_chunks(emulator.base_url, args.seconds)  # warm the emulator's speech cache
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
        for _ in range(args.repeats):  # interleaved, so a slow moment of the machine hits all alike
            for name in CONTENDERS:
                cmd = [sys.executable, __file__, "--seconds", str(args.seconds), "--child", name,
                       emulator.base_url]
                results[name].append(run_contender(cmd))
    seconds = {name: median([r["seconds"] for r in runs]) for name, runs in results.items()}
    core = seconds["core alone"]
    rows = []
    for name in CONTENDERS:
        peak = median([r["peak_bytes"] for r in results[name]]) / MB
        rows.append([name, seconds[name], pcm_mb / seconds[name], peak, seconds[name] / core])
    print(f"client overhead: a {args.seconds:g}-second reply ({pcm_mb:.2f} MB of pcm16), "
          f"median of {args.repeats} fresh-process runs, emulator at full speed")
    print(format_table(["contender", "seconds", "MB/s pcm", "peak MB", "x core"], rows))
    ratio = seconds["speak()"] / core
    verdict = "PASS" if ratio <= LIMIT else "FAIL"
    print(f"\nspeak() / core alone = {ratio:.2f} (must be <= {LIMIT}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
