"""Live playback over slow connections: gaps, first sound and bytes sent, against a local page in one run.

JupyterLab in headless Chromium (as the browser tests run it); a ``%%oraudio`` reply paced at the speed of
speech (the offline emulator at real time, about 7.9 s of audio); the page's connection under Chromium's own
network emulation (the DevTools protocol's ``Network.emulateNetworkConditions``), jitter made in the kernel
(each message held a further 0 to 150 ms, in order). Each reply is the first on a page fresh to its
connection: what the page measured on an earlier run is forgotten.

Must reach (issue 22): 150 ms / 2 Mbps no gap; 300 ms / 600 kbps at most one gap per reply; over three runs;
first sound no more than the connection's latency plus 150 ms later than on the local page.

Run: ``.venv/bin/python benchmarks/network_playback.py [RUNS]`` (needs Debian's chromium and playwright)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
from _common import format_table
from _lab_server import serving
from _network import CONDITIONS, KERNEL, LOCAL, Condition, Link, heard, oraudio_reply
from conftest import CHROMIUM, CHROMIUM_ARGS, open_notebook

MAGICS = '%load_ext or_audio_widgets\n%config OrAudioMagics.headers = {"X-Emulator-Realtime": "1.0"}'


def measure(book: Any, condition: Condition, runs: int) -> list[dict[str, Any]]:
    found = []
    for _ in range(runs):
        link = Link(book, condition)
        try:
            found.append(heard(oraudio_reply(book)))
        finally:
            link.clear()
    return found


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as driver:
        base = Path(folder)
        with serving("lab", base, "--LabApp.expose_app_in_browser=True") as server:
            args = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
            browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            try:
                book = open_notebook(server, browser.new_context(), "network.ipynb", "lab/tree/network.ipynb")
                book.execute(MAGICS)
                book.execute(KERNEL)
                measure(book, LOCAL, 1)  # warm-up: the widget's code loaded, the kernel's imports done
                for condition in CONDITIONS:
                    results[condition.name] = measure(book, condition, runs)
                    print(f"{condition.name}: {results[condition.name]}", flush=True)
            finally:
                browser.close()
    local = statistics.median(r["first_sound_ms"] for r in results[LOCAL.name])
    rows = []
    for condition in CONDITIONS:
        found = results[condition.name]
        gaps = [r["gaps"] for r in found]
        first = statistics.median(r["first_sound_ms"] for r in found)
        allowed_gaps = 1 if condition.kbps and condition.kbps < 1000 else 0
        later = first - local
        ok = max(gaps) <= allowed_gaps and later <= condition.latency_ms + 150
        rows.append([
            condition.name, " ".join(map(str, gaps)), round(first), round(later),
            round(condition.latency_ms + 150) if condition.emulated else "-",
            round(statistics.median(r["bytes_per_audio_s"] for r in found)),
            round(max(r["last_lead_s"] for r in found), 3), "yes" if ok else "NO",
        ])  # fmt: skip
    headers = [
        "connection", "gaps per run", "first sound ms", "later than local ms", "allowed ms",
        "bytes per s of audio", "largest lead s", "meets",
    ]  # fmt: skip
    print(format_table(headers, rows))
    print("gaps: the live player's underruns; first sound: from the first chunk in the kernel to its sound "
          "in the page (median); bytes: what reached the page per second of audio (raw pcm16: 48000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
