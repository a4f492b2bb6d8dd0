"""Bytes a widget sends to the front end for a 60-second spoken reply, three ways.

Contenders, each in a fresh interpreter; every message a widget sends (trait syncs and custom messages)
is counted at ``Widget._send``, as JSON content plus binary buffers, which is what the kernel puts on the
wire besides its fixed envelope:

- ``live_player``: :class:`LivePlayer`: each pcm16 chunk once as a binary buffer, transcript deltas with
  their offsets;
- ``base64_json``: the same custom messages with the audio as base64 text inside the JSON;
- ``growing_trait``: a synced ``Bytes`` trait (and a ``Unicode`` transcript) re-assigned with everything
  so far after each delta, the way a widget built on synced state alone has to do it.

The reply is 150 chunks of 400 ms (24 kHz pcm16, as the API sends them) and 600 transcript words.

    python benchmarks/widget_traffic.py
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MB, emit, format_table, measure, median, run_contender

CHUNK = 19200  # bytes: 400 ms of 24 kHz pcm16
CHUNKS = 150  # 60 seconds
WORDS = 600
CONTENDERS = ("live_player", "base64_json", "growing_trait")


def _count_sends() -> dict[str, int]:
    import json

    import ipywidgets

    sent = {"json": 0, "buffers": 0, "messages": 0}
    original = ipywidgets.Widget._send

    def counting(self: Any, msg: dict[str, Any], buffers: list[Any] | None = None) -> None:
        sent["messages"] += 1
        sent["json"] += len(json.dumps(msg, default=str))
        sent["buffers"] += sum(memoryview(b).nbytes for b in buffers or ())
        original(self, msg, buffers)

    ipywidgets.Widget._send = counting
    return sent


def _reply() -> tuple[list[bytes], list[str]]:
    chunks = [bytes([i % 251]) * CHUNK for i in range(CHUNKS)]
    return chunks, [f" word{i}" for i in range(WORDS)]


def _live_player(chunks: list[bytes], words: list[str]) -> None:
    from or_audio_widgets.jupyter.widgets._player import LivePlayer

    player = LivePlayer()
    per_chunk = len(words) // len(chunks)
    for i, chunk in enumerate(chunks):
        for word in words[i * per_chunk : (i + 1) * per_chunk]:
            player.append_transcript(word)
        player.append_pcm(chunk)


def _base64_json(chunks: list[bytes], words: list[str]) -> None:
    import anywidget

    widget = anywidget.AnyWidget()
    per_chunk = len(words) // len(chunks)
    for i, chunk in enumerate(chunks):
        for word in words[i * per_chunk : (i + 1) * per_chunk]:
            widget.send({"t": "text", "text": word})
        widget.send({"t": "pcm", "seq": i, "data": base64.b64encode(chunk).decode()})


def _growing_trait(chunks: list[bytes], words: list[str]) -> None:
    import anywidget
    import traitlets

    class Synced(anywidget.AnyWidget):
        pcm = traitlets.Bytes(b"").tag(sync=True)
        transcript = traitlets.Unicode("").tag(sync=True)

    widget = Synced()
    per_chunk = len(words) // len(chunks)
    for i, chunk in enumerate(chunks):
        for word in words[i * per_chunk : (i + 1) * per_chunk]:
            widget.transcript += word
        widget.pcm += chunk


def child(name: str) -> None:
    chunks, words = _reply()
    sent = _count_sends()
    work = {"live_player": _live_player, "base64_json": _base64_json, "growing_trait": _growing_trait}[name]
    result = measure(lambda: work(chunks, words))
    result["value"] = dict(sent)
    emit(result)


def main() -> None:
    pcm = CHUNK * CHUNKS
    rows = []
    for name in CONTENDERS:
        runs = [run_contender([sys.executable, __file__, "--child", name]) for _ in range(3)]
        sent = runs[0]["value"]
        total = sent["json"] + sent["buffers"]
        seconds = median([r["seconds"] for r in runs])
        rows.append(
            [
                name,
                sent["messages"],
                round(total / MB, 2),
                round(total / pcm, 3),
                seconds,
                round(total / MB / seconds, 1) if seconds else 0.0,
                round(median([r["peak_bytes"] for r in runs]) / MB, 1),
            ]
        )
    print(f"Front-end traffic for a 60 s reply ({pcm / MB:.2f} MB of pcm16, {WORDS} transcript deltas)")
    headers = ["contender", "messages", "MB sent", "x PCM size", "seconds", "MB/s", "peak MB"]
    print(format_table(headers, rows))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
