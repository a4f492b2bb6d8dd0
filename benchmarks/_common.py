"""Helpers shared by the benchmark scripts: peak memory in a fresh subprocess, medians, a plain table.

How a benchmark uses them (one contender = one fresh interpreter, so its peak memory is its own)::

    # parent: run each contender a few times, keep the median
    results = [run_contender([sys.executable, __file__, "--child", name]) for _ in range(3)]
    seconds = median([r["seconds"] for r in results])

    # child (``--child NAME``): import and prepare, then measure only the work
    emit(measure(lambda: work()))

``measure`` resets the kernel's high-water mark (``VmHWM``) just before the work when Linux allows it
(``/proc/self/clear_refs``), so ``peak_bytes`` is the peak *above* the interpreter's baseline after its
imports. ``ru_maxrss`` is not used: a child inherits its parent's value.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any

RESULT_PREFIX = "BENCH-RESULT "
MB = 1_000_000


def status_bytes(field: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (``VmHWM``, ``VmRSS``), in bytes; 0 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux >= 4.0); False when the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def measure(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work()`` once; return seconds and the peak memory it added above the baseline.

    The result dict has ``seconds`` (wall clock), ``cpu_seconds`` (this process's CPU time: steadier
    than wall time on a busy machine), ``peak_bytes`` (VmHWM after minus the baseline before),
    ``baseline_bytes`` and ``value`` (whatever ``work`` returned, if JSON-serialisable, else its repr).
    """
    reset_peak()
    baseline = status_bytes("VmHWM")
    cpu_start = time.process_time()
    start = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    peak = status_bytes("VmHWM")
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        value = repr(value)[:200]
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_bytes": max(0, peak - baseline),
            "baseline_bytes": baseline, "value": value}


def emit(result: dict[str, Any]) -> None:
    """Print a child's result on one marked line for :func:`run_contender` to pick up."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_contender(cmd: Sequence[str], *, timeout: float = 900.0, env: dict[str, str] | None = None
                  ) -> dict[str, Any]:
    """Run one contender in a fresh subprocess and return the dict it :func:`emit`-ted.

    A child that fails or emits nothing raises RuntimeError with the tail of its stderr.
    """
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX):])
            return result
    tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
    raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode} without a result:\n{tail}")


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return float(statistics.median(values))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain, aligned text table (also valid Markdown), first column left-aligned, others right."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)
