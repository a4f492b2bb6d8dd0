"""What a batch shows while it runs and when it ends: a progress bar that counts ok, failed and skipped
files as it goes, a summary line, and the results as a table.

The bar is tqdm's (a widget in Jupyter, text elsewhere); its colour turns to a warning when a file fails,
so a finished bar is never a plain green "5/5" over a failure.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable
from typing import Any

FAILED_COLOUR = "#e65100"  # JupyterLab's --jp-warn-color0
_TEXT_WIDTH = 200  # characters of a transcript (or error) shown per row of the table


class BatchProgress:
    """Counts of one batch, shown on a tqdm bar; :meth:`close` ends the bar and prints a summary line."""

    def __init__(self, total: int, skipped: int, *, show: bool = True, results: str | None = None,
                 notice: str | None = None) -> None:
        from tqdm.auto import tqdm

        self.counts = {"ok": 0, "failed": 0, "skipped": skipped}
        self.spent = 0.0
        self.total, self.show, self.results, self.notice = total, show, results, notice
        desc = f"transcribing ({notice})" if notice else "transcribing"
        self.bar = tqdm(total=total, initial=skipped, desc=desc, unit="file", disable=not show)
        self._refresh()

    def add(self, status: str, cost: object = None) -> None:
        """One more file is done; ``status`` is its result's ("ok", "incomplete" or "error"), ``cost`` what
        the server said it cost (None when it did not say)."""
        self.counts["ok" if status == "ok" else "failed"] += 1
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            self.spent += cost
        if status != "ok":
            self.bar.colour = FAILED_COLOUR
        self.bar.update(1)
        self._refresh()

    def _refresh(self) -> None:
        shown: dict[str, object] = dict(self.counts)
        if self.spent:
            shown["cost"] = f"${self.spent:.4g}"
        self.bar.set_postfix(shown, refresh=True)

    def summary(self) -> str:
        """One line: how many files, and how many of them are ok, failed and skipped."""
        ok, failed, skipped = self.counts["ok"], self.counts["failed"], self.counts["skipped"]
        done = ok + failed + skipped
        line = f"{done} of {self.total} files: {ok} transcribed, {failed} failed"
        if skipped:
            where = f" in {self.results}" if self.results else ""
            line += f", {skipped} skipped (done in an earlier run{where})"
        if failed:
            line += "; run it again to retry the failed ones"
        return line + (f" ({self.notice})" if self.notice else "") + "."

    def close(self) -> None:
        """End the bar; print the summary line (when the bar is shown)."""
        self.bar.close()
        if self.show:
            print(self.summary(), file=sys.stdout, flush=True)


class ResultTable:
    """Batch results as a table: HTML in a notebook, aligned text elsewhere. Every value is escaped."""

    columns = ("key", "status", "text or error")

    def __init__(self, results: Iterable[dict[str, Any]]) -> None:
        self.rows = [(str(r.get("key", "")), str(r.get("status", "")),
                      _short(r.get("text") if r.get("status") == "ok" else r.get("error") or r.get("text")))
                     for r in results]

    def _repr_html_(self) -> str:
        cell = "padding:2px 8px;text-align:left;vertical-align:top"
        head = "".join(f'<th style="{cell}">{c}</th>' for c in self.columns)
        body = "".join("<tr>" + "".join(f'<td style="{cell}">{html.escape(v)}</td>' for v in row) + "</tr>"
                       for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cells = [list(self.columns), *[list(row) for row in self.rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                         for row in cells)


class BatchResults(list[dict[str, Any]]):
    """The list :func:`transcribe_many` returns (one dict per source, in input order), plus
    :meth:`table` and the run's :attr:`summary` line."""

    summary: str = ""

    @property
    def cost(self) -> float:
        """US dollars (credits) reported for all results, those of earlier runs included; 0 when the
        server reported none."""
        return sum(r["cost"] for r in self if isinstance(r.get("cost"), (int, float)))

    def table(self) -> Any:
        """The results as a table: a pandas ``DataFrame`` when pandas is installed, else a
        :class:`ResultTable` that a notebook shows as HTML."""
        try:
            import pandas
        except ImportError:
            return ResultTable(self)
        return pandas.DataFrame(ResultTable(self).rows, columns=list(ResultTable.columns))


def _short(value: object) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1] + "…"
