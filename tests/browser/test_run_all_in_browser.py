"""Run All on every demo notebook in JupyterLab, as people run them (``01-quickstart`` three times, the
first thing a newcomer does): no cell out of order, no error but in a cell that demonstrates one, and every
saved player plays. Notebook 7 has a file of its own, so the two run on different workers, each on a server
of its own (``_run_all.run_all_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report
from _lab_server import Lab
from _run_all import NOTEBOOKS, check_run_all, run_all_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def run_all_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with run_all_server("lab", tmp_path_factory.mktemp("run-all-lab")) as server:
        yield server


RUNS = [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))] + ["01-quickstart.ipynb"] * 2


@pytest.mark.parametrize("name", RUNS, ids=[f"{n}-{RUNS[:i].count(n) + 1}" for i, n in enumerate(RUNS)])
def test_run_all_keeps_the_order_in_jupyterlab(
    run_all_lab: Lab, browser: Any, name: str, report: Report, artifacts: Path
) -> None:
    check_run_all(run_all_lab, browser, name, f"lab/tree/{name}?reset", report, "lab", artifacts)
