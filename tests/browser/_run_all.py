"""Run All on a demo notebook, as people do it: the notebook opened on a fresh kernel, Run > Run All Cells,
then what the page shows. nbval runs one cell at a time and cannot see cells running out of order; Run All
sends every cell at once, so the kernel holds a queue while a ``%%oraudio`` cell streams."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _browser_pages import Report, plays
from _lab_server import Lab, serving

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Cells allowed to end in an error: those that demonstrate one carry the tag nbval also honours.
SHOWS_AN_ERROR = "raises-exception"

KERNEL_IDLE = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return Boolean(kernel && kernel.status === "idle" && w.content && w.content.model);
}"""
# Run > Run All Cells; resolves when JupyterLab's own promise does (every cell run, or the queue stopped).
RUN_ALL = """async () => {
    await window.jupyterapp.commands.execute("notebook:run-all-cells");
}"""
# Each code cell with a source: its execution count, the errors it shows, and its tags.
CELLS = """() => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells
    .filter((c) => c.cell_type === "code" && c.source.trim())
    .map((c) => ({
        count: c.execution_count,
        errors: (c.outputs || []).filter((o) => o.output_type === "error")
            .map((o) => `${o.ename}: ${o.evalue}`),
        tags: (c.metadata && c.metadata.tags) || [],
        head: c.source.split("\\n")[0].slice(0, 60),
    }))"""


@dataclass
class RunAll:
    """What Run All left in the page: one entry per code cell, and how many saved players played."""

    name: str
    cells: list[dict[str, Any]]
    players: int = 0
    silent: list[str] = field(default_factory=list)  # players that would not play, with why

    def out_of_order(self) -> list[tuple[int | None, str]]:
        """Cells whose execution count is not the next one down the notebook (with no gap from 1)."""
        return [(c["count"], c["head"]) for i, c in enumerate(self.cells) if c["count"] != i + 1]

    def unexpected_errors(self) -> list[str]:
        shown = [c for c in self.cells if SHOWS_AN_ERROR not in c["tags"]]
        return [f"{c['head']!r}: {e}" for c in shown for e in c["errors"]]


def run_all(server: Lab, browser: Any, name: str, page_path: str, screenshot: Path | None = None,
            timeout: float = 240.0) -> RunAll:
    """Open ``notebooks/<name>`` (a fresh copy, on a new kernel) at ``page_path``, Run All, and read back
    every code cell and every saved player (the page then saved to ``screenshot``, when given); the kernel
    is shut down afterwards."""
    shutil.copy(NOTEBOOKS / name, server.root / name)
    page = browser.new_page()
    page.set_default_timeout(timeout * 1000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    try:
        page.goto(server.url(page_path), wait_until="domcontentloaded")
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        page.evaluate(RUN_ALL)
        page.wait_for_function(KERNEL_IDLE, timeout=timeout * 1000)
        result = RunAll(name, list(page.evaluate(CELLS)))
        _play_saved(page, result)
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        return result
    finally:
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()


@contextlib.contextmanager
def notebook7_server(base: Path) -> Iterator[Lab]:
    """``jupyter notebook`` for Run All, its kernels' emulator at 4x the speed of speech: what keeps the
    order does not depend on the pace (a cell queued while a reply streams is held however long it
    streams)."""
    with serving("notebook", base, "--JupyterNotebookApp.expose_app_in_browser=True", realtime=4.0) as server:
        yield server


def check_run_all(server: Lab, browser: Any, name: str, page_path: str, report: Report, label: str,
                  artifacts: Path) -> None:
    """Run All on ``name`` at ``page_path``: every cell in order, no unexpected error, every player plays;
    the page as Run All left it goes to ``artifacts/run_all_<label>_<notebook>.png``."""
    result = run_all(server, browser, name, page_path, artifacts / f"run_all_{label}_{Path(name).stem}.png")
    assert not result.out_of_order(), summary(result)
    assert not result.unexpected_errors(), summary(result)
    assert not result.silent, summary(result)
    report(f"run_all_{label}_{name}", {"cells": len(result.cells), "players_played": result.players})


def _play_saved(page: Any, result: RunAll) -> None:
    """Every <audio> of the cells' outputs that has a source must play (its clock moves)."""
    audio = page.locator(".jp-Cell .jp-OutputArea-output audio[src]")
    for index in range(audio.count()):
        element = audio.nth(index)
        try:
            plays(page, element)
            result.players += 1
        except Exception as error:  # report every silent player, not only the first
            source = str(element.get_attribute("src") or "")[:40]
            result.silent.append(f"player {index} ({source}...): {str(error).splitlines()[0]}")


def summary(result: RunAll) -> str:
    return json.dumps({"notebook": result.name, "cells": result.cells, "silent": result.silent}, indent=1)
