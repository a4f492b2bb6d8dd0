"""What ``%load_ext or_audio_widgets`` adds to a kernel's start (must be under 150 ms).

Three measurements, medians of several fresh processes:

- in process: an IPython shell with ipykernel imported (as in a kernel), then the time of the
  ``%load_ext`` call alone, and the heavy modules it must not import;
- a fresh interpreter that starts the shell, with and without ``%load_ext`` (wall time to exit);
- a real ipykernel started by jupyter_client until it answers ``kernel_info``, with and without
  ``--IPKernelApp.extensions=or_audio_widgets``.

    python benchmarks/load_ext.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, format_table, measure, median, run_contender

RUNS = 7
HEAVY = ("requests", "pydub", "ipywidgets", "anywidget", "or_audio_widgets.client._client",
         "or_audio_widgets.emulator")
SHELL = "import ipykernel.ipkernel\nfrom IPython.core.interactiveshell import InteractiveShell\n" \
        "shell = InteractiveShell.instance()\n"


def child() -> None:
    exec(SHELL, globals())  # noqa: S102 - our own constant: the shell a kernel has before extensions
    result = measure(lambda: shell.run_line_magic("load_ext", "or_audio_widgets"))  # type: ignore[name-defined]  # noqa: F821
    result["heavy_imported"] = [name for name in HEAVY if name in sys.modules]
    emit(result)


def _process_seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def _kernel_seconds(extension: bool) -> float:
    from jupyter_client.manager import start_new_kernel

    extra = ["--IPKernelApp.extensions=or_audio_widgets"] if extension else []
    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3", extra_arguments=extra, startup_timeout=60,
                                       stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if extension:  # the magics really are there
        reply = client.execute_interactive("assert 'oraudio' in get_ipython().magics_manager.magics['cell']",
                                           timeout=30)
        assert reply["content"]["status"] == "ok", reply["content"]
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return seconds


def main() -> int:
    inproc = [run_contender([sys.executable, __file__, "--child"]) for _ in range(RUNS)]
    load_ms = median([r["seconds"] for r in inproc]) * 1000
    base, loaded, k_base, k_loaded = [], [], [], []
    for _ in range(RUNS):  # interleaved, so drift in machine load hits both alike
        base.append(_process_seconds(SHELL))
        loaded.append(_process_seconds(SHELL + "shell.run_line_magic('load_ext', 'or_audio_widgets')\n"))
        k_base.append(_kernel_seconds(False))
        k_loaded.append(_kernel_seconds(True))
    rows = [
        ["%load_ext call, in process", "", f"{load_ms:.1f}", f"{load_ms:.1f}"],
        ["fresh shell process", f"{median(base) * 1000:.0f}", f"{median(loaded) * 1000:.0f}",
         f"{(median(loaded) - median(base)) * 1000:.0f}"],
        ["ipykernel start to kernel_info", f"{median(k_base) * 1000:.0f}", f"{median(k_loaded) * 1000:.0f}",
         f"{(median(k_loaded) - median(k_base)) * 1000:.0f}"],
    ]
    print(f"Medians of {RUNS} runs; modules %load_ext imported that it must not: "
          f"{inproc[0]['heavy_imported'] or 'none'}")
    print(format_table(["measurement", "baseline ms", "with %load_ext ms", "added ms (must be < 150)"], rows))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
    else:
        sys.exit(main())
