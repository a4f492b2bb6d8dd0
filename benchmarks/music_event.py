"""Memory of reading a music model's reply: a whole song in ONE SSE event (Lyria sends it so).

A one-line event of ``--megabytes`` (default 5) of base64 MP3, fed in 64 KiB chunks as a socket gives
them, is read into an ``AudioReply`` by ``iter_events`` and ``AudioReply.from_events``. Peak = Python's
own allocations during the read (tracemalloc), above what the chunks already held, as a multiple of the
event's size. Baseline in the same run: the floor any reader pays, ``json.loads`` of the joined line and
``b64decode`` of its audio, with nothing else. Target: this package at most 3x the event's size.

    .venv/bin/python benchmarks/music_event.py [--megabytes 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tracemalloc
from collections.abc import Callable
from typing import Any

from _common import MB, format_table, median  # the script's own folder

from or_audio_widgets.core._events import iter_events
from or_audio_widgets.core._reply import AudioReply

TARGET = 3.0
CHUNK = 65536


def event_chunks(megabytes: float) -> list[bytes]:
    """A song's one event (an ID3 tag, then random bytes standing for the frames), in socket-sized chunks."""
    song = b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(int(megabytes * MB * 3 / 4))
    delta = {"content": "<instrumental>", "audio": {"data": base64.b64encode(song).decode("ascii")}}
    body = b"data: " + json.dumps({"id": "gen-1", "choices": [{"delta": delta}]}).encode() + b"\n\n"
    body += b"data: [DONE]\n\n"
    return [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]


def peak_of(work: Callable[[list[bytes]], Any], chunks: list[bytes]) -> int:
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        work(chunks)
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def package(chunks: list[bytes]) -> AudioReply:
    reply = AudioReply.from_events(iter_events(iter(chunks)))
    assert reply.complete and reply.format == "mp3", reply.error
    return reply


def floor(chunks: list[bytes]) -> bytes:
    line = b"".join(chunks).split(b"\n", 1)[0][len(b"data: ") :]
    data: bytes = base64.b64decode(json.loads(line)["choices"][0]["delta"]["audio"]["data"])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chunks = event_chunks(args.megabytes)
    size = sum(map(len, chunks))
    rows = []
    for name, work in (("iter_events + AudioReply (this package)", package),
                       ("json.loads + b64decode of the joined line (floor)", floor)):
        peak = median([peak_of(work, chunks) for _ in range(args.runs)])
        target = f"<= {TARGET:g}x" if work is package else "(for comparison)"
        rows.append([name, f"{size / MB:.2f}", f"{peak / MB:.2f}", f"{peak / size:.2f}x", target])
    print(format_table(["contender", "event MB", "peak MB", "peak / event", "target"], rows))


if __name__ == "__main__":
    main()
