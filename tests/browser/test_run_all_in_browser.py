"""Run All on every demo notebook in JupyterLab, as people run them (``01-quickstart`` three times, the
first thing a newcomer does): no cell out of order, no error but in a cell that demonstrates one, and every
saved player plays. These run on the session's JupyterLab, at the real pace of speech; Notebook 7 has a file
of its own (and a server at 4x), so the two run on different workers. (With a second JupyterLab at 4x for
these, a live-player test running beside them on the other core heard an underrun once.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report
from _lab_server import Lab
from _run_all import NOTEBOOKS, check_run_all

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

RUNS = [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))] + ["01-quickstart.ipynb"] * 2


@pytest.mark.parametrize("name", RUNS, ids=[f"{n}-{RUNS[:i].count(n) + 1}" for i, n in enumerate(RUNS)])
def test_run_all_keeps_the_order_in_jupyterlab(
    lab: Lab, browser: Any, name: str, report: Report, artifacts: Path
) -> None:
    check_run_all(lab, browser, name, f"lab/tree/{name}?reset", report, "lab", artifacts)
