"""What the streaming display sends to the front end for a 60-second reply with 2,000 transcript deltas.

Contenders, each in a fresh interpreter with an IPython shell whose display publisher and stdout count
what a kernel would send (each message's JSON content, as ipykernel would serialise it):

- ``package``: :class:`LiveDisplay` (status line through a display handle, words as text stream output,
  both throttled);
- ``naive``: a full re-render per delta (the whole escaped transcript plus status as HTML, through
  ``DisplayHandle.update``).

The reply is simulated on a clock that advances 60 seconds across the deltas (one audio delta per
transcript delta), so rates are per second of the reply, not of this machine. Each contender runs at
1,000 and 2,000 deltas: doubling the transcript doubles a linear contender's bytes and quadruples a
quadratic one's.

    python benchmarks/display_updates.py
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, format_table, measure, median, run_contender

SECONDS = 60.0
AUDIO_PER_DELTA = 2 * 24000 * 60 // 2000  # pcm16 bytes: 60 s of 24 kHz audio spread over 2,000 deltas


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


class _Counter:
    """Counts messages and their JSON bytes per second of the simulated reply."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.messages = 0
        self.bytes = 0
        self.per_second: dict[int, int] = {}

    def add(self, content: dict[str, Any]) -> None:
        self.messages += 1
        self.bytes += len(json.dumps(content))
        second = int(self.clock.now)
        self.per_second[second] = self.per_second.get(second, 0) + 1


def _instrument(clock: _Clock) -> _Counter:
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    counter = _Counter(clock)

    class Publisher(DisplayPublisher):
        def publish(self, data: Any, metadata: Any = None, source: Any = None, *, transient: Any = None,
                    update: bool = False, **kwargs: Any) -> None:
            counter.add({"data": data, "metadata": metadata or {}, "transient": transient or {}})

        def clear_output(self, wait: bool = False) -> None:
            counter.add({"wait": wait})

    class Stdout:
        """Like ipykernel's OutStream: a flush sends what was written since the last one."""

        def __init__(self) -> None:
            self.pending: list[str] = []

        def write(self, text: str) -> int:
            self.pending.append(text)
            return len(text)

        def flush(self) -> None:
            if self.pending:
                counter.add({"name": "stdout", "text": "".join(self.pending)})
                self.pending.clear()

    InteractiveShell.instance().display_pub = Publisher()
    sys.stdout = Stdout()  # type: ignore[assignment]
    return counter


def _words(n: int) -> list[str]:
    return [f"word{i % 97} " for i in range(n)]


def run_package(deltas: int, clock: _Clock) -> None:
    from or_audio_widgets.core._events import AudioDelta, End, TranscriptDelta
    from or_audio_widgets.jupyter.magics._display import LiveDisplay

    live = LiveDisplay("openai/gpt-4o-audio-preview", clock=clock)
    live.start()
    for i, word in enumerate(_words(deltas)):
        clock.now = SECONDS * i / deltas
        live.feed(TranscriptDelta(word))
        live.feed(AudioDelta(b"\0" * AUDIO_PER_DELTA))
    clock.now = SECONDS
    live.feed(End(finish_reason="stop", done=True))


def run_naive(deltas: int, clock: _Clock) -> None:
    from IPython.display import HTML, display

    handle = display(HTML(""), display_id=True)
    transcript: list[str] = []
    audio = 0
    for i, word in enumerate(_words(deltas)):
        clock.now = SECONDS * i / deltas
        transcript.append(word)
        audio += AUDIO_PER_DELTA
        status = f"openai/gpt-4o-audio-preview · {clock.now:.1f} s · {audio / 48000:.1f} s of audio received"
        handle.update(HTML(f"<div>{html.escape(status)}</div><div>{html.escape(''.join(transcript))}</div>"))


def child(name: str, deltas: int) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()
    clock = _Clock()
    counter = _instrument(clock)
    work = run_package if name == "package" else run_naive
    result = measure(lambda: work(deltas, clock))
    result["messages"] = counter.messages
    result["bytes"] = counter.bytes
    result["max_per_second"] = max(counter.per_second.values())
    result["transcript_bytes"] = len("".join(_words(deltas)))
    sys.stdout = sys.__stdout__
    emit(result)


def main() -> int:
    rows = []
    for name in ("package", "naive"):
        by_size = {}
        for deltas in (1000, 2000):
            runs = [run_contender([sys.executable, __file__, "--child", name, str(deltas)]) for _ in range(3)]
            by_size[deltas] = runs[0] | {"seconds": median([r["seconds"] for r in runs]),
                                         "peak_bytes": median([r["peak_bytes"] for r in runs])}
        r = by_size[2000]
        rows.append([
            name, r["messages"], round(r["messages"] / SECONDS, 1), r["max_per_second"],
            round(r["bytes"] / 1e6, 3), round(r["bytes"] / r["transcript_bytes"], 1),
            round(r["bytes"] / by_size[1000]["bytes"], 2), r["seconds"], round(r["peak_bytes"] / 1e6, 1),
        ])
    print("A 60-second reply, 2,000 transcript deltas (plus 2,000 audio deltas), simulated clock")
    print(format_table(
        ["contender", "messages", "msgs/s avg", "msgs/s max", "MB to front end", "bytes/transcript byte",
         "bytes x when deltas x2", "CPU seconds", "peak MB"],
        rows,
    ))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
