"""Run All on every demo notebook in Notebook 7 (``jupyter notebook``, one notebook per page): the same
checks as in JupyterLab (``test_run_all_in_browser.py``), on a server of this module's own. Its kernels'
emulator speaks at 4x the speed of speech: what keeps the order does not depend on the pace (a cell queued
while a reply streams is held however long it streams), as in JupyterLab's runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _browser_pages import Report
from _lab_server import Lab, serving
from _run_all import NOTEBOOKS, run_all, summary

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def notebook7_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("run-all-notebook7")
    with serving("notebook", base, "--JupyterNotebookApp.expose_app_in_browser=True", realtime=4.0) as server:
        yield server


@pytest.mark.parametrize("name", [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))])
def test_run_all_keeps_the_order_in_notebook_7(
    notebook7_server: Lab, browser: Any, name: str, report: Report
) -> None:
    result = run_all(notebook7_server, browser, name, f"notebooks/{name}")
    assert not result.out_of_order(), summary(result)
    assert not result.unexpected_errors(), summary(result)
    assert not result.silent, summary(result)
    report(f"run_all_notebook7_{name}", {"cells": len(result.cells), "players_played": result.players})
