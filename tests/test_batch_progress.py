"""transcribe_many's progress: the bar counts ok, failed and skipped as it goes, a summary line ends the
run, and the results show as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _audio_samples import make_audio

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client import _batch_progress
from or_audio_widgets.client._batch import transcribe_many
from or_audio_widgets.client._batch_progress import BatchProgress, ResultTable


class Bars:
    """Every bar a run makes, and each postfix it showed (what the person watching it saw)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[dict[str, int]] = []
        self.colours: list[str | None] = []
        real = BatchProgress._refresh

        def spy(progress: BatchProgress) -> None:
            real(progress)
            self.seen.append(dict(progress.counts))
            self.colours.append(progress.bar.colour)

        monkeypatch.setattr(BatchProgress, "_refresh", spy)


def test_the_bar_counts_failures_and_skips_as_it_goes(client: OpenRouterAudio, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bars = Bars(monkeypatch)
    files = [make_audio(tmp_path, "wav", seconds=0.3 + i / 10) for i in range(3)]
    missing = tmp_path / "missing.wav"
    out = tmp_path / "r.jsonl"
    first = transcribe_many([*files, missing], client=client, results=out, concurrency=1)
    assert bars.seen[0] == {"ok": 0, "failed": 0, "skipped": 0}
    assert bars.seen[-1] == {"ok": 3, "failed": 1, "skipped": 0}
    assert len(bars.seen) == 5  # one update per file, as each finishes
    assert bars.colours[-1] == _batch_progress.FAILED_COLOUR  # not a plain green bar over a failure
    printed = capsys.readouterr()
    assert "4 of 4 files: 3 transcribed, 1 failed; run it again to retry the failed ones." in printed.out
    assert first.summary in printed.out and "ok=3, failed=1, skipped=0" in printed.err
    # a resume skips the three done, says so, and retries the failure
    bars.seen.clear()
    again = transcribe_many([*files, missing], client=client, results=out)
    assert bars.seen[0] == {"ok": 0, "failed": 0, "skipped": 3}
    assert bars.seen[-1] == {"ok": 0, "failed": 1, "skipped": 3}
    assert again.summary == (f"4 of 4 files: 0 transcribed, 1 failed, 3 skipped (done in an earlier run "
                             f"in {out}); run it again to retry the failed ones.")


def test_no_progress_prints_nothing(client: OpenRouterAudio, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    results = transcribe_many([make_audio(tmp_path, "wav", seconds=0.3)], client=client, results=None,
                              progress=False)
    assert capsys.readouterr().out == "" and results.summary == "1 of 1 files: 1 transcribed, 0 failed."


def test_results_show_as_an_escaped_table(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _batch_progress.BatchResults([
        {"key": "a.wav", "status": "ok", "text": "Hello <b>there</b>\nagain"},
        {"key": "b.wav", "status": "error", "error": "audio file not found: b.wav", "text": None},
        {"key": "c.wav", "status": "ok", "text": "x" * 500},
    ])
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # as where pandas is not installed
    table = rows.table()
    assert isinstance(table, ResultTable)
    page = table._repr_html_()
    assert "Hello &lt;b&gt;there&lt;/b&gt; again" in page and "<b>there" not in page
    assert "audio file not found: b.wav" in page
    assert len(table.rows[2][2]) == 200 and table.rows[2][2].endswith("…")
    text = repr(table).splitlines()
    assert text[0].split() == ["key", "status", "text", "or", "error"] and text[2].startswith("b.wav  error")


def test_results_are_a_dataframe_when_pandas_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    made: dict[str, Any] = {}

    class FakePandas:  # stands in for pandas: what table() hands it is what a DataFrame would hold
        @staticmethod
        def DataFrame(rows: list[tuple[str, ...]], columns: list[str]) -> str:
            made.update(rows=rows, columns=columns)
            return "frame"

    monkeypatch.setitem(__import__("sys").modules, "pandas", FakePandas)
    rows = _batch_progress.BatchResults([{"key": "a.wav", "status": "ok", "text": "Hi"}])
    assert rows.table() == "frame"
    assert made == {"rows": [("a.wav", "ok", "Hi")], "columns": ["key", "status", "text or error"]}
