"""transcribe_many over POST /audio/transcriptions: concurrency, memory as the count grows, and Dask.

The emulator runs in its own process and holds every answer back 0.5 s (``X-Emulator-Latency``), as a
provider's queue would, with its own recogniser off (``X-Emulator-Recognise: off``: this machine's CPU
must not stand in for the provider's). The files are short spoken clips (espeak-ng through the emulator's
speech endpoint). Each contender runs in a fresh interpreter, so its peak memory is its own:

- threads, concurrency 1 and 8, on 200 files;
- threads, concurrency 8, on 50, 100 and 200 files (memory must stay flat);
- a dask.distributed LocalCluster of 2 worker processes, concurrency 8, on 200 files (cluster start-up
  is not timed).

Must reach: concurrency 8 at least 6x faster than 1, on threads and on the cluster; peak memory flat.

Run: ``.venv/bin/python benchmarks/transcribe_many_scale.py [--files 200] [--latency 0.5]``
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MB, emit, format_table, measure, run_contender

PHRASES = ("one two three", "good morning", "the quick brown fox", "open the door", "it is raining",
           "see you tomorrow", "please call me", "seven eight nine", "turn left here", "thank you")


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "or_audio_widgets", "emulator", "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line)
        if found:
            return proc, found.group(1)
    raise RuntimeError("the emulator did not start")


def make_files(base_url: str, folder: Path, count: int) -> None:
    from or_audio_widgets import OpenRouterAudio

    with OpenRouterAudio("offline", base_url) as client:
        clips = [client.say(phrase).audio for phrase in PHRASES]
    for index in range(count):
        (folder / f"clip{index:03d}.wav").write_bytes(clips[index % len(clips)])


def child(mode: str, concurrency: int, count: int, base_url: str, folder: str, latency: float) -> None:
    from or_audio_widgets import OpenRouterAudio
    from or_audio_widgets.client._batch import transcribe_many

    files = sorted(Path(folder).glob("clip*.wav"))[:count]
    # The emulator stands for a provider that answers after `latency`; its own recogniser is turned off so
    # that this machine's CPU (shared, 2 cores) does not stand in for the provider's.
    headers = {"X-Emulator-Latency": str(latency), "X-Emulator-Recognise": "off"}
    client = OpenRouterAudio("offline", base_url, extra_headers=headers)
    executor: Any = None
    if mode == "dask":
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=concurrency, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        dask_client = distributed.Client(cluster)
        executor = dask_client.get_executor()
        dask_client.submit(sum, [1]).result()  # workers up and answering before timing

    def work() -> Any:
        results = transcribe_many(files, client=client, concurrency=concurrency, executor=executor,
                                  results=None, progress=False)
        return {"ok": sum(r["status"] == "ok" for r in results), "cost": results.cost}

    emit(measure(work))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        mode, conc, count, base, folder = args.child
        child(mode, int(conc), int(count), base, folder, args.latency)
        return 0
    proc, base_url = start_emulator()
    try:
        with tempfile.TemporaryDirectory() as folder:
            make_files(base_url, Path(folder), args.files)
            count = args.files
            runs = [("threads", 1, count), ("threads", 8, count // 4), ("threads", 8, count // 2),
                    ("threads", 8, count), ("dask", 8, count)]
            results = {}
            for mode, conc, count in runs:
                cmd = [sys.executable, __file__, "--latency", str(args.latency), "--child", mode, str(conc),
                       str(count), base_url, folder]
                results[(mode, conc, count)] = run_contender(cmd)
    finally:
        proc.terminate()
        proc.wait(10)
    return report(results, args.files, args.latency)


def report(results: dict[tuple[str, int, int], dict[str, Any]], files: int, latency: float) -> int:
    base = results[("threads", 1, files)]["seconds"]
    rows = [[f"{mode} (2 workers)" if mode == "dask" else mode, conc, count, r["seconds"],
             base / r["seconds"] if count == files else "", r["peak_bytes"] / MB, r["value"]["ok"]]
            for (mode, conc, count), r in results.items()]
    print(f"transcribe_many, emulator answering after {latency:g} s per request")
    headers = ["executor", "concurrency", "files", "seconds", "speed-up vs 1", "peak MB", "ok"]
    print(format_table(headers, rows))
    threads = base / results[("threads", 8, files)]["seconds"]
    dask = base / results[("dask", 8, files)]["seconds"]
    peaks = [results[("threads", 8, n)]["peak_bytes"] / MB for n in (files // 4, files // 2, files)]
    flat = peaks[-1] <= max(peaks[0] * 1.5, peaks[0] + 10)
    print(f"threads 8 vs 1: {threads:.1f}x; dask 8 vs threads 1: {dask:.1f}x (must be >= 6x); "
          f"peak memory {peaks[0]:.1f} -> {peaks[-1]:.1f} MB from {files // 4} to {files} files "
          f"({'flat' if flat else 'GROWS'})")
    return 0 if threads >= 6 and dask >= 6 and flat else 1


if __name__ == "__main__":
    raise SystemExit(main())
