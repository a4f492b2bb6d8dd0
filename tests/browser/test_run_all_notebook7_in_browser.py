"""Run All on every demo notebook in Notebook 7 (``jupyter notebook``, one notebook per page): the same
checks as in JupyterLab (``test_run_all_in_browser.py``), on a server of this module's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser_pages import Report
from _lab_server import Lab
from _run_all import NOTEBOOKS, check_run_all
from _run_all import notebook7_server as serving_notebook7

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def notebook7_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with serving_notebook7(tmp_path_factory.mktemp("run-all-notebook7")) as server:
        yield server


@pytest.mark.parametrize("name", [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))])
def test_run_all_keeps_the_order_in_notebook_7(
    notebook7_server: Lab, browser: Any, name: str, report: Report, artifacts: Path
) -> None:
    check_run_all(notebook7_server, browser, name, f"notebooks/{name}", report, "notebook7", artifacts)
